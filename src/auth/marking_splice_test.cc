// SpliceObjectMarking: the default TLP marking goes into the stored bytes
// with every other byte kept; what the splice cannot decide is left to the
// re-serialising path (nullopt).
#include "auth/marking_splice.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stix/markings.h"

namespace rampart::auth::internal {
namespace {

const std::string kAmber(stix::kTlp2Amber);
const std::string kStatement = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168";

struct SpliceCase {
  const char* name;
  std::string in;
  std::optional<std::string> want;  // nullopt: must fall back
};

std::vector<SpliceCase> Cases() {
  const std::string m = "\"" + kAmber + "\"";
  return {
      {"no refs: inserted after the brace",
       R"({"type":"indicator","id":"indicator--1"})",
       R"({"object_marking_refs":[)" + m + R"(],"type":"indicator","id":"indicator--1"})"},
      {"refs present: id first in the array",
       R"({"type":"malware","object_marking_refs":[")" + kStatement + R"("],"name":"x"})",
       R"({"type":"malware","object_marking_refs":[)" + m + R"(,")" + kStatement + R"("],"name":"x"})"},
      {"refs present and empty",
       R"({"type":"malware","object_marking_refs":[ ]})",
       R"({"type":"malware","object_marking_refs":[)" + m + R"( ]})"},
      {"id already there: bytes unchanged",
       R"({"type":"malware","object_marking_refs":[")" + kStatement + R"(", )" + m + R"(]})",
       R"({"type":"malware","object_marking_refs":[")" + kStatement + R"(", )" + m + R"(]})"},
      {"nested object_marking_refs (extensions) ignored",
       R"({"type":"x","extensions":{"ext--1":{"object_marking_refs":["a"]}},"n":[{"object_marking_refs":[]}]})",
       R"({"object_marking_refs":[)" + m +
           R"(],"type":"x","extensions":{"ext--1":{"object_marking_refs":["a"]}},"n":[{"object_marking_refs":[]}]})"},
      {"nested key present, top-level too: only the top-level array",
       R"({"extensions":{"e":{"object_marking_refs":["a"]}},"object_marking_refs":["b"]})",
       R"({"extensions":{"e":{"object_marking_refs":["a"]}},"object_marking_refs":[)" + m + R"(,"b"]})"},
      {"key text inside a string value ignored",
       R"({"description":"\"object_marking_refs\":[\"x\"]","type":"note"})",
       R"({"object_marking_refs":[)" + m + R"(],"description":"\"object_marking_refs\":[\"x\"]","type":"note"})"},
      {"pretty-printed, whitespace kept",
       "  {\n  \"type\" : \"indicator\",\n  \"object_marking_refs\" : [\n    \"b\"\n  ]\n}\n",
       "  {\n  \"type\" : \"indicator\",\n  \"object_marking_refs\" : [" + m + ",\n    \"b\"\n  ]\n}\n"},
      {"pretty-printed, no refs",
       "{\n\t\"type\": \"indicator\"\r\n}",
       "{\"object_marking_refs\":[" + m + "],\n\t\"type\": \"indicator\"\r\n}"},
      {"escapes in strings",
       R"({"name":"a\"b\\c\/\b\f\n\r\t\u0041\ud83d\ude00","type":"tool"})",
       R"({"object_marking_refs":[)" + m + R"(],"name":"a\"b\\c\/\b\f\n\r\t\u0041\ud83d\ude00","type":"tool"})"},
      {"raw UTF-8 kept as is",
       "{\"name\":\"Ünïcødé — 攻撃 😀\",\"type\":\"tool\"}",
       "{\"object_marking_refs\":[" + m + "],\"name\":\"Ünïcødé — 攻撃 😀\",\"type\":\"tool\"}"},
      {"numbers and literals",
       R"({"a":-0.5e+10,"b":0,"c":true,"d":false,"e":null,"f":12E3})",
       R"({"object_marking_refs":[)" + m + R"(],"a":-0.5e+10,"b":0,"c":true,"d":false,"e":null,"f":12E3})"},
      {"empty object", "{}", "{\"object_marking_refs\":[" + m + "]}"},
      // Cannot decide: fall back.
      {"escaped top-level key", R"({"object\u005fmarking_refs":["b"]})", std::nullopt},
      {"refs not an array", R"({"object_marking_refs":"b"})", std::nullopt},
      {"refs with a non-string", R"({"object_marking_refs":[1]})", std::nullopt},
      {"refs with an escaped string", R"({"object_marking_refs":["\u0062"]})", std::nullopt},
      {"refs twice", R"({"object_marking_refs":["a"],"object_marking_refs":["b"]})", std::nullopt},
      // Not a valid JSON object: fall back (nlohmann then withholds it).
      {"array, not object", R"(["a"])", std::nullopt},
      {"leading garbage", R"(x{"a":1})", std::nullopt},
      {"trailing garbage", R"({"a":1} x)", std::nullopt},
      {"truncated", R"({"type":"indicator","granular_markings":[{"marking_ref":)", std::nullopt},
      {"unterminated string", R"({"a":"b)", std::nullopt},
      {"trailing comma", R"({"a":1,})", std::nullopt},
      {"bad literal", R"({"a":tru})", std::nullopt},
      {"leading zero", R"({"a":01})", std::nullopt},
      {"bad escape", R"({"a":"\x"})", std::nullopt},
      {"lone high surrogate", R"({"a":"\ud83d"})", std::nullopt},
      {"lone low surrogate", R"({"a":"\ude00"})", std::nullopt},
      {"raw control char in string", "{\"a\":\"x\ny\"}", std::nullopt},
      {"invalid UTF-8", "{\"a\":\"\xff\"}", std::nullopt},
      {"unbalanced", R"({"a":[1,2})", std::nullopt},
      {"empty input", "", std::nullopt},
      {"too deep", "{\"a\":" + std::string(300, '[') + std::string(300, ']') + "}", std::nullopt},
  };
}

