// Issue 10: no partner can forge, rewrite, delete or unmask another's
// intelligence -- the TAXII side.
//
//   - No existence oracles: for a reader, an object every version of which
//     is withheld (TLP:RED without naming the reader; a granular TLP:RED
//     marking on a required property) answers on every read path and on
//     DELETE exactly as an id that was never stored: same status, same
//     headers, same body (the error_id aside).
//   - DELETE removes only versions of ids the requester's organisation owns
//     (admins excepted), and never reveals versions it cannot read.
//
// Two organisations on one collection (SHARED): the local one (alice, TOKEN;
// root, ADMIN_TOKEN) and the partner (carol, PARTNER_TOKEN).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stix/markings.h"
#include "test_server.h"

namespace rampart::taxii_test {
namespace {

using nlohmann::json;

constexpr char kRedId[] = "indicator--0e000000-0000-4000-8000-000000000001";   // TLP:RED, 12 versions
constexpr char kGranId[] = "indicator--0e000000-0000-4000-8000-000000000002";  // pattern marked RED
constexpr char kVisId[] = "indicator--0e000000-0000-4000-8000-000000000003";   // GREEN, 2 versions
constexpr char kMixId[] = "indicator--0e000000-0000-4000-8000-000000000004";   // v1 GREEN, v2 RED
constexpr char kLateId[] = "indicator--0e000000-0000-4000-8000-000000000007";  // 11 RED, then 1 GREEN
constexpr char kNoneId[] = "indicator--0e000000-0000-4000-8000-0000000000ff";  // never stored
constexpr int kRedVersions = 12;  // more than TaxiiService::kMaxRefills + 1

std::string Modified(int v) {
  char buf[64];
  snprintf(buf, sizeof buf, "2024-01-%02dT00:00:00.000Z", v);
  return buf;
}

// An indicator version; `marking` is its object_marking_refs entry ("" = none).
json Indicator(const std::string& id, int version, std::string_view marking, json extra = json::object()) {
  json o = {{"type", "indicator"},
            {"spec_version", "2.1"},
            {"id", id},
            {"created", Modified(1)},
            {"modified", Modified(version)},
            {"name", "v" + std::to_string(version)},
            {"pattern", "[domain-name:value = 'oracle.example']"},
            {"pattern_type", "stix"},
            {"valid_from", "2024-01-01T00:00:00Z"}};
  if (!marking.empty()) o["object_marking_refs"] = json::array({std::string(marking)});
  for (auto& [k, v] : extra.items()) o[k] = v;
  return o;
}

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServerOptions o;
    o.load_attack = false;
    server_ = std::make_unique<TestServer>(o);
    ASSERT_TRUE(server_->ok()) << server_->error();
    // VIS first: it precedes the hidden objects in date_added order.
    ASSERT_EQ(Post("TOKEN", {Indicator(kVisId, 1, stix::kTlp2Green), Indicator(kVisId, 2, stix::kTlp2Green)}), 2)
        << last_post_;
    std::vector<json> red;
    for (int v = 1; v <= kRedVersions; ++v) red.push_back(Indicator(kRedId, v, stix::kTlp2Red));
    ASSERT_EQ(Post("TOKEN", red), kRedVersions);
    json gran = {{"granular_markings",
                  json::array({{{"marking_ref", std::string(stix::kTlp2Red)}, {"selectors", {"pattern"}}}})}};
    ASSERT_EQ(Post("TOKEN", {Indicator(kGranId, 1, stix::kTlp2Green, gran)}), 1) << last_post_;
    ASSERT_EQ(Post("TOKEN", {Indicator(kMixId, 1, stix::kTlp2Green), Indicator(kMixId, 2, stix::kTlp2Red)}), 2);
    std::vector<json> late;
    for (int v = 1; v <= kRedVersions - 1; ++v) late.push_back(Indicator(kLateId, v, stix::kTlp2Red));
    late.push_back(Indicator(kLateId, kRedVersions, stix::kTlp2Green));
    ASSERT_EQ(Post("TOKEN", late), kRedVersions);
  }

