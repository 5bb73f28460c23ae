// Line parsers: one log line in, one Event out. JSON lines (ECS, Zeek JSON,
// Suricata eve.json: any JSON object per line, fields looked up by dotted
// name in a FieldMapping) and Zeek TSV (columns named by a "#fields" header).
//
// Thread-safety: a parser holds per-thread state (the simdjson parser); use
// one per thread. ZeekHeader is immutable once parsed and shareable.
#ifndef RAMPART_TELEMETRY_READERS_H_
#define RAMPART_TELEMETRY_READERS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "telemetry/event.h"
#include "telemetry/field_mapping.h"

namespace rampart::telemetry {

// Bytes of readable slack simdjson may read past the end of a line. Buffers
// handed to JsonLineParser::Parse must have this many bytes after the line.
inline constexpr size_t kLinePadding = 64;

class JsonLineParser {
 public:
  // `mapping` must outlive the parser.
  explicit JsonLineParser(const FieldMapping& mapping);
  ~JsonLineParser();

  // Parses `line` (no newline) into `event` (cleared first; source/line/
  // offset are left to the caller). Returns false for a malformed line (not
  // JSON, not an object, over the depth limit of 32).
  // REQUIRES: kLinePadding readable bytes follow line.data() + line.size().
  bool Parse(std::string_view line, Event* event);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The state of a Zeek TSV log's header lines.
struct ZeekHeader {
  char separator = '\t';
  std::string set_separator = ",";
  std::string empty_field = "(empty)";
  std::string unset_field = "-";
  std::string path;                            // "#path" (conn, dns, ...)
  std::vector<std::string> fields;             // "#fields"
  std::vector<bool> is_container;              // from "#types": set[..] / vector[..]
  std::vector<const std::vector<FieldRule>*> rules;  // per column, null if unmapped

  // Applies one header line ("#fields\tts\tuid..." etc.). Unknown '#' lines
  // (#open, #close) are ignored. InvalidArgument for a malformed header.
  Status Apply(std::string_view line, const FieldMapping& mapping);
};

// Parses one Zeek TSV data line. Returns false when the column count does
// not match the header (malformed).
bool ParseZeekTsvLine(const ZeekHeader& header, std::string_view line, Event* event);

// Shared by both parsers: routes one raw value by a rule into the event.
// `url_host` / `url_path` collect URL parts; FinishEvent composes them.
struct EventBuilder {
  std::string url_host;
  std::string url_path;
  bool has_host = false, has_path = false;
  void Reset() { has_host = has_path = false; }
  void Emit(const FieldRule& rule, std::string_view raw, Event* event);
  void Finish(Event* event);
};

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_READERS_H_
