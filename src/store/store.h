// Store: the one interface in front of Rampart's persistence.
//
// Backends: store/memory (a fake for unit tests), store/sqlite (the embedded
// default) and store/postgres (scale-out). Only cli/open_store.cc names a
// concrete backend; every other module takes a `store::Store&`.
//
// Thread-safety: every method may be called concurrently from many threads.
// Durability: when a write method returns OK the data survives kill -9 and
// power loss. Errors: NotFound for a missing collection/object/status,
// InvalidArgument for a malformed cursor or query, Unavailable when the
// database cannot be reached, IoError for disk errors (disk full), Corruption
// for a damaged database. No method throws.
#ifndef RAMPART_STORE_STORE_H_
#define RAMPART_STORE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "store/types.h"

namespace rampart::store {

struct WriteOptions {
  // When set, appended to the audit chain in the same transaction as the write.
  std::optional<AuditEntry> audit;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- Collections ----
  // Conflict if the id exists.
  virtual Status CreateCollection(const Collection& c) = 0;
  virtual Result<Collection> GetCollection(std::string_view id) = 0;
  // All collections, ordered by (api_root, title, id).
  virtual Result<std::vector<Collection>> ListCollections() = 0;

  // ---- Objects ----
  // Writes all `objects` into `collection_id` in one transaction. Re-posting
  // an existing (id, version) is kDuplicate (an idempotent success; its
  // outcome carries the stored date_added). An object the store cannot take
  // (empty id/type/spec_version/json, id not "<type>--...") is kFailed with a
  // message and nothing of it is stored; the others still commit. The
  // outcomes are in input order. NotFound if the collection does not exist
  // (then nothing is written, including options.audit).
  virtual Result<std::vector<WriteOutcome>> AddObjects(std::string_view collection_id,
                                                       const std::vector<NewObject>& objects,
                                                       const WriteOptions& options = {}) = 0;

  // TAXII objects/manifest/versions semantics (see ObjectQuery). Ascending by
  // (date_added, seq); a non-empty `next` resumes exactly after the last
  // returned version, stable while new objects arrive. match[version]
  // first/last are computed among the object's versions that pass the
  // spec_version selection (independent of added_after and the cursor).
  // InvalidArgument for limit 0 or a malformed/foreign cursor; NotFound for
  // an unknown collection. A backend may return fewer than `limit`.
  virtual Result<Page> QueryObjects(const ObjectQuery& q) = 0;

  // QueryObjects, streamed: `visit` is called for each version of the same
  // page, in the same order, instead of collecting them; the page's end is
  // returned. The object passed to `visit` is valid only during the call (a
  // backend may reuse one object for every row), and `visit` must not call
  // into this store (a backend may hold a read transaction meanwhile). The
  // default runs QueryObjects; SQLite streams rows without copying them into
  // a page (the TAXII read path, docs/ARCHITECTURE.md "Store").
  virtual Result<PageEnd> ScanObjects(const ObjectQuery& q,
                                      const std::function<void(const StoredObject&)>& visit);

  // Deletes the versions of `id` selected by `versions` / `spec_versions`
  // (TAXII DELETE semantics: default all versions), leaving tombstones.
  // Returns the number of versions deleted; NotFound if none matched.
  virtual Result<size_t> DeleteObject(std::string_view collection_id, std::string_view id,
                                      const VersionFilter& versions,
                                      const std::vector<std::string>& spec_versions,
                                      const WriteOptions& options = {}) = 0;

  // The owner key recorded for `id` (compared by stix::CanonicalId), kept
  // after its versions are deleted. NotFound when none was recorded.
  virtual Result<std::string> GetObjectOwner(std::string_view id);

  // Tombstones with seq > after_seq, ascending, at most `limit`. Empty (not
  // NotFound) for an unknown collection.
  virtual Result<std::vector<Tombstone>> ListTombstones(std::string_view collection_id,
                                                        int64_t after_seq, size_t limit) = 0;

  // Object versions whose observables include (kind, value), newest first.
  virtual Result<std::vector<StoredObject>> FindObservable(const Observable& o, size_t limit) = 0;

