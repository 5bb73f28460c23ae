// SQLite store benchmark (issue 3, point 8): durable ingest in 1,000-object
// bundles while one collection grows, a page of 100 at page 1 vs page 10,000,
// and memory. Google Benchmark; run by hand, never in CTest. Figures and the
// exact commands are in BENCHMARKS.md ("Store — SQLite").
//
//   RAMPART_BENCH_OBJECTS=1000000 RAMPART_BENCH_DIR=/var/tmp/rsb  (one command line)
//     build/bench/rampart_store_bench --benchmark_counters_tabular=true
//
// Ingest per bundle = parse + validate the bundle's JSON with the stix
// module, build the store's NewObjects (observables from the generator), and
// one AddObjects call: one transaction, WAL + synchronous=FULL (fsynced before
// it returns). obj_per_s = objects / wall time of the whole ingest, which
// includes generating the JSON text (a few percent); parse_s and store_s are
// the summed per-bundle times. RAMPART_BENCH_CLIENTS=N runs N client threads
// posting bundles concurrently (the writer thread group-commits them). The data
// directory is on the file system of RAMPART_BENCH_DIR (default /var/tmp, a
// real disk; not tmpfs) and removed at the end unless RAMPART_BENCH_KEEP=1.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "bench_bundles.h"
#include "stix/parser.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rampart::store;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

long EnvLong(const char* name, long def) {
  const char* v = getenv(name);
  return v && *v ? atol(v) : def;
}

constexpr int kBundle = 1000;
constexpr size_t kPageSize = 100;

long RssKiB(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0) return atol(line.c_str() + strlen(field) + 1);
  }
  return -1;
}

// The store and collection every benchmark shares, filled once.
struct World {
  std::string dir;
  std::unique_ptr<Store> store;
  std::string cid = "bench-collection";
  long objects = 0;
  bool filled = false;
  // Filled by Fill():
  std::mutex mu;
  double busy_s = 0, parse_s = 0, store_s = 0, wall_s = 0, slowest_window = 1e18;
  std::string cursor_before_page_10000;
  long target_page = 0;
  std::vector<std::string> sample_ids;  // the first id of every page walked

  static World& Get() {
    static World w;
    return w;
  }

  World() {
    objects = EnvLong("RAMPART_BENCH_OBJECTS", 1000000);
    const char* base = getenv("RAMPART_BENCH_DIR");
    dir = std::string(base && *base ? base : "/var/tmp") + "/rampart-store-bench-" +
          std::to_string(getpid());
    auto s = OpenSqliteStore(dir);
    if (!s.ok()) {
      fprintf(stderr, "open %s: %s\n", dir.c_str(), s.status().ToString().c_str());
      exit(2);
    }
    store = std::move(*s);
    Collection c;
    c.id = cid;
    c.title = "bench";
    if (!store->CreateCollection(c).ok()) exit(2);
  }
  ~World() {
    store.reset();
    if (EnvLong("RAMPART_BENCH_KEEP", 0) == 0) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }

  // Parses and stores bundle number `b`; adds its timings.
  void IngestBundle(long b, const std::string& run) {
    long first = b * kBundle;
    int n = static_cast<int>(std::min<long>(kBundle, objects - first));
    std::string body = rampart::bench::MakeIndicatorBundle(first, n, run);
    auto t0 = Clock::now();
    auto parsed = rampart::stix::ParseBundleOrObject(body);
    if (!parsed.ok() || parsed->objects.size() != static_cast<size_t>(n)) {
      fprintf(stderr, "parse failed: %s\n", parsed.status().ToString().c_str());
      exit(1);
    }
    std::vector<NewObject> objs = rampart::bench::ToBenchObjects(*parsed, first);
    auto t1 = Clock::now();
    auto r = store->AddObjects(cid, objs);
    auto t2 = Clock::now();
    if (!r.ok()) {
      fprintf(stderr, "AddObjects: %s\n", r.status().ToString().c_str());
      exit(1);
    }
    for (const auto& w : *r) {
      if (w.result != WriteResult::kAdded) {
        fprintf(stderr, "unexpected outcome for %s: %s\n", w.id.c_str(), w.message.c_str());
        exit(1);
      }
    }
    std::lock_guard<std::mutex> l(mu);
    parse_s += std::chrono::duration<double>(t1 - t0).count();
    store_s += std::chrono::duration<double>(t2 - t1).count();
    busy_s += std::chrono::duration<double>(t2 - t0).count();
  }