  std::string Url(const std::string& path) const {
    return server_->base() + "/api/collections/" + kShared + "/" + path;
  }
  HttpResult Do(const std::string& method, const std::string& token_var, const std::string& path) {
    return Fetch(method, Url(path), TaxiiHeaders(server_->vars().at(token_var)));
  }
  // POSTs `objects` to SHARED; returns success_count (-1 on a non-202).
  int Post(const std::string& token_var, const std::vector<json>& objects) {
    std::vector<std::string> h = TaxiiHeaders(server_->vars().at(token_var));
    h.push_back("Content-Type: application/taxii+json;version=2.1");
    HttpResult r = Fetch("POST", Url("objects/"), h, json{{"objects", json(objects)}}.dump());
    last_post_ = r.body;
    if (r.status != 202) return -1;
    return json::parse(r.body).value("success_count", -1);
  }
  // The versions of `id` that `token_var` can read.
  size_t VersionCount(const std::string& token_var, const std::string& id) {
    HttpResult r = Do("GET", token_var, "objects/" + id + "/versions/");
    if (r.status != 200) return 0;
    return json::parse(r.body).value("versions", json::array()).size();
  }

  std::unique_ptr<TestServer> server_;
  std::string last_post_;
};

// What a client can observe of a response, with `id` spelt "{ID}" and the
// random error_id dropped.
std::string Observable(const HttpResult& r, const std::string& id) {
  std::string body = r.body;
  json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    j.erase("error_id");
    body = j.dump();
  }
  for (size_t at; (at = body.find(id)) != std::string::npos;) body.replace(at, id.size(), "{ID}");
  std::string out = std::to_string(r.status) + "\n";
  for (const char* h : {"content-type", "x-taxii-date-added-first", "x-taxii-date-added-last", "allow"}) {
    out += std::string(h) + ": " + (r.HeaderCount(h) ? r.Header(h) : "<absent>") + "\n";
  }
  return out + body;
}

TEST_F(OracleTest, HiddenObjectsAnswerExactlyAsAbsentOnes) {
  // The hidden objects exist (for their submitter)...
  ASSERT_EQ(VersionCount("TOKEN", kRedId), static_cast<size_t>(kRedVersions));
  ASSERT_EQ(VersionCount("TOKEN", kGranId), 1u);
  ASSERT_EQ(Do("GET", "TOKEN", std::string("objects/") + kGranId + "/").status, 200);
  // ...and the partner does read the collection.
  ASSERT_EQ(VersionCount("PARTNER_TOKEN", kVisId), 2u);

  const std::string vis = kVisId;
  struct Endpoint {
    const char* method;
    std::string path;  // {ID} = the id under test
  } endpoints[] = {
      {"GET", "objects/{ID}/"},
      {"GET", "objects/{ID}/?match[version]=all&limit=1"},
      {"GET", "objects/{ID}/?match[version]=first"},
      {"GET", "objects/{ID}/?match[version]=2024-01-01T00:00:00.000Z"},
      {"GET", "objects/{ID}/?added_after=2000-01-01T00:00:00Z&limit=2"},
      {"GET", "objects/{ID}/versions/"},
      {"GET", "objects/{ID}/versions/?limit=1"},
      {"GET", "manifest/?match[id]={ID}"},
      {"GET", "manifest/?match[id]={ID}&match[version]=all&limit=1"},
      {"GET", "objects/?match[id]={ID}&match[version]=all&limit=1"},
      {"GET", "objects/?match[id]={ID}&match[version]=all"},
      // A visible object first, the hidden one after it: `more` must not
      // announce the hidden one.
      {"GET", "objects/?match[id]=" + vis + ",{ID}&limit=1"},
      {"GET", "manifest/?match[id]=" + vis + ",{ID}&limit=1"},
      {"GET", "objects/?match[id]=" + vis + ",{ID}&match[version]=last&limit=1"},
      {"DELETE", "objects/{ID}/"},
      {"DELETE", "objects/{ID}/?match[version]=all"},
      {"DELETE", "objects/{ID}/?match[version]=first"},
      {"DELETE", "objects/{ID}/?match[spec_version]=2.1"},
  };
  for (const char* hidden : {kRedId, kGranId}) {
    for (const auto& e : endpoints) {
      auto path = [&](const std::string& id) {
        std::string p = e.path;
        for (size_t at; (at = p.find("{ID}")) != std::string::npos;) p.replace(at, 4, id);
        return p;
      };
      HttpResult absent = Do(e.method, "PARTNER_TOKEN", path(kNoneId));
      HttpResult got = Do(e.method, "PARTNER_TOKEN", path(hidden));
      EXPECT_EQ(Observable(got, hidden), Observable(absent, kNoneId)) << e.method << " " << e.path << " with "
                                                                       << hidden;
    }
  }
  // Nothing was deleted by the partner's attempts.
  EXPECT_EQ(VersionCount("TOKEN", kRedId), static_cast<size_t>(kRedVersions));
  EXPECT_EQ(VersionCount("TOKEN", kGranId), 1u);
}

