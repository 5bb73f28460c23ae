// Property tests (rapidcheck): ToString(ast) reparses to an equal AST for
// random ASTs, and the parser survives random and truncated input.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"
#include "pattern/evaluator.h"
#include "pattern/parser.h"

namespace rampart::pattern {
namespace {

// Text that is valid UTF-8: ASCII (incl. quote and backslash) and a few
// multi-byte characters.
rc::Gen<std::string> Utf8Text() {
  static const std::vector<std::string> kPieces = {"a", "Z", "0", "_", "-", " ", "'", "\\", "%", ".", "é",
                                                   "ḍ̇", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "AND", "\n"};
  return rc::gen::map(rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, kPieces.size())),
                      [](const std::vector<size_t>& idx) {
                        std::string s;
                        for (size_t i : idx) s += kPieces[i];
                        return s;
                      });
}

rc::Gen<std::string> Identifier(bool hyphen) {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 26), rc::gen::container<std::string>(rc::gen::element(
                                                                 'a', 'b', 'x', '9', '_', hyphen ? '-' : 'q'))),
                      [](const std::pair<int, std::string>& p) { return std::string(1, 'a' + p.first) + p.second; });
}

Literal RandomLiteral(bool orderable) {
  int kind = *rc::gen::inRange(0, orderable ? 6 : 7);
  switch (kind) {
    case 0: return Literal::String(*Utf8Text());
    case 1: return Literal::Int(*rc::gen::arbitrary<int64_t>());
    case 2: {
      double d = *rc::gen::arbitrary<double>();
      if (!std::isfinite(d)) d = 0.5;
      return Literal::Float(d);
    }
    case 3: return Literal::Binary(*rc::gen::nonEmpty(rc::gen::arbitrary<std::string>()));
    case 4: return Literal::Hex(*rc::gen::arbitrary<std::string>());
    case 5: {
      Micros m = *rc::gen::inRange<int64_t>(0, 4102444800LL * 1000000);
      std::string text = FormatTimestampMicros(m);
      return Literal::Timestamp(text, m);
    }
    default: return Literal::Bool(*rc::gen::arbitrary<bool>());
  }
}

ObjectPath RandomPath() {
  ObjectPath p;
  p.object_type = *Identifier(true);
  p.steps.push_back(PathStep::Key(*rc::gen::oneOf(Identifier(false), Utf8Text())));
  int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) {
    int k = *rc::gen::inRange(0, 3);
    if (k == 0) p.steps.push_back(PathStep::Key(*Utf8Text()));
    if (k == 1) p.steps.push_back(PathStep::Index(*rc::gen::arbitrary<int64_t>()));
    if (k == 2) p.steps.push_back(PathStep::Any());
  }
  return p;
}

Comparison RandomComparison() {
  Comparison c;
  c.path = RandomPath();
  c.op = static_cast<Operator>(*rc::gen::inRange(0, 12));
  c.negated = *rc::gen::arbitrary<bool>();
  switch (c.op) {
    case Operator::kIn: {
      int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) c.set.push_back(RandomLiteral(false));
      break;
    }
    case Operator::kLike:
    case Operator::kMatches:
    case Operator::kIsSubset:
    case Operator::kIsSuperset: c.value = Literal::String(*Utf8Text()); break;
    case Operator::kExists: break;
    case Operator::kEqual:
    case Operator::kNotEqual: c.value = RandomLiteral(false); break;
    default: c.value = RandomLiteral(true); break;
  }
  return c;
}

ComparisonExpr RandomComparisonExpr(int depth, ComparisonExpr::Kind parent) {
  int k = depth <= 0 ? 0 : *rc::gen::inRange(0, 3);
  ComparisonExpr e;
  if (k == 0 || (k == 1 && parent == ComparisonExpr::Kind::kAnd) || (k == 2 && parent == ComparisonExpr::Kind::kOr)) {
    e.kind = ComparisonExpr::Kind::kComparison;
    e.comparison = RandomComparison();
    return e;
  }
  e.kind = k == 1 ? ComparisonExpr::Kind::kAnd : ComparisonExpr::Kind::kOr;
  int n = *rc::gen::inRange(2, 4);
  for (int i = 0; i < n; ++i) e.children.push_back(RandomComparisonExpr(depth - 1, e.kind));
  return e;
}

ObservationExpr RandomObservation(int depth, ObservationExpr::Kind parent) {
  using K = ObservationExpr::Kind;
  int k = depth <= 0 ? 0 : *rc::gen::inRange(0, 7);
  ObservationExpr e;
  K kinds[] = {K::kObservation, K::kAnd, K::kOr, K::kFollowedBy, K::kWithin, K::kRepeats, K::kStartStop};
  e.kind = kinds[k];
  if (e.kind == parent && (k >= 1 && k <= 3)) e.kind = K::kObservation;
  switch (e.kind) {
    case K::kObservation: e.comparison = RandomComparisonExpr(2, ComparisonExpr::Kind::kComparison); break;
    case K::kAnd:
    case K::kOr:
    case K::kFollowedBy: {
      int n = *rc::gen::inRange(2, 4);
      for (int i = 0; i < n; ++i) e.children.push_back(RandomObservation(depth - 1, e.kind));
      break;
    }
    default:
      e.children.push_back(RandomObservation(depth - 1, e.kind));
      if (e.kind == K::kWithin) {
        e.within_seconds = *rc::gen::oneOf(rc::gen::just(5.0), rc::gen::just(0.25), rc::gen::just(3600.0),
                                           rc::gen::map(rc::gen::inRange(1, 100000), [](int v) { return v / 7.0; }));
      } else if (e.kind == K::kRepeats) {
        e.repeats = *rc::gen::inRange<int64_t>(1, 1000000);
      } else {
        Micros a = *rc::gen::inRange<int64_t>(0, 2000000000LL * 1000000);
        e.start = Literal::Timestamp(FormatTimestampMicros(a), a);
        e.stop = Literal::Timestamp(FormatTimestampMicros(a + 1000000), a + 1000000);
      }
      break;
  }
  return e;
}

