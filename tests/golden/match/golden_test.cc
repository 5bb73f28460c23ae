// Runs every tests/golden/match/*.test file (format: docs/formats/match_golden.md):
// compiles the indicators with the given --as-of, scans the events through
// the real scan loop (telemetry + detect), and compares the hits exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detect/engine.h"
#include "detect/plan.h"
#include "telemetry/field_mapping.h"

namespace rampart::detect {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string name;
  std::string as_of = "now";
  std::string format;  // "" (auto) | "zeek"
  std::vector<Indicator> indicators;
  std::vector<std::string> events;
  std::vector<std::string> expected_hits;     // "<event#> <id> <value>"
  std::vector<std::string> expected_invalid;  // ids
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

GoldenCase Load(const fs::path& p) {
  GoldenCase c;
  c.name = p.filename().string();
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::string word = line.substr(0, line.find(' '));
    std::string rest = line.size() > word.size() ? line.substr(word.size() + 1) : "";
    if (word == "as-of") {
      c.as_of = rest;
    } else if (word == "format") {
      c.format = rest;
    } else if (word == "indicator") {
      Indicator ind;
      std::istringstream ss(rest);
      ss >> ind.id;
      std::string tok;
      ind.pattern_type = "stix";
      // Options until the pattern (which starts with '[' or '(').
      while (ss >> std::ws && ss.peek() != '[' && ss.peek() != '(' && ss >> tok) {
        if (tok.rfind("valid_from=", 0) == 0) ind.valid_from = *ParseTimestamp(tok.substr(11));
        else if (tok.rfind("valid_until=", 0) == 0) ind.valid_until = *ParseTimestamp(tok.substr(12));
        else if (tok == "revoked") ind.revoked = true;
        else if (tok.rfind("pattern_type=", 0) == 0) ind.pattern_type = tok.substr(13);
        else ADD_FAILURE() << c.name << ": unknown indicator option " << tok;
      }
      std::getline(ss, ind.pattern);
      c.indicators.push_back(std::move(ind));
    } else if (word == "event") {
      c.events.push_back(rest);
    } else if (word == "hit") {
      c.expected_hits.push_back(rest);
    } else if (word == "invalid") {
      c.expected_invalid.push_back(rest);
    } else {
      ADD_FAILURE() << c.name << ": unknown directive " << word;
    }
  }
  return c;
}

std::vector<fs::path> Files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(RAMPART_MATCH_GOLDEN_DIR)) {
    if (e.path().extension() == ".test") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class MatchGoldenTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(MatchGoldenTest, HitsAreExactlyTheExpectedOnes) {
  GoldenCase c = Load(GetParam());
  ASSERT_FALSE(c.events.empty()) << c.name;
  telemetry::FieldMapping mapping = telemetry::DefaultFieldMapping();
  auto as_of = ParseAsOf(c.as_of);
  ASSERT_TRUE(as_of.ok()) << as_of.status().ToString();
  PlanBuilder b(mapping, {*as_of});
  for (Indicator ind : c.indicators) b.Add(std::move(ind));
  auto plan = b.Build();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> invalid;
  for (const std::string& e : (*plan)->report.errors) invalid.push_back(e.substr(0, e.find(':')));
  std::sort(invalid.begin(), invalid.end());
  std::sort(c.expected_invalid.begin(), c.expected_invalid.end());
  EXPECT_EQ(invalid, c.expected_invalid) << c.name;

  fs::path tmp = fs::temp_directory_path() / ("rampart_golden_" + std::to_string(getpid()) + "_" + c.name);
  {
    std::ofstream o(tmp);
    for (const std::string& e : c.events) o << e << "\n";
  }
  PlanHolder holder(*plan);
  telemetry::ScanOptions opt;
  opt.threads = 2;
  opt.chunk_bytes = 256;  // several chunks even for small files
  if (c.format == "zeek") opt.format = telemetry::LogFormat::kZeekTsv;
  std::vector<std::string> got;
  telemetry::ScanCounters counters;
  RunStats stats;
  Status st = RunMatch({tmp.string()}, holder, mapping, opt,
                       [&](const Hit& h) { got.push_back(Trim(std::to_string(h.line) + " " + h.indicator_id + " " + h.value)); },
                       &counters, &stats);
  fs::remove(tmp);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // Log content never makes an event fail: no case expects failures.
  EXPECT_EQ(counters.events_failed.load(), 0u) << c.name << ": " << counters.first_failure();
  EXPECT_EQ(counters.chunks_failed.load(), 0u) << c.name << ": " << counters.first_failure();
  std::vector<std::string> want = c.expected_hits;
  // Hits arrive in input order; compare as ordered lists after a stable sort
  // by event number (several indicators may hit one event).
  auto key = [](const std::string& s) { return std::stoull(s.substr(0, s.find(' '))); };
  std::stable_sort(got.begin(), got.end(), [&](auto& a, auto& b) { return key(a) < key(b) || (key(a) == key(b) && a < b); });
  std::stable_sort(want.begin(), want.end(), [&](auto& a, auto& b) { return key(a) < key(b) || (key(a) == key(b) && a < b); });
  EXPECT_EQ(got, want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Golden, MatchGoldenTest, ::testing::ValuesIn(Files()),
                         [](const auto& info) {
                           std::string n = info.param.stem().string();
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace rampart::detect
