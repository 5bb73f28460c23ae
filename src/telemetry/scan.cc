#include "telemetry/scan.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "telemetry/input.h"
#include "telemetry/readers.h"

namespace rampart::telemetry {
namespace {

struct Chunk {
  uint64_t seq = 0;
  uint32_t source = 0;
  uint64_t first_line = 0;  // line number of the first line in data
  uint64_t byte_offset = 0;
  LogFormat format = LogFormat::kJsonLines;
  std::shared_ptr<const ZeekHeader> header;
  std::string data;  // whole lines, each ending in '\n'; kLinePadding slack reserved
  uint64_t skipped_long = 0;  // over-long lines dropped while cutting this chunk
};

// A bounded multi-producer/multi-consumer queue.
template <typename T>
class Queue {
 public:
  explicit Queue(size_t cap) : cap_(cap) {}
  bool Push(T v) {
    std::unique_lock l(mu_);
    not_full_.wait(l, [&] { return q_.size() < cap_ || closed_; });
    if (closed_) return false;
    q_.push_back(std::move(v));
    not_empty_.notify_one();
    return true;
  }
  bool Pop(T* v) {
    std::unique_lock l(mu_);
    not_empty_.wait(l, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    *v = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard l(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  size_t cap_;
  bool closed_ = false;
};

struct Done {
  uint64_t seq;
  std::unique_ptr<ChunkOutput> output;
};

// The message of the exception being handled. REQUIRES: inside a catch.
std::string CurrentExceptionMessage() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

// "input 2, line 17: <what>" for the exception being handled (no position
// for a chunk's consumer). REQUIRES: inside a catch.
std::string FailureMessage(std::optional<uint32_t> source, uint64_t line) {
  std::string where = source ? "input " + std::to_string(*source + 1) + ", line " + std::to_string(line) + ": " : "";
  return where + CurrentExceptionMessage();
}

}  // namespace

void ScanCounters::RecordFailure(std::string_view what) {
  std::lock_guard l(failure_mu_);
  if (first_failure_.empty()) first_failure_.assign(what.empty() ? std::string_view("unknown failure") : what);
}

std::string ScanCounters::first_failure() const {
  std::lock_guard l(failure_mu_);
  return first_failure_;
}

Status ScanInputs(const std::vector<std::string>& inputs, const FieldMapping& mapping, const ScanOptions& options,
                  const std::function<std::unique_ptr<EventProcessor>()>& make_processor,
                  const std::function<void(std::unique_ptr<ChunkOutput>)>& consume, ScanCounters* counters,
                  const std::function<void()>& progress) {
  int nthreads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (nthreads < 1) nthreads = 1;
  if (nthreads > 64) nthreads = 64;
  Queue<std::unique_ptr<Chunk>> work(static_cast<size_t>(nthreads) * 2);
  std::mutex done_mu;
  std::condition_variable done_cv;
  std::map<uint64_t, std::unique_ptr<ChunkOutput>> done;
  // The consumer's next chunk. Workers start a chunk only within `window`
  // of it: the reorder buffer stays bounded whatever the consumer costs, and
  // a plan swapped by the consumer reaches every chunk from window on.
  uint64_t consumed = 0;
  const uint64_t window = static_cast<uint64_t>(nthreads) * 4;
  uint64_t total_chunks = 0;
  bool reader_finished = false;
  Status reader_status;

  // ---- workers
  std::vector<std::thread> workers;
  for (int w = 0; w < nthreads; ++w) {
    std::unique_ptr<EventProcessor> proc = make_processor();
    workers.emplace_back([&, proc = std::move(proc)]() mutable {
      JsonLineParser json(mapping);
      Event ev;
      std::unique_ptr<Chunk> c;
      while (work.Pop(&c)) {
        {
          std::unique_lock l(done_mu);
          done_cv.wait(l, [&] { return c->seq < consumed + window; });
        }
        uint64_t line_no = c->first_line, events = 0, malformed = c->skipped_long, lines = 0, failed = 0;
        const char* p = c->data.data();
        const char* end = p + c->data.size();
        while (p < end) {
          const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
          if (nl == nullptr) nl = end;
          std::string_view line(p, static_cast<size_t>(nl - p));
          uint64_t off = c->byte_offset + static_cast<uint64_t>(p - c->data.data());
          p = nl + 1;
          ++line_no;
          ++lines;
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (line.empty()) continue;
          if (c->format == LogFormat::kZeekTsv && line[0] == '#') continue;  // applied by the reader
          // A line is the unit of failure: whatever it makes a parser or the
          // processor throw costs that event, not the scan (and not the
          // process: an exception leaving this thread would terminate it).
          try {
            bool ok = c->format == LogFormat::kZeekTsv
                          ? c->header != nullptr && ParseZeekTsvLine(*c->header, line, &ev)
                          : json.Parse(line, &ev);
            if (!ok) {
              ++malformed;
              continue;
            }
            ev.source = c->source;
            ev.line = line_no;
            ev.byte_offset = off;
            ++events;
            proc->OnEvent(ev);
          } catch (...) {
            ++failed;
            counters->RecordFailure(FailureMessage(c->source, line_no));
          }
        }
        counters->events += events;
        counters->malformed += malformed;
        counters->events_failed += failed;
        counters->lines += lines;
        counters->bytes += c->data.size();
        std::unique_ptr<ChunkOutput> out;
        try {
          out = proc->TakeOutput();
        } catch (...) {
          ++counters->chunks_failed;
          counters->RecordFailure(FailureMessage(c->source, c->first_line + 1));
        }
        {
          std::lock_guard l(done_mu);
          done[c->seq] = std::move(out);
        }
        done_cv.notify_all();
      }
    });
  }

  // ---- reader
  std::thread reader([&] {
    uint64_t seq = 0;
    auto emit = [&](std::unique_ptr<Chunk> c) {
      c->seq = seq++;
      return work.Push(std::move(c));
    };
    Status st;
    uint64_t raw_base = 0;
    // Reading is not per event: an exception here (a bug, or bytes a decoder
    // or header parser did not expect) ends the scan as an I/O error would,
    // instead of terminating the process or leaving the workers and the
    // consumer waiting for chunks that never come.
    try {
      for (uint32_t src = 0; src < inputs.size() && st.ok(); ++src) {
        auto bs = OpenByteSource(inputs[src]);
        if (!bs.ok()) {
          st = bs.status();
          break;
        }
        LogFormat fmt = options.format;
        std::shared_ptr<ZeekHeader> header;
        std::string carry;  // partial line carried to the next block
        uint64_t line_no = 0, offset = 0;
        bool dropping = false;  // inside an over-long line
        uint64_t pending_long = 0;
        std::string block;
        bool eof = false;
        while (!eof) {
          block.resize(options.chunk_bytes);
          auto got = (*bs)->Read(block.data(), block.size());
          if (!got.ok()) {
            st = got.status().WithContext(inputs[src]);
            break;
          }
          block.resize(*got);
          if (*got == 0) {
            eof = true;
            if (carry.empty() || dropping) break;
            carry.push_back('\n');  // last line without newline
          }
          std::string_view b(block);
          if (dropping) {
            size_t nl = b.find('\n');
            if (nl == std::string_view::npos) {
              offset += b.size();
              continue;
            }
            offset += nl + 1;
            ++line_no;
            b.remove_prefix(nl + 1);
            dropping = false;
          }
          size_t last_nl = b.rfind('\n');
          std::string data;
          if (last_nl == std::string_view::npos) {
            if (!eof) {
              carry.append(b);
              if (carry.size() > options.max_line_bytes) {
                offset += carry.size();
                carry.clear();
                dropping = true;
                ++pending_long;
              }
              continue;
            }
            data = std::move(carry);
            carry.clear();
          } else {
            data = std::move(carry);
            data.reserve(data.size() + last_nl + 1 + kLinePadding);
            data.append(b.substr(0, last_nl + 1));
            carry.assign(b.substr(last_nl + 1));
          }
          if (fmt == LogFormat::kAuto) {
            size_t i = 0;
            while (i < data.size() && (data[i] == '\n' || data[i] == '\r' || data[i] == ' ')) ++i;
            if (i < data.size()) fmt = data[i] == '#' ? LogFormat::kZeekTsv : LogFormat::kJsonLines;
          }
          // Zeek: apply header lines here, so each chunk carries the header in
          // force for its lines; a header change mid-file splits the chunk.
          size_t start = 0;
          auto flush = [&](size_t upto) -> bool {
            if (upto <= start || data.empty()) return true;
            auto c = std::make_unique<Chunk>();
            c->source = src;
            c->first_line = line_no;
            c->byte_offset = offset;
            c->format = fmt == LogFormat::kAuto ? LogFormat::kJsonLines : fmt;
            c->header = header;
            c->skipped_long = pending_long;
            pending_long = 0;
            if (start == 0 && upto == data.size()) {
              data.reserve(data.size() + kLinePadding);  // usually a no-op: reserved when cut
              c->data = std::move(data);
              data.clear();
            } else {
              c->data.reserve(upto - start + kLinePadding);
              c->data.assign(data, start, upto - start);
            }
            const std::string& d = c->data;
            for (const char* q = d.data();
                 (q = static_cast<const char*>(std::memchr(q, '\n', d.data() + d.size() - q))); ++q) {
              ++line_no;
            }
            offset += upto - start;
            start = upto;
            return emit(std::move(c));
          };
          if (fmt == LogFormat::kZeekTsv) {
            size_t pos = 0;
            bool ok = true;
            for (;;) {
              size_t hl;
              if (pos == 0 && !data.empty() && data[0] == '#') {
                hl = 0;
              } else {
                size_t h = data.find("\n#", pos);
                if (h == std::string::npos) break;
                hl = h + 1;
              }
              if (!(ok = flush(hl))) break;
              size_t nl = data.find('\n', hl);  // data ends in '\n'
              std::string_view hline(data.data() + hl, nl - hl);
              if (!hline.empty() && hline.back() == '\r') hline.remove_suffix(1);
              auto next = std::make_shared<ZeekHeader>(header ? *header : ZeekHeader());
              if (next->Apply(hline, mapping).ok()) header = std::move(next);
              ++line_no;  // the header line is consumed here, not by a worker
              offset += nl + 1 - hl;
              start = nl + 1;
              pos = nl;
            }
            if (!ok) break;
          }
          if (!flush(data.size())) break;
          counters->raw_bytes = raw_base + (*bs)->raw_bytes_read();
        }
        if (pending_long != 0) counters->malformed += pending_long;
        raw_base += (*bs)->raw_bytes_read();
        counters->raw_bytes = raw_base;
      }
    } catch (...) {
      st = Status::Internal("reading the input failed: " + CurrentExceptionMessage());
    }
    work.Close();
    std::lock_guard l(done_mu);
    total_chunks = seq;
    reader_finished = true;
    reader_status = st;
    done_cv.notify_all();
  });

  // ---- in-order consumer on the calling thread
  uint64_t next = 0;
  auto interval = std::chrono::milliseconds(options.progress_interval_ms > 0 ? options.progress_interval_ms : 200);
  for (;;) {
    std::unique_ptr<ChunkOutput> out;
    bool have = false, finished = false;
    {
      std::unique_lock l(done_mu);
      done_cv.wait_for(l, interval, [&] { return done.count(next) || (reader_finished && next >= total_chunks); });
      auto it = done.find(next);
      if (it != done.end()) {
        out = std::move(it->second);
        done.erase(it);
        have = true;
      } else if (reader_finished && next >= total_chunks) {
        finished = true;
      }
    }
    if (have) {
      ++next;
      {
        std::lock_guard l(done_mu);
        consumed = next;
      }
      done_cv.notify_all();
      if (out) {
        try {
          consume(std::move(out));
        } catch (...) {
          ++counters->chunks_failed;
          counters->RecordFailure(FailureMessage(std::nullopt, 0));
        }
      }
    }
    if (progress) progress();
    if (finished) break;
  }
  reader.join();
  for (auto& t : workers) t.join();
  return reader_status;
}

}  // namespace rampart::telemetry
