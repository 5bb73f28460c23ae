// auth::ReadScope::Releases (the read paths' "would this object be
// released?") against ReleaseTo (the bytes themselves), and the default-TLP
// splice that never touches a TLP marking-definition. Here rather than in
// src/auth so the policy module's own test files stay with their owner.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/policy.h"
#include "stix/markings.h"

namespace rampart::auth {
namespace {

using stix::Tlp;

struct Fixture {
  PolicySnapshot snap;
  store::Collection coll;
  Fixture()
      : snap({{"org-s", "S", "identity--a0000000-0000-4000-8000-000000000001", {"org-c"}, false, 1},
              {"org-r", "R", "identity--a0000000-0000-4000-8000-000000000002", {}, false, 2},
              {"org-c", "C", "identity--a0000000-0000-4000-8000-000000000003", {}, false, 3},
              {"org-p", "P", "identity--a0000000-0000-4000-8000-000000000004", {}, false, 4}},
             {{"c1", store::GranteeKind::kOrganization, "org-s", true, true},
              {"c1", store::GranteeKind::kOrganization, "org-r", true, false}},
             {}) {
    coll.id = "c1";
    coll.default_tlp = Tlp::kAmber;
    coll.is_public = true;
  }
};

store::StoredObject Obj(std::string json, Tlp tlp, bool default_applied, std::vector<std::string> recipients = {}) {
  store::StoredObject o;
  o.json = std::move(json);
  nlohmann::json j = nlohmann::json::parse(o.json);
  o.id = j["id"];
  o.type = j["type"];
  o.collection_id = "c1";
  o.provenance.org_id = "org-s";
  o.provenance.effective_tlp = tlp;
  o.provenance.default_marking_applied = default_applied;
  o.provenance.red_recipients = std::move(recipients);
  return o;
}

std::string Indicator(std::string_view extra) {
  return std::string(R"({"type":"indicator","spec_version":"2.1","id":"indicator--b0000000-0000-4000-8000-000000000001",)"
                     R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"n",)"
                     R"("description":"d","pattern":"[domain-name:value = 'x.example']","pattern_type":"stix",)"
                     R"("valid_from":"2024-01-01T00:00:00Z")") +
         std::string(extra) + "}";
}

std::string Granular(std::string_view marking, std::string_view selector) {
  return R"(,"granular_markings":[{"marking_ref":")" + std::string(marking) + R"(","selectors":[")" +
         std::string(selector) + R"("]}])";
}

constexpr char kTlp1Green[] =
    R"({"created":"2017-01-20T00:00:00.000Z","definition":{"tlp":"green"},"definition_type":"tlp",)"
    R"("id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","name":"TLP:GREEN","spec_version":"2.1",)"
    R"("type":"marking-definition"})";

TEST(ReadScopeReleasesTest, AgreesWithReleaseToForEveryReaderAndShape) {
  Fixture f;
  const std::string red(stix::kTlp2Red), amber(stix::kTlp2Amber), green(stix::kTlp2Green);
  std::vector<store::StoredObject> objects = {
      Obj(Indicator(""), Tlp::kGreen, false),
      Obj(Indicator(""), Tlp::kAmber, true),
      Obj(Indicator(""), Tlp::kRed, false, {"org-r"}),
      Obj(Indicator(Granular(red, "description")), Tlp::kGreen, false),   // redacted, released
      Obj(Indicator(Granular(red, "pattern")), Tlp::kGreen, false),       // withheld whole
      Obj(Indicator(Granular(amber, "pattern")), Tlp::kGreen, true),      // withheld from public readers
      Obj(Indicator(Granular(green, "kill_chain_phases.[0]")), Tlp::kClear, false),
      // The key spelt with an escape still counts as granular markings.
      Obj(Indicator(R"(,"granular\u005fmarkings":[{"marking_ref":")" + red + R"(","selectors":["pattern"]}])"),
          Tlp::kGreen, false),
      Obj(kTlp1Green, Tlp::kGreen, true),
  };
  const Principal readers[] = {
      {"u-s", "org-s", store::Role::kContributor, "t"},  // submitter
      {"u-r", "org-r", store::Role::kReader, "t"},       // member, RED recipient
      {"u-c", "org-c", store::Role::kReader, "t"},       // client
      {"u-p", "org-p", store::Role::kReader, "t"},       // public only
      {"u-a", "org-p", store::Role::kAdmin, "t"},        // admin
      {"u-y", "org-r", store::Role::kSyncPeer, "t"},     // federation
  };
  int released = 0, withheld = 0;
  for (const auto& p : readers) {
    ReadScope scope(f.snap, p, f.coll, Path::kTaxiiRead);
    for (const auto& o : objects) {
      std::string out;
      const bool bytes = scope.ReleaseTo(o, out);
      EXPECT_EQ(scope.Releases(o), bytes) << p.org_id << " " << o.json;
      (bytes ? released : withheld)++;
    }
  }
  // Both answers occur, including withholding by redaction for a reader
  // that MayReceive the object.
  EXPECT_GT(released, 10);
  EXPECT_GT(withheld, 10);
  ReadScope member(f.snap, readers[1], f.coll, Path::kTaxiiRead);
  EXPECT_TRUE(member.MayReceive(objects[4]));
  EXPECT_FALSE(member.Releases(objects[4]));
}

TEST(ReadScopeReleasesTest, TlpMarkingDefinitionsAreServedAsStored) {
  Fixture f;
  const Principal member{"u-r", "org-r", store::Role::kReader, "t"};
  for (std::string_view json : {std::string_view(kTlp1Green)}) {
    store::StoredObject o = Obj(std::string(json), Tlp::kAmber, /*default_applied=*/true);
    ASSERT_TRUE(stix::IsTlpMarkingDefinitionId(o.id));
    auto out = ReleaseObject(f.snap, member, f.coll, o, Path::kTaxiiRead);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, json);  // no object_marking_refs spliced in
  }
  // The same bytes under a non-TLP marking-definition id get the marking.
  std::string other(kTlp1Green);
  other.replace(other.find("34098fce"), 8, "44098fce");
  auto out = ReleaseObject(f.snap, member, f.coll, Obj(other, Tlp::kAmber, true), Path::kTaxiiRead);
  ASSERT_TRUE(out);
  EXPECT_NE(out->find("\"object_marking_refs\":[\"" + std::string(stix::kTlp2Amber) + "\"]"), std::string::npos)
      << *out;
}

}  // namespace
}  // namespace rampart::auth
