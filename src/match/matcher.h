// The bulk matching runtime: one immutable Matcher answers, for a value seen
// on a field, which atoms (caller-numbered conditions) hold for it.
//
// Atoms are the leaves the caller (detect/) compiles patterns into:
//   exact  - value == literal                (one hash lookup per value)
//   cidr   - value is an IP inside a prefix   (one hash lookup per distinct
//            prefix length, IPv4 and IPv6)
//   regex  - value matches a regular expression (all of a field's regexes in
//            one Hyperscan database; what Hyperscan rejects goes to an RE2
//            set, what RE2 rejects (back-references) to PCRE2, one by one)
// Fields are small integers the caller assigns (0..n); the matcher knows no
// STIX and no log format.
//
// Regex cost: Hyperscan and RE2 run in time linear in the value (automata, no
// backtracking), so they need no budget. PCRE2 backtracks, and a hostile
// MATCHES pattern such as `(a+)+\1b` is exponential in the value; every PCRE2
// regex therefore runs under a RegexBudget: a match limit and a depth limit
// per call, a CPU-time limit per call (checked from PCRE2 callouts, so it
// holds inside one call too) and a cumulative CPU-time limit over the
// matcher's life (that grows with the number of values scanned). CPU time of
// the scanning thread, so preemption on a loaded machine disables nothing.
// A regex over any of them is disabled for the rest of the scan (it matches
// nothing from then on) and listed by DisabledRegexes(); the scan goes on.
//
// Thread-safety: MatcherBuilder is single-threaded. A built Matcher is
// immutable and may be shared by any number of threads, each of which needs
// its own MatchScratch (NewScratch()).
#ifndef RAMPART_MATCH_MATCHER_H_
#define RAMPART_MATCH_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace rampart::match {

using AtomId = uint32_t;
using FieldId = uint32_t;

// Limits on hostile input.
inline constexpr size_t kMaxValueBytes = 64 * 1024;   // longer literals are rejected
inline constexpr size_t kMaxRegexBytes = 16 * 1024;
inline constexpr FieldId kMaxFields = 1 << 16;

// Which engine ended up serving a regex atom (for reports and tests).
enum class RegexEngine { kHyperscan, kRe2, kPcre2 };

// The budget of each backtracking (PCRE2) regex. Defaults: docs/SECURITY.md,
// "Matcher and feed limits".
struct RegexBudget {
  uint32_t match_limit = 1000000;   // pcre2_set_match_limit, per call
  uint32_t depth_limit = 10000;     // pcre2_set_depth_limit, per call
  int64_t micros_per_value = 10000;        // one value (one call): 10 ms CPU
  // All calls of one regex together: 2 s plus 100 us per value scanned, so a
  // regex that is merely used a lot on a big log is not cut off, but one
  // that averages over 100 us a value is, after its first 2 s.
  int64_t micros_per_regex = 2000000;
  int64_t micros_per_regex_per_value = 100;
};

// A regex switched off during a scan because it went over its budget.
struct DisabledRegex {
  AtomId atom;
  std::string regex;
  std::string reason;  // e.g. "PCRE2 match limit (1000000) reached"
};

struct RegexOptions {
  bool dot_all = false;      // '.' also matches '\n' (LIKE translations use it)
  bool caseless = false;
};

// Per-thread scratch space for Matcher::Match. Not thread-safe; one per thread.
class MatchScratch {
 public:
  virtual ~MatchScratch() = default;
};

class Matcher {
 public:
  virtual ~Matcher() = default;

  // Appends to `out` every atom that holds for `value` on `field` (an atom
  // may appear once per engine that reports it; callers dedupe if they
  // care). Unknown fields match nothing. `value` need not be NUL-terminated.
  // REQUIRES: scratch came from this->NewScratch() and is used by one thread.
  virtual void Match(FieldId field, std::string_view value, MatchScratch& scratch,
                     std::vector<AtomId>& out) const = 0;

  // True if some atom is registered on `field` (lets readers skip fields).
  virtual bool HasField(FieldId field) const = 0;

  virtual std::unique_ptr<MatchScratch> NewScratch() const = 0;

  // Statistics.
  virtual size_t exact_values() const = 0;
  virtual size_t cidr_prefixes() const = 0;
  virtual size_t regexes(RegexEngine engine) const = 0;
  // Approximate heap bytes held (hash tables, arena, regex databases).
  virtual size_t ApproxMemoryBytes() const = 0;

  // The regexes disabled so far for going over their RegexBudget, in atom
  // order. Thread-safe; may be called while other threads Match().
  virtual std::vector<DisabledRegex> DisabledRegexes() const = 0;
};

// A regex the builder could not compile with any engine.
struct RejectedRegex {
  AtomId atom;
  std::string error;
};

class MatcherBuilder {
 public:
  MatcherBuilder();
  ~MatcherBuilder();
  MatcherBuilder(const MatcherBuilder&) = delete;
  MatcherBuilder& operator=(const MatcherBuilder&) = delete;

  // value == literal. The literal is copied. InvalidArgument when over
  // kMaxValueBytes or field >= kMaxFields.
  Status AddExact(FieldId field, std::string_view literal, AtomId atom);

  // value (an IPv4/IPv6 address text) lies inside `cidr` ("10.0.0.0/8",
  // "2001:db8::/32", or a bare address = /32 or /128). InvalidArgument for
  // text that is not an address or prefix.
  Status AddCidr(FieldId field, std::string_view cidr, AtomId atom);

  // value matches `regex` (PCRE syntax, unanchored search, UTF-8). The regex
  // is only checked at Build(); rejected ones are reported there.
  Status AddRegex(FieldId field, std::string_view regex, AtomId atom, RegexOptions options = {});

  // The budget of backtracking regexes in the built matcher (default: RegexBudget{}).
  void SetRegexBudget(const RegexBudget& budget);

  // Compiles everything added. Regexes that no engine accepts are left out and
  // listed in `rejected` (may be null). Consumes the builder's contents.
  Result<std::unique_ptr<const Matcher>> Build(std::vector<RejectedRegex>* rejected = nullptr);

  // Which engine served each regex atom after Build() (for tests).
  const std::vector<std::pair<AtomId, RegexEngine>>& regex_engines() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses an IPv4 or IPv6 address into 16 bytes (IPv4 in the first 4, `*is_v4`
// set). Accepts surrounding whitespace nowhere. For normalisers and tests.
bool ParseIp(std::string_view text, uint8_t out[16], bool* is_v4);

// Translates a STIX LIKE pattern ('%' any run, '_' one character) into an
// anchored regex with every other character escaped.
std::string LikeToRegex(std::string_view like);

}  // namespace rampart::match

#endif  // RAMPART_MATCH_MATCHER_H_
