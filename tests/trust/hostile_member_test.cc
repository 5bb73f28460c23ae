// Issue 10, tried as a hostile member would: a contributor of one
// organisation with write access to a shared collection tries to forge,
// rewrite or unmask another organisation's intelligence through the one
// write path (ingest). Each row of the table is one attack: what the victim
// stored first (if anything), what the attacker posts, the per-object outcome
// the attacker must get, and what every other organisation then receives.
//
// Runs on the memory store and on SQLite (the owner check lives in each
// backend's write transaction).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "auth/identity.h"
#include "auth/policy.h"
#include "auth/rampart_extension.h"
#include "ingest/ingest.h"
#include "stix/markings.h"
#include "stix/sco_id.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace rampart::ingest {
namespace {

using nlohmann::json;

constexpr char kCollection[] = "5b0f0c8e-6a0e-4d8f-9a1c-3e2d4f5a6b7c";
constexpr char kVictimIndicator[] = "indicator--a1b2c3d4-0000-4000-8000-000000000001";
constexpr char kT1[] = "2026-01-01T00:00:00.000Z";
constexpr char kT2[] = "2026-02-01T00:00:00.000Z";

// Who is in the forum: the victim (A), the attacker (B), a bystander reader
// (C) and a sync peer (P).
struct Forum {
  std::unique_ptr<store::Store> store;
  store::Organization local, a, b, c, p;
  store::Collection coll;
  store::SharingGroup group;  // {A, C}: the attacker is not in it
  auth::Principal victim, attacker, bystander, peer, admin;
};

std::string Indicator(std::string_view id, std::string_view modified, std::string_view pattern,
                      std::string_view extra = "") {
  json j = {{"type", "indicator"},     {"spec_version", "2.1"}, {"id", id},
            {"created", kT1},          {"modified", modified},  {"pattern", pattern},
            {"pattern_type", "stix"},  {"valid_from", kT1}};
  std::string s = j.dump();
  if (!extra.empty()) s = s.substr(0, s.size() - 1) + "," + std::string(extra) + "}";
  return s;
}

std::string Envelope(std::initializer_list<std::string> objects) {
  std::string s = "{\"objects\":[";
  bool first = true;
  for (const auto& o : objects) {
    if (!first) s += ",";
    s += o;
    first = false;
  }
  return s + "]}";
}

// One attack.
struct Attack {
  std::string name;
  // Posted by the victim (A) first; "" = nothing.
  std::function<std::string(const Forum&)> victim_posts;
  // Who attacks: "attacker" (B, contributor) or "peer" (P, sync-peer).
  std::string who = "attacker";
  std::function<std::string(const Forum&)> attacker_posts;
  // The expected outcome of each object the attacker posted, in order:
  // "ok" or a substring of the failure message.
  std::vector<std::string> outcomes;
  // After the attack: the id to look up and, for each reader, a substring
  // the served bytes of its latest version must contain ("" = must not be
  // served at all).
  std::string lookup_id;
  std::string victim_sees, bystander_sees;
  // Substrings no reader other than the attacker may ever be served.
  std::vector<std::string> nobody_else_sees;
};

std::vector<Attack> Attacks() {
  const std::string red_upper = stix::CanonicalId(stix::kTlp2Red).replace(20, 36,
      "E828B379-4E03-4974-9AC4-E53A884C97C1");
  return {
      {"new version of the victim's object",
       [](const Forum&) { return Envelope({Indicator(kVictimIndicator, kT1, "[ipv4-addr:value = '198.51.100.1']")}); },
       "attacker",
       [](const Forum&) { return Envelope({Indicator(kVictimIndicator, kT2, "[ipv4-addr:value = '203.0.113.66']")}); },
       {"id is taken"},
       kVictimIndicator, "198.51.100.1", "198.51.100.1", {"203.0.113.66"}},
      {"re-post of the victim's exact version is not a duplicate",
       [](const Forum&) { return Envelope({Indicator(kVictimIndicator, kT1, "[ipv4-addr:value = '198.51.100.1']")}); },
       "attacker",
       [](const Forum&) { return Envelope({Indicator(kVictimIndicator, kT1, "[ipv4-addr:value = '198.51.100.1']")}); },
       {"id is taken"},
       kVictimIndicator, "198.51.100.1", "198.51.100.1", {}},
      {"new version under the upper-case spelling of the victim's id",
       [](const Forum&) { return Envelope({Indicator(kVictimIndicator, kT1, "[ipv4-addr:value = '198.51.100.1']")}); },
       "attacker",
       [](const Forum&) {
         return Envelope({Indicator("indicator--A1B2C3D4-0000-4000-8000-000000000001", kT2,
                                    "[ipv4-addr:value = '203.0.113.66']")});
       },
       {"id is taken"},
       kVictimIndicator, "198.51.100.1", "198.51.100.1", {"203.0.113.66"}},
      {"created_by_ref naming the victim",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({Indicator(kVictimIndicator, kT1, "[ipv4-addr:value = '203.0.113.66']",
                                    "\"created_by_ref\":\"" + f.a.identity_id + "\"")});
       },
       {"created_by_ref must be your organisation's identity"},
       kVictimIndicator, "", "", {"203.0.113.66"}},
      {"the victim's identity object",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({json({{"type", "identity"}, {"spec_version", "2.1"}, {"id", f.a.identity_id},
                                {"created", kT1}, {"modified", kT2}, {"name", "Victim (compromised)"},
                                {"identity_class", "organization"}}).dump()});
       },
       {"belongs to the forum"},
       "", "", "", {"compromised"}},
      {"a new version of the forum pseudonym",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({json({{"type", "identity"}, {"spec_version", "2.1"},
                                {"id", PseudonymIdentityId(f.local)}, {"created", kT1}, {"modified", "2099-01-01T00:00:00.000Z"},
                                {"name", "Anonymous contributor (really B)"}, {"identity_class", "unspecified"}}).dump()});
       },
       {"belongs to the forum"},
       "", "", "", {"really B"}},
      {"a marking-definition with the TLP:RED id",
       nullptr, "attacker",
       [](const Forum&) {
         return Envelope({json({{"type", "marking-definition"}, {"spec_version", "2.1"},
                                {"id", std::string(stix::kTlp2Red)}, {"created", kT1},
                                {"name", "TLP:CLEAR (really)"}, {"extensions", {{std::string(stix::kTlp2ExtensionDefinition),
                                {{"extension_type", "property-extension"}, {"tlp", "clear"}}}}}}).dump()});
       },
       {"belongs to the forum"},
       "", "", "", {"really"}},
      {"a new version of the Rampart extension-definition",
       nullptr, "attacker",
       [](const Forum&) {
         json j = json::parse(auth::RampartExtensionDefinitionJson());
         j["modified"] = "2099-01-01T00:00:00.000Z";
         j["name"] = "Rampart sharing controls (ignored)";
         return Envelope({j.dump()});
       },
       {"belongs to the forum"},
       "", "", "", {"(ignored)"}},
      {"a domain-name under another value's deterministic id",
       nullptr, "attacker",
       [](const Forum&) {
         std::string good = stix::DeterministicScoId("domain-name", R"({"value":"good.example"})").value();
         return Envelope({json({{"type", "domain-name"}, {"spec_version", "2.1"}, {"id", good},
                                {"value", "evil2.example"}}).dump()});
       },
       {"must be derived from its content"},
       "", "", "", {"evil2.example"}},
      {"upper-case TLP:RED in object_marking_refs",
       nullptr, "attacker",
       [red_upper](const Forum&) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000aa", kT1,
                                    "[domain-name:value = 'red.example']",
                                    "\"object_marking_refs\":[\"" + red_upper + "\"]")});
       },
       {"identifier-case"},
       "", "", "", {"red.example"}},
      {"upper-case TLP:RED in a granular marking",
       nullptr, "attacker",
       [red_upper](const Forum&) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000ab", kT1,
                                    "[domain-name:value = 'red2.example']",
                                    "\"granular_markings\":[{\"marking_ref\":\"" + red_upper +
                                        "\",\"selectors\":[\"pattern\"]}]")});
       },
       {"identifier-case"},
       "", "", "", {"red2.example"}},
      {"object_marking_refs twice (the server reads one, clients the other)",
       nullptr, "attacker",
       [](const Forum&) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000ac", kT1,
                                    "[domain-name:value = 'dup.example']",
                                    "\"object_marking_refs\":[\"" + std::string(stix::kTlp2Red) +
                                        "\"],\"object_marking_refs\":[\"" + std::string(stix::kTlp2Clear) + "\"]")});
       },
       {"duplicate-key"},
       "", "", "", {"dup.example"}},
      {"the Rampart extension with an escaped key (anonymity silently dropped)",
       nullptr, "attacker",
       [](const Forum&) {
         std::string key(auth::kRampartExtensionId);
         key = key.substr(0, key.size() - 1) + "\\u0030";
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000ad", kT1,
                                    "[domain-name:value = 'esc.example']",
                                    "\"extensions\":{\"" + key +
                                        "\":{\"extension_type\":\"property-extension\",\"anonymous\":true}}")});
       },
       {"escaped-key"},
       "", "", "", {"esc.example"}},
      {"an anonymous object whose created_by_ref names someone else",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000ae", kT1,
                                    "[domain-name:value = 'framed.example']",
                                    "\"created_by_ref\":\"" + f.c.identity_id + "\",\"extensions\":{\"" +
                                        std::string(auth::kRampartExtensionId) +
                                        "\":{\"extension_type\":\"property-extension\",\"anonymous\":true}}")});
       },
       {"created_by_ref must be your organisation's identity"},
       "", "", "", {"framed.example"}},
      {"a sync peer relaying an object that claims a member's identity",
       nullptr, "peer",
       [](const Forum& f) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000af", kT1,
                                    "[domain-name:value = 'relayed.example']",
                                    "\"created_by_ref\":\"" + f.a.identity_id + "\"")});
       },
       {"may not claim a local organisation's or the forum's identity"},
       "", "", "", {"relayed.example"}},
      {"a sync peer relaying an object created elsewhere (allowed)",
       nullptr, "peer",
       [](const Forum&) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000b0", kT1,
                                    "[domain-name:value = 'partner.example']",
                                    "\"created_by_ref\":\"identity--0b6e0c6a-5c8e-4f8a-9c1e-2a3b4c5d6e7f\"")});
       },
       {"ok"},
       "indicator--a1b2c3d4-0000-4000-8000-0000000000b0", "partner.example", "partner.example", {}},
      {"sharing to a group the attacker is not in",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000b2", kT1,
                                    "[domain-name:value = 'grouped.example']",
                                    "\"extensions\":{\"" + std::string(auth::kRampartExtensionId) +
                                        "\":{\"extension_type\":\"property-extension\",\"sharing_group\":\"" +
                                        f.group.id + "\"}}")});
       },
       {"not a member of sharing group"},
       "", "", "", {"grouped.example"}},
      {"the attacker's own object (control)",
       nullptr, "attacker",
       [](const Forum& f) {
         return Envelope({Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000b1", kT1,
                                    "[domain-name:value = 'own.example']",
                                    "\"created_by_ref\":\"" + f.b.identity_id + "\"")});
       },
       {"ok"},
       "indicator--a1b2c3d4-0000-4000-8000-0000000000b1", "own.example", "own.example", {}},
  };
}

