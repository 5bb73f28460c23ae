#include "detect/indicators.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::detect {
namespace {

std::vector<std::string> Split(std::string_view text, size_t piece) {
  ObjectStreamSplitter sp;
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); i += piece) {
    Status st = sp.Feed(text.substr(i, piece), [&](std::string_view o) { out.emplace_back(o); });
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  EXPECT_TRUE(sp.Finish().ok());
  return out;
}

TEST(ObjectStreamSplitterTest, BundleArrayLinesAndSingleObjectInAnyPieces) {
  const std::string a = R"({"type":"indicator","id":"indicator--1","pattern":"[x:y = '}{\"]']"})";
  const std::string b = R"({"type":"malware","id":"malware--2","objects":{"0":{"type":"file"}}})";
  struct Case {
    std::string doc;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {R"({"type":"bundle","id":"bundle--x","objects":[)" + a + "," + b + "]}", {a, b}},
      {"[" + a + ",\n" + b + "]", {a, b}},
      {a + "\n" + b + "\n", {a, b}},
      {a, {a}},
      {R"({"objects":[)" + a + R"(],"type":"bundle"})", {a}},
  };
  for (const Case& c : cases) {
    for (size_t piece : {1, 3, 7, 4096}) EXPECT_EQ(Split(c.doc, piece), c.want) << c.doc << " piece " << piece;
  }
}

TEST(ObjectStreamSplitterTest, BrokenDocuments) {
  ObjectStreamSplitter sp;
  auto noop = [](std::string_view) {};
  EXPECT_FALSE(sp.Feed("{\"a\":[}", noop).ok());
  ObjectStreamSplitter sp2;
  EXPECT_TRUE(sp2.Feed("{\"a\":1", noop).ok());
  EXPECT_FALSE(sp2.Finish().ok());
  ObjectStreamSplitter sp3;
  EXPECT_FALSE(sp3.Feed(std::string(1000, '['), noop).ok());  // depth limit
}

TEST(ReadIndicatorsTest, FieldsAndCounts) {
  std::string doc = R"({"type":"bundle","id":"bundle--x","objects":[
    {"type":"indicator","spec_version":"2.1","id":"indicator--a","created":"2024-01-01T00:00:00Z","modified":"2024-02-01T00:00:00Z",
     "name":"A","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z",
     "valid_until":"2025-01-01T00:00:00Z","revoked":true,"object_marking_refs":["marking-definition--x"]},
    {"type":"identity","id":"identity--b","name":"x"},
    {"type":"indicator","id":"indicator--c"},
    {"type":"indicator","id":"indicator--d","pattern":"[x:y = 'z']","valid_from":"yesterday"},
    {"type":"indicator","id":"indicator--e","pattern":"alert tcp","pattern_type":"snort"}
  ]})";
  std::vector<Indicator> got;
  ReadStats st;
  ASSERT_TRUE(ReadIndicators(doc, [&](Indicator&& i) { got.push_back(std::move(i)); }, &st).ok());
  EXPECT_EQ(st.objects, 5u);
  EXPECT_EQ(st.indicators, 2u);
  EXPECT_EQ(st.malformed, 2u);  // no pattern; bad timestamp
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, "indicator--a");
  EXPECT_EQ(got[0].pattern, "[ipv4-addr:value = '1.2.3.4']");
  EXPECT_TRUE(got[0].revoked);
  EXPECT_EQ(*got[0].valid_until, *ParseTimestamp("2025-01-01T00:00:00Z"));
  EXPECT_EQ(got[0].object_marking_refs, std::vector<std::string>{"marking-definition--x"});
  EXPECT_EQ(got[1].pattern_type, "snort");
}

}  // namespace
}  // namespace rampart::detect