TEST_F(OracleTest, VisibleObjectWhoseVersionsTheFiltersMissIsAnEmptyEnvelope) {
  // TAXII 2.1 §5.6: the object exists for the reader, the filters select
  // none of its versions: 200 {}, not 404. For MIX, the partner can read v1
  // only; v2 (RED) is filtered out by policy, so asking for v2 alone is the
  // same as asking for a version that does not exist.
  for (const std::string q : {"?match[version]=2024-01-02T00:00:00.000Z", "?match[version]=2024-01-09T00:00:00.000Z",
                              "?added_after=2999-01-01T00:00:00Z"}) {
    HttpResult r = Do("GET", "PARTNER_TOKEN", std::string("objects/") + kMixId + "/" + q);
    EXPECT_EQ(r.status, 200) << q;
    EXPECT_EQ(r.body, "{}") << q;
    EXPECT_EQ(r.HeaderCount("x-taxii-date-added-first"), 0) << q;
  }
  HttpResult v1 = Do("GET", "PARTNER_TOKEN", std::string("objects/") + kMixId + "/?match[version]=first");
  EXPECT_EQ(v1.status, 200);
  EXPECT_EQ(json::parse(v1.body)["objects"].size(), 1u);
}

TEST_F(OracleTest, WithheldVersionsNeitherShortenAPageNorSetMore) {
  // LATE: 11 versions the partner may not read, then one it may. A page of
  // one must hold that version and say no more -- as if the 11 were absent
  // -- however many refills it takes.
  for (const std::string path : {std::string("objects/") + kLateId + "/?match[version]=all&limit=1",
                                 std::string("objects/?match[id]=") + kLateId + "&match[version]=all&limit=1",
                                 std::string("manifest/?match[id]=") + kLateId + "&match[version]=all&limit=1",
                                 std::string("objects/") + kLateId + "/versions/?limit=1"}) {
    HttpResult r = Do("GET", "PARTNER_TOKEN", path);
    ASSERT_EQ(r.status, 200) << path;
    json j = json::parse(r.body);
    EXPECT_EQ(j.value("more", true), false) << path << ": " << r.body;
    EXPECT_FALSE(j.contains("next")) << path;
    const json& list = j.contains("versions") ? j["versions"] : j["objects"];
    ASSERT_EQ(list.size(), 1u) << path << ": " << r.body;
  }
}

