// Tests for deterministic SCO ids, RFC 8785 canonical JSON and UUIDv5.
#include "stix/sco_id.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "stix/parser.h"
#include "testing/test_data.h"

namespace rampart::stix {
namespace {

TEST(ScoIdTest, Uuid5KnownValue) {
  // RFC 4122 appendix / Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  EXPECT_EQ(Uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(ScoIdTest, CanonicalJsonTable) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {R"({"b":1,"a":[true,null,"x"]})", R"({"a":[true,null,"x"],"b":1})"},
      {R"( { "z" : 1.0 , "y" : 1e21, "x": 0.000001, "w": 1e-7, "v": -0.5 } )",
       R"({"v":-0.5,"w":1e-7,"x":0.000001,"y":1e+21,"z":1})"},
      {R"({"s":"a\u000a\"\\\/é"})", "{\"s\":\"a\\n\\\"\\\\/é\"}"},
      // RFC 8785 3.2.3: keys sorted by UTF-16 code units ("\ud83d\ude00" < "\ufb33").
      {"{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2}", "{\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":1}"},
  };
  for (const auto& c : cases) {
    auto r = CanonicalJson(c.in);
    ASSERT_TRUE(r.ok()) << c.in;
    EXPECT_EQ(*r, c.out) << c.in;
  }
  EXPECT_FALSE(CanonicalJson("{").ok());
}

TEST(ScoIdTest, KnownAnswers) {
  // Expected ids computed independently with CPython's uuid.uuid5 over the
  // RFC 8785 text of the id-contributing properties (STIX 2.1 section 2.9).
  // (The STIX spec's own example SCO ids, e.g. ipv4-addr--ff26c055-..., are
  // not reproducible by this algorithm, so they cannot serve as vectors.)
  struct Case {
    const char* type;
    const char* json;
    const char* id;
  };
  const Case cases[] = {
      {"ipv4-addr", R"({"type":"ipv4-addr","value":"198.51.100.3"})",
       "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
      {"file", R"({"name":"x","size":10,"hashes":{"SHA-256":"aa","MD5":"bb"}})",
       "file--6fb6099f-7103-5f07-a85f-6f503b50425d"},
      {"email-addr", R"({"value":"jdoe@example.com","display_name":"John"})",
       "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"},
      {"url", "{\"value\":\"https://example.com/\xc3\xa9\"}", "url--681cc340-7cd2-5db4-8c40-34f240adaced"},
  };
  for (const auto& c : cases) {
    auto id = DeterministicScoId(c.type, c.json);
    ASSERT_TRUE(id.ok()) << c.json;
    EXPECT_EQ(*id, c.id) << c.json;
  }
}

TEST(ScoIdTest, ReceivedIdsAreKept) {
  // Received SCO ids (v4 or v5, even if not reproducible) are accepted as is.
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-python-stix2/sco-examples-bundle.json");
  std::string data = ::rampart::testing::ReadFileOrEmpty(path);
  auto r = ParseBundleOrObject(data, {});
  ASSERT_TRUE(r.ok());
  size_t scos = 0;
  for (const auto& o : r->objects) {
    if (o.kind != ObjectKind::kSco) continue;
    ++scos;
    EXPECT_NE(o.json.find(o.id), std::string::npos);
  }
  EXPECT_GT(scos, 50u);
}

TEST(ScoIdTest, FileUsesFirstPreferredHash) {
  auto a = DeterministicScoId("file", R"({"hashes":{"SHA-256":"aa","MD5":"bb"},"name":"x"})");
  auto b = DeterministicScoId("file", R"({"name":"x","hashes":{"MD5":"bb"}})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  auto c = DeterministicScoId("file", R"({"name":"x","hashes":{"SHA-256":"aa"}})");
  EXPECT_NE(*a, *c);
  // Non-contributing properties do not change the id.
  auto d = DeterministicScoId("file", R"({"name":"x","hashes":{"MD5":"bb"},"size":5})");
  EXPECT_EQ(*b, *d);
  EXPECT_EQ(a->rfind("file--", 0), 0u);
}

TEST(ScoIdTest, ProcessGetsRandomId) {
  auto a = DeterministicScoId("process", R"({"pid":1})");
  auto b = DeterministicScoId("process", R"({"pid":1})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(IsValidStixId(*a));
}

// Property: equal observables get equal ids, whatever the key order and
// whitespace; different values get different ids.
RC_GTEST_PROP(ScoIdProperty, EqualObservablesEqualIds, ()) {
  const auto octets = *rc::gen::container<std::vector<int>>(4, rc::gen::inRange(0, 256));
  std::string ip = std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." + std::to_string(octets[2]) +
                   "." + std::to_string(octets[3]);
  auto a = DeterministicScoId("ipv4-addr", R"({"type":"ipv4-addr","value":")" + ip + R"("})");
  auto b = DeterministicScoId("ipv4-addr", R"( { "value" : ")" + ip + R"(", "spec_version":"2.1" } )");
  RC_ASSERT(a.ok() && b.ok());
  RC_ASSERT(*a == *b);
  RC_ASSERT(IsValidStixId(*a));
  auto c = DeterministicScoId("ipv4-addr", R"({"value":")" + ip + R"(/32"})");
  RC_ASSERT(*c != *a);
}

}  // namespace
}  // namespace rampart::stix
