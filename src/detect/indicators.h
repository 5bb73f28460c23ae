// Reading STIX indicators for the matcher: a bundle, a JSON array of
// objects, one object, or JSON lines of objects, from a string or streamed
// from a file (plain/gzip/zstd) without holding the whole document: objects
// are cut out of the byte stream one at a time and parsed separately, so a
// bundle of a million indicators costs one object of memory at a time.
//
// Only `type: indicator` objects are returned; other objects are counted.
// Thread-safety: pure functions; callbacks run on the calling thread.
#ifndef RAMPART_DETECT_INDICATORS_H_
#define RAMPART_DETECT_INDICATORS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace rampart::detect {

struct Indicator {
  std::string id;
  std::string name;
  std::string pattern;
  std::string pattern_type;  // "stix" when absent (STIX 2.0 has none)
  std::optional<Micros> valid_from;
  std::optional<Micros> valid_until;
  bool revoked = false;
  std::string modified;  // text, for picking the latest version of an id
  std::vector<std::string> object_marking_refs;
};

struct ReadStats {
  uint64_t objects = 0;      // STIX objects seen
  uint64_t indicators = 0;   // of which indicators handed to the callback
  uint64_t malformed = 0;    // objects that were not valid JSON / lacked id or pattern
  std::vector<std::string> errors;  // first few problems, "<id or #n>: <why>"
};

// Limits on hostile input.
inline constexpr size_t kMaxObjectBytes = 16 << 20;

using IndicatorCallback = std::function<void(Indicator&&)>;

// Streams the objects of `text`. InvalidArgument when the document's
// structure is broken (unbalanced brackets, not JSON at all); a malformed
// single object is counted in stats and skipped.
Status ReadIndicators(std::string_view text, const IndicatorCallback& on_indicator, ReadStats* stats);

// Same, streamed from a file ("-" = stdin; gzip/zstd recognised).
Status ReadIndicatorsFile(const std::string& path, const IndicatorCallback& on_indicator, ReadStats* stats);

// An incremental object splitter for callers that receive bytes in pieces
// (the TAXII client's pages use ReadIndicators; this serves files).
class ObjectStreamSplitter {
 public:
  // Feeds bytes; calls on_object for each complete top-level STIX object
  // (the elements of a bundle's "objects", of a top-level array, or
  // top-level objects that are not bundles).
  Status Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_object);
  // Fails if input ended inside an object.
  Status Finish();

 private:
  void Emit(const std::function<void(std::string_view)>& on_object);

  std::vector<char> stack_;   // open '{' / '['
  bool in_string_ = false;
  bool escape_ = false;
  std::string str_;           // current string at depth 1 (first 16 bytes)
  std::string last_str_;      // last complete string at depth 1
  bool bundle_ = false;       // the top-level object has an "objects" array
  size_t elem_depth_ = 0;     // stack size at which elements open (0: none)
  bool collecting_ = false;
  bool top_object_ = false;   // collecting a top-level object (maybe a bundle)
  std::string cur_;
};

// Parses one indicator object's JSON (already cut out). NotFound when the
// object is not an indicator; InvalidArgument when malformed.
Result<Indicator> ParseIndicatorJson(std::string_view object_json);

}  // namespace rampart::detect

#endif  // RAMPART_DETECT_INDICATORS_H_
