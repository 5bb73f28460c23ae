// One telemetry event as the readers hand it to the matcher: where it came
// from, when it happened, and its observable values, each tagged with the
// STIX object path it stands for ("ipv4-addr:value", "file:hashes.SHA-256").
//
// Paths are interned as small integers in a PathTable (see field_mapping.h);
// path text is canonical: "<object-type>:<key>.<key>..." with keys unquoted
// (so "file:hashes.'SHA-256'" is "file:hashes.SHA-256").
//
// Plain value type, reused across events by one reader thread (clear()
// keeps capacity): no per-event allocation once warmed up. Not thread-safe.
#ifndef RAMPART_TELEMETRY_EVENT_H_
#define RAMPART_TELEMETRY_EVENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::telemetry {

using PathId = uint32_t;

struct Observable {
  PathId path;
  uint32_t offset;  // into Event::values
  uint32_t length;
};

struct Event {
  uint32_t source = 0;       // index of the input (file) in the scan
  uint64_t line = 0;         // 1-based line number within the source
  uint64_t byte_offset = 0;  // offset of the line in the (decompressed) source
  bool has_time = false;
  int64_t time_micros = 0;   // event time (µs since epoch, UTC) when has_time
  std::string values;        // normalised value bytes, back to back
  std::vector<Observable> observables;

  void clear() {
    has_time = false;
    time_micros = 0;
    values.clear();
    observables.clear();
  }
  void Add(PathId path, std::string_view value) {
    observables.push_back({path, static_cast<uint32_t>(values.size()), static_cast<uint32_t>(value.size())});
    values.append(value);
  }
  std::string_view value(const Observable& o) const { return std::string_view(values).substr(o.offset, o.length); }
};

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_EVENT_H_
