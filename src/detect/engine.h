// Evaluating events against a MatchPlan, and the scan that does it.
//
//  - EventEvaluator (one per worker thread): looks every observable of an
//    event up in the plan's matcher, evaluates the touched leaves' AND/OR
//    trees, runs the fallback leaves (reference evaluator) when the event
//    has an object type they name, and reports leaf hits. Hits of "simple"
//    indicators (one observation, no qualifier) are final here.
//  - Correlator (sequential, in input order): for indicators with several
//    observations or qualifiers keeps, per indicator, the last kWindow leaf
//    hits and evaluates AND / OR / FOLLOWEDBY / WITHIN / REPEATS / START-STOP
//    over them; when the whole pattern holds with the current event in the
//    binding, it reports a hit and clears that indicator's state. State is
//    bounded: kWindow hits per leaf, kMaxBindings candidate bindings per node.
//  - RunMatch: telemetry::ScanInputs + evaluators + correlator, loading the
//    current plan from a PlanHolder at every chunk (a swapped-in plan takes
//    effect at the next chunk; no scan pauses; correlation state resets).
//
// Thread-safety: EventEvaluator and Correlator are single-threaded objects.
// RunMatch calls on_hit on the calling thread, in input order.
//
// Failures: an exception while evaluating one event (Evaluate) fails that
// event only: RunMatch reports none of its hits and counts it in
// ScanCounters::events_failed (telemetry/scan.h); one in the correlator or in
// on_hit fails that chunk's remaining output (chunks_failed). Neither stops
// the scan. No log content steers internal bookkeeping: EventToObservedDataJson
// resolves references out of band, so no value can pose as one.
#ifndef RAMPART_DETECT_ENGINE_H_
#define RAMPART_DETECT_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "detect/plan.h"
#include "telemetry/event.h"
#include "telemetry/scan.h"

namespace rampart::detect {

inline constexpr size_t kWindow = 64;
inline constexpr size_t kMaxBindings = 64;

// One reported hit: where (input, line, byte offset), when, which indicator,
// and the (first) observable value that matched.
struct Hit {
  uint32_t source = 0;
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  bool has_time = false;
  Micros time = 0;
  std::string indicator_id;
  std::string path;   // canonical STIX path of the matched value, "" if unknown
  std::string value;
};

// A leaf that held for an event (for indicators the correlator handles).
struct LeafHit {
  uint32_t leaf;
  uint32_t source;
  uint64_t line;
  uint64_t byte_offset;
  bool has_time;
  Micros time;
  uint64_t seq;  // global event order within the scan (set by the correlator)
  std::string path;
  std::string value;
};

class EventEvaluator {
 public:
  explicit EventEvaluator(std::shared_ptr<const MatchPlan> plan);
  ~EventEvaluator();

  // Evaluates `event`: final hits go to `hits`, leaf hits of correlated
  // indicators to `leaf_hits`.
  void Evaluate(const telemetry::Event& event, std::vector<Hit>* hits, std::vector<LeafHit>* leaf_hits);

  const std::shared_ptr<const MatchPlan>& plan() const { return plan_; }
  uint64_t fallback_evaluations() const { return fallback_evals_; }

 private:
  std::shared_ptr<const MatchPlan> plan_;
  std::unique_ptr<match::MatchScratch> scratch_;
  std::vector<match::AtomId> atom_buf_;
  // Generation-stamped per-atom / per-leaf marks: no clearing per event.
  std::vector<uint32_t> atom_stamp_;
  std::vector<uint32_t> atom_value_;  // observable index that hit the atom
  std::vector<uint32_t> leaf_stamp_;
  std::vector<uint32_t> touched_leaves_;
  uint32_t gen_ = 0;
  uint64_t fallback_evals_ = 0;
  std::vector<std::vector<std::string>> fallback_types_;  // object types each fallback leaf names

  bool EvalCmp(uint32_t node, uint32_t* first_obs) const;
};

class Correlator {
 public:
  explicit Correlator(std::shared_ptr<const MatchPlan> plan);
  ~Correlator();
  // Feeds one event's leaf hits (all of one event, in order); appends hits.
  void OnEventLeafHits(std::vector<LeafHit>& leaf_hits, std::vector<Hit>* hits);
  const std::shared_ptr<const MatchPlan>& plan() const { return plan_; }

 private:
  struct Impl;
  std::shared_ptr<const MatchPlan> plan_;
  std::unique_ptr<Impl> impl_;
};

struct RunStats {
  uint64_t hits = 0;
  uint64_t plan_swaps_seen = 0;
  uint64_t fallback_evaluations = 0;
};

// Scans `inputs` with the plan in `holder`. on_hit is called for each hit in
// input order on the calling thread; progress as in ScanInputs.
Status RunMatch(const std::vector<std::string>& inputs, PlanHolder& holder, const telemetry::FieldMapping& mapping,
                const telemetry::ScanOptions& options, const std::function<void(const Hit&)>& on_hit,
                telemetry::ScanCounters* counters, RunStats* stats, const std::function<void()>& progress = {});

// Test hook: when set, every EventEvaluator::Evaluate calls `hook` with the
// event after the compiled leaves have reported their hits and before the
// fallback leaves run; a hook that throws stands in for any failure while
// evaluating one event. nullptr clears it. Set it only while no scan runs.
void SetEvaluateHookForTest(void (*hook)(const telemetry::Event&));

// The event as a STIX 2.1 bundle with one observed-data (first/last_observed
// = the event time, number_observed 1) and one SCO per observable object,
// wrapped in a JSON array, as pattern::Evaluate takes it.
std::string EventToObservedDataJson(const telemetry::Event& event, const telemetry::FieldMapping& mapping);

}  // namespace rampart::detect

#endif  // RAMPART_DETECT_ENGINE_H_
