// A thin owner of one Hyperscan block-mode database: compile many
// expressions at once, leaving out (and reporting) those Hyperscan rejects,
// then scan values for the ids of the expressions that match.
//
// The only place (with hs_database.cc) that includes Hyperscan's headers.
// Thread-safety: a compiled HsDatabase is immutable and shareable; each
// scanning thread needs its own HsScratch, grown for every database it scans.
#ifndef RAMPART_MATCH_HYPERSCAN_HS_DATABASE_H_
#define RAMPART_MATCH_HYPERSCAN_HS_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rampart::match::hyperscan {

struct HsExpression {
  std::string regex;
  uint32_t id;
  bool dot_all = false;
  bool caseless = false;
};

class HsScratch;

class HsDatabase {
 public:
  ~HsDatabase();
  HsDatabase(const HsDatabase&) = delete;
  HsDatabase& operator=(const HsDatabase&) = delete;

  // Compiles every expression Hyperscan accepts (UTF-8, UCP, single match per
  // id). Indices (into `exprs`) of the rejected ones go to `rejected`, each
  // with Hyperscan's message. Returns null (and OK) when none is accepted.
  static Result<std::unique_ptr<HsDatabase>> Compile(const std::vector<HsExpression>& exprs,
                                                     std::vector<std::pair<size_t, std::string>>* rejected);

  // Calls on_match(id) for each expression matching somewhere in `value`.
  // REQUIRES: scratch was Grow()n for this database; value is valid UTF-8.
  template <typename F>
  void Scan(std::string_view value, HsScratch& scratch, F&& on_match) const {
    ScanImpl(value, scratch, &Trampoline<F>, &on_match);
  }

  size_t size() const { return count_; }
  size_t ApproxMemoryBytes() const;

 private:
  friend class HsScratch;
  HsDatabase() = default;
  template <typename F>
  static void Trampoline(void* ctx, uint32_t id) {
    (*static_cast<F*>(ctx))(id);
  }
  void ScanImpl(std::string_view value, HsScratch& scratch, void (*cb)(void*, uint32_t), void* ctx) const;

  void* db_ = nullptr;  // hs_database_t*
  size_t count_ = 0;
};

// Per-thread Hyperscan scratch.
class HsScratch {
 public:
  HsScratch() = default;
  ~HsScratch();
  HsScratch(const HsScratch&) = delete;
  HsScratch& operator=(const HsScratch&) = delete;
  // Makes this scratch usable with `db`. Returns Internal on failure.
  Status Grow(const HsDatabase& db);

 private:
  friend class HsDatabase;
  void* scratch_ = nullptr;  // hs_scratch_t*
};

}  // namespace rampart::match::hyperscan

#endif  // RAMPART_MATCH_HYPERSCAN_HS_DATABASE_H_
