// Property test: random sequences of writes by several organisations through
// the real TAXII service (POST, DELETE, GET objects), where every member may
// also act against the others: new versions of their ids, re-posts of their
// versions, created_by_ref naming them, deletes of their ids. After every
// sequence, what each organisation is served is checked against a model
// that knows only what each id's creator wrote:
//
//   1. every served version is one its id's creator wrote (a marker in
//      `description` says who wrote it): nobody else's versions are stored;
//   2. no served object names, in created_by_ref, an organisation that did
//      not write it, and an anonymous version never shows its source;
//   3. each organisation receives exactly the live versions their creators
//      meant for it: TLP:RED only its recipients, a sharing group only its
//      members, the creator its own (unless anonymous);
//   4. nothing another member deleted is gone (a version leaves only by its
//      creator's DELETE);
//   5. DELETE of an id none of whose versions the requester may read answers
//      exactly what DELETE of an unknown id answers.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/authenticator.h"
#include "base/check.h"
#include "auth/identity.h"
#include "auth/rampart_extension.h"
#include "ingest/ingest.h"
#include "stix/markings.h"
#include "store/memory/memory_store.h"
#include "taxii/service.h"

namespace rampart {
namespace {

using nlohmann::json;
using stix::Tlp;

constexpr char kColl[] = "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
constexpr int kOrgs = 3;

struct Member {
  store::Organization org;
  std::string token;
};

// What the model knows about one version an organisation wrote successfully.
struct Written {
  int writer;  // member index
  std::string modified;
  std::optional<Tlp> tlp;    // none = collection default (GREEN)
  std::set<int> recipients;  // RED recipients (member indexes)
  bool group = false;        // shared to the group {0, 1}
  bool anonymous = false;
  bool deleted = false;
};

class Forum {
 public:
  Forum() {
    store_ = store::NewMemoryStore();
    local_ = auth::EnsureBootstrap(*store_).value();
    for (int i = 0; i < kOrgs; ++i) {
      Member m;
      m.org = auth::AddOrganization(*store_, {"Org " + std::to_string(i), "", {}, false}, "t").value();
      auto user = auth::AddUser(*store_, {"user" + std::to_string(i), m.org.id, store::Role::kContributor, ""}, "t")
                      .value();
      m.token = auth::CreateToken(*store_, user.id, "t", 0, "t").value().secret;
      members_.push_back(m);
    }
    store::Collection c;
    c.id = kColl;
    c.title = "Shared";
    c.default_tlp = Tlp::kGreen;
    RAMPART_CHECK(store_->CreateCollection(c).ok());
    for (const auto& m : members_) {
      RAMPART_CHECK(auth::PutGrant(*store_, {kColl, store::GranteeKind::kOrganization, m.org.id, true, true}, "t").ok());
    }
    group_ = auth::PutSharingGroup(*store_, {"", "pair", {members_[0].org.id, members_[1].org.id}}, "t").value();
    auth_ = std::make_unique<auth::Authenticator>(*store_);
    service_ = std::make_unique<taxii::TaxiiService>(*store_, *auth_, nullptr, taxii::TaxiiOptions{});
  }

  http::Response Call(int who, std::string method, std::string path, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> query = {}) {
    auth_->Invalidate();
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    r.query = std::move(query);
    r.remote_address = "127.0.0.1";
    r.headers = {{"Authorization", "Bearer " + members_[who].token},
                 {"Accept", "application/taxii+json;version=2.1"}};
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/taxii+json;version=2.1"});
    r.body = std::move(body);
    http::Response resp;
    service_->Handle(r, resp);
    return resp;
  }

  // Every version `who` is served, across pages.
  std::vector<json> ServedTo(int who) {
    std::vector<json> out;
    std::string next;
    for (int page = 0; page < 100; ++page) {
      std::vector<std::pair<std::string, std::string>> q = {{"match[version]", "all"}, {"limit", "1000"}};
      if (!next.empty()) q.push_back({"next", next});
      http::Response r = Call(who, "GET", std::string("/api/collections/") + kColl + "/objects/", "", q);
      RC_ASSERT(r.status == 200);
      json env = json::parse(r.body);
      for (auto& o : env.value("objects", json::array())) out.push_back(o);
      if (!env.value("more", false)) break;
      next = env.value("next", "");
    }
    return out;
  }

