// Prometheus metrics for the HTTP server: request counts and a latency
// histogram by (endpoint, status), plus gauges and counters the application
// registers (objects stored, ingest totals), rendered in the Prometheus text
// exposition format (version 0.0.4).
//
// Thread-safety: every method may be called concurrently. Observe() takes a
// shared lock and atomic increments on the hot path.
#ifndef RAMPART_HTTP_METRICS_H_
#define RAMPART_HTTP_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::http {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
  static constexpr size_t kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);

  Metrics();
  ~Metrics();

  // Records one finished request.
  void Observe(std::string_view endpoint, int status, int64_t micros);

  // A value sampled at render time (a gauge), e.g. open connections.
  // `help` is one line. Register before serving; not removable.
  void AddGauge(std::string name, std::string help, std::function<double()> sample);
  // A monotonically increasing counter the application bumps.
  std::atomic<int64_t>* AddCounter(std::string name, std::string help);

  // The text exposition of every metric.
  std::string Render() const;

 private:
  struct Series {
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> sum_micros{0};
    std::atomic<int64_t> buckets[kNumBuckets] = {};
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> sample;
  };
  struct Counter {
    std::string name, help;
    std::unique_ptr<std::atomic<int64_t>> value;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Series>, std::less<>> series_;  // key: endpoint|status
  std::vector<Gauge> gauges_;
  std::vector<Counter> counters_;
};

}  // namespace rampart::http

#endif  // RAMPART_HTTP_METRICS_H_
