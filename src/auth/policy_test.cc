// ReleaseObject: markings travel with the object; granular redaction;
// withholding when a required property would go.
#include "auth/policy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rampart::auth {
namespace {

using stix::Tlp;

struct Fixture {
  PolicySnapshot snap;
  store::Collection coll;
  Fixture()
      : snap({{"org-s", "S", "identity--a0000000-0000-4000-8000-000000000001", {}, false, 1},
              {"org-r", "R", "identity--a0000000-0000-4000-8000-000000000002", {}, false, 2},
              {"org-c", "C", "identity--a0000000-0000-4000-8000-000000000003", {}, false, 3}},
             {{"c1", store::GranteeKind::kOrganization, "org-s", true, true},
              {"c1", store::GranteeKind::kOrganization, "org-r", true, false}},
             {}) {
    coll.id = "c1";
    coll.default_tlp = Tlp::kAmber;
  }
};

store::StoredObject Obj(std::string json, Tlp tlp, bool default_applied,
                        std::vector<std::string> marking_refs = {}) {
  store::StoredObject o;
  o.json = std::move(json);
  nlohmann::json j = nlohmann::json::parse(o.json);
  o.id = j["id"];
  o.type = j["type"];
  o.collection_id = "c1";
  o.marking_refs = std::move(marking_refs);
  o.provenance.org_id = "org-s";
  o.provenance.effective_tlp = tlp;
  o.provenance.default_marking_applied = default_applied;
  return o;
}

const Principal kReader{"u-r", "org-r", store::Role::kReader, "t"};
const Principal kSubmitter{"u-s", "org-s", store::Role::kContributor, "t"};
const Principal kOutsider{"u-c", "org-c", store::Role::kReader, "t"};

TEST(ReleaseObjectTest, BytesUnchangedWhenNothingToDo) {
  Fixture f;
  std::string json =
      R"({"type":"malware","spec_version":"2.1","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",)"
      R"("created":"2016-04-06T20:07:09.000Z","modified":"2016-04-06T20:07:09.000Z","name":"Poison Ivy",)"
      R"("is_family":true,  "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]})";
  auto o = Obj(json, Tlp::kGreen, false, {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"});
  auto out = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, json);  // byte for byte, odd whitespace included
}

TEST(ReleaseObjectTest, DefaultMarkingTravelsWithTheObject) {
  Fixture f;
  struct Case {
    std::string json;
    std::vector<std::string> refs;
  } cases[] = {
      // No object_marking_refs at all: spliced in.
      {R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"})",
       {}},
      // A non-TLP marking already present: the TLP one is appended.
      {R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e4999"]})",
       {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e4999"}},
  };
  for (const auto& c : cases) {
    auto o = Obj(c.json, Tlp::kAmber, true, c.refs);
    auto out = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
    ASSERT_TRUE(out);
    nlohmann::json j = nlohmann::json::parse(*out);  // still valid JSON
    ASSERT_TRUE(j.contains("object_marking_refs"));
    std::vector<std::string> refs = j["object_marking_refs"];
    EXPECT_NE(std::find(refs.begin(), refs.end(), std::string(stix::kTlp2Amber)), refs.end()) << *out;
    for (const auto& r : c.refs) {
      EXPECT_NE(std::find(refs.begin(), refs.end(), r), refs.end()) << "lost " << r;
    }
    EXPECT_EQ(j["pattern"], "[ipv4-addr:value = '10.0.0.1']");
  }
}

// An object whose description is TLP:RED (granular) inside a GREEN object.
const char kGranular[] =
    R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",)"
    R"("created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z",)"
    R"("name":"Poison Ivy C2","description":"seen at our customer Example Bank",)"
    R"("labels":["internal"],"pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix",)"
    R"("valid_from":"2016-01-01T00:00:00Z",)"
    R"("object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],)"
    R"("granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["description","labels.[0]"]},)"
    R"({"marking_ref":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","selectors":["name"]}]})";

