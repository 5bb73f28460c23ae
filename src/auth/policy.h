// The one place that decides who may see what.
//
// Every path by which an object can leave Rampart (TAXII objects, manifest,
// versions, single object, status; later search, exports, the live stream,
// the dashboard API, aggregates, federation) asks this module, and adds
// itself to the matrix test in auth/policy_matrix_test.cc. The rules are
// written out for people in docs/trust.md; this header is their contract.
//
// Decisions are pure functions of (principal, identity snapshot, object
// provenance, collection): no I/O, no clocks, no locks, so they are cheap on
// the hot path and exhaustively testable. A PolicySnapshot is immutable once
// built; share it as std::shared_ptr<const PolicySnapshot> and swap it
// atomically when identities change (Authenticator::Snapshot() does this).
// Every function here is thread-safe on const arguments.
#ifndef RAMPART_AUTH_POLICY_H_
#define RAMPART_AUTH_POLICY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/types.h"

namespace rampart::auth {

// Who is asking. Built by the Authenticator from a token or password.
struct Principal {
  std::string user_id;
  std::string org_id;
  store::Role role = store::Role::kReader;
  std::string token_id;  // the token used, for audit ("" for password logins)
  bool IsAdmin() const { return role == store::Role::kAdmin; }
};

// The path an object leaves by. Federation and exports have stricter rules
// (AMBER+STRICT and RED never leave; AMBER only to peers trusted for it).
// A principal with role sync-peer is always judged as kFederation, whatever
// path the caller names (a peer reading TAXII is federation).
enum class Path : int {
  kTaxiiRead = 0,     // objects, manifest, versions, single object
  kStatus = 1,
  kExport = 2,        // IDS exports, MISP out
  kFederation = 3,    // sync push/pull to a peer
  kAggregate = 4,     // counts others see (dashboard, exposure figures)
  kStream = 5,
};
inline constexpr Path kAllPaths[] = {Path::kTaxiiRead, Path::kStatus,    Path::kExport,
                                     Path::kFederation, Path::kAggregate, Path::kStream};
std::string_view PathName(Path p);

// How a principal can read one collection, from weakest to strongest.
//   kNone:   no read at all.
//   kPublic: the collection is public and the principal has no grant: CLEAR only.
//   kClient: the principal's organisation is a declared client of an
//            organisation holding a read grant: up to AMBER (not AMBER+STRICT).
//   kMember: a read grant to the principal or its organisation, or admin:
//            up to AMBER+STRICT.
enum class ReadTier : int { kNone = 0, kPublic = 1, kClient = 2, kMember = 3 };

// Identities the decisions need, indexed for O(1) lookups.
class PolicySnapshot {
 public:
  PolicySnapshot(std::vector<store::Organization> orgs, std::vector<store::Grant> grants,
                 std::vector<store::SharingGroup> groups);

  // nullptr when unknown.
  const store::Organization* FindOrg(std::string_view org_id) const;
  // The organisation whose STIX identity is `identity_id`, or nullptr.
  const store::Organization* FindOrgByIdentity(std::string_view identity_id) const;
  // True when the group exists.
  bool HasGroup(std::string_view group_id) const;
  // The id of the group with this id or (unique) name, or nullopt.
  std::optional<std::string> FindGroup(std::string_view id_or_name) const;
  // True when `client_org` is a declared client of `org`.
  bool IsClientOf(std::string_view client_org, std::string_view org) const;
  bool IsGroupMember(std::string_view group_id, std::string_view org_id) const;
  // The grant that applies to `p` on `collection_id` (user grant OR org grant).
  struct Access {
    bool can_read = false;
    bool can_write = false;
  };
  Access GrantFor(const Principal& p, std::string_view collection_id) const;
  // True when `org_id` is a declared client of some organisation that holds
  // an organisation read grant on `collection_id`.
  bool IsClientOfReader(std::string_view org_id, std::string_view collection_id) const;

  const std::vector<store::Organization>& orgs() const { return org_list_; }

