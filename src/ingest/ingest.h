// Ingest: the one write path for STIX objects (TAXII POST, CLI import,
// federation pull, the demo loader).
//
// Ingest(body) does, in order:
//   1. write permission (DecideCollection(...).can_write, else PermissionDenied);
//   2. parse + validate the body (stix::ParseBundleOrObject): a STIX bundle,
//      a TAXII envelope {"objects":[...]}, a bare array or one object;
//      invalid objects are reported one by one and nothing of them is stored;
//   3. the Rampart extension (auth/rampart_extension.h) on the bundle /
//      envelope or on each object: RED recipients, sharing group, anonymity;
//      it is then STRIPPED from the stored bytes;
//   4. provenance: effective TLP = the most restrictive TLP marking in
//      object_marking_refs, else the collection default with
//      default_marking_applied = true; submitting org/user (empty when
//      anonymous); source_peer;
//   5. anonymity: created_by_ref and every reference to the submitter's
//      identity (its organisation identity and the created_by_ref values of
//      the anonymous objects) become the forum pseudonym identity; identity
//      objects naming the source are not stored; the pseudonym identity object
//      is stored alongside; the true source goes only to the audit record;
//   6. creators (docs/trust.md, "Creators"): the forum's own ids cannot be
//      posted; created_by_ref must be the submitter's organisation identity
//      (or its pseudonym), or -- for a relay by a sync-peer or an admin --
//      an identity that is neither a member organisation's nor the forum's;
//      a deterministic (UUIDv5) SCO id must be its content's; the object's
//      owner key goes to the store, which refuses a version of an id owned
//      by someone else (store::kIdTakenMessage);
//   7. observables (SCO values; equality comparisons in STIX patterns);
//   8. ONE Store::AddObjects call with one audit record ("objects.add").
// The report maps onto a TAXII status resource (successes / failures with
// id, version, message).
//
// Thread-safety: Ingest is reentrant; concurrent calls are safe if the Store
// is.
#ifndef RAMPART_INGEST_INGEST_H_
#define RAMPART_INGEST_INGEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.h"
#include "base/result.h"
#include "stix/object.h"
#include "store/store.h"

namespace rampart::ingest {

struct IngestOptions {
  // Rewrite STIX 2.0 objects as 2.1 (demo data, ATT&CK 2.0 bundles).
  bool upgrade_20 = false;
  // Accept STIX 2.0 objects as 2.0 when not upgrading.
  bool accept_20 = true;
  // SHOULD-level findings count as errors.
  bool strict = false;
  // More objects than this in one body: ResourceExhausted (TAXII 413).
  size_t max_objects = 100'000;
  // Bytes; larger bodies: ResourceExhausted.
  size_t max_bytes = size_t{100} << 20;
  // The federation peer the body came from ("" = local submission).
  std::string source_peer;
  // Audit action name for the write (e.g. "objects.add", "sync.pull").
  std::string audit_action = "objects.add";
  // The forum itself writes (its published definitions, the demo loader):
  // the forum's own ids (kForumOwner below) may be posted and any
  // created_by_ref relayed. Never set for a request that came over the
  // network.
  bool as_forum = false;
};

// The owner key (store::NewObject::owner) of what the forum itself posts
// without a created_by_ref; only admins may delete such objects.
inline constexpr char kForumOwner[] = "forum";

// One object's outcome, in input order.
struct IngestItem {
  std::string id;       // "" when the object had no usable id
  std::string version;  // modified (or created) text as received; "" for SCOs
  bool success = false;
  std::string message;  // "added", "duplicate", or why it failed
};

struct IngestReport {
  std::vector<IngestItem> items;  // valid + invalid, in input order
  size_t success_count = 0;
  size_t failure_count = 0;
  size_t added = 0;       // newly stored versions
  size_t duplicates = 0;  // already stored (idempotent success)
  int64_t audit_seq = 0;  // the audit record written (0 if none)
};

// The fields the store indexes, copied from a parsed object: id, type,
// spec_version ("2.1" when an SCO omits it), created/modified, created_by_ref,
// revoked, valid_from/valid_until, object_marking_refs. Provenance,
// observables and the JSON bytes are left for the caller to decide.
store::NewObject IndexedFields(const stix::ParsedObject& o);

// Fills a TAXII status resource's counts and lists from `report`.
void FillStatus(const IngestReport& report, store::StatusResource& status);

// Ingests `body` into `collection` on behalf of `principal`.
// Errors (nothing stored): PermissionDenied (no write), InvalidArgument
// (body not JSON / not STIX / bad Rampart extension on the bundle),
// ResourceExhausted (over max_bytes / max_objects / depth), and the store's
// own errors. Per-object problems (validation, unknown RED recipient or
// sharing group, an anonymous source identity) are failures in the report.
Result<IngestReport> Ingest(store::Store& store, const auth::PolicySnapshot& snapshot,
                            const store::Collection& collection, const auth::Principal& principal,
                            std::string_view body, const IngestOptions& options = {});

// Observables of one object (SCO values, or equality comparisons of a STIX
// pattern for indicators), normalised (lower-case domains/hashes/emails,
// canonical IP text). Empty for other objects. Exposed for tests.
std::vector<store::Observable> ExtractObservables(std::string_view type, std::string_view json,
                                                  std::string_view pattern);

// The forum pseudonym identity for anonymous submissions in this forum:
// its id (stable, derived from the local organisation id) and its JSON.
std::string PseudonymIdentityId(const store::Organization& local_org);
std::string PseudonymIdentityJson(const store::Organization& local_org);

}  // namespace rampart::ingest

#endif  // RAMPART_INGEST_INGEST_H_
