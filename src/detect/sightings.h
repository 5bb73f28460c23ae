// Sightings out: per-indicator aggregation of hits and the STIX 2.1
// `sighting` objects that report them (sighting_of_ref, count, first_seen,
// last_seen, where_sighted_refs = the reporting organisation's identity,
// created_by_ref = the same identity, object_marking_refs = the chosen TLP
// marking, TLP:AMBER by default). Format: docs/formats/match_golden.md
// ("Sightings bundle").
//
// Thread-safety: SightingAggregator is single-threaded; functions are pure.
#ifndef RAMPART_DETECT_SIGHTINGS_H_
#define RAMPART_DETECT_SIGHTINGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "detect/engine.h"

namespace rampart::detect {

struct SightingSummary {
  std::string indicator_id;
  uint64_t count = 0;
  bool has_time = false;   // false when no hit carried an event time
  Micros first_seen = 0;
  Micros last_seen = 0;
};

class SightingAggregator {
 public:
  void Add(const Hit& hit);
  // Sorted by indicator id.
  std::vector<SightingSummary> Summaries() const;
  uint64_t total() const { return total_; }

 private:
  std::map<std::string, SightingSummary, std::less<>> by_id_;
  uint64_t total_ = 0;
};

struct SightingOptions {
  // "identity--<uuid>", or an organisation name from which a deterministic
  // identity id is derived (and an identity object added to the bundle).
  std::string identity;
  std::string marking_ref;  // default: TLP 2.0 AMBER
  Micros now = 0;           // created/modified, and first/last_seen for hits without time
};

// The identity id for `identity` as described above. InvalidArgument when
// empty, or when it starts with "identity--" but is not a valid id.
Result<std::string> IdentityIdFor(std::string_view identity);

// A STIX 2.1 bundle of sighting objects (plus the identity object when
// `identity` was a name). Sighting ids are random (UUIDv4).
Result<std::string> SightingsBundleJson(const std::vector<SightingSummary>& summaries,
                                        const SightingOptions& options);

// One hit as a JSON object (the --json output line, without newline):
// {"source":"<input>","line":N,"offset":N,"time":"...","indicator":"...",
//  "path":"...","value":"..."}. `source_name` names the input.
std::string HitJson(const Hit& hit, std::string_view source_name);

}  // namespace rampart::detect

#endif  // RAMPART_DETECT_SIGHTINGS_H_
