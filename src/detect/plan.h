// The compiled form of all active indicators (a MatchPlan) and how it is
// built. Each indicator's STIX pattern is parsed (pattern/parser.h) and
// split into observation leaves ("[ ... ]"); each leaf's comparison tree is
// compiled into atoms of the match/ runtime where it can be:
//   =, IN           on a mapped path   -> exact hash lookups (values
//                                        normalised like the log values)
//   ISSUBSET        on an address path -> CIDR tables
//   MATCHES, LIKE   on a string path   -> Hyperscan (RE2, PCRE2 fallback)
// Anything else (NOT, !=, ordering, EXISTS, ISSUPERSET, list indexes,
// paths no reader produces, non-string literals) makes that leaf a
// "fallback" leaf, evaluated by the reference evaluator (pattern/
// evaluator.h) on the event turned into observed-data. Observation
// operators (AND/OR/FOLLOWEDBY) and qualifiers (WITHIN/REPEATS/START-STOP)
// are kept as a small tree per indicator and evaluated over bounded
// windowed state (see engine.h).
//
// Activity ("--as-of"): revoked indicators are always left out; with kNow
// or kFixed, indicators outside [valid_from, valid_until) at that time are
// left out at compile time; with kEvent every non-revoked indicator is
// compiled and validity is checked against each event's own time.
//
// Thread-safety: PlanBuilder is single-threaded. A MatchPlan is immutable:
// share it as std::shared_ptr<const MatchPlan>; PlanHolder swaps plans
// atomically while scans keep using the plan they loaded.
#ifndef RAMPART_DETECT_PLAN_H_
#define RAMPART_DETECT_PLAN_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "detect/indicators.h"
#include "match/matcher.h"
#include "pattern/ast.h"
#include "telemetry/field_mapping.h"

namespace rampart::detect {

enum class AsOfMode { kNow, kEvent, kFixed };
struct AsOf {
  AsOfMode mode = AsOfMode::kNow;
  Micros at = 0;  // kNow/kEvent: the current time (from ParseAsOf); kFixed: the time
};

// "now" | "event" | an RFC 3339 timestamp. InvalidArgument otherwise.
Result<AsOf> ParseAsOf(std::string_view text);

// True if `ind`-style validity holds at `t`: valid_from <= t < valid_until.
inline bool ValidAt(Micros from, Micros until, Micros t) { return from <= t && t < until; }

inline constexpr Micros kMinTime = std::numeric_limits<Micros>::min();
inline constexpr Micros kMaxTime = std::numeric_limits<Micros>::max();

// ---- compiled structures (read by engine.cc)

struct CompiledIndicator {
  uint64_t id_offset = 0;  // the id's bytes in MatchPlan::id_arena
  uint32_t id_length = 0;
  bool disabled = false;   // superseded by a later version, or a regex no engine took
  Micros valid_from = kMinTime;
  Micros valid_until = kMaxTime;
  uint32_t first_leaf = 0;
  uint32_t num_leaves = 0;
  // -1: the pattern is one observation without qualifiers ("simple": a leaf
  // hit is an indicator hit). Else the index of the root in obs_nodes.
  int32_t obs_root = -1;
};

// A node of an indicator's observation tree.
struct ObsNode {
  pattern::ObservationExpr::Kind kind;
  uint32_t leaf = 0;              // kObservation: global leaf index
  std::vector<uint32_t> children; // indexes into obs_nodes
  Micros within = 0;              // kWithin (µs)
  int64_t repeats = 0;            // kRepeats
  Micros start = 0, stop = 0;     // kStartStop
};

// A node of a leaf's comparison tree over atoms.
struct CmpNode {
  enum Kind : uint8_t { kAtom, kAnd, kOr };
  Kind kind = kAtom;
  match::AtomId atom = 0;
  std::vector<uint32_t> children;  // indexes into cmp_nodes
};

struct Leaf {
  uint32_t indicator = 0;
  int32_t cmp_root = -1;     // fast leaf: root in cmp_nodes; -1 for fallback
  int32_t fallback = -1;     // fallback leaf: index into fallback_patterns
  bool single_atom = false;  // fast leaf that is exactly one atom
  match::AtomId atom = 0;    // single_atom: that atom
};

inline constexpr uint32_t kOrphanLeaf = 0xffffffffu;

struct AtomInfo {
  uint32_t leaf;  // kOrphanLeaf: its indicator failed to compile; ignore
  telemetry::PathId path;
};

struct CompileReport {
  uint64_t seen = 0;             // indicators offered
  uint64_t compiled = 0;         // in the plan
  uint64_t inactive = 0;         // left out: revoked or not valid at the as-of time
  uint64_t not_stix = 0;         // pattern_type other than "stix"
  uint64_t superseded = 0;       // older versions of an id (same id seen again)
  uint64_t invalid = 0;          // pattern did not parse or compile
  uint64_t fast_leaves = 0, fallback_leaves = 0;
  uint64_t exact_values = 0, cidr_prefixes = 0, regexes = 0;
  // "<indicator id>: <reason>" for each invalid indicator (first 1000).
  std::vector<std::string> errors;
};

class MatchPlan {
 public:
  std::string_view id(uint32_t indicator) const {
    const CompiledIndicator& c = indicators[indicator];
    return std::string_view(id_arena).substr(c.id_offset, c.id_length);
  }
  // Active for an event at time t (as-of event mode) or always (other modes:
  // inactive indicators were never compiled).
  bool ActiveAt(uint32_t indicator, bool has_time, Micros t) const {
    const CompiledIndicator& c = indicators[indicator];
    if (c.disabled) return false;
    if (as_of.mode != AsOfMode::kEvent) return true;
    // An event without a time is judged at the time the scan started.
    return ValidAt(c.valid_from, c.valid_until, has_time ? t : as_of.at);
  }

