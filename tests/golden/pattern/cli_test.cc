// End-to-end tests of `rampart pattern check|eval` (the binary named by
// RAMPART_BINARY, which rampart_add_test sets). Exit codes: 0 ok, 1
// negative answer, 2 usage/I-O error.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "testing/test_data.h"

namespace {

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// RAMPART_BINARY from the environment, else the path CMake compiled in
// (gtest_discover_tests passes only the first of rampart_add_test's
// ENVIRONMENT entries).
const char* BinaryPath() {
  const char* env = std::getenv("RAMPART_BINARY");
  return env ? env : RAMPART_BINARY_PATH;
}

CliRun Rampart(const std::string& args) {
  const char* bin = BinaryPath();
  ::rampart::testing::ShellResult sh =
      ::rampart::testing::RunShell(std::string(bin ? bin : "./rampart") + " " + args + " 2>&1");
  CliRun r;
  r.code = sh.code;
  r.out = std::move(sh.out);
  return r;
}

class PatternCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = BinaryPath();
    if (!std::filesystem::exists(bin)) {
      if (rampart::testing::InCi()) FAIL() << "rampart binary missing (CI=true)";
      GTEST_SKIP() << "rampart binary not built";
    }
    dir_ = std::filesystem::temp_directory_path() / ("rampart_pattern_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string Write(const std::string& name, const std::string& content) {
    std::filesystem::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(PatternCliTest, CheckPatternsAndFiles) {
  CliRun r = Rampart("pattern check " + Quote("[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "OK\n");

  r = Rampart("pattern check " + Quote("[ipv4-addr:value = '1.2.3.4'"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("line 1, column 29 (offset 28): expected ']'"), std::string::npos) << r.out;

  std::string lines = Write("p.txt", "# indicators\n[a:b = 1]\n\n[a:b = ]\n");
  r = Rampart("pattern check " + Quote(lines));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("p.txt:2: OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p.txt:4: line 1, column 8 (offset 7): expected a literal"), std::string::npos) << r.out;

  r = Rampart("pattern check --canonical " + Quote("[a:b == 1 AND (c:d <> 'x')]"));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "OK\n[a:b = 1 AND c:d != 'x']\n");

  r = Rampart("pattern check " + Quote((dir_ / "missing.txt").string()));
  EXPECT_EQ(r.code, 2) << r.out;
  r = Rampart("pattern check");
  EXPECT_EQ(r.code, 2) << r.out;
  r = Rampart("pattern check " + Quote(Write("bad.json", "{not json")));
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST_F(PatternCliTest, ChecksIndicatorsOfRealBundles) {
  RAMPART_REQUIRE_SHARED_DATA(poisonivy, "stix/valid/cti-stix2-json-schemas-examples/poisonivy.json");
  CliRun r = Rampart("pattern check " + Quote(poisonivy.string()));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("indicator--"), std::string::npos);
  std::string bundle = Write("b.json", R"({"type":"bundle","id":"bundle--1","objects":[
    {"type":"indicator","id":"indicator--good","pattern_type":"stix","pattern":"[url:value = 'http://x']"},
    {"type":"indicator","id":"indicator--bad","pattern_type":"stix","pattern":"[url:value = ]"},
    {"type":"indicator","id":"indicator--yara","pattern_type":"yara","pattern":"rule x {}"}]})");
  r = Rampart("pattern check " + Quote(bundle));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("indicator--good: OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("indicator--bad: line 1, column 14"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("indicator--yara"), std::string::npos) << r.out;
}

TEST_F(PatternCliTest, Eval) {
  std::string od = Write("od.json", R"([{"type":"bundle","id":"bundle--1","objects":[
    {"type":"observed-data","id":"observed-data--x","first_observed":"2020-01-01T00:00:00Z",
     "last_observed":"2020-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--1"]},
    {"type":"ipv4-addr","id":"ipv4-addr--1","value":"10.1.2.3"}]}])");
  CliRun r = Rampart("pattern eval " + Quote("[ipv4-addr:value ISSUBSET '10.0.0.0/8']") + " " + Quote(od));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "match observed-data--x\n");
  r = Rampart("pattern eval " + Quote("[ipv4-addr:value = '10.0.0.1']") + " " + Quote(od));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "no match\n");
  r = Rampart("pattern eval " + Quote("[ipv4-addr:value ISSUBSET '10.0.0.0/99']") + " " + Quote(od));
  EXPECT_EQ(r.code, 2) << r.out;
}

}  // namespace