  store::Store& store() { return *store_; }
  const std::vector<Member>& members() const { return members_; }
  const store::Organization& local() const { return local_; }
  const store::SharingGroup& group() const { return group_; }

 private:
  std::unique_ptr<store::Store> store_;
  store::Organization local_;
  std::vector<Member> members_;
  store::SharingGroup group_;
  std::unique_ptr<auth::Authenticator> auth_;
  std::unique_ptr<taxii::TaxiiService> service_;
};

std::string IdOf(int n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "indicator--00000000-0000-4000-8000-%012d", n);
  return buf;
}

// Whether member `r` may read version `w` (docs/trust.md, restated for this
// forum: every member holds read on the collection; the group is {0, 1}).
bool Visible(const Written& w, int r) {
  if (w.deleted) return false;
  const bool own = w.writer == r && !w.anonymous;  // anonymous: not even the source
  if (w.group && !own && r != 0 && r != 1) return false;
  if (w.tlp == Tlp::kRed && !own && w.recipients.count(r) == 0) return false;
  return true;
}

TEST(HostileWritesPropertyTest, NoForgeryRewriteDeleteOrLeak) {
  setenv("RC_PARAMS", "max_success=150 noshrink=0", 0);
  const bool ok = rc::check("no forgery, rewrite, delete or leak", [] {
    Forum f;
    // id index -> the versions its creator wrote (the creator is the writer
    // of the first successful version).
    std::map<int, std::vector<Written>> model;
    std::map<int, int> creator;
    const int n_steps = *rc::gen::inRange(1, 25);
    int clock = 0;
    for (int step = 0; step < n_steps; ++step) {
      const int actor = *rc::gen::inRange(0, kOrgs);
      const int id_n = *rc::gen::inRange(0, 6);
      const std::string id = IdOf(id_n);
      const int kind = *rc::gen::inRange(0, 10);
      if (kind < 7) {
        // A version of `id`: new, or a new version of someone else's, or a
        // re-post of an existing version, with random markings and a
        // created_by_ref that may name someone else.
        Written w;
        w.writer = actor;
        // A re-post of an existing version (the attack: another member
        // replays a version it saw) -- by the creator it is a new version.
        const bool replay = kind == 6 && model.count(id_n) && !model[id_n].empty() && creator[id_n] != actor;
        w.modified = replay ? model[id_n].front().modified
                            : "2026-01-01T00:00:" + std::to_string(10 + clock++) + ".000Z";
        const int tlp = *rc::gen::inRange(-1, 5);
        if (tlp >= 0) w.tlp = static_cast<Tlp>(tlp);
        if (w.tlp == Tlp::kRed) {
          for (int r = 0; r < kOrgs; ++r) {
            if (r != actor && *rc::gen::arbitrary<bool>()) w.recipients.insert(r);
          }
        }
        w.group = (actor == 0 || actor == 1) && *rc::gen::inRange(0, 4) == 0;
        w.anonymous = *rc::gen::inRange(0, 4) == 0;
        const int cbr = *rc::gen::inRange(-1, kOrgs);  // -1: none
        json o = {{"type", "indicator"},
                  {"spec_version", "2.1"},
                  {"id", id},
                  {"created", "2026-01-01T00:00:00.000Z"},
                  {"modified", w.modified},
                  {"pattern", "[domain-name:value = 'x" + std::to_string(id_n) + ".example']"},
                  {"pattern_type", "stix"},
                  {"valid_from", "2026-01-01T00:00:00.000Z"},
                  {"description", "by:" + std::to_string(actor)}};
        if (cbr >= 0) o["created_by_ref"] = f.members()[cbr].org.identity_id;
        if (w.tlp) o["object_marking_refs"] = {std::string(stix::TlpMarkingId(*w.tlp))};
        json ext = {{"extension_type", "property-extension"}};
        if (!w.recipients.empty()) {
          json rs = json::array();
          for (int r : w.recipients) rs.push_back(f.members()[r].org.identity_id);
          ext["red_recipients"] = rs;
        }
        if (w.group) ext["sharing_group"] = f.group().id;
        if (w.anonymous) ext["anonymous"] = true;
        if (ext.size() > 1) o["extensions"] = {{std::string(auth::kRampartExtensionId), ext}};
        http::Response r = f.Call(actor, "POST", std::string("/api/collections/") + kColl + "/objects/",
                                  json{{"objects", {o}}}.dump());
        RC_ASSERT(r.status == 202);
        json status = json::parse(r.body);
        const bool success = status.value("success_count", 0) == 1;
        // The model: who may write this version at all.
        const bool own_cbr = cbr < 0 || cbr == actor;
        const bool owner_ok = !creator.count(id_n) || creator[id_n] == actor;
        RC_ASSERT(success == (own_cbr && owner_ok));
        if (success) {
          creator.emplace(id_n, actor);
          model[id_n].push_back(w);
        }
      } else {
        // DELETE all versions of `id`.
        http::Response r =
            f.Call(actor, "DELETE", std::string("/api/collections/") + kColl + "/objects/" + id + "/");
        bool visible_to_actor = false;
        for (const Written& w : model[id_n]) visible_to_actor |= Visible(w, actor);
        if (!visible_to_actor) {
          // Exactly what an unknown id answers.
          http::Response unknown = f.Call(
              actor, "DELETE", std::string("/api/collections/") + kColl + "/objects/" + IdOf(999) + "/");
          RC_ASSERT(r.status == unknown.status);
          RC_ASSERT(r.status == 404);
        } else if (creator.count(id_n) && creator[id_n] == actor) {
          RC_ASSERT(r.status == 200);
          for (Written& w : model[id_n]) w.deleted = true;
        } else {
          RC_ASSERT(r.status == 403);
        }
      }
    }

    // What each organisation is served: exactly the live versions the
    // creators meant for it.
    for (int reader = 0; reader < kOrgs; ++reader) {
      std::multiset<std::pair<int, std::string>> served, expected;
      for (const auto& [id_n, versions] : model) {
        for (const Written& w : versions) {
          if (Visible(w, reader)) expected.insert({id_n, w.modified});
        }
      }
      for (const json& o : f.ServedTo(reader)) {
        const std::string id = o.value("id", "");
        if (o.value("type", "") == "identity") {
          // Only the forum pseudonym (stored with anonymous submissions).
          RC_ASSERT(id == ingest::PseudonymIdentityId(f.local()));
          continue;
        }
        RC_ASSERT(o.value("type", "") == "indicator");
        const int id_n = std::stoi(id.substr(id.size() - 12));
        RC_ASSERT(creator.count(id_n) == 1u);
        const int owner = creator[id_n];
        // 1. only the creator's versions.
        RC_ASSERT(o.value("description", "") == "by:" + std::to_string(owner));
        const Written* w = nullptr;
        for (const Written& x : model[id_n]) {
          if (x.modified == o.value("modified", "")) w = &x;
        }
        RC_ASSERT(w != nullptr);
        RC_ASSERT(!w->deleted);
        // 2. created_by_ref: the creator's identity, or the pseudonym when
        // anonymous; never anyone else.
        const std::string cbr = o.value("created_by_ref", "");
        if (w->anonymous) {
          RC_ASSERT(cbr.empty() || cbr == ingest::PseudonymIdentityId(f.local()));
          RC_ASSERT(o.dump().find(f.members()[owner].org.identity_id) == std::string::npos);
        } else {
          RC_ASSERT(cbr.empty() || cbr == f.members()[owner].org.identity_id);
        }
        RC_ASSERT(!o.contains("extensions"));
        served.insert({id_n, o.value("modified", "")});
      }
      // 3 and 4: whom the creator chose, and nothing another member deleted.
      RC_ASSERT(served == expected);
    }
  });
  EXPECT_TRUE(ok);
}

// The OASIS server's seed TLP:GREEN 1.0 definition, stored by the forum's own
// loader (`serve --demo`), is served exactly as stored: the default-TLP splice
// never adds object_marking_refs to a TLP marking-definition (the OASIS
// stix2-validator rejects one that has them). Members cannot post it at all.
TEST(TlpDefinitionTest, ServedAsStoredNeverSpliced) {
  Forum f;
  const std::string def =
      R"({"created":"2017-01-20T00:00:00.000Z","definition":{"tlp":"green"},"definition_type":"tlp",)"
      R"("id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","name":"TLP:GREEN","spec_version":"2.1",)"
      R"("type":"marking-definition"})";
  auth::PolicySnapshot snap(f.store().ListOrganizations().value(), f.store().ListGrants().value(),
                            f.store().ListSharingGroups().value());
  auth::Principal loader{"system", f.local().id, store::Role::kAdmin, ""};
  store::Collection coll = f.store().GetCollection(kColl).value();
  ingest::IngestOptions forum;
  forum.as_forum = true;
  ingest::IngestReport r = ingest::Ingest(f.store(), snap, coll, loader, "{\"objects\":[" + def + "]}", forum).value();
  ASSERT_EQ(r.success_count, 1u) << r.items[0].message;
  // A member's copy is refused.
  r = ingest::Ingest(f.store(), snap, coll, {"user0", f.members()[0].org.id, store::Role::kContributor, ""},
                     "{\"objects\":[" + def + "]}", {}).value();
  EXPECT_EQ(r.failure_count, 1u);
  for (const std::string& path :
       {std::string("/api/collections/") + kColl + "/objects/marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da/",
        std::string("/api/collections/") + kColl + "/objects/"}) {
    http::Response resp = f.Call(0, "GET", path);
    ASSERT_EQ(resp.status, 200) << resp.body;
    EXPECT_NE(resp.body.find(def), std::string::npos) << resp.body;
  }
}

// docs/trust.md, "Proof": every response that served AMBER, AMBER+STRICT or
// RED objects appends one audit record naming them; CLEAR and GREEN
// responses append none.
TEST(ReadAuditTest, EveryResponseServingAmberOrAboveIsAudited) {
  Forum f;
  const Tlp levels[] = {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed};
  for (size_t i = 0; i < std::size(levels); ++i) {
    const Tlp tlp = levels[i];
    SCOPED_TRACE(std::string(stix::TlpName(tlp)));
    const std::string id = IdOf(100 + static_cast<int>(i));
    json o = {{"type", "indicator"}, {"spec_version", "2.1"}, {"id", id},
              {"created", "2026-01-01T00:00:00.000Z"}, {"modified", "2026-01-01T00:00:00.000Z"},
              {"pattern", "[domain-name:value = 'audit.example']"}, {"pattern_type", "stix"},
              {"valid_from", "2026-01-01T00:00:00.000Z"},
              {"object_marking_refs", {std::string(stix::TlpMarkingId(tlp))}}};
    if (tlp == Tlp::kRed) {
      o["extensions"] = {{std::string(auth::kRampartExtensionId),
                          {{"extension_type", "property-extension"},
                           {"red_recipients", {f.members()[1].org.identity_id}}}}};
    }
    ASSERT_EQ(f.Call(0, "POST", std::string("/api/collections/") + kColl + "/objects/",
                     json{{"objects", {o}}}.dump()).status, 202);
    const std::string paths[] = {std::string("/api/collections/") + kColl + "/objects/" + id + "/",
                                 std::string("/api/collections/") + kColl + "/objects/"};
    for (const std::string& path : paths) {
      SCOPED_TRACE(path);
      const auto before = f.store().ReadAudit(0, 1'000'000).value();
      std::vector<std::pair<std::string, std::string>> q;
      if (path.back() == '/' && path.find(id) == std::string::npos) q = {{"match[id]", id}};
      http::Response r = f.Call(1, "GET", path, "", q);
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_NE(r.body.find(id), std::string::npos);
      const auto after = f.store().ReadAudit(0, 1'000'000).value();
      if (static_cast<int>(tlp) >= static_cast<int>(Tlp::kAmber)) {
        ASSERT_EQ(after.size(), before.size() + 1);
        EXPECT_EQ(after.back().action, "objects.read");
        EXPECT_EQ(after.back().target, kColl);
        json detail = json::parse(after.back().detail);
        ASSERT_EQ(detail["objects"].size(), 1u);
        EXPECT_EQ(detail["objects"][0]["id"], id);
        EXPECT_EQ(detail["org"], f.members()[1].org.id);
      } else {
        EXPECT_EQ(after.size(), before.size());
      }
    }
  }
}

}  // namespace
}  // namespace rampart
