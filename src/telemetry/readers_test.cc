#include "telemetry/readers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testing/test_data.h"

namespace rampart::telemetry {
namespace {

// "path=value" for every observable, sorted.
std::multiset<std::string> Obs(const FieldMapping& m, const Event& e) {
  std::multiset<std::string> out;
  for (const Observable& o : e.observables) out.insert(std::string(m.PathName(o.path)) + "=" + std::string(e.value(o)));
  return out;
}

bool ParseJson(JsonLineParser& p, std::string_view line, Event* e) {
  std::string padded(line);
  padded.append(kLinePadding, '\0');
  return p.Parse(std::string_view(padded.data(), line.size()), e);
}

TEST(JsonLineParserTest, EcsNestedAndDottedKeys) {
  FieldMapping m = DefaultFieldMapping();
  JsonLineParser p(m);
  Event e;
  ASSERT_TRUE(ParseJson(p, R"({"@timestamp":"2024-05-01T10:00:01.500Z","source":{"ip":"10.1.2.3"},"dns":{"question":{"name":"WWW.Evil-Example.COM."},"resolved_ip":["198.51.100.23","2001:DB8:0:0::1"]}})", &e));
  EXPECT_TRUE(e.has_time);
  EXPECT_EQ(e.time_micros, 1714557601500000);
  EXPECT_EQ(Obs(m, e), (std::multiset<std::string>{
                           "ipv4-addr:value=10.1.2.3", "network-traffic:src_ref.value=10.1.2.3",
                           "domain-name:value=www.evil-example.com", "ipv4-addr:value=198.51.100.23",
                           "ipv6-addr:value=2001:db8::1"}));
  ASSERT_TRUE(ParseJson(p, R"({"source.ip":"192.0.2.44","destination.port":3389})", &e));
  EXPECT_EQ(Obs(m, e), (std::multiset<std::string>{"ipv4-addr:value=192.0.2.44",
                                                   "network-traffic:src_ref.value=192.0.2.44",
                                                   "network-traffic:dst_port=3389"}));
}

TEST(JsonLineParserTest, MalformedLines) {
  FieldMapping m = DefaultFieldMapping();
  JsonLineParser p(m);
  Event e;
  const char* bad[] = {"not json", "{\"truncated\":", "[1,2]", "42", "{\"a\":1} trailing",
                       "{\"source\":{\"ip\":\"1.2.3.4\"}"};
  for (const char* b : bad) EXPECT_FALSE(ParseJson(p, b, &e)) << b;
  // Nesting under a mapped field beyond the depth limit (32) is malformed.
  std::string deep = "{\"dns\":{\"resolved_ip\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  deep += "\"1.2.3.4\"";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}}";
  EXPECT_FALSE(ParseJson(p, deep, &e));
  // ... while nesting in unmapped subtrees is skipped, not walked.
  std::string skipped = "{\"other\":";
  for (int i = 0; i < 100; ++i) skipped += "{\"a\":";
  skipped += "1";
  for (int i = 0; i < 100; ++i) skipped += "}";
  skipped += ",\"source\":{\"ip\":\"1.2.3.4\"}}";
  ASSERT_TRUE(ParseJson(p, skipped, &e));
  EXPECT_EQ(e.observables.size(), 2u);
}

TEST(JsonLineParserTest, SuricataEveFixture) {
  FieldMapping m = DefaultFieldMapping();
  JsonLineParser p(m);
  std::string text = testing::ReadFileOrEmpty(testing::SourceRoot() / "tests/data/telemetry/eve_sample.json");
  ASSERT_FALSE(text.empty());
  std::vector<std::multiset<std::string>> got;
  std::vector<int64_t> times;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    Event e;
    ASSERT_TRUE(ParseJson(p, std::string_view(text).substr(start, nl - start), &e));
    got.push_back(Obs(m, e));
    times.push_back(e.time_micros);
    start = nl + 1;
  }
  ASSERT_EQ(got.size(), 6u);
  EXPECT_TRUE(got[0].count("domain-name:value=avsvmcloud.com"));
  EXPECT_TRUE(got[1].count("ipv4-addr:value=20.140.0.1"));
  // http: hostname + url compose the URL; +0200 offset applied to the time.
  EXPECT_TRUE(got[2].count("url:value=http://www.example.com/index.html"));
  EXPECT_TRUE(got[2].count("domain-name:value=www.example.com"));
  EXPECT_EQ(times[2], times[0] - 7200000000LL + 876544);
  EXPECT_TRUE(got[3].count("x509-certificate:hashes.SHA-1=deadbeef00112233445566778899aabbccddeeff"));
  EXPECT_TRUE(got[3].count("ipv6-addr:value=2001:db8::10"));
  EXPECT_TRUE(got[3].count("domain-name:value=evil.example"));
  EXPECT_TRUE(got[4].count("file:hashes.SHA-256=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"));
  EXPECT_TRUE(got[4].count("file:hashes.MD5=0cc175b9c0f1b6a831c399e269772661"));
  EXPECT_TRUE(got[5].count("network-traffic:dst_port=4444"));
}

