#include "ingest/ingest.h"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "auth/identity.h"
#include "auth/rampart_extension.h"
#include "store/memory/memory_store.h"
#include "testing/test_data.h"

namespace rampart::ingest {
namespace {

using nlohmann::json;
using stix::Tlp;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::NewMemoryStore();
    local_ = auth::EnsureBootstrap(*store_).value();
    partner_ = auth::AddOrganization(*store_, {"Partner CERT", "", {}, false}, "test").value();
    coll_.id = "9d5f2a52-3b2b-4a58-9d5e-6b1d7a3e0c01";
    coll_.title = "Shared";
    coll_.default_tlp = Tlp::kAmber;
    ASSERT_TRUE(store_->CreateCollection(coll_).ok());
    ASSERT_TRUE(auth::PutGrant(*store_, {coll_.id, store::GranteeKind::kOrganization, local_.id, true, true}, "t").ok());
    ASSERT_TRUE(auth::PutGrant(*store_, {coll_.id, store::GranteeKind::kOrganization, partner_.id, true, false}, "t").ok());
    group_ = auth::PutSharingGroup(*store_, {"", "health-isac", {local_.id}}, "t").value();
    writer_ = {"user-w", local_.id, store::Role::kContributor, "tok-w"};
    // Relays third-party reports (created_by_ref of another creator).
    admin_ = {"user-adm", local_.id, store::Role::kAdmin, "tok-adm"};
    reader_ = {"user-r", partner_.id, store::Role::kReader, "tok-r"};
  }
  std::unique_ptr<auth::PolicySnapshot> Snap() {
    return std::make_unique<auth::PolicySnapshot>(store_->ListOrganizations().value(),
                                                  store_->ListGrants().value(),
                                                  store_->ListSharingGroups().value());
  }
  Result<IngestReport> Run(std::string_view body, const auth::Principal& p, IngestOptions o = {}) {
    return Ingest(*store_, *Snap(), coll_, p, body, o);
  }
  std::vector<store::StoredObject> All() {
    store::ObjectQuery q;
    q.collection_id = coll_.id;
    q.limit = 10000;
    q.versions.all = true;
    return store_->QueryObjects(q).value().objects;
  }
  const store::StoredObject* Find(const std::vector<store::StoredObject>& v, std::string_view id) {
    for (const auto& o : v) if (o.id == id) return &o;
    return nullptr;
  }

  std::unique_ptr<store::Store> store_;
  store::Organization local_, partner_;
  store::Collection coll_;
  store::SharingGroup group_;
  auth::Principal writer_, reader_, admin_;
};

TEST_F(IngestTest, RealBundleStoredWithOneAuditRecord) {
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-stix2-json-schemas-examples/poisonivy.json");
  const std::string body = testing::ReadFileOrEmpty(path);
  const size_t n = json::parse(body)["objects"].size();
  const int64_t audit_before = store_->ReadAudit(0, 100000).value().size();
  // A third-party report (its objects name their creator): an admin relays it.
  IngestReport r = Run(body, admin_).value();
  EXPECT_EQ(r.items.size(), n);
  EXPECT_EQ(r.success_count, n) << (r.items.empty() ? "" : r.items[0].message);
  EXPECT_EQ(r.failure_count, 0u);
  EXPECT_EQ(r.added, n);
  EXPECT_EQ(All().size(), n);
  auto audit = store_->ReadAudit(0, 100000).value();
  ASSERT_EQ(static_cast<int64_t>(audit.size()), audit_before + 1);
  EXPECT_EQ(audit.back().action, "objects.add");
  EXPECT_EQ(audit.back().actor, "user-adm");
  EXPECT_EQ(audit.back().target, coll_.id);
  // Posting again: every object a duplicate (idempotent success).
  IngestReport again = Run(body, admin_).value();
  EXPECT_EQ(again.success_count, n);
  EXPECT_EQ(again.duplicates, n);
  EXPECT_EQ(All().size(), n);
  // Stored bytes stay as received: every stored object parses equal to its input.
  json in = json::parse(body);
  const auto stored = All();
  for (const auto& o : in["objects"]) {
    const store::StoredObject* s = Find(stored, o["id"].get<std::string>());
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(json::parse(s->json), o);
  }
}

