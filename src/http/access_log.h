// The structured access log: one line per request, JSON lines (default) or
// a plain text line. Lines are batched per shard (16 shards, 32 KiB blocks,
// drained every 200 ms) and written by a background thread (spdlog async
// logger with an overflow-blocking queue), so logging costs the request path
// a format, an uncontended lock and an append. The file is flushed every
// second and at destruction.
//
// JSON line fields: ts (UTC µs), remote, method, target, status, bytes,
// micros, endpoint, user, ua. Thread-safety: Log() may be called concurrently.
#ifndef RAMPART_HTTP_ACCESS_LOG_H_
#define RAMPART_HTTP_ACCESS_LOG_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "http/server.h"

namespace rampart::http {

class AccessLog {
 public:
  enum class Format { kJson, kText };
  virtual ~AccessLog() = default;
  virtual void Log(const RequestRecord& r) = 0;
  // Writes out everything queued.
  virtual void Flush() = 0;
};

// `destination`: "stderr", "stdout", "off"/"" (returns nullptr), or a file
// path (appended to). IoError when the file cannot be opened.
Result<std::unique_ptr<AccessLog>> OpenAccessLog(const std::string& destination, AccessLog::Format format);

// Appends `s` to `out` as the contents of a JSON string (no quotes), escaping
// quotes, backslashes and control characters; invalid UTF-8 bytes become
// \u00XX so every line stays valid JSON.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace rampart::http

#endif  // RAMPART_HTTP_ACCESS_LOG_H_