 private:
  std::vector<store::Organization> org_list_;
  std::unordered_map<std::string, store::Organization> orgs_;
  std::unordered_map<std::string, std::string> org_by_identity_;
  std::unordered_map<std::string, Access> grants_;  // key: kind|grantee|collection
  std::unordered_map<std::string, std::unordered_set<std::string>> group_members_;
  std::unordered_map<std::string, std::string> group_by_name_;  // "" value = ambiguous
  std::unordered_map<std::string, std::unordered_set<std::string>> clients_;  // org -> clients
  std::unordered_set<std::string> client_read_;  // key: org|collection
};

struct CollectionAccess {
  bool visible = false;  // listed at all; false -> 404
  bool can_read = false;  // false while visible -> 403 on reads
  bool can_write = false;  // false while visible -> 403 on POST
  ReadTier tier = ReadTier::kNone;
};

// What a principal may do with a collection. Admin: everything. Otherwise
// can_read = tier >= kPublic; can_write = a write grant (user or org) AND a
// role that may write (contributor, org-admin, sync-peer); visible = can_read
// or any write grant (a reader holding a write grant sees the collection and
// gets 403 on POST).
CollectionAccess DecideCollection(const PolicySnapshot& s, const Principal& p,
                                  const store::Collection& c);

// Whether `p` may receive this stored version by `path` (docs/trust.md):
//   CLEAR: tier >= public. GREEN: tier >= client. AMBER: tier >= client;
//   federation only to peers trusted_for_amber. AMBER+STRICT: tier member;
//   never exported or federated. RED: the submitting organisation and the
//   named recipients (with tier member); never exported or federated;
//   aggregates count it only for the submitting organisation.
//   The submitting organisation always receives its own objects (any tier
//   >= public) except by export/federation. Sharing groups: when the object
//   names groups, the reader's organisation must be a member of one of them
//   (or be the submitter), whatever the grants say.
// Levels nest: whoever may receive a level may receive every lower level.
// Returns false when the principal cannot read the collection at all.
bool MayReceive(const PolicySnapshot& s, const Principal& p, const store::Collection& c,
                const store::StoredObject& o, Path path);

// Like MayReceive but for an explicit TLP level (used for granular markings:
// may `p` see a property marked `tlp` inside `o`?).
bool MayReceiveLevel(const PolicySnapshot& s, const Principal& p, const store::Collection& c,
                     const store::StoredObject& o, stix::Tlp tlp, Path path);

// The JSON bytes to send for `o` to `p` by `path`, or nullopt to withhold it.
//   - nullopt when !MayReceive(...).
//   - the stored bytes unchanged in the common case;
//   - with the collection default TLP marking added to object_marking_refs
//     when provenance.default_marking_applied ("markings travel with the
//     object": nobody may mistake it for CLEAR) -- except on a TLP
//     marking-definition (stix::IsTlpMarkingDefinitionId), which the STIX
//     specification fixes byte for byte and is served as stored;
//   - with every top-level property selected by a granular TLP marking the
//     reader may not receive removed (with the granular_markings entries that
//     selected them); redaction works on whole top-level properties, so a
//     selector "kill_chain_phases.[0].phase_name" removes kill_chain_phases.
//     If a removed property is required for the object's type (or is a
//     common required property), the whole object is withheld (nullopt).
// Malformed stored JSON (should never happen) is withheld.
std::optional<std::string> ReleaseObject(const PolicySnapshot& s, const Principal& p,
                                         const store::Collection& c, const store::StoredObject& o,
                                         Path path);

// One reader, one collection, one path: the request-wide part of MayReceive
// and ReleaseObject decided once, for a response that releases many objects
// (a TAXII page). Its answers are exactly the free functions'. Holds
// references: `s`, `p` and `c` must outlive it.
class ReadScope {
 public:
  ReadScope(const PolicySnapshot& s, const Principal& p, const store::Collection& c, Path path);

  bool MayReceive(const store::StoredObject& o) const { return MayReceiveAt(o, o.provenance.effective_tlp); }
  bool MayReceiveAt(const store::StoredObject& o, stix::Tlp tlp) const;
  // ReleaseObject appending the released bytes to `out` (an object served
  // as stored is copied once, from `o` to `out`). False, with `out`
  // unchanged, when the object is withheld.
  bool ReleaseTo(const store::StoredObject& o, std::string& out) const;
  // Whether ReleaseTo would release `o` (true) or withhold it (false): the
  // question every TAXII read path asks, so a manifest, versions/ and DELETE
  // treat a withheld object exactly as objects/ does (docs/taxii.md, "No
  // existence oracles"). Builds no bytes unless `o` carries granular
  // markings (the only way a received object is withheld whole); objects
  // served as stored or with the default marking spliced in cost one byte
  // search. REQUIRES: o.json filled (ObjectQuery::include_json). Stored bytes
  // that are not a JSON object (never stored: ingest validated them) count
  // as released here while ReleaseTo withholds them.
  bool Releases(const store::StoredObject& o) const;

 private:
  const PolicySnapshot& s_;
  const Principal& p_;
  const store::Collection& c_;
  Path path_;      // the requested path (ReleaseObject's slow path re-decides from it)
  Path effective_;  // EffectivePath: a sync peer always reads as federation
  ReadTier tier_;
};

// ---- Creators (docs/trust.md, "Creators") ----
// DELETE: admins may delete any version; everyone else only ids whose owner
// key (store::Store::GetObjectOwner, store::OwnerKeyForOrg) is their
// organisation's.
bool MayDelete(const Principal& p, std::string_view owner_key);

// True when serving `o` must be audited (effective TLP AMBER or above).
// The caller batches one audit record per response (auth/audit_entries.h).
inline bool NeedsReadAudit(const store::StoredObject& o) {
  return static_cast<int>(o.provenance.effective_tlp) >= static_cast<int>(stix::Tlp::kAmber);
}

// Roles.
std::string_view RoleName(store::Role r);
// "admin", "org-admin", "contributor", "reader", "sync-peer".
std::optional<store::Role> ParseRole(std::string_view name);
// Roles that may write objects (given a write grant).
bool RoleMayWrite(store::Role r);

// Properties STIX 2.1 requires on an object of `type` (common + type
// specific), used to decide whether a redaction withholds the object.
const std::vector<std::string_view>& RequiredProperties(std::string_view type);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_POLICY_H_