// A contributor speaks for its own organisation only: the objects of a
// third-party report that name their creator are refused, one by one, and
// the rest is stored (docs/trust.md, "Creators").
TEST_F(IngestTest, ContributorCannotPostAnotherCreatorsObjects) {
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-stix2-json-schemas-examples/poisonivy.json");
  const std::string body = testing::ReadFileOrEmpty(path);
  json in = json::parse(body);
  IngestReport r = Run(body, writer_).value();
  ASSERT_EQ(r.items.size(), in["objects"].size());
  size_t foreign = 0;
  for (size_t i = 0; i < r.items.size(); ++i) {
    const bool names_creator = in["objects"][i].contains("created_by_ref");
    foreign += names_creator ? 1 : 0;
    EXPECT_EQ(r.items[i].success, !names_creator) << r.items[i].id << ": " << r.items[i].message;
    if (names_creator) {
      EXPECT_NE(r.items[i].message.find("created_by_ref must be your organisation's identity"), std::string::npos);
    }
  }
  EXPECT_GT(foreign, 0u);
  EXPECT_EQ(All().size(), in["objects"].size() - foreign);
}

TEST_F(IngestTest, OneInvalidObjectReportedNothingOfItStored) {
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-stix2-json-schemas-examples/indicator-for-c2-ip-address.json");
  json bundle = json::parse(testing::ReadFileOrEmpty(path));
  const size_t n = bundle["objects"].size();
  json bad = bundle["objects"][0];
  bad["id"] = "indicator--0f6b1b16-0d64-4d3d-8b0f-8f1f2b6c9d11";
  bad["type"] = "indicator";
  bad["modified"] = "not-a-time";
  bundle["objects"].insert(bundle["objects"].begin() + 1, bad);
  IngestReport r = Run(bundle.dump(), writer_).value();
  ASSERT_EQ(r.items.size(), n + 1);
  EXPECT_EQ(r.failure_count, 1u);
  EXPECT_EQ(r.success_count, n);
  EXPECT_FALSE(r.items[1].success);  // reported at its input position
  EXPECT_EQ(r.items[1].id, "indicator--0f6b1b16-0d64-4d3d-8b0f-8f1f2b6c9d11");
  EXPECT_FALSE(r.items[1].message.empty());
  EXPECT_EQ(Find(All(), "indicator--0f6b1b16-0d64-4d3d-8b0f-8f1f2b6c9d11"), nullptr);
  EXPECT_EQ(All().size(), n);
  store::StatusResource st;
  FillStatus(r, st);
  EXPECT_EQ(st.total_count, static_cast<int64_t>(n + 1));
  EXPECT_EQ(st.failure_count, 1);
  EXPECT_EQ(st.failures[0].id, "indicator--0f6b1b16-0d64-4d3d-8b0f-8f1f2b6c9d11");
}

const char kIndicator[] =
    R"({"type":"indicator","spec_version":"2.1","id":"indicator--%ID%",)"
    R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
    R"("created_by_ref":"%CREATOR%",)"
    R"("pattern":"[domain-name:value = 'Evil.Example.COM.'] OR [file:hashes.'SHA-256' = 'AABB00112233445566778899aabbccddeeff00112233445566778899aabbccdd']",)"
    R"("pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"%EXTRA%})";

std::string Indicator(std::string id_suffix, std::string creator, std::string extra = "") {
  std::string s = kIndicator;
  auto rep = [&](const std::string& k, const std::string& v) {
    s.replace(s.find(k), k.size(), v);
  };
  rep("%ID%", "00000000-0000-4000-8000-" + id_suffix);
  rep("%CREATOR%", creator);
  rep("%EXTRA%", extra);
  return s;
}