TEST_F(OracleTest, DeleteNeverRevealsOrRemovesVersionsTheRequesterCannotRead) {
  // The attack of issue 10: the partner posts an old version of alice's RED
  // id (refused: only the organisation that created an id adds versions),
  // then deletes the id. Without DELETE's visibility check it would get 403
  // (the id exists, someone else owns it); it must get the unknown id's 404.
  const json older = {{"created", "2023-06-01T00:00:00.000Z"}, {"modified", "2023-06-01T00:00:00.000Z"}};
  EXPECT_EQ(Post("PARTNER_TOKEN", {Indicator(kRedId, 1, stix::kTlp2Green, older)}), 0) << last_post_;
  HttpResult absent = Do("DELETE", "PARTNER_TOKEN", std::string("objects/") + kNoneId + "/");
  for (const std::string q : {"", "?match[version]=all", "?match[version]=2023-06-01T00:00:00.000Z",
                              "?match[version]=2024-01-01T00:00:00.000Z"}) {
    HttpResult r = Do("DELETE", "PARTNER_TOKEN", std::string("objects/") + kRedId + "/" + q);
    EXPECT_EQ(r.status, 404) << q << ": " << r.body;
    EXPECT_EQ(Observable(r, kRedId), Observable(absent, kNoneId)) << q;
  }
  EXPECT_EQ(VersionCount("TOKEN", kRedId), static_cast<size_t>(kRedVersions));

  // MIX: the partner sees v1 but not v2. A DELETE that selects only v2 is
  // 404 (it selects nothing the partner can read), one that selects v1 is
  // 403 (readable, not the partner's).
  HttpResult only_v2 =
      Do("DELETE", "PARTNER_TOKEN", std::string("objects/") + kMixId + "/?match[version]=2024-01-02T00:00:00.000Z");
  EXPECT_EQ(only_v2.status, 404) << only_v2.body;
  HttpResult all = Do("DELETE", "PARTNER_TOKEN", std::string("objects/") + kMixId + "/");
  EXPECT_EQ(all.status, 403) << all.body;
  EXPECT_EQ(VersionCount("TOKEN", kMixId), 2u);
}

TEST_F(OracleTest, OnlyTheCreatingOrganisationOrAnAdminDeletes) {
  // Visible to the partner, created by alice's organisation: 403, and the
  // message says why.
  HttpResult r = Do("DELETE", "PARTNER_TOKEN", std::string("objects/") + kVisId + "/");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("only the organisation that created"), std::string::npos) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/taxii+json;version=2.1");
  EXPECT_EQ(VersionCount("PARTNER_TOKEN", kVisId), 2u);

  // The partner's own object: alice (not an admin) may not delete it, an
  // admin of another organisation may, and so may its creator.
  const std::string carols = "indicator--0e000000-0000-4000-8000-000000000005";
  const std::string carols2 = "indicator--0e000000-0000-4000-8000-000000000006";
  ASSERT_EQ(Post("PARTNER_TOKEN", {Indicator(carols, 1, stix::kTlp2Green), Indicator(carols2, 1, stix::kTlp2Green)}),
            2);
  EXPECT_EQ(Do("DELETE", "TOKEN", "objects/" + carols + "/").status, 403);
  HttpResult admin = Do("DELETE", "ADMIN_TOKEN", "objects/" + carols + "/");
  EXPECT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(admin.Header("content-type"), "application/taxii+json;version=2.1");
  EXPECT_EQ(admin.body, "");
  EXPECT_EQ(Do("GET", "PARTNER_TOKEN", "objects/" + carols + "/").status, 404);
  EXPECT_EQ(Do("DELETE", "PARTNER_TOKEN", "objects/" + carols2 + "/").status, 200);

  // Alice deletes her own object.
  EXPECT_EQ(Do("DELETE", "TOKEN", std::string("objects/") + kVisId + "/").status, 200);
  EXPECT_EQ(VersionCount("TOKEN", kVisId), 0u);
}

}  // namespace
}  // namespace rampart::taxii_test
