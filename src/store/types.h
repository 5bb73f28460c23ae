// Plain data types of the intel store: collections, stored object versions,
// provenance, queries, pages, status resources, identities, audit records.
//
// These are the shapes every backend persists and every upper module (taxii,
// auth, sync, exposure, dashboard) reads. Persisted layouts are documented in
// docs/formats/sqlite_schema.md and docs/formats/postgres_schema.md. Values
// only; no synchronisation.
#ifndef RAMPART_STORE_TYPES_H_
#define RAMPART_STORE_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "stix/markings.h"

namespace rampart::store {

inline constexpr char kStixMediaType21[] = "application/stix+json;version=2.1";

struct Collection {
  std::string id;          // UUID (TAXII collection id)
  std::string api_root = "api";  // the API root path segment it lives under
  std::string title;
  std::string description;
  std::vector<std::string> media_types = {kStixMediaType21};
  // Applied to objects that arrive without any TLP marking.
  stix::Tlp default_tlp = stix::Tlp::kGreen;
  // A public collection is readable by every authenticated principal for
  // TLP:CLEAR objects, without a grant.
  bool is_public = false;
  Micros created = 0;
};

// Who contributed a stored version and who may see it. Set by the ingest path
// (taxii POST, CLI import, federation pull) after the policy module decided.
struct Provenance {
  std::string org_id;            // submitting organisation ("" = the forum itself)
  std::string user_id;           // submitting user
  std::string source_peer;       // federation peer it came from; "" = local
  bool anonymous = false;        // source replaced by a forum pseudonym
  std::vector<std::string> sharing_groups;  // group ids; empty = no group limit
  std::vector<std::string> red_recipients;  // org ids named for TLP:RED
  stix::Tlp effective_tlp = stix::Tlp::kClear;  // most restrictive of markings/default
  bool default_marking_applied = false;  // effective_tlp came from the collection
};

// An entry of the observable-value index: "have we seen X".
// kind is one of: ipv4-addr, ipv6-addr, domain-name, url, email-addr,
// file:md5, file:sha1, file:sha256, file:sha512.
struct Observable {
  std::string kind;
  std::string value;  // normalised (lower-case domain, canonical IP, ...)
  bool operator==(const Observable&) const = default;
};

// A validated object version handed to the store for writing.
struct NewObject {
  std::string id;            // "type--uuid"
  std::string type;
  std::string spec_version;  // "2.1" (or "2.0" for accepted legacy input)
  std::optional<Micros> created;
  std::optional<Micros> modified;
  std::string created_by_ref;
  bool revoked = false;
  std::optional<Micros> valid_from;
  std::optional<Micros> valid_until;
  std::vector<std::string> marking_refs;  // object_marking_refs as received
  std::string json;                       // the object's bytes, as received
  Provenance provenance;
  std::vector<Observable> observables;
  // Who owns the id (store::OwnerKeyForOrg / OwnerKeyForRelay in store.h; docs/trust.md
  // "Creators"). Never served. When non-empty, AddObjects records it for the
  // id's canonical form (stix::CanonicalId) with the id's first version and
  // refuses (kFailed, kIdTakenMessage) a version whose owner differs from the
  // recorded one -- checked inside the write transaction, before the
  // duplicate check. "" = no ownership check and nothing recorded (tests,
  // benchmarks).
  std::string owner;
};

// The message of a version refused because another owner holds its id.
inline constexpr char kIdTakenMessage[] =
    "this id is taken: only the organisation that created it may add versions";

// One stored version of one object.
struct StoredObject : NewObject {
  std::string collection_id;
  Micros version = 0;     // modified, else created, else date_added
  Micros date_added = 0;  // server time, strictly increasing per collection
  int64_t seq = 0;        // tie-breaker, strictly increasing per store
};

// match[version]: any combination (OR) of first, last and explicit
// versions; `all` alone. Empty (all false, no versions) means last.
struct VersionFilter {
  bool all = false;
  bool first = false;
  bool last = false;
  std::vector<Micros> versions;
  bool IsDefault() const { return !all && !first && !last && versions.empty(); }
};

// Which fields of each StoredObject a query fills.
//   kAll:   every field.
//   kServe: what the policy module and the TAXII envelopes read: seq, id,
//           version, date_added, spec_version, json (when include_json) and
//           of the provenance org_id, sharing_groups, red_recipients,
//           effective_tlp and default_marking_applied. Every other field
//           stays default (or keeps what a reused object had: ScanObjects).
//           A backend may fill more.
enum class ObjectFields { kAll, kServe };

// A TAXII object/manifest/versions query. Different fields AND; values
// within one vector OR. Empty vector = no constraint.
struct ObjectQuery {
  std::string collection_id;
  std::optional<Micros> added_after;  // strictly after
  size_t limit = 100;                 // REQUIRES: limit >= 1
  std::string cursor;                 // opaque `next` from a previous Page
  std::vector<std::string> ids;
  std::vector<std::string> types;
  std::vector<std::string> spec_versions;  // empty = latest spec_version per object
  VersionFilter versions;
  bool include_json = true;  // false for manifests
  ObjectFields fields = ObjectFields::kAll;
};

struct Page {
  std::vector<StoredObject> objects;  // ascending (date_added, seq)
  bool more = false;
  std::string next;  // non-empty iff more
};

// Where a streamed page (Store::ScanObjects) ended: a Page without objects.
struct PageEnd {
  bool more = false;
  std::string next;  // non-empty iff more
};

// A deleted object version, kept so federation can converge.
struct Tombstone {
  std::string collection_id;
  std::string id;
  Micros version = 0;
  Micros deleted_at = 0;
  int64_t seq = 0;
};

enum class WriteResult : int { kAdded = 0, kDuplicate = 1, kFailed = 2 };

struct WriteOutcome {
  std::string id;
  Micros version = 0;
  WriteResult result = WriteResult::kAdded;
  std::string message;
  Micros date_added = 0;
};

// A TAXII status resource (kept at least 24 h).
struct StatusDetail {
  std::string id;
  std::string version;  // RFC 3339 as received
  std::string message;
};
struct StatusResource {
  std::string id;
  std::string api_root;
  std::string owner_user_id;  // only its owner (or an admin) may read it
  std::string status = "complete";  // "complete" | "pending"
  Micros request_timestamp = 0;
  int64_t total_count = 0, success_count = 0, failure_count = 0, pending_count = 0;
  std::vector<StatusDetail> successes, failures, pendings;
};

// ---- Identities (issue #5 builds on these) ----

// DO NOT CHANGE THESE ENUM VALUES: persisted.
enum class Role : int { kReader = 0, kContributor = 1, kOrgAdmin = 2, kAdmin = 3, kSyncPeer = 4 };

struct Organization {
  std::string id;           // UUID
  std::string name;
  std::string identity_id;  // "identity--<uuid>" representing it in STIX
  std::vector<std::string> client_org_ids;  // its declared clients (TLP:AMBER)
  bool trusted_for_amber = false;           // as a federation peer
  Micros created = 0;
};

struct User {
  std::string id;  // UUID
  std::string org_id;
  std::string name;
  Role role = Role::kReader;
  std::string password_hash;  // argon2id encoded; "" = token-only user
  bool disabled = false;
  Micros created = 0;
};

struct Token {
  std::string id;          // short public id, shown in `token list`
  std::string user_id;
  std::string name;
  std::string secret_sha256;  // hex SHA-256 of the secret; the secret is never stored
  Micros created = 0;
  Micros expires = 0;  // 0 = never
  bool revoked = false;
};

// A grant of access to one collection. Grantee is an organisation (the usual
// case) or a single user.
enum class GranteeKind : int { kOrganization = 0, kUser = 1 };
struct Grant {
  std::string collection_id;
  GranteeKind grantee_kind = GranteeKind::kOrganization;
  std::string grantee_id;
  bool can_read = false;
  bool can_write = false;
};

struct SharingGroup {
  std::string id;
  std::string name;
  std::vector<std::string> member_org_ids;
};

// ---- Audit chain (issue #5) ----

// What a caller asks to record. The store assigns seq/time/prev/hash inside
// its own write transaction so the chain order is the commit order.
struct AuditEntry {
  std::string actor;   // user id, "system", or "anonymous"
  std::string action;  // e.g. "objects.add", "objects.read.amber", "token.create"
  std::string target;  // e.g. a collection id, a token id
  std::string detail;  // compact JSON object
};

struct AuditRecord : AuditEntry {
  int64_t seq = 0;
  Micros time = 0;
  std::string prev_hash;  // hex; 64 zeros for the first record
  std::string hash;       // hex SHA-256 over AuditChainInput(...)
};

}  // namespace rampart::store

#endif  // RAMPART_STORE_TYPES_H_