TEST_F(IngestTest, ProvenanceMarkingsAndObservables) {
  struct Case {
    std::string extra;
    Tlp want;
    bool defaulted;
  } cases[] = {
      {"", Tlp::kAmber, true},  // collection default
      {R"(,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])", Tlp::kGreen, false},
      {R"(,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"])", Tlp::kRed, false},
      {R"(,"object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"])", Tlp::kClear, false},  // TLP 1.0 WHITE
      {R"(,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"])", Tlp::kAmber, false},  // TLP 1.0 AMBER
  };
  int i = 0;
  for (const auto& c : cases) {
    std::string id_suffix = "00000000000" + std::to_string(i++);
    std::string body = Indicator(id_suffix, local_.identity_id, c.extra);
    IngestReport r = Run(body, writer_).value();
    ASSERT_EQ(r.success_count, 1u) << r.items[0].message;
    const auto stored = All();
    const store::StoredObject* s = Find(stored, "indicator--00000000-0000-4000-8000-" + id_suffix);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->json, body);  // bytes as received
    EXPECT_EQ(s->provenance.effective_tlp, c.want) << c.extra;
    EXPECT_EQ(s->provenance.default_marking_applied, c.defaulted);
    EXPECT_EQ(s->provenance.org_id, local_.id);
    EXPECT_EQ(s->provenance.user_id, "user-w");
    std::vector<store::Observable> want = {
        {"domain-name", "evil.example.com"},
        {"file:sha256", "aabb00112233445566778899aabbccddeeff00112233445566778899aabbccdd"}};
    auto got = s->observables;
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.kind < b.kind; });
    EXPECT_EQ(got, want);
  }
}

TEST_F(IngestTest, ExtensionOnObjectNamesRedRecipientsAndIsStripped) {
  std::string ext = R"(,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],)"
                    R"("extensions":{")" + std::string(auth::kRampartExtensionId) +
                    R"(":{"extension_type":"property-extension","red_recipients":[")" +
                    partner_.identity_id + R"("]}})";
  IngestReport r = Run(Indicator("000000000001", local_.identity_id, ext), writer_).value();
  ASSERT_EQ(r.success_count, 1u) << r.items[0].message;
  const auto stored = All();
  const store::StoredObject* s = Find(stored, "indicator--00000000-0000-4000-8000-000000000001");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->json.find(auth::kRampartExtensionId), std::string::npos);
  EXPECT_EQ(s->json.find("extensions"), std::string::npos);  // emptied -> removed
  EXPECT_EQ(s->provenance.red_recipients, std::vector<std::string>{partner_.id});
  EXPECT_EQ(s->provenance.effective_tlp, Tlp::kRed);
  // The named partner may read it, an unnamed one may not.
  auto snap = Snap();
  EXPECT_TRUE(auth::ReleaseObject(*snap, reader_, coll_, *s, auth::Path::kTaxiiRead));
  store::Organization other = auth::AddOrganization(*store_, {"Other", "", {}, false}, "t").value();
  ASSERT_TRUE(auth::PutGrant(*store_, {coll_.id, store::GranteeKind::kOrganization, other.id, true, false}, "t").ok());
  auth::Principal o{"user-o", other.id, store::Role::kReader, "t"};
  EXPECT_FALSE(auth::ReleaseObject(*Snap(), o, coll_, *s, auth::Path::kTaxiiRead));
}

TEST_F(IngestTest, ExtensionFailuresArePerObject) {
  auto with = [&](std::string props) {
    return R"(,"extensions":{")" + std::string(auth::kRampartExtensionId) +
           R"(":{"extension_type":"property-extension",)" + props + "}}";
  };
  std::string body = "[" + Indicator("000000000010", local_.identity_id, with(R"("red_recipients":["identity--99999999-0000-4000-8000-000000000000"])")) +
                     "," + Indicator("000000000011", local_.identity_id, with(R"("sharing_group":"no-such-group")")) +
                     "," + Indicator("000000000012", local_.identity_id, with(R"("colour":"blue")")) +
                     "," + Indicator("000000000013", local_.identity_id, with(R"("sharing_group":"health-isac")")) + "]";
  IngestReport r = Run(body, writer_).value();
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_FALSE(r.items[0].success);
  EXPECT_NE(r.items[0].message.find("RED recipient"), std::string::npos);
  EXPECT_FALSE(r.items[1].success);
  EXPECT_NE(r.items[1].message.find("sharing group"), std::string::npos);
  EXPECT_FALSE(r.items[2].success);
  EXPECT_TRUE(r.items[3].success) << r.items[3].message;
  auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].provenance.sharing_groups, std::vector<std::string>{group_.id});
  // The group decides, whatever the grants say: the partner has read but is not a member.
  EXPECT_FALSE(auth::ReleaseObject(*Snap(), reader_, coll_, all[0], auth::Path::kTaxiiRead));
}

