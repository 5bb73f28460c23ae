// Matcher benchmark driver (see BENCHMARKS.md, "Matcher"). Not a CTest.
//
//   match_bench INDICATORS.json EVENTS.ndjson [THREADS...]
//
// 1. Streams and compiles INDICATORS (all active: --as-of now), reporting
//    wall time, CPU time and peak RSS after compiling.
// 2. Single-core rate: parses + normalises + matches every line of EVENTS on
//    this thread (no scan loop), timed with this thread's CPU clock, so the
//    figure is per core even on a busy machine.
// 3. The real scan loop (telemetry::ScanInputs via detect::RunMatch) with
//    each THREADS value (default 1 2): wall time, process CPU time, hits.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "detect/engine.h"
#include "detect/indicators.h"
#include "detect/plan.h"
#include "telemetry/readers.h"

using namespace rampart;

static double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double ProcCpu() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}
static long PeakRssMb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}
static double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: match_bench INDICATORS.json EVENTS.ndjson [THREADS...]\n");
    return 2;
  }
  telemetry::FieldMapping mapping = telemetry::DefaultFieldMapping();
  auto as_of = detect::ParseAsOf("now");
  double w0 = Now(), c0 = ProcCpu();
  detect::PlanBuilder b(mapping, {*as_of});
  detect::ReadStats rs;
  Status st = detect::ReadIndicatorsFile(argv[1], [&](detect::Indicator&& i) { b.Add(std::move(i)); }, &rs);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 2;
  }
  auto plan = b.Build();
  if (!plan.ok()) {
    std::fprintf(stderr, "%s\n", plan.status().ToString().c_str());
    return 2;
  }
  double w1 = Now(), c1 = ProcCpu();
  const auto& r = (*plan)->report;
  std::printf("compile: %llu indicators (%llu exact values, %llu CIDRs, %llu regexes, %llu invalid) in %.2f s wall, "
              "%.2f s CPU; peak RSS %ld MB; plan ~%zu MB\n",
              (unsigned long long)r.compiled, (unsigned long long)r.exact_values, (unsigned long long)r.cidr_prefixes,
              (unsigned long long)r.regexes, (unsigned long long)r.invalid, w1 - w0, c1 - c0, PeakRssMb(),
              (*plan)->ApproxMemoryBytes() >> 20);

  // Single core: read the file first (I/O outside the timing).
  std::ifstream in(argv[2], std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  data.append(telemetry::kLinePadding, '\0');
  size_t size = data.size() - telemetry::kLinePadding;
  telemetry::JsonLineParser parser(mapping);
  detect::EventEvaluator eval(*plan);
  telemetry::Event ev;
  std::vector<detect::Hit> hits;
  std::vector<detect::LeafHit> leaf_hits;
  uint64_t events = 0, bad = 0, nhits = 0;
  double t0 = ThreadCpu();
  size_t pos = 0;
  while (pos < size) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos || nl > size) nl = size;
    std::string_view line(data.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (!parser.Parse(line, &ev)) {
      ++bad;
      continue;
    }
    ++events;
    hits.clear();
    leaf_hits.clear();
    eval.Evaluate(ev, &hits, &leaf_hits);
    nhits += hits.size();
  }
  double t1 = ThreadCpu();
  std::printf("single core: %.1f MB in %.2f s CPU = %.0f MB/s (%llu events, %llu malformed, %llu hits)\n", size / 1e6,
              t1 - t0, size / 1e6 / (t1 - t0), (unsigned long long)events, (unsigned long long)bad,
              (unsigned long long)nhits);
  data.clear();
  data.shrink_to_fit();

  std::vector<int> threads;
  for (int i = 3; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, 2};
  for (int t : threads) {
    detect::PlanHolder holder(*plan);
    telemetry::ScanOptions so;
    so.threads = t;
    telemetry::ScanCounters counters;
    detect::RunStats stats;
    double sw0 = Now(), sc0 = ProcCpu();
    Status s = detect::RunMatch({argv[2]}, holder, mapping, so, [](const detect::Hit&) {}, &counters, &stats);
    double sw1 = Now(), sc1 = ProcCpu();
    if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::printf("scan loop, %d worker(s): %.1f MB in %.2f s wall = %.0f MB/s; %.2f s CPU (%.0f MB/s per CPU-second); "
                "%llu events, %llu hits\n",
                t, counters.bytes.load() / 1e6, sw1 - sw0, counters.bytes.load() / 1e6 / (sw1 - sw0), sc1 - sc0,
                counters.bytes.load() / 1e6 / (sc1 - sc0), (unsigned long long)counters.events.load(),
                (unsigned long long)stats.hits);
  }
  return 0;
}
