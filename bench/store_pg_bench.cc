// PostgreSQL store benchmark (issue 3, point 8): durable ingest in
// 1,000-object bundles while one collection grows, and the latency of a
// page of 100 at page 1 vs page 10,000 (or the last full page of a smaller
// collection). Run by hand, never in CTest; figures go to BENCHMARKS.md
// ("Store — PostgreSQL").
//
//   store_pg_bench --url postgresql://... [--objects 1000000] [--bundle 1000]
//                  [--page-size 100] [--samples 200] [--schema NAME]
//
// Ingest per bundle = parse + validate the bundle's JSON with the stix
// module (the real validator), build the store's NewObjects (observables
// from the indicator's pattern, which the generator knows), and AddObjects:
// one transaction, committed with synchronous_commit=on (flushed to the WAL
// on disk before it returns). Generating the JSON text is outside the timer.
// Uses a fresh schema, kept afterwards for inspection (the program prints
// the psql commands to size and drop it).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/time.h"
#include "bench_bundles.h"
#include "stix/parser.h"
#include "store/postgres/postgres_store.h"

namespace {

using rampart::Micros;
using namespace rampart::store;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Args {
  std::string url;
  long objects = 1000000;
  int bundle = 1000;
  int page_size = 100;
  int samples = 200;
  std::string schema;
};

int Usage() {
  fprintf(stderr,
          "usage: store_pg_bench --url URL [--objects N] [--bundle N] [--page-size N] "
          "[--samples N] [--schema NAME]\n");
  return 2;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

long MaxRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if ((f == "--url" || f == "--objects" || f == "--bundle" || f == "--page-size" ||
                f == "--samples" || f == "--schema") && (v = next())) {
      if (f == "--url") a.url = v;
      if (f == "--objects") a.objects = atol(v);
      if (f == "--bundle") a.bundle = atoi(v);
      if (f == "--page-size") a.page_size = atoi(v);
      if (f == "--samples") a.samples = atoi(v);
      if (f == "--schema") a.schema = v;
    } else {
      return Usage();
    }
  }
  if (a.url.empty() || a.objects < a.bundle || a.bundle < 1 || a.page_size < 1) return Usage();
  if (a.schema.empty()) a.schema = "bench_" + rampart::HexEncode(rampart::RandomBytes(4));

  postgres::PostgresOptions opts;
  opts.schema = a.schema;
  auto opened = postgres::OpenPostgresStore(a.url, opts);
  if (!opened.ok()) {
    fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 2;
  }
  Store& store = **opened;
  const std::string cid = rampart::RandomUuid();
  Collection c;
  c.id = cid;
  c.title = "bench";
  if (auto s = store.CreateCollection(c); !s.ok()) {
    fprintf(stderr, "create collection: %s\n", s.ToString().c_str());
    return 2;
  }
  printf("store_pg_bench: schema %s, %ld objects in bundles of %d\n", a.schema.c_str(), a.objects,
         a.bundle);

