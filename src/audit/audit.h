// Verifying and exporting the hash-chained audit log
// (docs/formats/audit_chain.md).
//
// The store appends records inside its own write transactions
// (store::Store::AppendAudit / WriteOptions::audit), numbering them 1, 2, 3...
// in commit order and chaining each to the previous one:
//   hash = hex(SHA-256(prev_hash "\n" seq "\n" time "\n" actor "\n" action
//                      "\n" target "\n" detail))
// ChainVerifier recomputes that over a sequence of records and reports the
// first one that does not fit: an edited record (hash mismatch), a deleted
// record (seq gap / prev_hash mismatch), reordered records (prev_hash
// mismatch), a forged field boundary (newline in actor/action/target). A
// tail truncation or a wholesale rewrite of the chain from some record on is
// only detectable against an anchor (seq, hash) kept from an earlier export:
// pass anchors to catch those.
//
// Thread-safety: ChainVerifier is a value type for one thread; the free
// functions are thread-safe if the Store is.
#ifndef RAMPART_AUDIT_AUDIT_H_
#define RAMPART_AUDIT_AUDIT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace rampart::audit {

// A (seq, hash) pair remembered from an earlier export.
struct Anchor {
  int64_t seq = 0;
  std::string hash;
};
// Parses "SEQ:HASH". InvalidArgument otherwise.
Result<Anchor> ParseAnchor(std::string_view text);

struct VerifyReport {
  bool ok = true;
  int64_t records = 0;        // records checked
  int64_t head_seq = 0;       // last record's seq (0 = empty chain)
  std::string head_hash;      // last record's hash (genesis when empty)
  int64_t first_bad_seq = 0;  // seq (or position) of the first problem
  std::string problem;        // plain words; "" when ok
};

// Feeds records in order; stops judging after the first problem.
class ChainVerifier {
 public:
  // from_genesis: the first record must be seq 1 chained to the genesis
  // hash (a whole chain). Otherwise (a partial export) the first record's
  // prev_hash is taken as given, unless an anchor names seq-1.
  explicit ChainVerifier(std::vector<Anchor> anchors = {}, bool from_genesis = true);
  // `r` is the next record. Returns false once a problem has been found.
  bool Add(const store::AuditRecord& r);
  // Completes the check (anchors beyond the end count as truncation).
  VerifyReport Finish();

 private:
  void Fail(int64_t seq, std::string problem);
  std::vector<Anchor> anchors_;
  VerifyReport report_;
  bool from_genesis_ = true;
  int64_t expect_seq_ = 1;
  std::string prev_hash_;
};

// Verifies the whole chain in `store`, reading it in batches.
// Errors: the store's read errors only; tampering is reported in the
// VerifyReport (ok = false).
Result<VerifyReport> VerifyStore(store::Store& store, const std::vector<Anchor>& anchors = {});

// One record as one JSON line (no trailing newline):
// {"seq":1,"time":1700000000000000,"actor":"..","action":"..","target":"..",
//  "detail":"<the detail string, JSON-escaped>","prev_hash":"..","hash":".."}
std::string ExportLine(const store::AuditRecord& r);
// Parses an ExportLine. InvalidArgument for anything else.
Result<store::AuditRecord> ParseExportLine(std::string_view line);

// Streams records with seq > after_seq to `emit` (one ExportLine each), in
// order. Returns the number exported.
Result<int64_t> ExportStore(store::Store& store, int64_t after_seq,
                            const std::function<void(const std::string& line)>& emit);

}  // namespace rampart::audit

#endif  // RAMPART_AUDIT_AUDIT_H_