  // ---- Status resources ----
  virtual Status PutStatus(const StatusResource& s) = 0;
  virtual Result<StatusResource> GetStatus(std::string_view id) = 0;
  // Deletes statuses whose request_timestamp < cutoff; returns how many.
  virtual Result<size_t> PurgeStatuses(Micros cutoff) = 0;

  // ---- Identities ----
  virtual Status PutOrganization(const Organization& o, const WriteOptions& options = {}) = 0;  // upsert
  virtual Result<Organization> GetOrganization(std::string_view id) = 0;
  virtual Result<std::vector<Organization>> ListOrganizations() = 0;  // ordered by id
  virtual Status PutUser(const User& u, const WriteOptions& options = {}) = 0;  // upsert
  virtual Result<User> GetUser(std::string_view id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;  // ordered by id
  virtual Status PutToken(const Token& t, const WriteOptions& options = {}) = 0;  // upsert
  // Looks a token up by the hex SHA-256 of its secret. NotFound if none.
  virtual Result<Token> FindTokenBySecretHash(std::string_view secret_sha256) = 0;
  virtual Result<std::vector<Token>> ListTokens() = 0;  // ordered by id
  // Upsert on (collection_id, grantee_kind, grantee_id).
  virtual Status PutGrant(const Grant& g, const WriteOptions& options = {}) = 0;
  // Ordered by (collection_id, grantee_kind, grantee_id).
  virtual Result<std::vector<Grant>> ListGrants() = 0;
  virtual Status PutSharingGroup(const SharingGroup& g, const WriteOptions& options = {}) = 0;
  virtual Result<std::vector<SharingGroup>> ListSharingGroups() = 0;  // ordered by id

  // ---- Audit chain ----
  // Appends one record, chained after the newest one in commit order.
  virtual Result<AuditRecord> AppendAudit(const AuditEntry& e) = 0;
  // Records with seq > after_seq, ascending, at most `limit`.
  virtual Result<std::vector<AuditRecord>> ReadAudit(int64_t after_seq, size_t limit) = 0;

  // ---- Server secrets ----
  // A random secret of 32 bytes named `name` (e.g. "cursor-key"), created on
  // first use and the same for every process on this store afterwards.
  virtual Result<std::string> GetOrCreateSecret(std::string_view name);

  // ---- Maintenance ----
  // A consistent online copy of the whole store to `destination` (a data
  // directory for SQLite, made as private as the store: 0700 / 0600).
  // Unsupported for backends that back up otherwise.
  virtual Status Backup(const std::string& destination) = 0;
};

// The per-object checks every backend's AddObjects applies before writing
// (so all backends refuse the same objects): id "<type>--...", non-empty
// type, spec_version and JSON bytes; every observable's kind (non-empty) and
// value are valid UTF-8 without NUL (an observable value with "\u0000" or a
// lone surrogate refuses its whole object, on every backend). Observable
// values have no length limit: every backend indexes a value of any length
// and finds it exactly (docs/SECURITY.md "Store limits"). InvalidArgument
// names what is wrong.
Status ValidateNewObject(const NewObject& o);

// Owner keys of STIX ids (NewObject::owner; docs/trust.md "Creators"). Every
// id is owned by whoever stored its first version:
//   "org:<org id>"             a local submission (anonymous ones too: the
//                              key is as secret as the audit log);
//   "creator:<canonical ref>"  a relay (sync-peer or admin import) of an
//                              object created elsewhere, by its created_by_ref;
//   "relay:<org id>"           a relay of an object without created_by_ref.
std::string OwnerKeyForOrg(std::string_view org_id);
std::string OwnerKeyForRelay(std::string_view created_by_ref, std::string_view relaying_org_id);

// The hash chain of the audit log (documented in docs/formats/audit_chain.md):
// hash = hex(SHA-256(AuditChainInput(record))), where the input is
// prev_hash "\n" seq "\n" time(µs) "\n" actor "\n" action "\n" target "\n" detail.
std::string AuditChainInput(const AuditRecord& r);
std::string AuditChainHash(const AuditRecord& r);
inline constexpr char kAuditGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace rampart::store

#endif  // RAMPART_STORE_STORE_H_