  void Fill() {
    if (filled) return;
    filled = true;
    const std::string run = rampart::HexEncode(rampart::RandomBytes(4));
    const long clients = std::max(1L, EnvLong("RAMPART_BENCH_CLIENTS", 1));
    const long bundles = (objects + kBundle - 1) / kBundle;
    const long window = std::max<long>(objects / 10, kBundle);
    fprintf(stderr, "store_bench: %ld objects in bundles of %d, %ld client thread(s), into %s\n",
            objects, kBundle, clients, dir.c_str());
    std::atomic<long> next_bundle{0}, done{0};
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (long c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        for (long b; (b = next_bundle++) < bundles;) {
          IngestBundle(b, run);
          done += std::min<long>(kBundle, objects - b * kBundle);
        }
      });
    }
    // Windows by wall clock (with one client: generation of the JSON text
    // included, a few percent).
    long window_start = 0;
    auto window_t = start;
    while (true) {
      long d = done.load();
      if (d - window_start >= window || d == objects) {
        auto now = Clock::now();
        double rate = (d - window_start) / std::chrono::duration<double>(now - window_t).count();
        slowest_window = std::min(slowest_window, rate);
        fprintf(stderr, "  %8ld objects  window %8.0f obj/s  cumulative %8.0f obj/s  RSS %ld MiB\n",
                d, rate, d / std::chrono::duration<double>(now - start).count(),
                RssKiB("VmRSS") / 1024);
        window_start = d;
        window_t = now;
        if (d == objects) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto& t : threads) t.join();
    wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    // The cursor that starts page 10,000 (or the last full page).
    target_page = std::min<long>(10000, objects / static_cast<long>(kPageSize));
    ObjectQuery q;
    q.collection_id = cid;
    q.limit = kPageSize;
    for (long p = 1; p < target_page; ++p) {
      auto r = store->QueryObjects(q);
      if (!r.ok() || !r->more) {
        fprintf(stderr, "paging stopped at page %ld\n", p);
        exit(1);
      }
      sample_ids.push_back(r->objects.front().id);
      q.cursor = r->next;
    }
    cursor_before_page_10000 = q.cursor;
  }
};

void BM_DurableIngest(benchmark::State& state) {
  World& w = World::Get();
  for (auto _ : state) w.Fill();
  state.counters["objects"] = static_cast<double>(w.objects);
  state.counters["clients"] = static_cast<double>(std::max(1L, EnvLong("RAMPART_BENCH_CLIENTS", 1)));
  state.counters["obj_per_s"] = w.objects / w.wall_s;
  state.counters["slowest_window_obj_per_s"] = w.slowest_window;
  state.counters["parse_s"] = w.parse_s;
  state.counters["store_s"] = w.store_s;
  state.counters["rss_MiB"] = RssKiB("VmRSS") / 1024.0;
  state.counters["peak_rss_MiB"] = RssKiB("VmHWM") / 1024.0;
  std::error_code ec;
  state.counters["db_MiB"] =
      static_cast<double>(fs::file_size(fs::path(w.dir) / kSqliteDbFileName, ec)) / (1 << 20);
}
BENCHMARK(BM_DurableIngest)->Iterations(1)->Unit(benchmark::kSecond);

void Page(benchmark::State& state, bool deep) {
  World& w = World::Get();
  w.Fill();
  ObjectQuery q;
  q.collection_id = w.cid;
  q.limit = kPageSize;
  if (deep) q.cursor = w.cursor_before_page_10000;
  for (auto _ : state) {
    auto r = w.store->QueryObjects(q);
    if (!r.ok() || r->objects.size() != kPageSize) {
      state.SkipWithError("page query failed");
      break;
    }
    benchmark::DoNotOptimize(r->objects.data());
  }
  state.counters["page"] = deep ? static_cast<double>(w.target_page) : 1;
}
void BM_PageFirst(benchmark::State& state) { Page(state, false); }
void BM_PageDeep(benchmark::State& state) { Page(state, true); }
BENCHMARK(BM_PageFirst)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageDeep)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageFirst)->Unit(benchmark::kMicrosecond)->Name("BM_PageFirst/again");

// The store side of a TAXII single-object GET (objects/{id}/): one id, the
// default version selection, with JSON; ids cycle over one per page walked.
void BM_GetById(benchmark::State& state) {
  World& w = World::Get();
  w.Fill();
  if (w.sample_ids.empty()) {
    state.SkipWithError("no sample ids (collection smaller than two pages)");
    return;
  }
  ObjectQuery q;
  q.collection_id = w.cid;
  q.limit = kPageSize;
  q.ids.resize(1);
  size_t i = 0;
  for (auto _ : state) {
    q.ids[0] = w.sample_ids[i++ % w.sample_ids.size()];
    auto r = w.store->QueryObjects(q);
    if (!r.ok() || r->objects.size() != 1) {
      state.SkipWithError("get by id failed");
      break;
    }
    benchmark::DoNotOptimize(r->objects.data());
  }
}
BENCHMARK(BM_GetById)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