enum class Backend { kMemory, kSqlite };

class HostileMemberTest : public ::testing::TestWithParam<std::tuple<Backend, size_t>> {
 protected:
  void SetUp() override {
    if (std::get<0>(GetParam()) == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("rampart-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(std::get<1>(GetParam())));
      std::filesystem::remove_all(dir_);
      f_.store = store::OpenSqliteStore(dir_.string(), {}).value();
    } else {
      f_.store = store::NewMemoryStore();
    }
    store::Store& s = *f_.store;
    f_.local = auth::EnsureBootstrap(s).value();
    f_.a = auth::AddOrganization(s, {"Victim CERT", "", {}, false}, "t").value();
    f_.b = auth::AddOrganization(s, {"Hostile member", "", {}, false}, "t").value();
    f_.c = auth::AddOrganization(s, {"Bystander", "", {}, false}, "t").value();
    f_.p = auth::AddOrganization(s, {"Peer hub", "", {}, true}, "t").value();
    f_.coll.id = kCollection;
    f_.coll.title = "Shared";
    f_.coll.default_tlp = stix::Tlp::kGreen;
    ASSERT_TRUE(s.CreateCollection(f_.coll).ok());
    for (const auto* o : {&f_.a, &f_.b, &f_.p}) {
      ASSERT_TRUE(auth::PutGrant(s, {kCollection, store::GranteeKind::kOrganization, o->id, true, true}, "t").ok());
    }
    ASSERT_TRUE(auth::PutGrant(s, {kCollection, store::GranteeKind::kOrganization, f_.c.id, true, false}, "t").ok());
    f_.group = auth::PutSharingGroup(s, {"", "victims-only", {f_.a.id, f_.c.id}}, "t").value();
    f_.victim = {"user-a", f_.a.id, store::Role::kContributor, "tok-a"};
    f_.attacker = {"user-b", f_.b.id, store::Role::kContributor, "tok-b"};
    f_.bystander = {"user-c", f_.c.id, store::Role::kReader, "tok-c"};
    f_.peer = {"user-p", f_.p.id, store::Role::kSyncPeer, "tok-p"};
  }
  void TearDown() override {
    f_.store.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  auth::PolicySnapshot Snap() {
    return auth::PolicySnapshot(f_.store->ListOrganizations().value(), f_.store->ListGrants().value(),
                                f_.store->ListSharingGroups().value());
  }
  IngestReport Post(const auth::Principal& p, const std::string& body) {
    Result<IngestReport> r = Ingest(*f_.store, Snap(), f_.coll, p, body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : IngestReport{};
  }
  // The bytes `p` is served for the latest version of `id` ("" = nothing).
  std::string Served(const auth::Principal& p, const std::string& id) {
    store::ObjectQuery q;
    q.collection_id = kCollection;
    q.ids = {id};
    auto page = f_.store->QueryObjects(q).value();
    auth::PolicySnapshot snap = Snap();
    for (const auto& o : page.objects) {
      auto released = auth::ReleaseObject(snap, p, f_.coll, o, auth::Path::kTaxiiRead);
      if (released) return *released;
    }
    return "";
  }
  // Everything `p` is served from the collection, concatenated.
  std::string ServedAll(const auth::Principal& p) {
    store::ObjectQuery q;
    q.collection_id = kCollection;
    q.limit = 10000;
    q.versions.all = true;
    auto page = f_.store->QueryObjects(q).value();
    auth::PolicySnapshot snap = Snap();
    std::string all;
    for (const auto& o : page.objects) {
      if (auto r = auth::ReleaseObject(snap, p, f_.coll, o, auth::Path::kTaxiiRead)) all += *r;
    }
    return all;
  }

  Forum f_;
  std::filesystem::path dir_;
};

TEST_P(HostileMemberTest, AttackIsRefusedAndOthersSeeNothingOfIt) {
  const Attack a = Attacks()[std::get<1>(GetParam())];
  SCOPED_TRACE(a.name);
  if (a.victim_posts) {
    IngestReport r = Post(f_.victim, a.victim_posts(f_));
    ASSERT_EQ(r.failure_count, 0u) << r.items.front().message;
  }
  const auth::Principal& attacker = a.who == "peer" ? f_.peer : f_.attacker;
  IngestReport r = Post(attacker, a.attacker_posts(f_));
  ASSERT_EQ(r.items.size(), a.outcomes.size());
  for (size_t i = 0; i < a.outcomes.size(); ++i) {
    if (a.outcomes[i] == "ok") {
      EXPECT_TRUE(r.items[i].success) << r.items[i].message;
    } else {
      EXPECT_FALSE(r.items[i].success);
      EXPECT_NE(r.items[i].message.find(a.outcomes[i]), std::string::npos) << r.items[i].message;
    }
  }
  if (!a.lookup_id.empty()) {
    std::string v = Served(f_.victim, a.lookup_id), c = Served(f_.bystander, a.lookup_id);
    if (a.victim_sees.empty()) {
      EXPECT_EQ(v, "");
    } else {
      EXPECT_NE(v.find(a.victim_sees), std::string::npos) << v;
    }
    if (a.bystander_sees.empty()) {
      EXPECT_EQ(c, "");
    } else {
      EXPECT_NE(c.find(a.bystander_sees), std::string::npos) << c;
    }
  }
  const std::string victim_all = ServedAll(f_.victim), bystander_all = ServedAll(f_.bystander);
  for (const auto& secret : a.nobody_else_sees) {
    EXPECT_EQ(victim_all.find(secret), std::string::npos) << secret;
    EXPECT_EQ(bystander_all.find(secret), std::string::npos) << secret;
  }
}

std::string AttackName(const ::testing::TestParamInfo<std::tuple<Backend, size_t>>& info) {
  std::string name = (std::get<0>(info.param) == Backend::kMemory ? "Memory_" : "Sqlite_") +
                     std::to_string(std::get<1>(info.param));
  return name;
}

INSTANTIATE_TEST_SUITE_P(Attacks, HostileMemberTest,
                         ::testing::Combine(::testing::Values(Backend::kMemory, Backend::kSqlite),
                                            ::testing::Range(size_t{0}, Attacks().size())),
                         AttackName);

// Anonymity: another object of the same request re-publishing the source's
// identity is refused, and nobody but the submitter's own audit record learns
// who the anonymous source was.
TEST(HostileMemberAnonymity, SameRequestCannotUnmaskTheSource) {
  auto store = store::NewMemoryStore();
  auto local = auth::EnsureBootstrap(*store).value();
  auto b = auth::AddOrganization(*store, {"Anonymous source", "", {}, false}, "t").value();
  auto c = auth::AddOrganization(*store, {"Reader", "", {}, false}, "t").value();
  store::Collection coll;
  coll.id = kCollection;
  coll.title = "Shared";
  ASSERT_TRUE(store->CreateCollection(coll).ok());
  ASSERT_TRUE(auth::PutGrant(*store, {kCollection, store::GranteeKind::kOrganization, b.id, true, true}, "t").ok());
  ASSERT_TRUE(auth::PutGrant(*store, {kCollection, store::GranteeKind::kOrganization, c.id, true, false}, "t").ok());
  auth::PolicySnapshot snap(store->ListOrganizations().value(), store->ListGrants().value(),
                            store->ListSharingGroups().value());
  auth::Principal source{"user-b", b.id, store::Role::kContributor, "tok-b"};
  auth::Principal reader{"user-c", c.id, store::Role::kReader, "tok-c"};
  const std::string ext = "\"extensions\":{\"" + std::string(auth::kRampartExtensionId) +
                          "\":{\"extension_type\":\"property-extension\",\"anonymous\":true}}";
  // An anonymous indicator by B, its relationship naming B's identity (in
  // upper case, which a byte comparison would miss), and B's identity object.
  std::string upper_identity = b.identity_id;
  for (size_t i = 10; i < upper_identity.size(); ++i) upper_identity[i] = static_cast<char>(std::toupper(upper_identity[i]));
  const std::string body = Envelope({
      Indicator("indicator--a1b2c3d4-0000-4000-8000-0000000000c1", kT1, "[domain-name:value = 'anon.example']",
                "\"created_by_ref\":\"" + b.identity_id + "\"," + ext),
      json({{"type", "relationship"}, {"spec_version", "2.1"},
            {"id", "relationship--a1b2c3d4-0000-4000-8000-0000000000c2"}, {"created", kT1}, {"modified", kT1},
            {"relationship_type", "attributed-to"}, {"source_ref", "indicator--a1b2c3d4-0000-4000-8000-0000000000c1"},
            {"target_ref", upper_identity},
            {"extensions", {{std::string(auth::kRampartExtensionId),
                             {{"extension_type", "property-extension"}, {"anonymous", true}}}}}}).dump(),
      json({{"type", "identity"}, {"spec_version", "2.1"}, {"id", b.identity_id}, {"created", kT1},
            {"modified", kT1}, {"name", "Anonymous source"}, {"identity_class", "organization"}}).dump(),
  });
  IngestReport r = Ingest(*store, snap, coll, source, body).value();
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_TRUE(r.items[0].success) << r.items[0].message;
  EXPECT_TRUE(r.items[1].success) << r.items[1].message;
  EXPECT_FALSE(r.items[2].success);
  store::ObjectQuery q;
  q.collection_id = kCollection;
  q.limit = 1000;
  q.versions.all = true;
  std::string served;
  const store::Page page = store->QueryObjects(q).value();
  for (const auto& o : page.objects) {
    if (auto x = auth::ReleaseObject(snap, reader, coll, o, auth::Path::kTaxiiRead)) served += *x;
    EXPECT_EQ(o.provenance.org_id, "") << o.id;
  }
  EXPECT_NE(served.find("anon.example"), std::string::npos);
  EXPECT_NE(served.find(PseudonymIdentityId(local)), std::string::npos);
  EXPECT_EQ(stix::CanonicalId(served).find(stix::CanonicalId(b.identity_id)), std::string::npos) << served;
  EXPECT_EQ(served.find("Anonymous source"), std::string::npos);
}

}  // namespace
}  // namespace rampart::ingest
