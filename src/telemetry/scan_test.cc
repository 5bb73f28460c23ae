#include "telemetry/scan.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "base/check.h"
#include "testing/test_data.h"

namespace rampart::telemetry {
namespace {

// Collects, per chunk, how many events carried `path=value`, and the
// (source, line) of every event, so ordering can be checked.
struct Out : ChunkOutput {
  uint64_t with_value = 0;
  std::vector<std::pair<uint32_t, uint64_t>> positions;
};
struct Proc : EventProcessor {
  const FieldMapping* m;
  std::string path, value;
  std::unique_ptr<Out> out = std::make_unique<Out>();
  void OnEvent(const Event& e) override {
    out->positions.emplace_back(e.source, e.line);
    for (const Observable& o : e.observables) {
      if (m->PathName(o.path) == path && e.value(o) == value) {
        ++out->with_value;
        break;
      }
    }
  }
  std::unique_ptr<ChunkOutput> TakeOutput() override {
    auto r = std::move(out);
    out = std::make_unique<Out>();
    return r;
  }
};

struct ScanResult {
  Status status;
  uint64_t events = 0, malformed = 0, with_value = 0;
  std::vector<std::pair<uint32_t, uint64_t>> positions;
};

ScanResult RunScan(const std::vector<std::string>& inputs, std::string path, std::string value, ScanOptions opt = {}) {
  FieldMapping m = DefaultFieldMapping();
  ScanCounters c;
  ScanResult r;
  r.status = ScanInputs(
      inputs, m, opt,
      [&] {
        auto p = std::make_unique<Proc>();
        p->m = &m;
        p->path = path;
        p->value = value;
        return p;
      },
      [&](std::unique_ptr<ChunkOutput> o) {
        auto* out = static_cast<Out*>(o.get());
        r.with_value += out->with_value;
        r.positions.insert(r.positions.end(), out->positions.begin(), out->positions.end());
      },
      &c);
  r.events = c.events;
  r.malformed = c.malformed;
  return r;
}

// Independent count: data lines (not '#', not empty) of a Zeek TSV file, and
// those whose tab-separated column `col` (0-based) equals `value`.
std::pair<uint64_t, uint64_t> CountTsv(const std::filesystem::path& p, int col, const std::string& value) {
  std::ifstream in(p);
  std::string line;
  uint64_t n = 0, hits = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++n;
    std::stringstream ss(line);
    std::string cell;
    for (int i = 0; i <= col && std::getline(ss, cell, '\t'); ++i) {
    }
    hits += cell == value;
  }
  return {n, hits};
}

TEST(ScanTest, ZeekTsvDnsCountsAgreeWithIndependentCount) {
  RAMPART_REQUIRE_SHARED_DATA(dns, "logs/zeek-default/dns.first5000lines.log");
  // awk -F'\t' '!/^#/ && $3=="10.47.1.100"' dns.first5000lines.log | wc -l
  auto [lines, hits] = CountTsv(dns, 2, "10.47.1.100");
  ASSERT_GT(hits, 0u);
  for (int threads : {1, 2}) {
    ScanOptions opt;
    opt.threads = threads;
    opt.chunk_bytes = 64 * 1024;  // many chunks: exercises the cut on line boundaries
    ScanResult r = RunScan({dns.string()}, "network-traffic:src_ref.value", "10.47.1.100", opt);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.events, lines);
    EXPECT_EQ(r.malformed, 0u);
    EXPECT_EQ(r.with_value, hits);
    // In order: line numbers strictly increase.
    for (size_t i = 1; i < r.positions.size(); ++i) ASSERT_LT(r.positions[i - 1].second, r.positions[i].second);
  }
}

TEST(ScanTest, ZeekJsonAndTsvYieldTheSameEvents) {
  RAMPART_REQUIRE_SHARED_DATA(tsv, "logs/zeek-default/x509.log");
  RAMPART_REQUIRE_SHARED_DATA(json, "logs/zeek-json/x509.ndjson");
  const std::string fp = "b2dafbcdbc75210672f137f27ce882ccb799887631655d4f11191d5a678e44fe";
  auto [lines, hits] = CountTsv(tsv, 1, fp);
  ScanResult a = RunScan({tsv.string()}, "x509-certificate:hashes.SHA-256", fp);
  ScanResult b = RunScan({json.string()}, "x509-certificate:hashes.SHA-256", fp);
  ASSERT_TRUE(a.status.ok());
  ASSERT_TRUE(b.status.ok());
  EXPECT_EQ(a.events, lines);
  EXPECT_EQ(b.events, lines);
  EXPECT_EQ(a.with_value, hits);
  EXPECT_EQ(b.with_value, hits);
  EXPECT_GT(hits, 0u);
}

TEST(ScanTest, MalformedLinesAreCountedAndSkipped) {
  auto p = testing::SourceRoot() / "tests/data/telemetry/ecs_sample.ndjson";
  ScanResult r = RunScan({p.string()}, "ipv4-addr:value", "10.1.2.3");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events, 7u);
  EXPECT_EQ(r.malformed, 2u);
  EXPECT_EQ(r.with_value, 2u);
}