TEST(ReleaseObjectTest, GranularRedRedactedForOthersKeptForRecipients) {
  Fixture f;
  auto o = Obj(kGranular, Tlp::kGreen, false, {std::string(stix::kTlp2Green)});
  // Reader (not named): description and labels gone, rest intact.
  auto out = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(out);
  nlohmann::json j = nlohmann::json::parse(*out);
  EXPECT_FALSE(j.contains("description"));
  EXPECT_FALSE(j.contains("labels"));
  EXPECT_EQ(out->find("Example Bank"), std::string::npos);
  EXPECT_EQ(j["name"], "Poison Ivy C2");
  ASSERT_EQ(j["granular_markings"].size(), 1u);  // the RED entry's selectors are gone
  EXPECT_EQ(j["granular_markings"][0]["selectors"][0], "name");
  // The submitter sees everything, unchanged.
  auto own = ReleaseObject(f.snap, kSubmitter, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(own);
  EXPECT_NE(own->find("Example Bank"), std::string::npos);
  // A named recipient sees everything.
  o.provenance.red_recipients = {"org-r"};
  auto named = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(named);
  EXPECT_NE(named->find("Example Bank"), std::string::npos);
  // ...but not by federation, where RED never goes.
  Principal peer{"u-p", "org-r", store::Role::kSyncPeer, "t"};
  auto fed = ReleaseObject(f.snap, peer, f.coll, o, Path::kFederation);
  ASSERT_TRUE(fed);
  EXPECT_EQ(fed->find("Example Bank"), std::string::npos);
}

// The same key spelt with a \u escape is the same key: still redacted.
TEST(ReleaseObjectTest, EscapedGranularMarkingsKeyStillRedacts) {
  Fixture f;
  std::string json = kGranular;
  json.replace(json.find("\"granular_markings\""), 19, "\"granular\\u005fmarkings\"");
  ASSERT_EQ(json.find("\"granular_markings\""), std::string::npos);
  auto o = Obj(json, Tlp::kGreen, false, {std::string(stix::kTlp2Green)});
  auto out = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("Example Bank"), std::string::npos) << *out;
  // And with the default marking to add.
  o.provenance.default_marking_applied = true;
  out = ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("Example Bank"), std::string::npos) << *out;
}

TEST(ReleaseObjectTest, RedactingARequiredPropertyWithholdsTheObject) {
  Fixture f;
  std::string json = kGranular;
  // Mark the pattern itself RED: an indicator without pattern is invalid.
  json.replace(json.find(R"(["description","labels.[0]"])"), 28, R"(["pattern"])");
  auto o = Obj(json, Tlp::kGreen, false, {std::string(stix::kTlp2Green)});
  EXPECT_FALSE(ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead));
  EXPECT_TRUE(ReleaseObject(f.snap, kSubmitter, f.coll, o, Path::kTaxiiRead));
}

TEST(ReleaseObjectTest, WithheldWhenMayNotReceive) {
  Fixture f;
  auto o = Obj(kGranular, Tlp::kGreen, false, {std::string(stix::kTlp2Green)});
  EXPECT_FALSE(ReleaseObject(f.snap, kOutsider, f.coll, o, Path::kTaxiiRead));
  o.provenance.effective_tlp = Tlp::kRed;
  EXPECT_FALSE(ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead));
}

TEST(ReleaseObjectTest, MalformedStoredJsonWithheldNotCrashed) {
  Fixture f;
  store::StoredObject o;
  o.json = R"({"type":"indicator","granular_markings":[{"marking_ref":)";
  o.type = "indicator";
  o.provenance.org_id = "org-s";
  o.provenance.effective_tlp = Tlp::kGreen;
  EXPECT_FALSE(ReleaseObject(f.snap, kReader, f.coll, o, Path::kTaxiiRead));
}

TEST(RoleTest, NamesRoundTrip) {
  for (store::Role r : {store::Role::kReader, store::Role::kContributor, store::Role::kOrgAdmin,
                        store::Role::kAdmin, store::Role::kSyncPeer}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_FALSE(ParseRole("root"));
}

}  // namespace
}  // namespace rampart::auth
