// The synthetic workload the store benchmarks share (store_bench.cc for
// SQLite, store_pg_bench.cc for PostgreSQL), so both backends are measured on
// the same bytes: bundles of TLP:GREEN indicators and their NewObjects.
// Header-only; bench code only.
#ifndef RAMPART_BENCH_BENCH_BUNDLES_H_
#define RAMPART_BENCH_BENCH_BUNDLES_H_

#include <cstdio>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "ingest/ingest.h"
#include "stix/parser.h"

namespace rampart::bench {

// One bundle of `n` indicators; ids and pattern values derive from `start`
// (object number) and `run` (an 8-hex-digit run id that keeps runs apart).
inline std::string MakeIndicatorBundle(long start, int n, const std::string& run) {
  std::string out = "{\"type\":\"bundle\",\"id\":\"bundle--" + RandomUuid() + "\",\"objects\":[";
  char buf[1024];
  for (int i = 0; i < n; ++i) {
    long k = start + i;
    snprintf(buf, sizeof buf,
             "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
             "\"id\":\"indicator--%s-%04lx-4%03lx-8%03lx-%012lx\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
             "\"name\":\"bench indicator %ld\",\"indicator_types\":[\"malicious-activity\"],"
             "\"pattern\":\"[ipv4-addr:value = '10.%ld.%ld.%ld']\",\"pattern_type\":\"stix\","
             "\"valid_from\":\"2024-01-01T00:00:00Z\","
             "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
             i ? "," : "", run.c_str(), (k >> 48) & 0xffff, (k >> 36) & 0xfff, (k >> 24) & 0xfff,
             k & 0xffffffffffffL, k, (k >> 16) & 255, (k >> 8) & 255, k & 255);
    out += buf;
  }
  out += "]}";
  return out;
}

// The NewObjects of a parsed MakeIndicatorBundle(first, ...): TLP:GREEN, one
// observable each (the indicator's IPv4 value). Moves the JSON out of `parsed`.
inline std::vector<store::NewObject> ToBenchObjects(stix::ParseResult& parsed, long first) {
  std::vector<store::NewObject> objs;
  objs.reserve(parsed.objects.size());
  for (size_t i = 0; i < parsed.objects.size(); ++i) {
    auto& p = parsed.objects[i];
    store::NewObject o = ingest::IndexedFields(p);
    o.json = std::move(p.json);
    o.provenance.effective_tlp = stix::Tlp::kGreen;
    long k = first + static_cast<long>(i);
    o.observables = {{"ipv4-addr", "10." + std::to_string(k >> 16 & 255) + "." +
                                       std::to_string(k >> 8 & 255) + "." + std::to_string(k & 255)}};
    objs.push_back(std::move(o));
  }
  return objs;
}

}  // namespace rampart::bench

#endif  // RAMPART_BENCH_BENCH_BUNDLES_H_