TEST(ZeekTsvTest, HeaderAndSets) {
  FieldMapping m = DefaultFieldMapping();
  ZeekHeader h;
  for (const char* line : {"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
                           "#path\tdns", "#fields\tts\tid.orig_h\tquery\tanswers\tTTLs",
                           "#types\ttime\taddr\tstring\tvector[string]\tvector[interval]"}) {
    ASSERT_TRUE(h.Apply(line, m).ok()) << line;
  }
  EXPECT_EQ(h.path, "dns");
  Event e;
  ASSERT_TRUE(ParseZeekTsvLine(h, "1521911720.5\t10.47.1.100\tISE.wrccdc.org\tise.wrccdc.cpp.edu,134.71.3.16\t1.0,2.0", &e));
  EXPECT_EQ(e.time_micros, 1521911720500000);
  EXPECT_EQ(Obs(m, e), (std::multiset<std::string>{
                           "ipv4-addr:value=10.47.1.100", "network-traffic:src_ref.value=10.47.1.100",
                           "domain-name:value=ise.wrccdc.org", "domain-name:value=ise.wrccdc.cpp.edu",
                           "ipv4-addr:value=134.71.3.16"}));
  ASSERT_TRUE(ParseZeekTsvLine(h, "1521911720.5\t-\t(empty)\t-\t-", &e));
  EXPECT_TRUE(e.observables.empty());
  EXPECT_FALSE(ParseZeekTsvLine(h, "1521911720.5\t10.0.0.1", &e));  // too few columns
  EXPECT_FALSE(ParseZeekTsvLine(h, "1\t2\t3\t4\t5\t6", &e));        // too many
}

// Header lines are log content: a bad "#separator" is an InvalidArgument
// (the header stays as it was), never an exception out of the reader thread.
TEST(ZeekTsvTest, HostileSeparatorLinesAreRejectedNotThrown) {
  FieldMapping m = DefaultFieldMapping();
  for (const char* line : {"#separator \\xzz", "#separator \\x-1", "#separator \\x 1", "#separator \\x1z",
                           "#separator \\x", "#separator ", "#separator ab"}) {
    ZeekHeader h;
    Status st;
    ASSERT_NO_THROW(st = h.Apply(line, m)) << line;
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << line;
    EXPECT_EQ(h.separator, '\t') << line;
  }
  ZeekHeader h;
  ASSERT_TRUE(h.Apply("#separator \\x2C", m).ok());
  EXPECT_EQ(h.separator, ',');
  ASSERT_TRUE(h.Apply("#separator \\x7c", m).ok());
  EXPECT_EQ(h.separator, '|');
}

TEST(FieldMappingTest, RulesFromText) {
  FieldMapping m = DefaultFieldMapping();
  ASSERT_TRUE(m.AddRulesFromText("# custom\nmy.client  ip\nmy.host domain domain-name:value\n").ok());
  EXPECT_NE(m.Lookup("my.client").rules, nullptr);
  EXPECT_TRUE(m.Lookup("my").is_prefix);
  EXPECT_FALSE(m.AddRulesFromText("x.y nosuchkind a:b").ok());
  EXPECT_FALSE(m.AddRulesFromText("x.y string").ok());           // needs a path
  EXPECT_FALSE(m.AddRulesFromText("x.y string notapath").ok());
}

}  // namespace
}  // namespace rampart::telemetry
