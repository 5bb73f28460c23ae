#include "pattern/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::pattern {
namespace {

// --------------------------------------------------------------- accepted

struct RoundTripCase {
  const char* input;
  const char* canonical;  // ToString(ParsePattern(input))
};

TEST(ParserTest, ParsesAndPrintsCanonically) {
  const RoundTripCase cases[] = {
      // every comparison operator, with and without NOT
      {"[ipv4-addr:value = '1.2.3.4']", "[ipv4-addr:value = '1.2.3.4']"},
      {"[ipv4-addr:value == '1.2.3.4']", "[ipv4-addr:value = '1.2.3.4']"},
      {"[x:y != 1]", "[x:y != 1]"},
      {"[x:y <> 1]", "[x:y != 1]"},
      {"[x:y NOT = 1]", "[x:y NOT = 1]"},
      {"[x:y > 1]", "[x:y > 1]"},
      {"[x:y < 1]", "[x:y < 1]"},
      {"[x:y >= 1]", "[x:y >= 1]"},
      {"[x:y <= 1]", "[x:y <= 1]"},
      {"[x:y NOT <= 1]", "[x:y NOT <= 1]"},
      {"[x:y IN (1, 2, 3)]", "[x:y IN (1, 2, 3)]"},
      {"[x:y NOT IN ('a','b')]", "[x:y NOT IN ('a', 'b')]"},
      {"[x:y IN ()]", "[x:y IN ()]"},
      {"[x:y LIKE 'a%_']", "[x:y LIKE 'a%_']"},
      {"[x:y NOT LIKE 'a']", "[x:y NOT LIKE 'a']"},
      {"[x:y MATCHES '^(a)\\\\1$']", "[x:y MATCHES '^(a)\\\\1$']"},
      {"[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"},
      {"[ipv4-addr:value NOT ISSUPERSET '10.0.0.0/8']", "[ipv4-addr:value NOT ISSUPERSET '10.0.0.0/8']"},
      {"[EXISTS x:y]", "[EXISTS x:y]"},
      {"[NOT EXISTS x:y.z]", "[NOT EXISTS x:y.z]"},
      // every literal
      {"[x:y = 'it\\'s a \\\\ test']", "[x:y = 'it\\'s a \\\\ test']"},
      {"[x:y = -42]", "[x:y = -42]"},
      {"[x:y = +42]", "[x:y = 42]"},
      {"[x:y = 1.5]", "[x:y = 1.5]"},
      {"[x:y = -.25]", "[x:y = -0.25]"},
      {"[x:y = true]", "[x:y = true]"},
      {"[x:y = false]", "[x:y = false]"},
      {"[x:y = b'AQIDBA==']", "[x:y = b'AQIDBA==']"},
      {"[x:y = h'0AfF']", "[x:y = h'0aff']"},
      {"[x:y = h'']", "[x:y = h'']"},
      {"[x:y = t'2016-01-01T00:00:00.123Z']", "[x:y = t'2016-01-01T00:00:00.123Z']"},
      // object paths
      {"[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']", "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"},
      {"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
       "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]"},
      {"[x:list[0].a[-1] = 1]", "[x:list[0].a[-1] = 1]"},
      {"[x:'has space' = 1]", "[x:'has space' = 1]"},
      {"[x:'AND' = 1]", "[x:'AND' = 1]"},
      // precedence inside [ ]: AND over OR, parentheses kept where needed
      {"[a:b = 1 OR a:c = 2 AND a:d = 3]", "[a:b = 1 OR a:c = 2 AND a:d = 3]"},
      {"[(a:b = 1 OR a:c = 2) AND a:d = 3]", "[(a:b = 1 OR a:c = 2) AND a:d = 3]"},
      {"[((a:b = 1))]", "[a:b = 1]"},
      // observation operators and precedence () > AND > OR > FOLLOWEDBY
      {"[a:b = 1] AND [a:c = 2] OR [a:d = 3] FOLLOWEDBY [a:e = 4]",
       "[a:b = 1] AND [a:c = 2] OR [a:d = 3] FOLLOWEDBY [a:e = 4]"},
      {"[a:b = 1] AND ([a:c = 2] OR [a:d = 3])", "[a:b = 1] AND ([a:c = 2] OR [a:d = 3])"},
      {"([a:b = 1] FOLLOWEDBY [a:c = 2]) AND [a:d = 3]", "([a:b = 1] FOLLOWEDBY [a:c = 2]) AND [a:d = 3]"},
      // qualifiers
      {"[a:b = 1] WITHIN 5 SECONDS", "[a:b = 1] WITHIN 5 SECONDS"},
      {"[a:b = 1] WITHIN 2.5 SECONDS", "[a:b = 1] WITHIN 2.5 SECONDS"},
      {"[a:b = 1] REPEATS 3 TIMES WITHIN 10 SECONDS", "[a:b = 1] REPEATS 3 TIMES WITHIN 10 SECONDS"},
      {"([a:b = 1] AND [a:c = 2]) START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'",
       "([a:b = 1] AND [a:c = 2]) START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'"},
      {"[a:b = 1] START '2016-01-01T00:00:00Z' STOP '2017-01-01T00:00:00Z'",
       "[a:b = 1] START '2016-01-01T00:00:00Z' STOP '2017-01-01T00:00:00Z'"},
      // whitespace and comments
      {" /* c */ [a:b\t=\n1] // trailing", "[a:b = 1]"},
      {"[a:b\xC2\xA0=\xE3\x80\x80 1]", "[a:b = 1]"},
  };
  for (const RoundTripCase& c : cases) {
    Result<Pattern> p = ParsePattern(c.input);
    ASSERT_TRUE(p.ok()) << c.input << ": " << p.status().ToString();
    EXPECT_EQ(ToString(*p), c.canonical) << c.input;
    Result<Pattern> again = ParsePattern(ToString(*p));
    ASSERT_TRUE(again.ok()) << ToString(*p);
    EXPECT_TRUE(*again == *p) << c.input;
  }
}

TEST(ParserTest, BuildsTheExpectedTree) {
  Result<Pattern> p = ParsePattern("[a:b = 1] OR [a:c = 2] AND [a:d = 3] FOLLOWEDBY [a:e = 4] OR [a:f = 5]");
  ASSERT_TRUE(p.ok());
  const ObservationExpr& root = p->root;
  ASSERT_EQ(root.kind, ObservationExpr::Kind::kFollowedBy);
  ASSERT_EQ(root.children.size(), 2u);
  const ObservationExpr& lhs = root.children[0];
  ASSERT_EQ(lhs.kind, ObservationExpr::Kind::kOr);
  ASSERT_EQ(lhs.children.size(), 2u);
  EXPECT_EQ(lhs.children[0].kind, ObservationExpr::Kind::kObservation);
  EXPECT_EQ(lhs.children[1].kind, ObservationExpr::Kind::kAnd);
  EXPECT_EQ(root.children[1].kind, ObservationExpr::Kind::kOr);

  // n-ary flattening
  p = ParsePattern("[a:b = 1 AND a:c = 2 AND (a:d = 3 AND a:e = 4)]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->root.comparison.kind, ComparisonExpr::Kind::kAnd);
  EXPECT_EQ(p->root.comparison.children.size(), 4u);

  // qualifiers apply left to right to the unit they follow
  p = ParsePattern("[a:b = 1] REPEATS 2 TIMES WITHIN 3 SECONDS AND [a:c = 2]");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->root.kind, ObservationExpr::Kind::kAnd);
  const ObservationExpr& w = p->root.children[0];
  ASSERT_EQ(w.kind, ObservationExpr::Kind::kWithin);
  EXPECT_EQ(w.within_seconds, 3.0);
  ASSERT_EQ(w.children[0].kind, ObservationExpr::Kind::kRepeats);
  EXPECT_EQ(w.children[0].repeats, 2);
}

TEST(ParserTest, DecodesLiteralsAndPaths) {
  Result<Pattern> p = ParsePattern(
      "[x:a = b'AQID' AND x:b = h'ff00' AND x:c = t'1970-01-01T00:00:01.5Z' AND x:d = 'q\\'\\\\' AND "
      "file:extensions.'windows-pebinary-ext'.sections[*].entropy = 1]");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& ch = p->root.comparison.children;
  ASSERT_EQ(ch.size(), 5u);
  EXPECT_EQ(ch[0].comparison.value.type, LiteralType::kBinary);
  EXPECT_EQ(ch[0].comparison.value.bytes, std::string("\x01\x02\x03"));
  EXPECT_EQ(ch[1].comparison.value.type, LiteralType::kHex);
  EXPECT_EQ(ch[1].comparison.value.bytes, std::string("\xff\x00", 2));
  EXPECT_EQ(ch[2].comparison.value.micros, 1500000);
  EXPECT_EQ(ch[3].comparison.value.text, "q'\\");
  const ObjectPath& path = ch[4].comparison.path;
  EXPECT_EQ(path.object_type, "file");
  ASSERT_EQ(path.steps.size(), 5u);
  EXPECT_EQ(path.steps[1], PathStep::Key("windows-pebinary-ext"));
  EXPECT_EQ(path.steps[3], PathStep::Any());
  EXPECT_EQ(path.steps[4], PathStep::Key("entropy"));
}

// ---------------------------------------------------------------- rejected

struct ErrorCase {
  const char* input;
  size_t offset;         // of the offending token
  const char* expected;  // substring of the message
};

TEST(ParserTest, RejectsWithPositionAndExpectation) {
  const ErrorCase cases[] = {
      {"", 0, "expected '[' or '('"},
      {"[a:b = 1", 8, "expected ']'"},
      {"[a:b = 1]]", 9, "end of pattern"},
      {"[a:b 1]", 5, "comparison operator"},
      {"[a:b = ]", 7, "expected a literal"},
      {"[a:b = null]", 7, "expected a literal"},
      {"[a:b LIKE 1]", 10, "expected a string literal"},
      {"[a:b > true]", 7, "orderable literal"},
      {"[a:b IN (1, 2]", 13, "expected ',' or ')'"},
      {"[some-type:needs-quotes = 1]", 11, "must be quoted"},
      {"[a = 1]", 3, "':'"},
      {"[a:b[x] = 1]", 5, "list index"},
      {"[a:b = 'unterminated]", 7, "unterminated string"},
      {"[a:b = 'bad \\n escape']", 12, "invalid escape"},
      {"[a:b = t'2016-01-01T00:00:00']", 7, "invalid timestamp literal"},
      {"[a:b = t'2016-02-30T00:00:00Z']", 7, "day out of range"},
      {"[a:b = t'2016-01-01T00:00:60Z']", 7, "second 60"},
      {"[a:b = b'AQI']", 7, "base64"},
      {"[a:b = h'abc']", 7, "hex"},
      {"[a:b = 99999999999999999999]", 7, "out of range"},
      {"[a:b = 1] WITHIN 1 second", 19, "SECONDS"},
      {"[a:b = 1] WITHIN -1 SECONDS", 17, "positive number"},
      {"[a:b = 1] REPEATS 1.5 TIMES", 18, "positive integer"},
      {"[a:b = 1] START t'2016-01-01T00:00:00Z'", 39, "STOP"},
      {"[a:b = 1] and [a:c = 2]", 10, "end of pattern"},
      {"[a:b = 1]\n  AND", 15, "'[' or '('"},
      {"[a:b = 1] /* open", 10, "unterminated /* comment"},
      {"[a:b = 1 NOT EXISTS a:c]", 9, "expected ']'"},
  };
  for (const ErrorCase& c : cases) {
    ParseError err;
    Result<Pattern> p = ParsePattern(c.input, {}, &err);
    ASSERT_FALSE(p.ok()) << c.input;
    EXPECT_EQ(err.offset, c.offset) << c.input << " -> " << p.status().message();
    EXPECT_NE(p.status().message().find(c.expected), std::string_view::npos)
        << c.input << " -> " << p.status().message();
    EXPECT_EQ(err.message, p.status().message());
  }
}

// cti-pattern-validator's rules (tests/golden/pattern/validator_rules.test
// has the cases): on by default, off for the OASIS matcher's test cases.
TEST(ParserTest, ValidatorRulesOnByDefaultAndSwitchable) {
  const std::string kBadHash = "[file:hashes.'SHA-256' = 'f00']";
  const std::string kTwice = "[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES";
  ParseError err;
  Result<Pattern> p = ParsePattern(kBadHash, {}, &err);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err.offset, 25u);
  EXPECT_EQ(err.column, 26);
  EXPECT_EQ(err.message, p.status().message());
  p = ParsePattern(kTwice, {}, &err);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(err.offset, 26u);

