// Property test: random organisations, clients, grants, sharing groups,
// markings, objects and requests; no path ever returns an object or a
// property the requester may not see.
//
// The oracle below restates docs/trust.md from the object's side, scanning
// plain lists (no PolicySnapshot indexes), and the test also checks rules
// that need no oracle: RED / AMBER+STRICT never leave by export/federation,
// levels nest, a defaulted object always carries its TLP marking, and a
// redacted property's text never appears in what is released.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "auth/policy.h"

namespace rampart::auth {
namespace {

using stix::Tlp;

struct World {
  std::vector<store::Organization> orgs;
  std::vector<store::Grant> grants;
  std::vector<store::SharingGroup> groups;
  std::vector<store::Collection> colls;
};

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// docs/trust.md, restated.
bool Oracle(const World& w, const Principal& p, const store::Collection& c,
            const store::StoredObject& o, Tlp level, Path path) {
  if (p.role == store::Role::kSyncPeer) path = Path::kFederation;
  const bool leaving = path == Path::kExport || path == Path::kFederation;
  if (leaving && (level == Tlp::kRed || level == Tlp::kAmberStrict)) return false;
  auto org_reads = [&](const std::string& org) {
    for (const auto& g : w.grants) {
      if (g.collection_id == c.id && g.grantee_kind == store::GranteeKind::kOrganization &&
          g.grantee_id == org && g.can_read)
        return true;
    }
    return false;
  };
  bool member = p.role == store::Role::kAdmin || org_reads(p.org_id);
  for (const auto& g : w.grants) {
    if (g.collection_id == c.id && g.grantee_kind == store::GranteeKind::kUser &&
        g.grantee_id == p.user_id && g.can_read)
      member = true;
  }
  bool client = false;
  for (const auto& org : w.orgs) {
    if (Contains(org.client_org_ids, p.org_id) && org_reads(org.id)) client = true;
  }
  if (!member && !client && !c.is_public) return false;
  const bool own = !o.provenance.org_id.empty() && o.provenance.org_id == p.org_id;
  if (!o.provenance.sharing_groups.empty() && !(own && !leaving)) {
    bool in = false;
    for (const auto& g : w.groups) {
      if (Contains(o.provenance.sharing_groups, g.id) && Contains(g.member_org_ids, p.org_id)) in = true;
    }
    if (!in) return false;
  }
  bool trusted = false;
  for (const auto& org : w.orgs) {
    if (org.id == p.org_id) trusted = org.trusted_for_amber;
  }
  switch (level) {
    case Tlp::kClear: return true;
    case Tlp::kGreen: return (own && !leaving) || member || client;
    case Tlp::kAmber:
      if (path == Path::kFederation && !trusted) return false;
      return (own && !leaving) || member || client;
    case Tlp::kAmberStrict: return own || member;
    case Tlp::kRed:
      if (own) return true;
      if (path == Path::kAggregate) return false;
      return Contains(o.provenance.red_recipients, p.org_id) && member;
  }
  return false;
}

template <typename T>
std::vector<T> Subset(const std::vector<T>& all) {
  std::vector<T> out;
  for (const auto& x : all) {
    if (*rc::gen::inRange(0, 3) == 0) out.push_back(x);
  }
  return out;
}

Tlp AnyTlp() { return static_cast<Tlp>(*rc::gen::inRange(0, 5)); }

TEST(PolicyPropertyTest, NoPathLeaksAnObjectOrProperty) {
  setenv("RC_PARAMS", "max_success=2000 noshrink=0", 0);
  long decisions = 0, released_count = 0, redactions = 0;
  int cases = 0;
  const bool ok = rc::check("no leak", [&] {
    ++cases;
    World w;
    const int n_orgs = *rc::gen::inRange(2, 7);
    std::vector<std::string> org_ids;
    for (int i = 0; i < n_orgs; ++i) org_ids.push_back("org-" + std::to_string(i));
    for (int i = 0; i < n_orgs; ++i) {
      store::Organization o;
      o.id = org_ids[i];
      o.name = o.id;
      o.identity_id = "identity--" + o.id;
      o.client_org_ids = Subset(org_ids);
      o.trusted_for_amber = *rc::gen::arbitrary<bool>();
      o.created = i;
      w.orgs.push_back(o);
    }
    for (int c = 0; c < 2; ++c) {
      store::Collection coll;
      coll.id = "coll-" + std::to_string(c);
      coll.is_public = *rc::gen::inRange(0, 3) == 0;
      coll.default_tlp = AnyTlp();
      w.colls.push_back(coll);
      for (const auto& org : org_ids) {
        int g = *rc::gen::inRange(0, 4);  // none, read, write, both
        if (g) w.grants.push_back({coll.id, store::GranteeKind::kOrganization, org, (g & 1) != 0, (g & 2) != 0});
      }
      if (*rc::gen::arbitrary<bool>()) {
        w.grants.push_back({coll.id, store::GranteeKind::kUser, "user-org-0-0", true, false});
      }
    }
    const int n_groups = *rc::gen::inRange(0, 3);
    for (int g = 0; g < n_groups; ++g) {
      w.groups.push_back({"grp-" + std::to_string(g), "G" + std::to_string(g), Subset(org_ids)});
    }
    std::vector<std::string> group_ids;
    for (const auto& g : w.groups) group_ids.push_back(g.id);
    PolicySnapshot snap(w.orgs, w.grants, w.groups);

    const int n_objects = *rc::gen::inRange(1, 6);
    for (int k = 0; k < n_objects; ++k) {
      const store::Collection& coll = w.colls[*rc::gen::inRange(0, 2)];
      store::StoredObject o;
      o.collection_id = coll.id;
      o.type = "indicator";
      o.id = "indicator--00000000-0000-4000-8000-00000000000" + std::to_string(k);
      const bool anonymous = *rc::gen::inRange(0, 5) == 0;
      o.provenance.org_id = anonymous ? "" : org_ids[*rc::gen::inRange(0, n_orgs)];
      o.provenance.anonymous = anonymous;
      o.provenance.red_recipients = Subset(org_ids);
      if (!group_ids.empty() && *rc::gen::arbitrary<bool>()) o.provenance.sharing_groups = Subset(group_ids);
      o.provenance.default_marking_applied = *rc::gen::arbitrary<bool>();
      o.provenance.effective_tlp = o.provenance.default_marking_applied ? coll.default_tlp : AnyTlp();
      nlohmann::ordered_json j;
      j["type"] = "indicator";
      j["spec_version"] = "2.1";
      j["id"] = o.id;
      j["created"] = "2020-01-01T00:00:00.000Z";
      j["modified"] = "2020-01-01T00:00:00.000Z";
      j["pattern"] = "[ipv4-addr:value = '10.0.0.1']";
      j["pattern_type"] = "stix";
      j["valid_from"] = "2020-01-01T00:00:00Z";
      j["description"] = "SECRET-DESCRIPTION";
      if (!o.provenance.default_marking_applied) {
        o.marking_refs = {std::string(stix::TlpMarkingId(o.provenance.effective_tlp))};
        j["object_marking_refs"] = o.marking_refs;
      }
      std::optional<Tlp> granular;
      if (*rc::gen::arbitrary<bool>()) {
        granular = AnyTlp();
        j["granular_markings"] = nlohmann::ordered_json::array(
            {{{"marking_ref", std::string(stix::TlpMarkingId(*granular))}, {"selectors", {"description"}}}});
      }
      o.json = j.dump();

      for (const auto& org : w.orgs) {
        for (store::Role role : {store::Role::kReader, store::Role::kContributor, store::Role::kOrgAdmin,
                                 store::Role::kAdmin, store::Role::kSyncPeer}) {
          Principal p{"user-" + org.id + "-" + std::to_string(static_cast<int>(role)), org.id, role, "t"};
          if (role == store::Role::kReader) p.user_id = "user-" + org.id + "-0";
          for (Path path : kAllPaths) {
            ++decisions;
            const bool want = Oracle(w, p, coll, o, o.provenance.effective_tlp, path);
            std::optional<std::string> out = ReleaseObject(snap, p, coll, o, path);
            RC_ASSERT(MayReceive(snap, p, coll, o, path) == want);
            // Never more than allowed; always what is allowed.
            RC_ASSERT(out.has_value() == want);
            // Levels nest.
            for (int l = 0; l < 5; ++l) {
              for (int m = 0; m < l; ++m) {
                if (MayReceiveLevel(snap, p, coll, o, static_cast<Tlp>(l), path)) {
                  RC_ASSERT(MayReceiveLevel(snap, p, coll, o, static_cast<Tlp>(m), path));
                }
              }
            }
            if (!out) continue;
            ++released_count;
            const bool leaving = path == Path::kExport || path == Path::kFederation ||
                                 role == store::Role::kSyncPeer;
            if (leaving) {
              RC_ASSERT(o.provenance.effective_tlp != Tlp::kRed);
              RC_ASSERT(o.provenance.effective_tlp != Tlp::kAmberStrict);
            }
            nlohmann::json r = nlohmann::json::parse(*out);
            // Markings travel with the object.
            RC_ASSERT(r.contains("object_marking_refs"));
            std::vector<std::string> refs = r["object_marking_refs"];
            RC_ASSERT(Contains(refs, std::string(stix::TlpMarkingId(o.provenance.effective_tlp))));
            // The granular property only to those allowed its level.
            if (granular) {
              Tlp level = stix::MostRestrictive(*granular, o.provenance.effective_tlp);
              const bool may = Oracle(w, p, coll, o, level, path);
              RC_ASSERT((out->find("SECRET-DESCRIPTION") != std::string::npos) == may);
              if (!may) ++redactions;
              if (leaving) RC_ASSERT(!(level == Tlp::kRed || level == Tlp::kAmberStrict) || !may);
            }
          }
        }
      }
    }
  });
  std::printf("[policy property] %d random worlds, %ld decisions, %ld releases, %ld redactions\n",
              cases, decisions, released_count, redactions);
  EXPECT_TRUE(ok);
  EXPECT_GT(decisions, 10000);
}

}  // namespace
}  // namespace rampart::auth
