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
// Failure containment: log content must never take the scan down. An
// exception thrown while parsing a line or by EventProcessor::OnEvent fails
// that event only (ScanCounters::events_failed); one thrown by TakeOutput or
// by `consume` fails that chunk's output only (chunks_failed). Both are
// counted, the first message is kept (ScanCounters::first_failure), and the
// scan goes on. An exception in the reader ends the scan with Internal.
//
// Thread-safety: ScanInputs blocks until done; processors are called from
// one worker thread each; consume/progress from the calling thread only.
#ifndef RAMPART_TELEMETRY_SCAN_H_
#define RAMPART_TELEMETRY_SCAN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
  std::atomic<uint64_t> events{0};     // lines parsed into an event
  std::atomic<uint64_t> malformed{0};
  // Lines whose parsing or processing threw (each is skipped; see above).
  std::atomic<uint64_t> events_failed{0};
  // Chunks whose output was lost because TakeOutput or consume threw.
  std::atomic<uint64_t> chunks_failed{0};

  // Keeps `what` if it is the first failure. Thread-safe.
  void RecordFailure(std::string_view what);
  // The first failure's message ("" when none). Thread-safe.
  std::string first_failure() const;

 private:
  mutable std::mutex failure_mu_;
  std::string first_failure_;  // guarded by failure_mu_
};

// Whatever a processor collected for one chunk.
class ChunkOutput {
 public:
  virtual ~ChunkOutput() = default;
};

class EventProcessor {
 public:
  virtual ~EventProcessor() = default;
  // May throw: the scan then counts the event as failed and goes on with the
  // next one, so an implementation must stay usable after a throw and should
  // not keep partial output of the failed event.
  virtual void OnEvent(const Event& event) = 0;
  // Called after the last event of a chunk; may return null.
  virtual std::unique_ptr<ChunkOutput> TakeOutput() = 0;
};

// Scans `inputs` in order ("-" = stdin). Returns the first I/O error (NotFound,
// IoError, Corruption), or Internal when the reader itself threw, after
// stopping the workers; events already consumed stay consumed. Failed events
// and chunks (see above) do not make it fail: callers read the counters. `progress` (may be empty) is called on the calling thread
// about every progress_interval_ms.
Status ScanInputs(const std::vector<std::string>& inputs, const FieldMapping& mapping, const ScanOptions& options,
                  const std::function<std::unique_ptr<EventProcessor>()>& make_processor,
                  const std::function<void(std::unique_ptr<ChunkOutput>)>& consume, ScanCounters* counters,
                  const std::function<void()>& progress = {});

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_SCAN_H_
