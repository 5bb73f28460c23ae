// Store selection (open_store.cc) and the backup/restore subcommands, run
// through the real `rampart` binary (RAMPART_BINARY).
#include "cli/open_store.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "testing/test_data.h"

#if RAMPART_WITH_POSTGRES
#include "store/postgres/postgres_store.h"
#endif

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

// Nothing that names a store shows its password (docs/trust.md "At rest").
TEST_F(OpenStoreTest, StoreSpecsArePrintedWithoutPasswords) {
  StoreOptions o;
  o.store = "postgresql://u:hunter2@h:5432/db?sslmode=require&password=hunter3";
  EXPECT_EQ(PrintableStoreSpec(o), "postgresql://u:***@h:5432/db?sslmode=require&password=***");
  EXPECT_EQ(EffectiveStoreSpec(o), o.store);  // what is opened is the real one
  StoreOptions d;
  d.data = "/var/lib/rampart";
  EXPECT_EQ(PrintableStoreSpec(d), "sqlite:/var/lib/rampart");
  for (const std::string& spec :
       {std::string("mysql://root:hunter2@h/db"),
        std::string("postgresql://u:hunter2@/db?host=/nonexistent-rampart-dir&port=1"),
        std::string("postgresql://u:hunter2@h:hunter2/db"),
        std::string("postgresql://u@/db?host=/nonexistent-rampart-dir&port=1&password=hunter2")}) {
    StoreOptions x;
    x.store = spec;
    auto s = OpenStore(x);
    ASSERT_FALSE(s.ok()) << spec;
    EXPECT_EQ(s.status().ToString().find("hunter2"), std::string::npos) << s.status().ToString();
  }
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

// What `rampart ARGS` prints on stdout and stderr (`prefix` runs it, e.g.
// "timeout 5").
std::string RampartOutput(const std::string& args, const std::string& prefix = "") {
  std::string cmd = prefix + " " + RampartBinary() + " " + args + " 2>&1";
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

mode_t ModeOf(const std::string& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return 07777;
  return st.st_mode & 0777;
}

bool HaveBinary() { return !RampartBinary().empty() && fs::exists(RampartBinary()); }

TEST_F(OpenStoreTest, SubcommandsNeverPrintTheStorePassword) {
  if (!HaveBinary()) {
    if (::rampart::testing::InCi()) FAIL() << "RAMPART_BINARY missing (CI=true)";
    GTEST_SKIP() << "rampart binary not built";
  }
  const std::string url = "'postgresql://u:hunter2@/db?host=/nonexistent-rampart-dir&port=1"
                          "&password=hunter3'";
  for (const std::string& args : {"serve --store " + url, "backup --store " + url + " /tmp/x",
                                  "collection list --store " + url}) {
    std::string out = RampartOutput(args);
    EXPECT_NE(out.find("cannot connect"), std::string::npos) << args << ": " << out;
    EXPECT_EQ(out.find("hunter"), std::string::npos) << args << ": " << out;
  }
}

// The start-up line of a server that did open its store (PostgreSQL with a
// password in the URL; the test server trusts, so the password is ignored).
TEST_F(OpenStoreTest, ServeStartUpLineRedactsThePassword) {
  const char* url = getenv("RAMPART_TEST_POSTGRES_URL");
  if (!HaveBinary() || !url || !*url) {
    if (::rampart::testing::InCi()) FAIL() << "rampart binary or RAMPART_TEST_POSTGRES_URL missing";
    GTEST_SKIP() << "needs the rampart binary and RAMPART_TEST_POSTGRES_URL";
  }
#if !RAMPART_WITH_POSTGRES
  GTEST_SKIP() << "built without PostgreSQL";
#else
  // Its own schema (left in the throwaway test database).
  store::postgres::PostgresOptions o;
  o.schema = "rt_open_store_" + std::to_string(getpid());
  auto made = store::postgres::OpenPostgresStore(url, o);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  made->reset();
  std::string spec = url;
  spec += spec.find('?') == std::string::npos ? "?" : "&";
  spec += "options=-csearch_path%3D" + o.schema + "&password=hunter2";
  std::string out = RampartOutput("serve --listen 127.0.0.1:0 --store '" + spec + "'", "timeout 5");
  EXPECT_NE(out.find("serving TAXII"), std::string::npos) << out;
  EXPECT_NE(out.find("password=***"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
#endif
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
  {
    // Issue 11, item 7: never under a store some process has open (here this
    // test, as `rampart serve` would): refused, exit 1, the data untouched.
    StoreOptions held;
    held.data = data;
    auto s = OpenStore(held);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(RunRampart("restore --data " + data + " --force " + out), 1);
    std::string said = RampartOutput("restore --data " + data + " --force " + out);
    EXPECT_NE(said.find("is in use"), std::string::npos) << said;
    EXPECT_TRUE((*s)->GetCollection("c1").ok());
    store::Collection c2;
    c2.id = "c2";
    c2.title = "t2";
    EXPECT_TRUE((*s)->CreateCollection(c2).ok());
  }
  EXPECT_EQ(RunRampart("restore --data " + data + " --force " + out), 0);
  EXPECT_EQ(RunRampart("restore --data " + TempDir("o3") + " " + TempDir("nobackup")), 2);
  EXPECT_EQ(RunRampart("backup"), 2);  // OUT missing: usage error
  StoreOptions o;
  o.data = other;
  auto restored = OpenStore(o);
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE((*restored)->GetCollection("c1").ok());
}

// `rampart backup` and `rampart restore` make what they write as private as
// the store (0700 / 0600), whatever the umask.
TEST_F(OpenStoreTest, BackupAndRestoreKeepFilesPrivate) {
  if (!HaveBinary()) {
    if (::rampart::testing::InCi()) FAIL() << "RAMPART_BINARY missing (CI=true)";
    GTEST_SKIP() << "rampart binary not built";
  }
  const mode_t old_umask = ::umask(0);  // inherited by the subcommands
  std::string data = TempDir("pdata"), out = TempDir("pbackup"), restored = TempDir("prestored");
  EXPECT_EQ(RunRampart("collection list --data " + data), 0);
  EXPECT_EQ(RunRampart("backup --data " + data + " " + out), 0);
  EXPECT_EQ(RunRampart("restore --data " + restored + " " + out), 0);
  EXPECT_EQ(RunRampart("restore --force --data " + data + " " + out), 0);
  ::umask(old_umask);
  for (const std::string& dir : {data, out, restored}) {
    EXPECT_EQ(ModeOf(dir), 0700u) << dir;
    ASSERT_TRUE(fs::exists(dir)) << dir;
    for (const auto& e : fs::directory_iterator(dir)) {
      EXPECT_EQ(ModeOf(e.path().string()), 0600u) << e.path();
    }
  }
  // A store others can read is refused, with the fix.
  ASSERT_EQ(::chmod((fs::path(data) / "rampart.db").c_str(), 0644), 0);
  std::string refused = RampartOutput("collection list --data " + data);
  EXPECT_NE(refused.find("chmod 700 " + data + " && chmod 600 " + data + "/rampart.db*"),
            std::string::npos)
      << refused;
}

}  // namespace
}  // namespace rampart::cli
