// STIX parse + validate throughput on the MITRE ATT&CK bundles (BENCHMARKS.md,
// "STIX parse + validate"). Run:
//   build/bench/rampart_stix_bench [--benchmark_filter=...]
// with RAMPART_SHARED_DATA pointing at shared/data (default ../shared/data).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "stix/parser.h"

namespace {

std::string Load(const char* rel) {
  const char* root = std::getenv("RAMPART_SHARED_DATA");
  std::string path = std::string(root ? root : "../shared/data") + "/" + rel;
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void BM_ParseValidate(benchmark::State& state, const char* rel, bool strict, bool warnings) {
  std::string data = Load(rel);
  if (data.empty()) {
    state.SkipWithError("shared data missing (set RAMPART_SHARED_DATA)");
    return;
  }
  rampart::stix::ParseOptions opts;
  opts.strict = strict;
  opts.collect_warnings = warnings;
  size_t objects = 0;
  for (auto _ : state) {
    auto r = rampart::stix::ParseBundleOrObject(data, opts);
    if (!r.ok() || (!strict && !r->errors.empty())) {
      state.SkipWithError("unexpected validation failure");
      return;
    }
    objects = r->objects.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["objects/s"] =
      benchmark::Counter(static_cast<double>(objects * state.iterations()), benchmark::Counter::kIsRate);
}

// Default options (SHOULD findings collected as warnings), then without
// warnings (the ingest path), then --strict (every object with x_mitre_*
// properties becomes invalid: the work is the same, objects/s counts only
// the valid ones).
BENCHMARK_CAPTURE(BM_ParseValidate, ics_attack, "attack/ics-attack-18.1.json", false, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseValidate, mobile_attack, "attack/mobile-attack-17.1.json", false, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseValidate, ics_attack_no_warnings, "attack/ics-attack-18.1.json", false, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseValidate, mobile_attack_no_warnings, "attack/mobile-attack-17.1.json", false, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseValidate, mobile_attack_strict, "attack/mobile-attack-17.1.json", true, true)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
