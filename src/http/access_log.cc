#include "http/access_log.h"

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/time.h"

namespace rampart::http {

void AppendJsonEscaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x80) {
          // Keep ASCII only: escape every non-ASCII byte so the line is valid
          // JSON whatever the client sent.
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

namespace {

class SpdAccessLog : public AccessLog {
 public:
  SpdAccessLog(std::shared_ptr<spdlog::details::thread_pool> pool, std::shared_ptr<spdlog::logger> logger,
               Format format)
      : pool_(std::move(pool)), logger_(std::move(logger)), format_(format) {
    // Lines are batched per shard and handed to the async logger in blocks
    // (one queue message and one wake-up per block, not per request); the
    // flusher drains every 200 ms and flushes the file every second.
    flusher_ = std::thread([this] {
      std::unique_lock lock(mu_);
      int ticks = 0;
      while (!stop_) {
        cv_.wait_for(lock, std::chrono::milliseconds(200));
        lock.unlock();
        DrainAll();
        if (++ticks % 5 == 0) logger_->flush();
        lock.lock();
      }
    });
  }
  ~SpdAccessLog() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    flusher_.join();
    DrainAll();
    logger_->flush();
  }

  static constexpr size_t kShards = 16;
  static constexpr size_t kBlockBytes = 32 * 1024;

  struct Shard {
    std::mutex mu;
    std::string buf;
  };

  void Submit(std::string& block) {
    if (block.empty()) return;
    if (block.back() == '\n') block.pop_back();
    logger_->log(spdlog::level::info, spdlog::string_view_t(block.data(), block.size()));
    block.clear();
  }

  void DrainAll() {
    std::string block;
    for (auto& s : shards_) {
      {
        std::lock_guard lock(s.mu);
        block.swap(s.buf);
      }
      Submit(block);
    }
  }

  void Append(const std::string& line) {
    static std::atomic<size_t> next_shard{0};
    thread_local size_t shard = next_shard.fetch_add(1) % kShards;
    Shard& s = shards_[shard];
    std::string block;
    {
      std::lock_guard lock(s.mu);
      s.buf += line;
      s.buf.push_back('\n');
      if (s.buf.size() >= kBlockBytes) block.swap(s.buf);
    }
    Submit(block);
  }

  void Log(const RequestRecord& r) override {
    std::string line;
    line.reserve(256);
    const Request& q = *r.request;
    if (format_ == Format::kJson) {
      line += "{\"ts\":\"";
      line += FormatTimestampMicros(NowMicros());
      line += "\",\"remote\":\"";
      AppendJsonEscaped(line, q.remote_address);
      line += "\",\"method\":\"";
      AppendJsonEscaped(line, q.method);
      line += "\",\"target\":\"";
      AppendJsonEscaped(line, q.target.size() > 2048 ? std::string_view(q.target).substr(0, 2048)
                                                     : std::string_view(q.target));
      fmt::format_to(std::back_inserter(line), "\",\"status\":{},\"bytes\":{},\"micros\":{},\"endpoint\":\"",
                     r.response->status, r.bytes_out, r.micros);
      AppendJsonEscaped(line, r.response->endpoint);
      line += "\",\"user\":\"";
      AppendJsonEscaped(line, r.response->user);
      line += "\",\"ua\":\"";
      std::string_view ua = q.Header("User-Agent");
      AppendJsonEscaped(line, ua.substr(0, 256));
      if (!r.response->log_detail.empty()) {
        line += "\",\"detail\":\"";
        AppendJsonEscaped(line, r.response->log_detail);
      }
      line += "\"}";
    } else {
      fmt::format_to(std::back_inserter(line), "{} {} {} {} {} {} {}us user={}",
                     FormatTimestampMicros(NowMicros()), q.remote_address, q.method,
                     q.target.substr(0, 2048), r.response->status, r.bytes_out, r.micros,
                     r.response->user.empty() ? "-" : r.response->user);
      if (!r.response->log_detail.empty()) {
        line += " detail=";
        line += r.response->log_detail;
      }
    }
    Append(line);
  }

  void Flush() override {
    DrainAll();
    logger_->flush();
  }

 private:
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
  Format format_;
  Shard shards_[kShards];
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread flusher_;
};

}  // namespace

Result<std::unique_ptr<AccessLog>> OpenAccessLog(const std::string& destination, AccessLog::Format format) {
  if (destination.empty() || destination == "off") return std::unique_ptr<AccessLog>();
  try {
    spdlog::sink_ptr sink;
    if (destination == "stderr") {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (destination == "stdout") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination, false);
    }
    sink->set_pattern("%v");
    auto pool = std::make_shared<spdlog::details::thread_pool>(65536, 1);
    auto logger = std::make_shared<spdlog::async_logger>("access", sink, pool,
                                                         spdlog::async_overflow_policy::block);
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::err);
    return std::unique_ptr<AccessLog>(new SpdAccessLog(std::move(pool), std::move(logger), format));
  } catch (const std::exception& e) {
    return Status::IoError(std::string("opening access log ") + destination + ": " + e.what());
  }
}

}  // namespace rampart::http
