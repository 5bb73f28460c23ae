#include "match/matcher.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

namespace rampart::match {
namespace {

std::set<AtomId> Hits(const Matcher& m, FieldId f, std::string_view v) {
  auto scratch = m.NewScratch();
  std::vector<AtomId> out;
  m.Match(f, v, *scratch, out);
  return std::set<AtomId>(out.begin(), out.end());
}

TEST(MatcherTest, ExactValuesPerField) {
  MatcherBuilder b;
  ASSERT_TRUE(b.AddExact(0, "evil.com", 1).ok());
  ASSERT_TRUE(b.AddExact(0, "evil.com", 2).ok());  // same value, second atom
  ASSERT_TRUE(b.AddExact(0, "bad.org", 3).ok());
  ASSERT_TRUE(b.AddExact(1, "evil.com", 4).ok());  // other field
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Hits(**m, 0, "evil.com"), (std::set<AtomId>{1, 2}));
  EXPECT_EQ(Hits(**m, 0, "bad.org"), (std::set<AtomId>{3}));
  EXPECT_EQ(Hits(**m, 1, "evil.com"), (std::set<AtomId>{4}));
  EXPECT_TRUE(Hits(**m, 0, "evil.co").empty());
  EXPECT_TRUE(Hits(**m, 7, "evil.com").empty());  // unknown field
  EXPECT_EQ((*m)->exact_values(), 3u);
}

TEST(MatcherTest, CidrV4AndV6) {
  struct Case {
    std::string_view value;
    std::set<AtomId> want;
  };
  MatcherBuilder b;
  ASSERT_TRUE(b.AddCidr(0, "10.0.0.0/8", 1).ok());
  ASSERT_TRUE(b.AddCidr(0, "10.1.0.0/16", 2).ok());
  ASSERT_TRUE(b.AddCidr(0, "192.168.1.7", 3).ok());
  ASSERT_TRUE(b.AddCidr(0, "2001:db8::/32", 4).ok());
  ASSERT_TRUE(b.AddCidr(0, "2001:db8:0:1::/64", 5).ok());
  ASSERT_TRUE(b.AddCidr(0, "0.0.0.0/0", 6).ok());
  EXPECT_FALSE(b.AddCidr(0, "10.0.0.0/33", 9).ok());
  EXPECT_FALSE(b.AddCidr(0, "10.0.0/8", 9).ok());
  EXPECT_FALSE(b.AddCidr(0, "evil.com", 9).ok());
  EXPECT_FALSE(b.AddCidr(0, "::/129", 9).ok());
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  const Case cases[] = {
      {"10.2.3.4", {1, 6}},
      {"10.1.255.1", {1, 2, 6}},
      {"192.168.1.7", {3, 6}},
      {"192.168.1.8", {6}},
      {"11.0.0.1", {6}},
      {"2001:db8::1", {4}},
      {"2001:0db8:0000:0001::abcd", {4, 5}},
      {"2001:db9::1", {}},
      {"not-an-ip", {}},
      {"", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(Hits(**m, 0, c.value), c.want) << c.value;
}

TEST(MatcherTest, RegexEnginesFallBack) {
  MatcherBuilder b;
  ASSERT_TRUE(b.AddRegex(0, "^evil[0-9]+\\.com$", 1).ok());              // Hyperscan
  ASSERT_TRUE(b.AddRegex(0, "(a+)\\1x", 2).ok());                        // back-reference: PCRE2
  ASSERT_TRUE(b.AddRegex(0, LikeToRegex("%.example.org"), 3, {.dot_all = true}).ok());
  ASSERT_TRUE(b.AddRegex(0, "([", 4).ok());                              // invalid everywhere
  ASSERT_TRUE(b.AddRegex(0, "(?<=x)y", 5).ok());                         // look-behind: not HS, not RE2
  std::vector<RejectedRegex> rejected;
  auto m = b.Build(&rejected);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].atom, 4u);
  EXPECT_EQ((*m)->regexes(RegexEngine::kHyperscan), 2u);
  EXPECT_EQ((*m)->regexes(RegexEngine::kPcre2), 2u);
  EXPECT_EQ(Hits(**m, 0, "evil42.com"), (std::set<AtomId>{1}));
  EXPECT_EQ(Hits(**m, 0, "zzaaaaxq"), (std::set<AtomId>{2}));
  EXPECT_EQ(Hits(**m, 0, "www.example.org"), (std::set<AtomId>{3}));
  EXPECT_TRUE(Hits(**m, 0, "www.exampleXorg").empty());  // '.' escaped in LIKE
  EXPECT_EQ(Hits(**m, 0, "xy"), (std::set<AtomId>{5}));
  EXPECT_TRUE(Hits(**m, 0, "\xff\xfe").empty());  // invalid UTF-8 never matches a regex
}

TEST(MatcherTest, LikeToRegexEscapes) {
  EXPECT_EQ(LikeToRegex("a%b_c"), "^a.*b.c$");
  EXPECT_EQ(LikeToRegex("1.2"), "^1\\x2e2$");
}

TEST(MatcherTest, LimitsAreEnforced) {
  MatcherBuilder b;
  EXPECT_FALSE(b.AddExact(0, std::string(kMaxValueBytes + 1, 'a'), 1).ok());
  EXPECT_FALSE(b.AddExact(kMaxFields, "x", 1).ok());
  EXPECT_FALSE(b.AddRegex(0, std::string(kMaxRegexBytes + 1, 'a'), 1).ok());
}

TEST(MatcherTest, ManyValuesShareOneArena) {
  MatcherBuilder b;
  for (AtomId i = 0; i < 100000; ++i) ASSERT_TRUE(b.AddExact(0, "host" + std::to_string(i) + ".example", i).ok());
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  for (AtomId i = 0; i < 100000; i += 9973) {
    EXPECT_EQ(Hits(**m, 0, "host" + std::to_string(i) + ".example"), (std::set<AtomId>{i}));
  }
  EXPECT_LT((*m)->ApproxMemoryBytes(), size_t{16} << 20);
}

// Issue 11: catastrophic back-reference patterns (PCRE2 fallback). Each one
// is disabled on the first value that blows its budget, naming the reason;
// the other regexes (PCRE2 too) still match on every later value.
TEST(MatcherTest, CatastrophicBackreferencesAreDisabled) {
  const std::string evil[] = {"(a+)+\\1b", "(a|aa)+\\1c", "((a*)*)+\\2d"};
  MatcherBuilder b;
  for (AtomId i = 0; i < 3; ++i) ASSERT_TRUE(b.AddRegex(0, evil[i], 10 + i).ok());
  ASSERT_TRUE(b.AddRegex(0, "(x+)\\1y", 1).ok());     // a harmless back-reference: PCRE2
  ASSERT_TRUE(b.AddRegex(0, "^evil[0-9]+$", 2).ok());  // Hyperscan
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  ASSERT_EQ((*m)->regexes(RegexEngine::kPcre2), 4u);
  auto scratch = (*m)->NewScratch();
  const std::string bomb = std::string(40, 'a') + "!bcd";  // has the required last characters
  std::vector<AtomId> out;
  for (int event = 0; event < 200; ++event) {
    out.clear();
    (*m)->Match(0, bomb, *scratch, out);
    EXPECT_TRUE(out.empty());
    out.clear();
    (*m)->Match(0, "xxxxyy", *scratch, out);
    EXPECT_EQ(out, std::vector<AtomId>{1});
    out.clear();
    (*m)->Match(0, "evil7", *scratch, out);
    EXPECT_EQ(out, std::vector<AtomId>{2});
  }
  auto off = (*m)->DisabledRegexes();
  ASSERT_EQ(off.size(), 3u);
  for (AtomId i = 0; i < 3; ++i) {
    EXPECT_EQ(off[i].atom, 10 + i);
    EXPECT_EQ(off[i].regex, evil[i]);
    EXPECT_FALSE(off[i].reason.empty());
  }
  // Disabled means disabled: the value it would match no longer does.
  out.clear();
  (*m)->Match(0, "aab", *scratch, out);
  EXPECT_TRUE(out.empty());
}

// The time budget holds inside one call, even when the match limit would
// allow far more work (the callout checks the clock).
TEST(MatcherTest, RegexTimeBudgetStopsOneCall) {
  MatcherBuilder b;
  b.SetRegexBudget({.match_limit = 4000000000u, .depth_limit = 1000000, .micros_per_value = 2000});
  ASSERT_TRUE(b.AddRegex(0, "(a+)+\\1b", 7).ok());
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  auto scratch = (*m)->NewScratch();
  std::vector<AtomId> out;
  (*m)->Match(0, std::string(60, 'a') + "!b", *scratch, out);
  EXPECT_TRUE(out.empty());
  auto off = (*m)->DisabledRegexes();
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].atom, 7u);
  EXPECT_NE(off[0].reason.find("on one value"), std::string::npos) << off[0].reason;
}