// RED recipients are ids the trust rules compare: only their canonical
// (lower-case) spelling is accepted (docs/trust.md, "Canonical identifiers").
TEST_F(IngestTest, RedRecipientsMustBeCanonical) {
  std::string upper = partner_.identity_id;
  for (size_t i = 10; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  ASSERT_NE(upper, partner_.identity_id);
  auto with = [&](const std::string& recipient) {
    return R"(,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],"extensions":{")" +
           std::string(auth::kRampartExtensionId) +
           R"(":{"extension_type":"property-extension","red_recipients":[")" + recipient + R"("]}})";
  };
  IngestReport r = Run("[" + Indicator("000000000014", local_.identity_id, with(upper)) + "," +
                           Indicator("000000000015", local_.identity_id, with(partner_.identity_id)) + "]",
                       writer_)
                       .value();
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_FALSE(r.items[0].success);
  EXPECT_NE(r.items[0].message.find("lower case"), std::string::npos) << r.items[0].message;
  EXPECT_TRUE(r.items[1].success) << r.items[1].message;
}

TEST_F(IngestTest, AnonymousBundleReplacesTheSourceEverywhere) {
  const std::string own_identity =
      R"({"type":"identity","spec_version":"2.1","id":")" + local_.identity_id +
      R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Local CERT","identity_class":"organization"})";
  const std::string sighting =
      R"({"type":"sighting","spec_version":"2.1","id":"sighting--00000000-0000-4000-8000-000000000021",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
      R"("sighting_of_ref":"indicator--00000000-0000-4000-8000-000000000020","where_sighted_refs":[")" +
      local_.identity_id + R"("]})";
  std::string body = R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000099",)"
                     R"("extensions":{")" + std::string(auth::kRampartExtensionId) +
                     R"(":{"extension_type":"property-extension","anonymous":true}},"objects":[)" +
                     own_identity + "," + Indicator("000000000020", local_.identity_id) + "," +
                     sighting + "]}";
  IngestReport r = Run(body, writer_).value();
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_FALSE(r.items[0].success);  // the submitter's identity is not stored
  EXPECT_TRUE(r.items[1].success) << r.items[1].message;
  EXPECT_TRUE(r.items[2].success) << r.items[2].message;
  auto all = All();
  const std::string pseudonym = PseudonymIdentityId(local_);
  for (const auto& o : all) {
    EXPECT_EQ(o.json.find(local_.identity_id), std::string::npos) << o.json;
    EXPECT_TRUE(o.provenance.org_id.empty());
    EXPECT_TRUE(o.provenance.user_id.empty());
  }
  const store::StoredObject* ind = Find(all, "indicator--00000000-0000-4000-8000-000000000020");
  ASSERT_NE(ind, nullptr);
  EXPECT_EQ(ind->created_by_ref, pseudonym);
  EXPECT_TRUE(ind->provenance.anonymous);
  EXPECT_EQ(json::parse(ind->json)["created_by_ref"], pseudonym);
  const store::StoredObject* sig = Find(all, "sighting--00000000-0000-4000-8000-000000000021");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(json::parse(sig->json)["where_sighted_refs"][0], pseudonym);
  ASSERT_NE(Find(all, pseudonym), nullptr);  // the pseudonym identity resolves
  // The true source is in the audit log only.
  auto audit = store_->ReadAudit(0, 100000).value();
  json detail = json::parse(audit.back().detail);
  ASSERT_TRUE(detail.contains("anonymous_sources"));
  EXPECT_EQ(detail["anonymous_sources"][0]["org"], local_.id);
  EXPECT_EQ(detail["anonymous_sources"][0]["user"], "user-w");
}

TEST_F(IngestTest, EnvelopeArrayAndSingleObjectForms) {
  std::string obj = Indicator("000000000030", local_.identity_id);
  EXPECT_EQ(Run(R"({"objects":[)" + obj + "]}", writer_).value().success_count, 1u);
  EXPECT_EQ(Run("[" + Indicator("000000000031", local_.identity_id) + "]", writer_).value().success_count, 1u);
  EXPECT_EQ(Run(Indicator("000000000032", local_.identity_id), writer_).value().success_count, 1u);
  EXPECT_EQ(All().size(), 3u);
}

