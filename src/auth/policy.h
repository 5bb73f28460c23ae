// The one place that decides who may see what.
//
// Every path by which an object can leave Rampart (TAXII objects, manifest,
// versions, single object, status; later search, exports, the live stream,
// the dashboard API, aggregates, federation) asks this module, and adds
// itself to the matrix test in auth/policy_matrix_test.cc.
//
// Decisions are pure functions of (principal, identity snapshot, object
// provenance, collection): no I/O, no clocks, no locks, so they are cheap on
// the hot path and exhaustively testable. A PolicySnapshot is immutable once
// built; share it as std::shared_ptr<const PolicySnapshot> and swap it
// atomically when identities change.
#ifndef RAMPART_AUTH_POLICY_H_
#define RAMPART_AUTH_POLICY_H_

#include <memory>
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
  std::string token_id;  // the token used, for audit
  bool IsAdmin() const { return role == store::Role::kAdmin; }
};

// The path an object leaves by. Federation and exports have stricter rules
// (AMBER+STRICT and RED never leave; AMBER only to peers trusted for it).
enum class Path : int {
  kTaxiiRead = 0,     // objects, manifest, versions, single object
  kStatus = 1,
  kExport = 2,        // IDS exports, MISP out
  kFederation = 3,    // sync push/pull to a peer
  kAggregate = 4,     // counts others see (dashboard, exposure figures)
  kStream = 5,
};

// Identities the decisions need, indexed for O(1) lookups.
class PolicySnapshot {
 public:
  PolicySnapshot(std::vector<store::Organization> orgs, std::vector<store::Grant> grants,
                 std::vector<store::SharingGroup> groups);

  const store::Organization* FindOrg(std::string_view org_id) const;
  // True when `client_org` is a declared client of `org`.
  bool IsClientOf(std::string_view client_org, std::string_view org) const;
  bool IsGroupMember(std::string_view group_id, std::string_view org_id) const;
  // The grant that applies to `p` on `collection_id` (user grant OR org grant).
  struct Access {
    bool can_read = false;
    bool can_write = false;
  };
  Access GrantFor(const Principal& p, std::string_view collection_id) const;

 private:
  std::unordered_map<std::string, store::Organization> orgs_;
  std::unordered_map<std::string, Access> grants_;  // key: kind|grantee|collection
  std::unordered_map<std::string, std::unordered_set<std::string>> group_members_;
  std::unordered_map<std::string, std::unordered_set<std::string>> clients_;  // org -> clients
};

struct CollectionAccess {
  bool visible = false;  // listed at all; false -> 404
  bool can_read = false;  // false while visible -> 403 on reads
  bool can_write = false;  // false while visible -> 403 on POST
};

// What a principal may do with a collection.
CollectionAccess DecideCollection(const PolicySnapshot& s, const Principal& p,
                                  const store::Collection& c);

// Whether `p` may receive this stored version by `path`. RED: named
// recipients only; AMBER+STRICT: organisations with read (and never by
// export/federation); AMBER: with read, and declared clients of the
// submitting organisation; GREEN: members with read; CLEAR: anyone with read
// (public collections included). Sharing groups further restrict.
// REQUIRES: DecideCollection(...).can_read for the object's collection.
bool MayReceive(const PolicySnapshot& s, const Principal& p, const store::Collection& c,
                const store::StoredObject& o, Path path);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_POLICY_H_
