// The scan loop: reads inputs (files, gzip/zstd, stdin) in blocks, cuts them
// into chunks on line boundaries, parses the lines of each chunk on a worker
// thread into Events and hands each Event to that worker's EventProcessor.
// At the end of each chunk the worker's output (whatever the processor
// collected) is handed to `consume` on the calling thread in input order,
// so order-dependent logic (FOLLOWEDBY windows, ordered hit output) runs
// sequentially while parsing and matching run in parallel.
//
// Format per input: auto (first non-empty line starts with '#': Zeek TSV,
// else JSON lines), or forced. Malformed lines are counted and skipped;
// lines longer than ScanOptions::max_line_bytes count as malformed.
//
// Thread-safety: ScanInputs blocks until done; processors are called from
// one worker thread each; consume/progress from the calling thread only.
#ifndef RAMPART_TELEMETRY_SCAN_H_
#define RAMPART_TELEMETRY_SCAN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "telemetry/event.h"
#include "telemetry/field_mapping.h"

namespace rampart::telemetry {

enum class LogFormat { kAuto, kJsonLines, kZeekTsv };

struct ScanOptions {
  int threads = 0;                      // worker threads; 0 = hardware concurrency
  size_t chunk_bytes = size_t{2} << 20; // target chunk size
  size_t max_line_bytes = size_t{16} << 20;
  LogFormat format = LogFormat::kAuto;
  int progress_interval_ms = 200;
};

struct ScanCounters {
  std::atomic<uint64_t> bytes{0};      // decompressed bytes parsed
  std::atomic<uint64_t> raw_bytes{0};  // bytes read from the files
  std::atomic<uint64_t> lines{0};
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> malformed{0};
};

// Whatever a processor collected for one chunk.
class ChunkOutput {
 public:
  virtual ~ChunkOutput() = default;
};

class EventProcessor {
 public:
  virtual ~EventProcessor() = default;
  virtual void OnEvent(const Event& event) = 0;
  // Called after the last event of a chunk; may return null.
  virtual std::unique_ptr<ChunkOutput> TakeOutput() = 0;
};

// Scans `inputs` in order ("-" = stdin). Returns the first I/O error (NotFound,
// IoError, Corruption) after stopping the workers; events already consumed
// stay consumed. `progress` (may be empty) is called on the calling thread
// about every progress_interval_ms.
Status ScanInputs(const std::vector<std::string>& inputs, const FieldMapping& mapping, const ScanOptions& options,
                  const std::function<std::unique_ptr<EventProcessor>()>& make_processor,
                  const std::function<void(std::unique_ptr<ChunkOutput>)>& consume, ScanCounters* counters,
                  const std::function<void()>& progress = {});

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_SCAN_H_
