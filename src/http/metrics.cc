#include "http/metrics.h"

#include <fmt/format.h>

#include <mutex>

namespace rampart::http {

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

void Metrics::Observe(std::string_view endpoint, int status, int64_t micros) {
  Series* s = nullptr;
  std::string key;
  key.reserve(endpoint.size() + 4);
  key.append(endpoint);
  key.push_back('|');
  key.append(std::to_string(status));
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) s = it->second.get();
  }
  if (s == nullptr) {
    std::unique_lock lock(mu_);
    auto& slot = series_[key];
    if (!slot) slot = std::make_unique<Series>();
    s = slot.get();
  }
  s->count.fetch_add(1, std::memory_order_relaxed);
  s->sum_micros.fetch_add(micros, std::memory_order_relaxed);
  double secs = static_cast<double>(micros) / 1e6;
  for (size_t i = 0; i < kNumBuckets; ++i) {
    if (secs <= kBuckets[i]) {
      s->buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> sample) {
  std::unique_lock lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(sample)});
}

std::atomic<int64_t>* Metrics::AddCounter(std::string name, std::string help) {
  std::unique_lock lock(mu_);
  counters_.push_back({std::move(name), std::move(help), std::make_unique<std::atomic<int64_t>>(0)});
  return counters_.back().value.get();
}

std::string Metrics::Render() const {
  std::string out;
  std::shared_lock lock(mu_);
  out += "# HELP rampart_http_requests_total HTTP requests by endpoint and status.\n";
  out += "# TYPE rampart_http_requests_total counter\n";
  auto split = [](const std::string& k) {
    size_t bar = k.rfind('|');
    return std::make_pair(std::string_view(k).substr(0, bar), std::string_view(k).substr(bar + 1));
  };
  for (const auto& [k, s] : series_) {
    auto key = split(k);
    out += fmt::format("rampart_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first,
                       key.second, s->count.load());
  }
  out += "# HELP rampart_http_request_duration_seconds Time from request header to response.\n";
  out += "# TYPE rampart_http_request_duration_seconds histogram\n";
  for (const auto& [k, s] : series_) {
    auto key = split(k);
    int64_t cumulative = 0;
    for (size_t i = 0; i < kNumBuckets; ++i) {
      cumulative += s->buckets[i].load();
      out += fmt::format(
          "rampart_http_request_duration_seconds_bucket{{endpoint=\"{}\",status=\"{}\",le=\"{}\"}} {}\n",
          key.first, key.second, kBuckets[i], cumulative);
    }
    out += fmt::format(
        "rampart_http_request_duration_seconds_bucket{{endpoint=\"{}\",status=\"{}\",le=\"+Inf\"}} {}\n",
        key.first, key.second, s->count.load());
    out += fmt::format("rampart_http_request_duration_seconds_sum{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                       key.first, key.second, static_cast<double>(s->sum_micros.load()) / 1e6);
    out += fmt::format("rampart_http_request_duration_seconds_count{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                       key.first, key.second, s->count.load());
  }
  for (const auto& c : counters_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", c.name, c.help, c.name, c.name,
                       c.value->load());
  }
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name, g.sample());
  }
  return out;
}

}  // namespace rampart::http