RC_GTEST_PROP(ParserPropertyTest, PrintedAstReparsesToEqualAst, ()) {
  Pattern p;
  p.root = RandomObservation(3, ObservationExpr::Kind::kObservation);
  std::string text = ToString(p);
  Result<Pattern> again = ParsePattern(text);
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == p);
  RC_ASSERT(ToString(*again) == text);
}

// Robustness: random bytes, random token soup and every truncation of valid
// patterns return (OK or an error), never crash. No wall-clock bound: speed
// is measured by benchmarks, and a parser that hangs is caught by the test
// timeout (CTest), not by a threshold that a loaded machine can cross.
TEST(ParserFuzzTest, RandomAndTruncatedInputNeverCrash) {
  const std::vector<std::string> seeds = {
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:size > 10] FOLLOWEDBY ([a:b IN (1, 2.5, 'x')] OR [c:d LIKE 'a%']) "
      "WITHIN 5 SECONDS",
      "[x:y MATCHES '^a(b)\\\\1$' OR NOT EXISTS x:z] REPEATS 2 TIMES START t'2016-01-01T00:00:00Z' STOP "
      "t'2017-01-01T00:00:00Z'",
      "[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8' AND x:a = b'AQID' AND x:b != h'ff']",
  };
  const std::vector<std::string> tokens = {"[", "]", "(", ")", "AND", "OR", "NOT", "FOLLOWEDBY", "a:b", ".", "'x'",
                                           "=", "IN", "LIKE", "1", "-2.5", "t'2016-01-01T00:00:00Z'", "WITHIN",
                                           "SECONDS", "REPEATS", "TIMES", "START", "STOP", "*", ",", "b'AQ=='",
                                           "/*", "*/", "//", "\\", "'"};
  size_t ok = 0, errors = 0;
  for (const std::string& s : seeds) {
    ASSERT_TRUE(ParsePattern(s).ok()) << s;
    for (size_t n = 0; n <= s.size(); ++n) {
      Result<Pattern> p = ParsePattern(s.substr(0, n));
      (p.ok() ? ok : errors)++;
    }
  }
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    if (i % 2 == 0) {
      size_t len = rng() % 64;
      for (size_t k = 0; k < len; ++k) input += static_cast<char>(rng() & 0xFF);
    } else {
      size_t len = rng() % 24;
      for (size_t k = 0; k < len; ++k) input += tokens[rng() % tokens.size()] + (rng() % 2 ? " " : "");
    }
    Result<Pattern> p = ParsePattern(input);
    if (p.ok()) {
      ++ok;
      // Whatever parses also prints and reparses to the same AST.
      Result<Pattern> again = ParsePattern(ToString(*p));
      ASSERT_TRUE(again.ok()) << input;
      EXPECT_TRUE(*again == *p) << input;
    } else {
      ++errors;
      EXPECT_FALSE(p.status().message().empty());
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_GT(ok, 3u);
}

// Replays the checked-in fuzz corpus (tests/golden/pattern/fuzz_corpus,
// seeded with every OASIS and golden pattern and grown by
// pattern_parser_fuzzer) with the fuzzer's invariants.
TEST(ParserFuzzTest, CorpusReplays) {
  std::filesystem::path dir = std::filesystem::path(RAMPART_PATTERN_GOLDEN_DIR) / "fuzz_corpus";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  const char* observed = R"([{"type":"observed-data","id":"observed-data--1",
    "first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:05Z","number_observed":3,
    "objects":{"0":{"type":"file","name":"a.exe","size":10,"hashes":{"MD5":"ab"},"list":[1,"x",{"k":true}]},
               "1":{"type":"ipv4-addr","value":"10.0.0.1"},"2":{"type":"x","ref_ref":"0","data_hex":"0aff"}}}])";
  size_t files = 0, parsed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    ++files;
    Result<Pattern> p = ParsePattern(ss.str());
    if (!p.ok()) continue;
    ++parsed;
    Result<Pattern> again = ParsePattern(ToString(*p));
    ASSERT_TRUE(again.ok()) << e.path();
    EXPECT_TRUE(*again == *p) << e.path();
    EvalOptions opt;
    opt.max_steps = 100000;
    (void)Evaluate(*p, observed, opt);
  }
  EXPECT_GT(files, 400u);
  EXPECT_GT(parsed, 300u);
}

}  // namespace
}  // namespace rampart::pattern