  ParseLimits grammar_only;
  grammar_only.validator_rules = false;
  EXPECT_TRUE(ParsePattern(kBadHash, grammar_only).ok());
  Result<Pattern> twice = ParsePattern(kTwice, grammar_only);
  ASSERT_TRUE(twice.ok());
  // Its canonical text parenthesises the repeated kind, so it reparses
  // (to the same AST) even with the rules on.
  EXPECT_EQ(ToString(*twice), "([a:b = 1] REPEATS 2 TIMES) REPEATS 3 TIMES");
  Result<Pattern> again = ParsePattern(ToString(*twice));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(*again == *twice);
}

TEST(ParserTest, HashRuleReadsValuesAsPythonRe) {
  // re.match's '$' also matches before one final newline.
  EXPECT_TRUE(ParsePattern("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e\n']").ok());
  EXPECT_FALSE(ParsePattern("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e\n\n']").ok());
  EXPECT_FALSE(ParsePattern("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e ']").ok());
  // MD6: OASIS's expression accepts anything starting with 32 hex digits.
  EXPECT_TRUE(ParsePattern("[file:hashes.MD6 = 'd41d8cd98f00b204e9800998ecf8427e-anything']").ok());
  EXPECT_FALSE(ParsePattern("[file:hashes.MD6 = 'd41d8cd98f00b204e9800998ecf8427']").ok());
  // The value is the literal's text with quotes removed: an escaped quote
  // is no hex digit either way.
  EXPECT_FALSE(ParsePattern(R"([file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf842\'7e'])").ok());
  // SSDEEP accepts any literal whose text fits its alphabet (as OASIS).
  EXPECT_TRUE(ParsePattern("[file:hashes.SSDEEP = 12]").ok());
  EXPECT_FALSE(ParsePattern("[file:hashes.SSDEEP = '" + std::string(129, 'a') + "']").ok());
  EXPECT_TRUE(ParsePattern("[file:hashes.SSDEEP = '" + std::string(128, 'a') + "']").ok());
}

