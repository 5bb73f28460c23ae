#include "http/access_log.h"

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

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
    // Flush at least once a second so `tail -f` shows recent requests.
    flusher_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!stop_) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        logger_->flush();
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
    Flush();
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
      line += "\"}";
    } else {
      fmt::format_to(std::back_inserter(line), "{} {} {} {} {} {} {}us user={}",
                     FormatTimestampMicros(NowMicros()), q.remote_address, q.method,
                     q.target.substr(0, 2048), r.response->status, r.bytes_out, r.micros,
                     r.response->user.empty() ? "-" : r.response->user);
    }
    logger_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
  }

  void Flush() override { logger_->flush(); }

 private:
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
  Format format_;
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
