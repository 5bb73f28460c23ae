#include "match/hyperscan/hs_database.h"

#include <hs/hs.h>

#include <string>

namespace rampart::match::hyperscan {
namespace {

unsigned FlagsFor(const HsExpression& e) {
  // SINGLEMATCH: we only need "does it match", one callback per id.
  unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_UTF8 | HS_FLAG_UCP;
  if (e.dot_all) flags |= HS_FLAG_DOTALL;
  if (e.caseless) flags |= HS_FLAG_CASELESS;
  return flags;
}

}  // namespace

HsDatabase::~HsDatabase() {
  if (db_ != nullptr) hs_free_database(static_cast<hs_database_t*>(db_));
}

Result<std::unique_ptr<HsDatabase>> HsDatabase::Compile(
    const std::vector<HsExpression>& exprs, std::vector<std::pair<size_t, std::string>>* rejected) {
  // Screen each expression on its own first: hs_expression_info parses it and
  // reports unsupported constructs (back-references, look-behind, ...) cheaply,
  // so one bad expression cannot make the multi-compile below quadratic.
  std::vector<size_t> ok;
  ok.reserve(exprs.size());
  for (size_t i = 0; i < exprs.size(); ++i) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_expression_info(exprs[i].regex.c_str(), FlagsFor(exprs[i]), &info, &err) != HS_SUCCESS) {
      if (rejected) rejected->emplace_back(i, err ? err->message : "rejected");
      hs_free_compile_error(err);
      continue;
    }
    free(info);
    ok.push_back(i);
  }
  // Expressions can still fail in the combined compile (e.g. resource
  // limits); drop the one Hyperscan names and retry.
  for (;;) {
    if (ok.empty()) return std::unique_ptr<HsDatabase>();
    std::vector<const char*> pats;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    pats.reserve(ok.size());
    for (size_t i : ok) {
      pats.push_back(exprs[i].regex.c_str());
      flags.push_back(FlagsFor(exprs[i]));
      ids.push_back(exprs[i].id);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    hs_error_t rc = hs_compile_multi(pats.data(), flags.data(), ids.data(), static_cast<unsigned>(pats.size()),
                                     HS_MODE_BLOCK, nullptr, &db, &err);
    if (rc == HS_SUCCESS) {
      std::unique_ptr<HsDatabase> out(new HsDatabase());
      out->db_ = db;
      out->count_ = ok.size();
      return out;
    }
    int bad = err ? err->expression : -1;
    std::string msg = err ? err->message : "compile failed";
    hs_free_compile_error(err);
    if (bad < 0 || static_cast<size_t>(bad) >= ok.size()) {
      return Status::Internal("hyperscan: " + msg);
    }
    if (rejected) rejected->emplace_back(ok[bad], msg);
    ok.erase(ok.begin() + bad);
  }
}

size_t HsDatabase::ApproxMemoryBytes() const {
  size_t n = 0;
  if (db_ != nullptr) hs_database_size(static_cast<hs_database_t*>(db_), &n);
  return n;
}

namespace {
struct CallbackCtx {
  void (*cb)(void*, uint32_t);
  void* ctx;
};
int OnHsMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* c) {
  auto* cc = static_cast<CallbackCtx*>(c);
  cc->cb(cc->ctx, id);
  return 0;
}
}  // namespace

void HsDatabase::ScanImpl(std::string_view value, HsScratch& scratch, void (*cb)(void*, uint32_t),
                          void* ctx) const {
  CallbackCtx cc{cb, ctx};
  hs_scan(static_cast<hs_database_t*>(db_), value.data(), static_cast<unsigned>(value.size()), 0,
          static_cast<hs_scratch_t*>(scratch.scratch_), &OnHsMatch, &cc);
}

HsScratch::~HsScratch() {
  if (scratch_ != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

Status HsScratch::Grow(const HsDatabase& db) {
  hs_scratch_t* s = static_cast<hs_scratch_t*>(scratch_);
  if (hs_alloc_scratch(static_cast<hs_database_t*>(db.db_), &s) != HS_SUCCESS) {
    return Status::Internal("hyperscan: cannot allocate scratch");
  }
  scratch_ = s;
  return Status::Ok();
}

}  // namespace rampart::match::hyperscan