TEST(ParserTest, ReportsLineAndColumn) {
  ParseError err;
  Result<Pattern> p = ParsePattern("[a:b = 1]\nAND\n  [a:c ~ 2]", {}, &err);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(err.line, 3);
  EXPECT_EQ(err.column, 8);
  EXPECT_EQ(err.offset, 21u);
  EXPECT_NE(p.status().message().find("line 3, column 8"), std::string_view::npos) << p.status().message();
}

TEST(ParserTest, EnforcesLimits) {
  ParseLimits limits;
  limits.max_length = 10;
  Result<Pattern> p = ParsePattern("[a:b = 1234567]", limits);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);

  // Deep nesting: an error, not a stack overflow.
  std::string deep = std::string(100000, '(') + "[a:b = 1]" + std::string(100000, ')');
  p = ParsePattern(deep);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);
  std::string deep_cmp = "[" + std::string(100000, '(') + "a:b = 1" + std::string(100000, ')') + "]";
  p = ParsePattern(deep_cmp);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);

  limits = ParseLimits{};
  limits.max_set_size = 3;
  p = ParsePattern("[a:b IN (1, 2, 3, 4)]", limits);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);

  limits = ParseLimits{};
  limits.max_comparisons = 2;
  p = ParsePattern("[a:b = 1 OR a:b = 2 OR a:b = 3]", limits);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);

  // Within the default depth, nesting is fine.
  std::string ok = std::string(30, '(') + "[a:b = 1]" + std::string(30, ')');
  EXPECT_TRUE(ParsePattern(ok).ok());
}

}  // namespace
}  // namespace rampart::pattern