  std::string id_arena;
  std::vector<CompiledIndicator> indicators;
  std::vector<Leaf> leaves;
  std::vector<CmpNode> cmp_nodes;
  std::vector<ObsNode> obs_nodes;
  std::vector<AtomInfo> atoms;
  std::vector<pattern::Pattern> fallback_patterns;  // one single-observation pattern per fallback leaf
  std::vector<uint32_t> fallback_leaves;            // leaf index of each fallback pattern
  std::unique_ptr<const match::Matcher> matcher;
  AsOf as_of;
  const telemetry::FieldMapping* mapping = nullptr;  // not owned; outlives the plan
  CompileReport report;

  size_t ApproxMemoryBytes() const;
};

struct CompileOptions {
  AsOf as_of;
};

class PlanBuilder {
 public:
  // `mapping` must outlive the builder and the plan.
  PlanBuilder(const telemetry::FieldMapping& mapping, CompileOptions options);
  ~PlanBuilder();

  // Compiles one indicator (or records why not, in the report). A later
  // version of an id (greater `modified`) replaces an earlier one only when
  // ids repeat within one build; the first is kept when `modified` ties.
  void Add(Indicator&& indicator);
  // Compiles a parsed pattern directly (tests, golden files).
  Status AddPattern(std::string_view id, const pattern::Pattern& p, Micros valid_from = kMinTime,
                    Micros valid_until = kMaxTime);

  // Builds the regex databases and returns the plan. Consumes the builder.
  Result<std::shared_ptr<const MatchPlan>> Build();

  const CompileReport& report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Holds the current plan; readers load it, a reloader swaps in a new one.
class PlanHolder {
 public:
  explicit PlanHolder(std::shared_ptr<const MatchPlan> p) : plan_(std::move(p)) {}
  std::shared_ptr<const MatchPlan> Load() const { return std::atomic_load(&plan_); }
  void Store(std::shared_ptr<const MatchPlan> p) { std::atomic_store(&plan_, std::move(p)); }
  uint64_t generation() const { return gen_.load(); }
  void Swap(std::shared_ptr<const MatchPlan> p) {
    Store(std::move(p));
    gen_.fetch_add(1);
  }

 private:
  std::shared_ptr<const MatchPlan> plan_;
  std::atomic<uint64_t> gen_{0};
};

// The regexes of `plan` that its matcher disabled during scans for going
// over their budget (match::RegexBudget: a hostile MATCHES/LIKE that
// backtracks), one line each: "<indicator id>: regex '<regex>' disabled
// (<reason>)". Thread-safe; may be called while a scan runs.
std::vector<std::string> DisabledRegexReport(const MatchPlan& plan);

// The canonical text of an object path for matching: "type:key.key" (keys
// unquoted), or "" when it has list steps.
std::string CanonicalPath(const pattern::ObjectPath& path);

}  // namespace rampart::detect

#endif  // RAMPART_DETECT_PLAN_H_