// The cumulative budget: a regex that stays under the per-value limit but
// averages more than its allowance per value is disabled once its total is
// spent; a cheap one scanned as often is not.
TEST(MatcherTest, RegexTotalBudgetCatchesSlowButNotCatastrophic) {
  MatcherBuilder b;
  b.SetRegexBudget({.micros_per_value = 1000000, .micros_per_regex = 20000, .micros_per_regex_per_value = 1});
  ASSERT_TRUE(b.AddRegex(0, "(a+)+\\1b", 7).ok());
  ASSERT_TRUE(b.AddRegex(0, "(x+)\\1y", 8).ok());
  auto m = b.Build();
  ASSERT_TRUE(m.ok());
  auto scratch = (*m)->NewScratch();
  std::vector<AtomId> out;
  for (int i = 0; i < 2000 && (*m)->DisabledRegexes().empty(); ++i) {
    (*m)->Match(0, std::string(14, 'a') + "!b", *scratch, out);  // slow-ish each time, not catastrophic
  }
  auto off = (*m)->DisabledRegexes();
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].atom, 7u);
  EXPECT_NE(off[0].reason.find("in total"), std::string::npos) << off[0].reason;
}

// The budgets are CPU time of the scanning thread, not wall time: a scan
// stopped by the kernel mid-call (here SIGSTOP for 600 ms, far over the
// 150 ms budget per value) gets no regex disabled, while each call costs a
// few ms of CPU. With a wall clock the stopped call would be over budget.
TEST(MatcherTest, RegexBudgetIsCpuTimeNotWallTime) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    MatcherBuilder b;
    b.SetRegexBudget({.match_limit = 4000000000u, .depth_limit = 1000000, .micros_per_value = 150000,
                      .micros_per_regex = 1000000000, .micros_per_regex_per_value = 1000000});
    if (!b.AddRegex(0, "(a+)+\\1b", 7).ok()) _exit(3);
    auto m = b.Build();
    if (!m.ok()) _exit(3);
    auto scratch = (*m)->NewScratch();
    std::vector<AtomId> out;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    int calls = 0;
    while (std::chrono::steady_clock::now() < end) {  // calls back to back, so the stop lands inside one
      (*m)->Match(0, std::string(16, 'a') + "!b", *scratch, out);
      ++calls;
    }
    if (calls < 10) _exit(4);  // each call must be short next to the budget
    _exit((*m)->DisabledRegexes().empty() ? 0 : 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(child, SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  kill(child, SIGCONT);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1 = disabled after a stop, 3 = setup, 4 = calls too slow";
}

}  // namespace
}  // namespace rampart::match