// gzip (RFC 1952) and zstd frames made in-process with the libraries the
// readers link anyway: the test needs no gzip/zstd programs on the machine.
std::string Gzip(const std::string& in) {
  z_stream z{};
  RAMPART_CHECK(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  RAMPART_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  RAMPART_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  o << data;
  RAMPART_CHECK(static_cast<bool>(o));
}

TEST(ScanTest, GzipZstdAndOverlongLines) {
  auto src = testing::SourceRoot() / "tests/data/telemetry/ecs_sample.ndjson";
  auto dir = std::filesystem::temp_directory_path() / ("rampart_scan_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string gz = (dir / "a.ndjson.gz").string(), zst = (dir / "a.ndjson.zst").string();
  const std::string plain = testing::ReadFileOrEmpty(src);
  ASSERT_FALSE(plain.empty()) << src;
  WriteFile(gz, Gzip(plain));
  WriteFile(zst, Zstd(plain));
  // Two inputs at once: the source index and line numbers restart per file.
  ScanResult r = RunScan({gz, zst}, "ipv4-addr:value", "10.1.2.3");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.events, 14u);
  EXPECT_EQ(r.malformed, 4u);
  EXPECT_EQ(r.with_value, 4u);
  ASSERT_FALSE(r.positions.empty());
  EXPECT_EQ(r.positions.front(), (std::pair<uint32_t, uint64_t>{0, 1}));
  EXPECT_EQ(r.positions.back(), (std::pair<uint32_t, uint64_t>{1, 9}));

  std::string big = (dir / "big.ndjson").string();
  {
    std::ofstream o(big);
    o << "{\"source\":{\"ip\":\"10.1.2.3\"}}\n";
    o << "{\"x\":\"" << std::string(3 << 20, 'a') << "\"}\n";
    o << "{\"source\":{\"ip\":\"10.1.2.3\"}}";  // no final newline
  }
  ScanOptions opt;
  opt.max_line_bytes = 1 << 20;
  opt.chunk_bytes = 256 * 1024;
  r = RunScan({big}, "ipv4-addr:value", "10.1.2.3", opt);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events, 2u);
  EXPECT_EQ(r.malformed, 1u);
  EXPECT_EQ(r.with_value, 2u);

  std::string corrupt = (dir / "bad.gz").string();
  {
    std::string data = testing::ReadFileOrEmpty(gz);
    std::ofstream o(corrupt, std::ios::binary);
    o << data.substr(0, data.size() / 2);
  }
  r = RunScan({corrupt}, "ipv4-addr:value", "10.1.2.3");
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption);
  r = RunScan({(dir / "missing").string()}, "ipv4-addr:value", "x");
  EXPECT_EQ(r.status.code(), StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

// A processor that throws for chosen lines (a std::exception or not) and
// whose TakeOutput throws for chunks holding a chosen line: failures stay
// with their event or chunk, are counted, and the scan finishes.
struct ThrowingProc : EventProcessor {
  std::unique_ptr<Out> out = std::make_unique<Out>();
  bool chunk_poisoned = false;
  void OnEvent(const Event& e) override {
    if (e.line % 10 == 3) throw std::runtime_error("processor failed on purpose");
    if (e.line % 10 == 4) throw 7;
    if (e.line == 5005) chunk_poisoned = true;
    out->positions.emplace_back(e.source, e.line);
  }
  std::unique_ptr<ChunkOutput> TakeOutput() override {
    auto r = std::move(out);
    out = std::make_unique<Out>();
    if (chunk_poisoned) {
      chunk_poisoned = false;
      throw std::runtime_error("output failed on purpose");
    }
    return r;
  }
};

TEST(ScanTest, ThrowingProcessorFailsOnlyItsEventsAndChunks) {
  auto path = std::filesystem::temp_directory_path() / ("rampart_scan_throw_" + std::to_string(getpid()) + ".ndjson");
  {
    std::ofstream o(path);
    for (int i = 1; i <= 10000; ++i) o << R"({"source":{"ip":"10.0.0.)" << (i % 200) << R"("}})" << "\n";
  }
  FieldMapping m = DefaultFieldMapping();
  ScanOptions opt;
  opt.threads = 2;
  opt.chunk_bytes = 8 * 1024;
  ScanCounters c;
  std::vector<std::pair<uint32_t, uint64_t>> positions;
  uint64_t chunks = 0;
  std::atomic<bool> consumer_threw{false};
  Status st = ScanInputs(
      {path.string()}, m, opt, [] { return std::make_unique<ThrowingProc>(); },
      [&](std::unique_ptr<ChunkOutput> o) {
        ++chunks;
        if (chunks == 3) {
          consumer_threw = true;
          throw std::logic_error("consumer failed on purpose");
        }
        auto* out = static_cast<Out*>(o.get());
        positions.insert(positions.end(), out->positions.begin(), out->positions.end());
      },
      &c);
  std::filesystem::remove(path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.events.load(), 10000u);
  EXPECT_EQ(c.events_failed.load(), 2000u);  // lines ending in 3 or 4
  EXPECT_EQ(c.chunks_failed.load(), 2u);     // one TakeOutput, one consume
  EXPECT_TRUE(consumer_threw.load());
  EXPECT_NE(c.first_failure(), "");
  // Every event not failed and not in a lost chunk arrived, in order.
  EXPECT_GT(positions.size(), 6000u);
  EXPECT_LT(positions.size(), 8000u);
  for (size_t i = 1; i < positions.size(); ++i) ASSERT_LT(positions[i - 1].second, positions[i].second);
  for (const auto& p : positions) ASSERT_TRUE(p.second % 10 != 3 && p.second % 10 != 4) << p.second;
  EXPECT_EQ(std::count_if(positions.begin(), positions.end(), [](auto& p) { return p.second == 5005; }), 0);
}

}  // namespace
}  // namespace rampart::telemetry
