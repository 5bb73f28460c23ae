#include "pattern/evaluator.h"

#include <gtest/gtest.h>

#include <string>

#include "pattern/parser.h"

namespace rampart::pattern {
namespace {

Pattern P(const char* text) {
  Result<Pattern> p = ParsePattern(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
  return p.ok() ? *p : Pattern{};
}

// Two STIX 2.0 observed-data, one second apart.
const char* kTwoObservations = R"([
  {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:00Z",
   "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1,
   "objects": {"0": {"type": "file", "name": "a.exe", "size": 10}}},
  {"type": "observed-data", "id": "observed-data--2", "first_observed": "2020-01-01T00:00:01Z",
   "last_observed": "2020-01-01T00:00:01Z", "number_observed": 2,
   "objects": {"0": {"type": "file", "name": "b.exe"},
               "1": {"type": "process", "binary_ref": "0", "pid": 4}}}
])";

TEST(EvaluatorTest, ReturnsObservedDataOfFirstBinding) {
  struct Case {
    const char* pattern;
    bool matched;
    std::vector<std::string> ids;
  } cases[] = {
      {"[file:name = 'a.exe']", true, {"observed-data--1"}},
      {"[file:name = 'b.exe']", true, {"observed-data--2"}},
      {"[file:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.exe']", true, {"observed-data--1", "observed-data--2"}},
      {"[file:name = 'b.exe'] FOLLOWEDBY [file:name = 'a.exe']", false, {}},
      {"[process:binary_ref.name = 'b.exe']", true, {"observed-data--2"}},
      {"[file:name = 'b.exe'] REPEATS 2 TIMES", true, {"observed-data--2"}},
      {"[file:name = 'b.exe'] REPEATS 3 TIMES", false, {}},
      {"[file:name LIKE '%.exe'] REPEATS 3 TIMES WITHIN 1 SECONDS", true, {"observed-data--1", "observed-data--2"}},
      {"[file:name LIKE '%.exe'] REPEATS 3 TIMES WITHIN 0.5 SECONDS", false, {}},
  };
  for (const Case& c : cases) {
    Result<EvalResult> r = Evaluate(P(c.pattern), kTwoObservations);
    ASSERT_TRUE(r.ok()) << c.pattern << ": " << r.status().ToString();
    EXPECT_EQ(r->matched, c.matched) << c.pattern;
    EXPECT_EQ(r->observed_data_ids, c.ids) << c.pattern;
  }
}

TEST(EvaluatorTest, RejectsBadInput) {
  Pattern p = P("[file:name = 'a']");
  EXPECT_EQ(Evaluate(p, "{not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Evaluate(p, "[1, 2]").status().code(), StatusCode::kInvalidArgument);
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Evaluate(p, deep).status().code(), StatusCode::kResourceExhausted);
  EvalOptions small;
  small.max_input_bytes = 10;
  EXPECT_EQ(Evaluate(p, kTwoObservations, small).status().code(), StatusCode::kResourceExhausted);
  // Missing timing properties, as the OASIS matcher demands.
  EXPECT_FALSE(Evaluate(p, R"([{"type":"observed-data","objects":{}}])").ok());
}

// A search with no solution over a huge number_observed ends with
// ResourceExhausted instead of running (practically) forever.
TEST(EvaluatorTest, BindingSearchIsBounded) {
  const char* many = R"([
    {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:05Z",
     "last_observed": "2020-01-01T00:00:05Z", "number_observed": 1000000000,
     "objects": {"0": {"type": "file", "name": "b"}}},
    {"type": "observed-data", "id": "observed-data--2", "first_observed": "2020-01-01T00:00:00Z",
     "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1000000000,
     "objects": {"0": {"type": "file", "name": "a"}}}])";
  EvalOptions opt;
  opt.max_steps = 2'000'000;
  // Bounded by max_steps, not by a clock: the answer is ResourceExhausted.
  Result<EvalResult> r = Evaluate(P("[file:name = 'b'] FOLLOWEDBY [file:name = 'a']"), many, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  // The same input with a satisfiable pattern answers at once (lazy search).
  r = Evaluate(P("[file:name = 'a'] FOLLOWEDBY [file:name = 'b']"), many, opt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->matched);
}

// Patterns whose lazy search would nest too deeply are refused, not run.
TEST(EvaluatorTest, RefusesTooDeepSearches) {
  std::string many = "[file:name = 'a']";
  for (int i = 0; i < 30000; ++i) many += " AND [file:name = 'a']";
  Result<Pattern> p = ParsePattern(many);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<EvalResult> r = Evaluate(*p, kTwoObservations);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  r = Evaluate(P("[file:name = 'a'] REPEATS 1000000 TIMES"), kTwoObservations);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  r = Evaluate(P("[file:name = 'b.exe'] REPEATS 1000 TIMES"), kTwoObservations);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->matched);
}

TEST(EvaluatorTest, Stix21BundlesAndSdoTypes) {
  const char* bundle = R"([{"type": "bundle", "id": "bundle--1", "objects": [
    {"type": "observed-data", "id": "observed-data--a", "first_observed": "2020-01-01T00:00:00Z",
     "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1,
     "object_refs": ["ipv6-addr--1", "network-traffic--1"]},
    {"type": "ipv6-addr", "id": "ipv6-addr--1", "value": "2001:db8::7"},
    {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv6-addr--1", "dst_port": 443},
    {"type": "ipv6-addr", "id": "ipv6-addr--2", "value": "2001:db8::8"}]}])";
  struct Case {
    const char* pattern;
    bool matched;
  } cases[] = {
      {"[network-traffic:dst_ref.value ISSUBSET '2001:db8::/64' AND network-traffic:dst_port = 443]", true},
      {"[ipv6-addr:value = '2001:db8::8']", false},  // not referenced by the observed-data
      {"[observed-data:number_observed = 1]", false},
      {"[network-traffic:dst_ref.value = '2001:db8::7'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:01Z'",
       true},
  };
  for (const Case& c : cases) {
    Result<EvalResult> r = Evaluate(P(c.pattern), bundle);
    ASSERT_TRUE(r.ok()) << c.pattern << ": " << r.status().ToString();
    EXPECT_EQ(r->matched, c.matched) << c.pattern;
  }
}

}  // namespace
}  // namespace rampart::pattern