TEST_F(IngestTest, RefusalsStoreNothing) {
  struct Case {
    std::string body;
    auth::Principal who;
    StatusCode want;
  } cases[] = {
      {Indicator("000000000040", local_.identity_id), reader_, StatusCode::kPermissionDenied},
      {"{not json", writer_, StatusCode::kInvalidArgument},
      {"42", writer_, StatusCode::kInvalidArgument},
      {R"({"objects":{}})", writer_, StatusCode::kInvalidArgument},
      // A key twice at the top (this scan, the parser and a client could
      // each read a different one).
      {R"({"objects":[)" + Indicator("000000000044", local_.identity_id) + R"(],"objects":[)" +
           Indicator("000000000045", local_.identity_id) + "]}",
       writer_, StatusCode::kInvalidArgument},
      {R"({"extensions":{")" + std::string(auth::kRampartExtensionId) +
           R"(":{"extension_type":"property-extension","anonymous":false,"anonymous":true}},"objects":[)" +
           Indicator("000000000046", local_.identity_id) + "]}",
       writer_, StatusCode::kInvalidArgument},
      {"[" + Indicator("000000000041", local_.identity_id) + "," +
           Indicator("000000000042", local_.identity_id) + "," +
           Indicator("000000000043", local_.identity_id) + "]",
       writer_, StatusCode::kResourceExhausted},
  };
  IngestOptions o;
  o.max_objects = 2;
  for (const auto& c : cases) {
    Result<IngestReport> r = Run(c.body, c.who, o);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), c.want) << c.body << " -> " << r.status().ToString();
  }
  EXPECT_TRUE(All().empty());
}

TEST_F(IngestTest, HostileBodiesGetErrorsNotCrashes) {
  const std::string deep(200000, '[');
  const std::string ext_deep = R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000098","extensions":{")" +
                               std::string(auth::kRampartExtensionId) + R"(":)" + std::string(100000, '[') +
                               std::string(100000, ']') + R"(},"objects":[]})";
  const std::string bad_utf8 = "[" + Indicator("000000000050", local_.identity_id).replace(40, 1, "\xff") + "]";
  const std::string cases[] = {
      deep,                                        // unbalanced, very deep
      deep + std::string(200000, ']'),             // balanced, very deep
      ext_deep,                                    // deep bundle-level extension
      R"({"objects":[)" + std::string(50000, '{') + "]}",
      std::string("{\"objects\":[\"\xff\xfe\"]}"),
      bad_utf8,
      "",
      "null",
  };
  for (const auto& body : cases) {
    Result<IngestReport> r = Run(body, writer_);
    if (r.ok()) {
      EXPECT_EQ(r->success_count, 0u) << body.substr(0, 80);
    }
  }
  EXPECT_TRUE(All().empty());
}

TEST_F(IngestTest, GranularMarkingsEndToEnd) {
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-documentation-examples/using-granular-markings.json");
  IngestReport r = Run(testing::ReadFileOrEmpty(path), admin_).value();
  ASSERT_EQ(r.failure_count, 0u) << r.items[0].message;
  auto all = All();
  const store::StoredObject* ind = Find(all, "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1");
  ASSERT_NE(ind, nullptr);
  auto snap = Snap();
  // The partner reads the collection, but the description is TLP:RED (1.0).
  auto out = auth::ReleaseObject(*snap, reader_, coll_, *ind, auth::Path::kTaxiiRead);
  ASSERT_TRUE(out);
  json j = json::parse(*out);
  EXPECT_FALSE(j.contains("description"));
  EXPECT_EQ(j["name"], "Fake email address");
  // Defaulted (AMBER) and served with that marking.
  EXPECT_EQ(j["object_marking_refs"][0], std::string(stix::kTlp2Amber));
  // The RED threat actor is not served to the partner at all.
  const store::StoredObject* ta = Find(all, "threat-actor--8b6297fe-cae7-47c6-9256-5584b417849c");
  ASSERT_NE(ta, nullptr);
  EXPECT_FALSE(auth::ReleaseObject(*snap, reader_, coll_, *ta, auth::Path::kTaxiiRead));
  EXPECT_TRUE(auth::ReleaseObject(*snap, writer_, coll_, *ta, auth::Path::kTaxiiRead));
}

}  // namespace
}  // namespace rampart::ingest
