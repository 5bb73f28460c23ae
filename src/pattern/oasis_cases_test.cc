// Runs every case of the OASIS pattern-matcher test-suite (extracted into
// shared/data/patterns/*.jsonl) through ParsePattern and Evaluate:
//   match / no-match          parse OK, Evaluate OK, matched as expected
//                             (and expected_ids, when given, equal)
//   error:ParseException      ParsePattern fails
//   error:MatcherException    ParsePattern succeeds, Evaluate fails
// Cases that do not pass are listed in kKnownFailures with the reason; the
// test fails when a listed case starts passing (remove it) or an unlisted
// case fails.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pattern/evaluator.h"
#include "pattern/parser.h"
#include "testing/test_data.h"

namespace rampart::pattern {
namespace {

struct KnownFailure {
  const char* file;
  const char* test;
  const char* pattern;
  const char* why;
};

// Cases this implementation does not pass, with the reason (file, test,
// pattern, why). Empty: all 423 STIX 2.1 and 419 STIX 2.0 cases pass.
const std::vector<KnownFailure> kKnownFailures = {};

struct Outcome {
  int total = 0;
  int passed = 0;
  std::vector<std::string> failures;  // "test | pattern | reason"
};

std::string Key(const std::string& file, const std::string& test, const std::string& pattern) {
  return file + " | " + test + " | " + pattern;
}

Outcome RunFile(const std::filesystem::path& path, const std::string& file_name) {
  Outcome out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json c = nlohmann::json::parse(line);
    ++out.total;
    const std::string test = c["test"], pat = c["pattern"], expected = c["expected"];
    const std::string version = c.value("stix_version", "2.1");
    std::string why;
    // Matcher cases: cti-pattern-matcher applies the grammar only, not the
    // validator's hash-format and repeated-qualifier rules (some cases
    // repeat REPEATS on one observation).
    ParseLimits grammar_only;
    grammar_only.validator_rules = false;
    Result<Pattern> p = ParsePattern(pat, grammar_only);
    if (expected == "error:ParseException") {
      if (p.ok()) why = "parsed, expected a parse error";
    } else if (!p.ok()) {
      why = "parse error: " + std::string(p.status().message());
    } else {
      EvalOptions opt;
      opt.version = version == "2.0" ? StixVersion::k20 : StixVersion::k21;
      Result<EvalResult> r = Evaluate(*p, c["observed_data"].dump(), opt);
      if (expected == "error:MatcherException") {
        if (r.ok()) why = std::string("evaluated (") + (r->matched ? "match" : "no-match") + "), expected an error";
      } else if (!r.ok()) {
        why = "evaluation error: " + r.status().ToString();
      } else if (r->matched != (expected == "match")) {
        why = std::string("got ") + (r->matched ? "match" : "no-match");
      } else if (c.contains("expected_ids")) {
        std::vector<std::string> want;
        if (c["expected_ids"].is_string()) want.push_back(c["expected_ids"]);
        else for (auto& x : c["expected_ids"]) want.push_back(x);
        std::multiset<std::string> a(want.begin(), want.end()), b(r->observed_data_ids.begin(), r->observed_data_ids.end());
        if (a != b) {
          why = "ids differ: got";
          for (auto& id : r->observed_data_ids) why += " " + id;
        }
      }
    }
    if (why.empty()) {
      ++out.passed;
    } else {
      out.failures.push_back(Key(file_name, test, pat) + " | " + why);
    }
  }
  return out;
}

void Check(const std::string& file_name) {
  RAMPART_REQUIRE_SHARED_DATA(path, "patterns/" + file_name);
  Outcome o = RunFile(path, file_name);
  std::set<std::string> known;
  for (const KnownFailure& k : kKnownFailures)
    if (file_name == k.file) known.insert(Key(k.file, k.test, k.pattern));
  std::set<std::string> failed;
  for (const std::string& f : o.failures) {
    std::string key = f.substr(0, f.rfind(" | "));
    failed.insert(key);
    EXPECT_TRUE(known.count(key)) << "unexpected failure: " << f;
  }
  for (const std::string& k : known)
    EXPECT_TRUE(failed.count(k)) << "listed as known failure but passes now, remove it: " << k;
  std::printf("[ OASIS    ] %s: %d of %d cases pass (%zu known failures)\n", file_name.c_str(), o.passed, o.total,
              known.size());
  EXPECT_GT(o.total, 400);
}

TEST(OasisCasesTest, Stix21) { Check("stix21-matcher-cases.jsonl"); }
TEST(OasisCasesTest, Stix20) { Check("stix20-matcher-cases.jsonl"); }

}  // namespace
}  // namespace rampart::pattern