TEST(SpliceObjectMarkingTest, Table) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::optional<std::string> got = SpliceObjectMarking(c.in, kAmber);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << (got ? *got : "nullopt");
    if (!got) continue;
    EXPECT_EQ(*got, *c.want);
    // The result is valid JSON whose top-level refs hold the marking.
    auto j = nlohmann::json::parse(*got, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << *got;
    ASSERT_TRUE(j["object_marking_refs"].is_array());
    EXPECT_NE(std::find(j["object_marking_refs"].begin(), j["object_marking_refs"].end(), kAmber),
              j["object_marking_refs"].end());
  }
}

// Where the splice falls back on invalid input, nlohmann agrees it is invalid;
// where it accepts, nlohmann parses the input too.
TEST(SpliceObjectMarkingTest, AcceptsExactlyWhatNlohmannParsesAsAnObject) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto j = nlohmann::json::parse(c.in, nullptr, false);
    const bool nl_ok = !j.is_discarded() && j.is_object();
    if (SpliceObjectMarking(c.in, kAmber)) {
      EXPECT_TRUE(nl_ok);
    }
  }
}

TEST(SpliceObjectMarkingTest, DeepButWithinLimitSplices) {
  std::string in = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  auto got = SpliceObjectMarking(in, kAmber);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "{\"object_marking_refs\":[\"" + kAmber + "\"]," + in.substr(1));
}

TEST(MayHaveEscapedTopLevelKeyTest, Table) {
  struct {
    std::string in;
    bool want;
  } cases[] = {
      {R"({"type":"x","name":"\u0041"})", false},          // escape in a value only
      {R"({"type":"x","e":{"k\u0041":1}})", false},        // escape in a nested key
      {R"({"granular\u005fmarkings":[]})", true},
      {R"({"a":1,  "\u0067ranular_markings" :[]})", true},
      {R"({"a\nb":1})", false},                             // not a \u escape
      {"{}", false},
      {R"({"a":)", true},                                   // invalid: conservative
      {R"(["\u0041"])", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MayHaveEscapedTopLevelKey(c.in), c.want) << c.in;
  }
}

}  // namespace
}  // namespace rampart::auth::internal
