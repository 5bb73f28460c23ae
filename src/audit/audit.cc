#include "audit/audit.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace rampart::audit {

Result<Anchor> ParseAnchor(std::string_view text) {
  size_t colon = text.find(':');
  Anchor a;
  if (colon == std::string_view::npos) return Status::InvalidArgument("anchor must be SEQ:HASH");
  auto [p, ec] = std::from_chars(text.data(), text.data() + colon, a.seq);
  if (ec != std::errc() || p != text.data() + colon || a.seq < 0) {
    return Status::InvalidArgument("anchor must be SEQ:HASH");
  }
  a.hash = std::string(text.substr(colon + 1));
  if (a.hash.size() != 64) return Status::InvalidArgument("anchor hash must be 64 hex digits");
  return a;
}

ChainVerifier::ChainVerifier(std::vector<Anchor> anchors, bool from_genesis)
    : anchors_(std::move(anchors)), from_genesis_(from_genesis) {
  report_.head_hash = store::kAuditGenesisHash;
  prev_hash_ = store::kAuditGenesisHash;
}

void ChainVerifier::Fail(int64_t seq, std::string problem) {
  if (!report_.ok) return;
  report_.ok = false;
  report_.first_bad_seq = seq;
  report_.problem = std::move(problem);
}

bool ChainVerifier::Add(const store::AuditRecord& r) {
  if (!report_.ok) return false;
  const bool first = report_.records == 0;
  ++report_.records;
  if (first && !from_genesis_) {
    expect_seq_ = r.seq;
    prev_hash_ = r.prev_hash;
    for (const auto& a : anchors_) {
      if (a.seq == r.seq - 1 && a.hash != r.prev_hash) {
        Fail(r.seq, "does not continue the anchored record " + std::to_string(a.seq));
      }
    }
  }
  if (r.seq != expect_seq_) {
    Fail(r.seq, r.seq > expect_seq_
                    ? "records " + std::to_string(expect_seq_) + ".." + std::to_string(r.seq - 1) +
                          " are missing (deleted)"
                    : "record out of order (expected seq " + std::to_string(expect_seq_) + ")");
    return false;
  }
  if (r.prev_hash != prev_hash_) {
    Fail(r.seq, "prev_hash does not match the previous record's hash (record deleted, "
                "reordered or the previous one edited)");
    return false;
  }
  for (std::string_view f : {std::string_view(r.actor), std::string_view(r.action),
                             std::string_view(r.target)}) {
    if (f.find('\n') != std::string_view::npos) {
      Fail(r.seq, "newline in actor/action/target (ambiguous field boundary)");
      return false;
    }
  }
  const std::string h = store::AuditChainHash(r);
  if (h != r.hash) {
    Fail(r.seq, "hash does not match the record's contents (record edited)");
    return false;
  }
  for (const auto& a : anchors_) {
    if (a.seq == r.seq && a.hash != r.hash) {
      Fail(r.seq, "hash differs from the anchor (chain rewritten from here or earlier)");
      return false;
    }
  }
  prev_hash_ = r.hash;
  ++expect_seq_;
  report_.head_seq = r.seq;
  report_.head_hash = r.hash;
  return true;
}

VerifyReport ChainVerifier::Finish() {
  if (report_.ok) {
    for (const auto& a : anchors_) {
      if (a.seq > report_.head_seq) {
        Fail(a.seq, "anchored record " + std::to_string(a.seq) +
                        " is missing: the chain ends at " + std::to_string(report_.head_seq) +
                        " (truncated)");
        break;
      }
    }
  }
  return report_;
}

Result<VerifyReport> VerifyStore(store::Store& store, const std::vector<Anchor>& anchors) {
  ChainVerifier v(anchors, /*from_genesis=*/true);
  int64_t after = 0;
  constexpr size_t kBatch = 10000;
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> batch, store.ReadAudit(after, kBatch));
    if (batch.empty()) break;
    for (const auto& r : batch) {
      if (!v.Add(r)) return v.Finish();
    }
    after = batch.back().seq;
    if (batch.size() < kBatch) break;
  }
  return v.Finish();
}

std::string ExportLine(const store::AuditRecord& r) {
  nlohmann::ordered_json j;
  j["seq"] = r.seq;
  j["time"] = r.time;
  j["actor"] = r.actor;
  j["action"] = r.action;
  j["target"] = r.target;
  j["detail"] = r.detail;
  j["prev_hash"] = r.prev_hash;
  j["hash"] = r.hash;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<store::AuditRecord> ParseExportLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("not a JSON object");
  store::AuditRecord r;
  auto str = [&](const char* k, std::string& out) -> bool {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto num = [&](const char* k, int64_t& out) -> bool {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return false;
    out = it->get<int64_t>();
    return true;
  };
  if (!num("seq", r.seq) || !num("time", r.time) || !str("actor", r.actor) ||
      !str("action", r.action) || !str("target", r.target) || !str("detail", r.detail) ||
      !str("prev_hash", r.prev_hash) || !str("hash", r.hash)) {
    return Status::InvalidArgument("audit line lacks seq/time/actor/action/target/detail/prev_hash/hash");
  }
  return r;
}

Result<int64_t> ExportStore(store::Store& store, int64_t after_seq,
                            const std::function<void(const std::string&)>& emit) {
  int64_t n = 0;
  constexpr size_t kBatch = 10000;
  for (;;) {
    RAMPART_ASSIGN_OR_RETURN(std::vector<store::AuditRecord> batch, store.ReadAudit(after_seq, kBatch));
    for (const auto& r : batch) {
      emit(ExportLine(r));
      ++n;
    }
    if (batch.size() < kBatch) break;
    after_seq = batch.back().seq;
  }
  return n;
}

}  // namespace rampart::audit