  // ---- Ingest ----
  const std::string run = rampart::HexEncode(rampart::RandomBytes(4));
  double busy = 0, window_busy = 0, parse_s = 0, store_s = 0;
  long done = 0, window_start = 0;
  double worst_window = 1e18;
  const long kWindow = std::max<long>(a.objects / 10, a.bundle);
  while (done < a.objects) {
    int n = static_cast<int>(std::min<long>(a.bundle, a.objects - done));
    std::string body = rampart::bench::MakeIndicatorBundle(done, n, run);
    auto t0 = Clock::now();
    auto parsed = rampart::stix::ParseBundleOrObject(body);
    if (!parsed.ok() || parsed->objects.size() != static_cast<size_t>(n)) {
      fprintf(stderr, "parse: %s (%zu errors)\n", parsed.status().ToString().c_str(),
              parsed.ok() ? parsed->errors.size() : 0);
      if (parsed.ok() && !parsed->errors.empty()) {
        fprintf(stderr, "  %s\n", rampart::stix::FormatError(parsed->errors[0]).c_str());
      }
      return 1;
    }
    std::vector<NewObject> objs = rampart::bench::ToBenchObjects(*parsed, done);
    auto t1 = Clock::now();
    auto r = store.AddObjects(cid, objs);
    auto t2 = Clock::now();
    if (!r.ok()) {
      fprintf(stderr, "AddObjects: %s\n", r.status().ToString().c_str());
      return 1;
    }
    for (const auto& w : *r) {
      if (w.result != WriteResult::kAdded) {
        fprintf(stderr, "unexpected outcome for %s: %s\n", w.id.c_str(), w.message.c_str());
        return 1;
      }
    }
    parse_s += Seconds(t1 - t0);
    store_s += Seconds(t2 - t1);
    busy += Seconds(t2 - t0);
    window_busy += Seconds(t2 - t0);
    done += n;
    if (done - window_start >= kWindow || done == a.objects) {
      double rate = (done - window_start) / window_busy;
      worst_window = std::min(worst_window, rate);
      printf("  ingest: %8ld objects  window %8.0f obj/s  cumulative %8.0f obj/s\n", done, rate,
             done / busy);
      fflush(stdout);
      window_start = done;
      window_busy = 0;
    }
  }
  printf("ingest: %ld objects in %.1f s busy: %.0f obj/s overall, slowest window %.0f obj/s "
         "(parse+validate %.1f s, store %.1f s)\n",
         done, busy, done / busy, worst_window, parse_s, store_s);

  // ---- Page 1 vs page P ----
  const long pages = a.objects / a.page_size;
  const long target = std::min<long>(10000, pages);
  ObjectQuery q;
  q.collection_id = cid;
  q.limit = static_cast<size_t>(a.page_size);
  std::string cursor_before_target;
  auto walk0 = Clock::now();
  for (long p = 1; p < target; ++p) {
    auto r = store.QueryObjects(q);
    if (!r.ok() || !r->more) {
      fprintf(stderr, "paging stopped at page %ld: %s\n", p, r.status().ToString().c_str());
      return 1;
    }
    q.cursor = r->next;
  }
  double walk = Seconds(Clock::now() - walk0);
  cursor_before_target = q.cursor;
  auto sample = [&](const std::string& cursor) {
    std::vector<double> ms;
    ObjectQuery s = q;
    s.cursor = cursor;
    for (int i = 0; i < a.samples; ++i) {
      auto t0 = Clock::now();
      auto r = store.QueryObjects(s);
      ms.push_back(Seconds(Clock::now() - t0) * 1000);
      if (!r.ok() || r->objects.size() != static_cast<size_t>(a.page_size)) {
        fprintf(stderr, "page query failed\n");
        exit(1);
      }
    }
    return ms;
  };
  // Interleave the two to share any background noise fairly.
  std::vector<double> first, last;
  for (int round = 0; round < 4; ++round) {
    auto f = sample("");
    auto l = sample(cursor_before_target);
    first.insert(first.end(), f.begin(), f.end());
    last.insert(last.end(), l.begin(), l.end());
  }
  printf("paging (%d per page, %zu samples each): page 1 median %.3f ms p90 %.3f ms; "
         "page %ld median %.3f ms p90 %.3f ms; ratio of medians %.2f; walking %ld pages took "
         "%.1f s (%.2f ms/page)\n",
         a.page_size, first.size(), Percentile(first, 0.5), Percentile(first, 0.9), target,
         Percentile(last, 0.5), Percentile(last, 0.9),
         Percentile(last, 0.5) / Percentile(first, 0.5), target - 1, walk,
         walk * 1000 / std::max<long>(1, target - 1));

  printf("memory: bench client (store + libpq) max RSS %ld MiB\n", MaxRssMiB());
  printf("schema %s kept for inspection; size: psql URL -c \"SELECT "
         "pg_size_pretty(pg_total_relation_size('%s.objects')), "
         "pg_size_pretty(pg_indexes_size('%s.objects')), "
         "pg_size_pretty(pg_total_relation_size('%s.observables'))\"; drop: DROP SCHEMA %s "
         "CASCADE\n",
         a.schema.c_str(), a.schema.c_str(), a.schema.c_str(), a.schema.c_str(), a.schema.c_str());
  return 0;
}
