// The trust matrix: every role x marking x grant (relation) x path.
//
// The expected outcomes below are written from the rules in docs/trust.md,
// row by row, NOT computed from policy.cc. A path that is added later (search,
// exports, stream, dashboard, aggregates, federation) adds its column here.
//
// Column order of every expectation string: T S E F A L =
//   T taxii-read (objects, manifest, versions, single object)
//   S status   E export   F federation   A aggregate   L live stream
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/policy.h"
#include "store/store.h"

namespace rampart::auth {
namespace {

using store::Role;
using stix::Tlp;

constexpr Path kColumns[] = {Path::kTaxiiRead, Path::kStatus,    Path::kExport,
                             Path::kFederation, Path::kAggregate, Path::kStream};

// How the reader relates to the collection and the object.
enum class Rel {
  kNoGrant,             // org without any grant; collection not public
  kWriteOnly,           // org grant write only
  kPublicOnly,          // public collection, no grant
  kClient,              // declared client of an org holding a read grant
  kMember,              // org read grant
  kMemberTrusted,       // org read grant, org trusted_for_amber
  kUserGrant,           // read grant to the user, none to the org
  kRedRecipient,        // org read grant, named RED recipient
  kSubmitter,           // the submitting org, with read grant
  kGroupMember,         // object shared to group G; reader's org in G, read grant
  kGroupNonMember,      // object shared to group G; reader's org not in G, read grant
  kSubmitterOutsideGroup,  // reader is the submitter, not in the object's group G
  // Named TLP:RED recipients below member tier: naming an organisation does
  // not grant it a read it does not have.
  kRedRecipientClient,      // named RED recipient, only a client of a reader
  kRedRecipientPublicOnly,  // named RED recipient, public collection, no grant
  kRedRecipientNoGrant,     // named RED recipient, no grant at all
};

const char* RelName(Rel r) {
  switch (r) {
    case Rel::kNoGrant: return "no-grant";
    case Rel::kWriteOnly: return "write-only";
    case Rel::kPublicOnly: return "public-only";
    case Rel::kClient: return "client";
    case Rel::kMember: return "member";
    case Rel::kMemberTrusted: return "member-trusted";
    case Rel::kUserGrant: return "user-grant";
    case Rel::kRedRecipient: return "red-recipient";
    case Rel::kSubmitter: return "submitter";
    case Rel::kGroupMember: return "group-member";
    case Rel::kGroupNonMember: return "group-non-member";
    case Rel::kSubmitterOutsideGroup: return "submitter-outside-group";
    case Rel::kRedRecipientClient: return "red-recipient-client";
    case Rel::kRedRecipientPublicOnly: return "red-recipient-public-only";
    case Rel::kRedRecipientNoGrant: return "red-recipient-no-grant";
  }
  return "?";
}

struct Scenario {
  std::unique_ptr<PolicySnapshot> snap;
  store::Collection coll;
  store::StoredObject obj;
  Principal who;
};

// Orgs: S submits; R reads; M holds a read grant and declares R its client
// (kClient only). Group G = {S} plus R when the relation says so.
Scenario Build(Rel rel, Role role, Tlp tlp) {
  std::vector<store::Organization> orgs;
  std::vector<store::Grant> grants;
  std::vector<store::SharingGroup> groups;
  store::Organization s{"org-s", "Submitter", "identity--00000000-0000-4000-8000-00000000000s", {}, false, 1};
  store::Organization r{"org-r", "Reader", "identity--00000000-0000-4000-8000-00000000000r", {}, false, 2};
  store::Organization m{"org-m", "Member", "identity--00000000-0000-4000-8000-00000000000m", {}, false, 3};
  Scenario sc;
  sc.coll.id = "coll-1";
  sc.coll.default_tlp = Tlp::kGreen;
  auto read = [&](const std::string& org) {
    grants.push_back({"coll-1", store::GranteeKind::kOrganization, org, true, false});
  };
  grants.push_back({"coll-1", store::GranteeKind::kOrganization, "org-s", true, true});
  sc.who = Principal{"user-r", "org-r", role, "tok-r"};
  sc.obj.id = "indicator--11111111-1111-4111-8111-111111111111";
  sc.obj.type = "indicator";
  sc.obj.collection_id = "coll-1";
  sc.obj.json = R"({"type":"indicator","id":"indicator--11111111-1111-4111-8111-111111111111"})";
  sc.obj.provenance.org_id = "org-s";
  sc.obj.provenance.user_id = "user-s";
  sc.obj.provenance.effective_tlp = tlp;
  switch (rel) {
    case Rel::kNoGrant: break;
    case Rel::kWriteOnly:
      grants.push_back({"coll-1", store::GranteeKind::kOrganization, "org-r", false, true});
      break;
    case Rel::kPublicOnly: sc.coll.is_public = true; break;
    case Rel::kClient:
      m.client_org_ids = {"org-r"};
      read("org-m");
      break;
    case Rel::kMember: read("org-r"); break;
    case Rel::kMemberTrusted:
      r.trusted_for_amber = true;
      read("org-r");
      break;
    case Rel::kUserGrant:
      grants.push_back({"coll-1", store::GranteeKind::kUser, "user-r", true, false});
      break;
    case Rel::kRedRecipient:
      read("org-r");
      sc.obj.provenance.red_recipients = {"org-r"};
      break;
    case Rel::kSubmitter:
      sc.who.org_id = "org-s";
      sc.who.user_id = "user-s2";
      break;
    case Rel::kGroupMember:
      read("org-r");
      groups.push_back({"grp-g", "G", {"org-s", "org-r"}});
      sc.obj.provenance.sharing_groups = {"grp-g"};
      break;
    case Rel::kGroupNonMember:
      read("org-r");
      groups.push_back({"grp-g", "G", {"org-s", "org-m"}});
      sc.obj.provenance.sharing_groups = {"grp-g"};
      break;
    case Rel::kRedRecipientClient:
      m.client_org_ids = {"org-r"};
      read("org-m");
      sc.obj.provenance.red_recipients = {"org-r"};
      break;
    case Rel::kRedRecipientPublicOnly:
      sc.coll.is_public = true;
      sc.obj.provenance.red_recipients = {"org-r"};
      break;
    case Rel::kRedRecipientNoGrant:
      sc.obj.provenance.red_recipients = {"org-r"};
      break;
    case Rel::kSubmitterOutsideGroup:
      sc.who.org_id = "org-s";
      sc.who.user_id = "user-s2";
      groups.push_back({"grp-g", "G", {"org-m"}});
      sc.obj.provenance.sharing_groups = {"grp-g"};
      break;
  }
  orgs = {s, r, m};
  sc.snap = std::make_unique<PolicySnapshot>(orgs, grants, groups);
  return sc;
}

struct Row {
  Rel rel;
  // Expectations per TLP: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
  const char* expect[5];
};

constexpr Tlp kTlps[] = {Tlp::kClear, Tlp::kGreen, Tlp::kAmber, Tlp::kAmberStrict, Tlp::kRed};

// Reader, contributor and org-admin read alike.
//                       CLEAR     GREEN     AMBER     A+STRICT  RED
const Row kOrdinary[] = {
    {Rel::kNoGrant,     {"000000", "000000", "000000", "000000", "000000"}},
    {Rel::kWriteOnly,   {"000000", "000000", "000000", "000000", "000000"}},
    {Rel::kPublicOnly,  {"111111", "000000", "000000", "000000", "000000"}},
    {Rel::kClient,      {"111111", "111111", "111011", "000000", "000000"}},
    {Rel::kMember,      {"111111", "111111", "111011", "110011", "000000"}},
    {Rel::kMemberTrusted, {"111111", "111111", "111111", "110011", "000000"}},
    {Rel::kUserGrant,   {"111111", "111111", "111011", "110011", "000000"}},
    {Rel::kRedRecipient, {"111111", "111111", "111011", "110011", "110001"}},
    {Rel::kSubmitter,   {"111111", "111111", "111011", "110011", "110011"}},
    {Rel::kGroupMember, {"111111", "111111", "111011", "110011", "000000"}},
    {Rel::kGroupNonMember, {"000000", "000000", "000000", "000000", "000000"}},
    {Rel::kSubmitterOutsideGroup, {"110011", "110011", "110011", "110011", "110011"}},
    {Rel::kRedRecipientClient, {"111111", "111111", "111011", "000000", "000000"}},
    {Rel::kRedRecipientPublicOnly, {"111111", "000000", "000000", "000000", "000000"}},
    {Rel::kRedRecipientNoGrant, {"000000", "000000", "000000", "000000", "000000"}},
};

// Admin: read on every collection without a grant (member tier); TLP,
// RED recipients and sharing groups apply to admins like to anyone.
const Row kAdmin[] = {
    {Rel::kNoGrant,     {"111111", "111111", "111011", "110011", "000000"}},
    {Rel::kPublicOnly,  {"111111", "111111", "111011", "110011", "000000"}},
    {Rel::kMemberTrusted, {"111111", "111111", "111111", "110011", "000000"}},
    {Rel::kRedRecipient, {"111111", "111111", "111011", "110011", "110001"}},
    {Rel::kSubmitter,   {"111111", "111111", "111011", "110011", "110011"}},
    {Rel::kGroupNonMember, {"000000", "000000", "000000", "000000", "000000"}},
};

// Sync peers: every path is federation. AMBER only when trusted; AMBER+STRICT
// and RED never, whoever submitted or was named.
const Row kSyncPeer[] = {
    {Rel::kNoGrant,     {"000000", "000000", "000000", "000000", "000000"}},
    {Rel::kPublicOnly,  {"111111", "000000", "000000", "000000", "000000"}},
    {Rel::kClient,      {"111111", "111111", "000000", "000000", "000000"}},
    {Rel::kMember,      {"111111", "111111", "000000", "000000", "000000"}},
    {Rel::kMemberTrusted, {"111111", "111111", "111111", "000000", "000000"}},
    {Rel::kRedRecipient, {"111111", "111111", "000000", "000000", "000000"}},
    {Rel::kSubmitter,   {"111111", "111111", "000000", "000000", "000000"}},
    {Rel::kGroupMember, {"111111", "111111", "000000", "000000", "000000"}},
    {Rel::kGroupNonMember, {"000000", "000000", "000000", "000000", "000000"}},
};

int CheckRows(const Row* rows, size_t n, Role role) {
  int cells = 0;
  for (size_t i = 0; i < n; ++i) {
    const Row& row = rows[i];
    for (size_t t = 0; t < 5; ++t) {
      Scenario sc = Build(row.rel, role, kTlps[t]);
      for (size_t c = 0; c < 6; ++c) {
        const bool want = row.expect[t][c] == '1';
        const bool got = MayReceive(*sc.snap, sc.who, sc.coll, sc.obj, kColumns[c]);
        const bool released =
            ReleaseObject(*sc.snap, sc.who, sc.coll, sc.obj, kColumns[c]).has_value();
        EXPECT_EQ(got, want) << "role=" << RoleName(role) << " rel=" << RelName(row.rel)
                             << " tlp=" << stix::TlpName(kTlps[t])
                             << " path=" << PathName(kColumns[c]);
        EXPECT_EQ(released, want) << "ReleaseObject disagrees: role=" << RoleName(role)
                                  << " rel=" << RelName(row.rel)
                                  << " tlp=" << stix::TlpName(kTlps[t])
                                  << " path=" << PathName(kColumns[c]);
        ++cells;
      }
    }
  }
  return cells;
}

TEST(PolicyMatrixTest, OrdinaryRoles) {
  int cells = 0;
  for (Role r : {Role::kReader, Role::kContributor, Role::kOrgAdmin}) {
    cells += CheckRows(kOrdinary, std::size(kOrdinary), r);
  }
  EXPECT_EQ(cells, 3 * 15 * 5 * 6);
}

TEST(PolicyMatrixTest, Admin) { CheckRows(kAdmin, std::size(kAdmin), Role::kAdmin); }

TEST(PolicyMatrixTest, SyncPeer) { CheckRows(kSyncPeer, std::size(kSyncPeer), Role::kSyncPeer); }

// DecideCollection: role x relation -> visible / can_read / can_write
// ("vrw", 1 = yes). The submitter org holds read+write.
struct CollRow {
  Rel rel;
  const char* expect[5];  // reader, contributor, org-admin, admin, sync-peer
};
const CollRow kCollRows[] = {
    //                     reader contrib orgadm admin  peer
    {Rel::kNoGrant,       {"000", "000", "000", "111", "000"}},
    {Rel::kWriteOnly,     {"100", "101", "101", "111", "101"}},
    {Rel::kPublicOnly,    {"110", "110", "110", "111", "110"}},
    {Rel::kClient,        {"110", "110", "110", "111", "110"}},
    {Rel::kMember,        {"110", "110", "110", "111", "110"}},
    {Rel::kUserGrant,     {"110", "110", "110", "111", "110"}},
    {Rel::kSubmitter,     {"110", "111", "111", "111", "111"}},
};

TEST(PolicyMatrixTest, DecideCollection) {
  const Role roles[] = {Role::kReader, Role::kContributor, Role::kOrgAdmin, Role::kAdmin,
                        Role::kSyncPeer};
  for (const CollRow& row : kCollRows) {
    for (size_t i = 0; i < 5; ++i) {
      Scenario sc = Build(row.rel, roles[i], Tlp::kGreen);
      CollectionAccess a = DecideCollection(*sc.snap, sc.who, sc.coll);
      std::string got = {a.visible ? '1' : '0', a.can_read ? '1' : '0', a.can_write ? '1' : '0'};
      EXPECT_EQ(got, row.expect[i]) << "role=" << RoleName(roles[i]) << " rel=" << RelName(row.rel);
    }
  }
}

// DELETE: only the organisation that owns an id (store::OwnerKeyForOrg), or
// an admin; relayed, forum-owned and unowned ids only by admins.
TEST(PolicyMatrixTest, MayDelete) {
  struct Case {
    Role role;
    const char* org;
    std::string owner;
    bool want;
  };
  const Case cases[] = {
      {Role::kContributor, "org-s", store::OwnerKeyForOrg("org-s"), true},
      {Role::kOrgAdmin, "org-s", store::OwnerKeyForOrg("org-s"), true},
      {Role::kReader, "org-s", store::OwnerKeyForOrg("org-s"), true},  // the write grant is checked elsewhere
      {Role::kContributor, "org-r", store::OwnerKeyForOrg("org-s"), false},
      {Role::kOrgAdmin, "org-r", store::OwnerKeyForOrg("org-s"), false},
      {Role::kSyncPeer, "org-r", store::OwnerKeyForOrg("org-s"), false},
      {Role::kSyncPeer, "org-r", store::OwnerKeyForRelay("identity--00000000-0000-4000-8000-000000000009", "org-r"), false},
      {Role::kContributor, "org-s", store::OwnerKeyForRelay("", "org-s"), false},
      {Role::kContributor, "org-s", "forum", false},
      {Role::kContributor, "", "", false},
      {Role::kContributor, "org-s", "", false},
      {Role::kAdmin, "org-r", store::OwnerKeyForOrg("org-s"), true},
      {Role::kAdmin, "org-r", "forum", true},
      {Role::kAdmin, "org-r", "", true},
  };
  for (const Case& c : cases) {
    Principal p{"user", c.org, c.role, "tok"};
    EXPECT_EQ(MayDelete(p, c.owner), c.want) << RoleName(c.role) << " " << c.org << " owner=" << c.owner;
  }
}

}  // namespace
}  // namespace rampart::auth
