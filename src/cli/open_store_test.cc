// Store selection (open_store.cc) and the backup/restore subcommands, run
// through the real `rampart` binary (RAMPART_BINARY).
#include "cli/open_store.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testing/test_data.h"

namespace rampart::cli {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() /
               ("rampart-open-store-test-" + std::to_string(getpid())) / name;
  return p.string();
}

class OpenStoreTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(fs::path(TempDir("x")).parent_path(), ec);
  }
};

TEST_F(OpenStoreTest, ParsesStoreAndDataOptions) {
  CLI::App app;
  StoreOptions o;
  CLI::App* cmd = app.add_subcommand("x");
  AddStoreOptions(cmd, &o);
  app.parse(std::vector<std::string>{"/tmp/d", "--data", "x"});  // reversed argv
  EXPECT_EQ(o.data, "/tmp/d");
  EXPECT_EQ(EffectiveStoreSpec(o), "sqlite:/tmp/d");
  StoreOptions s;
  CLI::App app2;
  AddStoreOptions(app2.add_subcommand("y"), &s);
  app2.parse(std::vector<std::string>{"postgres://h/db", "--store", "y"});
  EXPECT_EQ(EffectiveStoreSpec(s), "postgres://h/db");
  EXPECT_EQ(EffectiveStoreSpec(StoreOptions{}), "sqlite:./rampart-data");
}

TEST_F(OpenStoreTest, OpensSqliteFromDataOrStore) {
  StoreOptions a;
  a.data = TempDir("a");
  auto s = OpenStore(a);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store::Collection c;
  c.id = "c1";
  c.title = "t";
  ASSERT_TRUE((*s)->CreateCollection(c).ok());
  s->reset();
  StoreOptions b;
  b.store = "sqlite:" + TempDir("a");
  auto again = OpenStore(b);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->GetCollection("c1").ok());
}

TEST_F(OpenStoreTest, RejectsBadSpecs) {
  struct Case {
    StoreOptions o;
    StatusCode want;
  } cases[] = {
      {{"mysql://h/db", ""}, StatusCode::kInvalidArgument},
      {{"sqlite:", ""}, StatusCode::kInvalidArgument},
      {{"/just/a/path", ""}, StatusCode::kInvalidArgument},
      {{"sqlite:/a", "/b"}, StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(OpenStore(c.o).status().code(), c.want) << c.o.store << " " << c.o.data;
  }
  StoreOptions missing;
  missing.data = TempDir("missing");
  missing.create_if_missing = false;
  EXPECT_TRUE(OpenStore(missing).status().IsNotFound());
  EXPECT_FALSE(fs::exists(missing.data));
}

TEST_F(OpenStoreTest, PostgresUrlGoesToThePostgresBackend) {
  StoreOptions o;
  o.store = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
  auto s = OpenStore(o);
  ASSERT_FALSE(s.ok());
  // Unavailable (nothing listens on port 1) when built with PostgreSQL,
  // Unsupported otherwise; never treated as a SQLite path.
  EXPECT_TRUE(s.status().code() == StatusCode::kUnavailable ||
              s.status().code() == StatusCode::kUnsupported)
      << s.status().ToString();
}

// The rampart binary: $RAMPART_BINARY, else <build>/rampart next to this
// test's <build>/src/cli/ (CTest's ENVIRONMENT list currently reaches tests
// with RAMPART_SHARED_DATA only, see cmake/rampart.cmake).
std::string RampartBinary() {
  const char* bin = getenv("RAMPART_BINARY");
  if (bin && *bin) return bin;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (self.parent_path().parent_path().parent_path() / "rampart").string();
}

int RunRampart(const std::string& args) {
  std::string cmd = RampartBinary() + " " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST_F(OpenStoreTest, BackupAndRestoreSubcommands) {
  std::string bin = RampartBinary();
  if (bin.empty() || !fs::exists(bin)) {
    if (::rampart::testing::InCi()) FAIL() << "RAMPART_BINARY missing (CI=true)";
    GTEST_SKIP() << "rampart binary not built";
  }
  std::string data = TempDir("data"), out = TempDir("backup"), other = TempDir("other");
  {
    StoreOptions o;
    o.data = data;
    auto s = OpenStore(o);
    ASSERT_TRUE(s.ok());
    store::Collection c;
    c.id = "c1";
    c.title = "t";
    ASSERT_TRUE((*s)->CreateCollection(c).ok());
  }
  EXPECT_EQ(RunRampart("backup --help"), 0);
  EXPECT_EQ(RunRampart("restore --help"), 0);
  EXPECT_EQ(RunRampart("backup --data " + data + " " + out), 0);
  EXPECT_EQ(RunRampart("backup --data " + data + " " + out), 2);  // never over a backup
  EXPECT_EQ(RunRampart("backup --data " + TempDir("nothing") + " " + TempDir("o2")), 2);
  EXPECT_FALSE(fs::exists(TempDir("nothing")));
  EXPECT_EQ(RunRampart("restore --data " + data + " " + out), 1);  // not empty
  EXPECT_EQ(RunRampart("restore --data " + other + " " + out), 0);
  EXPECT_EQ(RunRampart("restore --data " + data + " --force " + out), 0);
  EXPECT_EQ(RunRampart("restore --data " + TempDir("o3") + " " + TempDir("nobackup")), 2);
  EXPECT_EQ(RunRampart("backup"), 2);  // OUT missing: usage error
  StoreOptions o;
  o.data = other;
  auto restored = OpenStore(o);
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE((*restored)->GetCollection("c1").ok());
}

}  // namespace
}  // namespace rampart::cli
