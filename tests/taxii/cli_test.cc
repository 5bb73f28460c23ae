// The built binary: `rampart collection create|list`, `rampart token create`,
// and `rampart serve --config` (TOML; flags override it) on 127.0.0.1:0,
// answering TAXII requests, then SIGTERM -> graceful exit 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "testing/test_data.h"
#include <thread>

#include "test_server.h"

namespace rampart::taxii_test {
namespace {

namespace fs = std::filesystem;

std::string Binary() {
  const char* b = std::getenv("RAMPART_BINARY");
  return b ? b : "./rampart";
}

// Runs a command, returns (exit code, stdout).
std::pair<int, std::string> RunCommand(const std::string& cmd) {
  ::rampart::testing::ShellResult r = ::rampart::testing::RunShell(cmd);
  return {r.code, std::move(r.out)};
}

std::string LastLine(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Polls `done` until it holds or a deadline passes; returns whether it held.
// The deadline is generous: it only turns a real hang into a failure, it is
// not a performance bound.
template <typename F>
bool WaitFor(F done, std::chrono::seconds deadline = std::chrono::seconds(60)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(Binary())) RAMPART_SKIP_OR_FAIL_IN_CI("binary not built: " << Binary());
    dir_ = fs::temp_directory_path() / ("rampart-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CliTest, CollectionsTokenServeWithConfigAndSigterm) {
  std::string data = (dir_ / "data").string();
  std::string bin = Binary();
  auto [rc1, id] = RunCommand(bin + " collection create --data " + data +
                       " --title 'Partner feed' --description 'from the CLI' --api-root feeds --default-tlp amber");
  ASSERT_EQ(rc1, 0);
  id = LastLine(id);
  ASSERT_EQ(id.size(), 36u) << id;
  auto [rc2, again] = RunCommand(bin + " collection create --data " + data + " --title X --id " + id + " 2>/dev/null");
  EXPECT_EQ(rc2, 1) << "duplicate id is a negative answer";
  auto [rc3, bad] = RunCommand(bin + " collection create --data " + data + " --title X --id nope 2>/dev/null");
  EXPECT_EQ(rc3, 2);
  auto [rc4, list] = RunCommand(bin + " collection list --data " + data);
  ASSERT_EQ(rc4, 0);
  EXPECT_NE(list.find(id + "\tfeeds\tTLP:AMBER"), std::string::npos) << list;
  auto [rc5, tok] = RunCommand(bin + " token create --data " + data + " --name t --role contributor --collection " + id +
                        " --read --write 2>/dev/null");
  ASSERT_EQ(rc5, 0) << tok;
  std::string token = LastLine(tok);
  ASSERT_EQ(token.rfind("rmp_", 0), 0u) << token;

  // Config: listen on 9999 (overridden by --listen), two API roots, a title.
  std::string cfg = (dir_ / "rampart.toml").string();
  std::ofstream(cfg) << "listen = \"127.0.0.1:9\"\n"
                        "max_content_length = 123456\n"
                        "[log]\naccess_log = \"" << (dir_ / "access.log").string() << "\"\n"
                        "[discovery]\ntitle = \"Config title\"\n"
                        "[[api_roots]]\npath = \"feeds\"\ntitle = \"Feeds root\"\n"
                        "[[api_roots]]\npath = \"other\"\n";
  std::string out_file = (dir_ / "serve.out").string();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(bin.c_str(), bin.c_str(), "serve", "--data", data.c_str(), "--config", cfg.c_str(), "--listen",
          "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Whatever assertion fails from here on, the server does not outlive the test.
  struct Reaper {
    pid_t pid;
    bool reaped = false;
    ~Reaper() {
      if (reaped) return;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  // Waits for the server's URL line; the deadline only catches a hang.
  std::string url;
  WaitFor([&] {
    std::ifstream in(out_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)/taxii2/"))) url = m[1];
    return !url.empty();
  });
  ASSERT_FALSE(url.empty()) << "server did not print its URL";
  HttpResult d = Fetch("GET", url + "/taxii2/", TaxiiHeaders(token));
  EXPECT_EQ(d.status, 200) << d.body;
  auto j = nlohmann::json::parse(d.body, nullptr, false);
  EXPECT_EQ(j.value("title", ""), "Config title");
  // Relative API-root URLs (no --public-url: never an http:// absolute one),
  // and only roots where the token sees a collection ("other" has none).
  EXPECT_EQ(j.value("default", ""), "/feeds/");
  EXPECT_EQ(j["api_roots"].size(), 1u);
  HttpResult root = Fetch("GET", url + "/feeds/", TaxiiHeaders(token));
  EXPECT_EQ(nlohmann::json::parse(root.body).value("max_content_length", 0), 123456);
  EXPECT_EQ(nlohmann::json::parse(root.body).value("title", ""), "Feeds root");
  HttpResult colls = Fetch("GET", url + "/feeds/collections/", TaxiiHeaders(token));
  EXPECT_NE(colls.body.find(id), std::string::npos) << colls.body;
  // Collections created while the server runs show up: one with a grant for
  // a new token (waited for: the server re-reads collections and grants
  // after its cache lifetimes), one without a grant for `token` (404, and
  // meaningfully so only once the server has seen the later one).
  auto [rc6, id2] = RunCommand(bin + " collection create --data " + data + " --title Later --api-root feeds");
  ASSERT_EQ(rc6, 0);
  id2 = LastLine(id2);
  auto [rc7, id3] = RunCommand(bin + " collection create --data " + data + " --title Later2 --api-root feeds");
  ASSERT_EQ(rc7, 0);
  id3 = LastLine(id3);
  auto [rc8, tok3] = RunCommand(bin + " token create --data " + data + " --name t3 --role contributor --collection " +
                                id3 + " --read 2>/dev/null");
  ASSERT_EQ(rc8, 0) << tok3;
  const std::string token3 = LastLine(tok3);
  HttpResult c3later;
  EXPECT_TRUE(WaitFor([&] {
    c3later = Fetch("GET", url + "/feeds/collections/" + id3 + "/", TaxiiHeaders(token3));
    return c3later.status == 200;
  })) << "a collection created while serving never showed up: " << c3later.status << " " << c3later.body;
  HttpResult c2 = Fetch("GET", url + "/feeds/collections/" + id2 + "/", TaxiiHeaders(token));
  EXPECT_EQ(c2.status, 404) << "no grant on the new collection: unlisted";
  HttpResult c3 = Fetch("GET", url + "/feeds/collections/" + id + "/objects/", TaxiiHeaders(token));
  EXPECT_EQ(c3.status, 200);

  kill(pid, SIGTERM);
  int st = 0;
  ASSERT_TRUE(WaitFor([&] { return waitpid(pid, &st, WNOHANG) == pid; })) << "server did not exit on SIGTERM";
  reaper.reaped = true;
  ASSERT_TRUE(WIFEXITED(st)) << "server did not exit normally on SIGTERM: status " << st;
  EXPECT_EQ(WEXITSTATUS(st), 0);
  std::ifstream log(dir_ / "access.log");
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
  }
  EXPECT_GE(lines, 5) << "access log flushed at shutdown";
}

TEST_F(CliTest, BadConfigIsAUsageError) {
  std::string cfg = (dir_ / "bad.toml").string();
  std::ofstream(cfg) << "listen = \n";
  auto [rc, out] = RunCommand(Binary() + " serve --data " + (dir_ / "d").string() + " --config " + cfg + " 2>&1");
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("line 1"), std::string::npos) << out;
}

// Issue 11 item 8: every integer is range-checked on its whole value (no
// wrap-around: max_header_bytes = 2^32 once became 0 and made every request
// a 431), and API-root paths are one safe, unreserved, unique segment. Each
// is a usage error (exit 2) naming the key, the value and what is allowed.
TEST_F(CliTest, OutOfRangeConfigValuesAreUsageErrors) {
  struct Case {
    std::string toml, flags, message;
  };
  const Case cases[] = {
      {"max_header_bytes = 4294967296\n", "", "max_header_bytes = 4294967296 is out of range: allowed 1024..1048576"},
      {"max_header_bytes = 0\n", "", "max_header_bytes = 0 is out of range"},
      {"max_content_length = -5\n", "", "max_content_length (--max-content-length) = -5 is out of range"},
      {"", "--max-content-length 4294967296000", "= 4294967296000 is out of range: allowed 1024..1073741824"},
      {"threads = 100000\n", "", "threads (--threads) = 100000 is out of range: allowed 0..256"},
      {"", "--threads -1", "threads (--threads) = -1 is out of range"},
      {"threads = \"4\"\n", "", "threads must be an integer"},
      {"[timeouts]\nheader_ms = 0\n", "", "timeouts.header_ms = 0 is out of range: allowed 100..3600000"},
      {"[timeouts]\nidle_ms = 9223372036854775807\n", "", "timeouts.idle_ms = 9223372036854775807 is out of range"},
      {"[paging]\nmax_limit = 4294967297\n", "", "paging.max_limit = 4294967297 is out of range: allowed 1..10000"},
      {"[paging]\ndefault_limit = 500\nmax_limit = 200\n", "", "paging.default_limit = 500 is out of range: allowed 1..200"},
      {"[paging]\nmax_page_bytes = 1\n", "", "paging.max_page_bytes (--max-page-bytes) = 1 is out of range"},
      {"", "--max-page-bytes 2147483648", "= 2147483648 is out of range: allowed 65536..1073741824"},
      {"[[api_roots]]\npath = \"..\"\n", "", "api_roots.path = '..' must not be '.' or '..'"},
      {"[[api_roots]]\npath = \"a?b#c\"\n", "", "api_roots.path = 'a?b#c' must be one URL path segment"},
      {"[[api_roots]]\npath = \"healthz\"\n", "", "api_roots.path = 'healthz' is reserved"},
      {"[[api_roots]]\npath = \"taxii2\"\n", "", "api_roots.path = 'taxii2' is reserved"},
      {"[[api_roots]]\npath = \"api\"\n[[api_roots]]\npath = \"api\"\n", "", "'api' is configured twice"},
      {"api_roots = []\n", "", "api_roots is empty"},
  };
  int i = 0;
  for (const Case& c : cases) {
    std::string cfg = (dir_ / ("bad" + std::to_string(i++) + ".toml")).string();
    std::ofstream(cfg) << c.toml;
    // `timeout`: a config wrongly accepted would serve until killed.
    auto [rc, out] = RunCommand("timeout 20 " + Binary() + " serve --listen 127.0.0.1:0 --data " + (dir_ / "d").string() +
                                " --config " + cfg + " " + c.flags + " 2>&1");
    EXPECT_EQ(rc, 2) << c.toml << c.flags << "\n" << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << c.toml << c.flags << "\n" << out;
    EXPECT_EQ(out.find("serving"), std::string::npos) << out;
  }
}

// Issue 10 item 8 end to end: log values that once posed as the reference
// evaluator's "__ref__N" placeholders (a DNS name "__ref__x" aborted the
// whole `rampart match` run) are plain data; the --json summary on stderr
// reports events_failed.
TEST_F(CliTest, MatchSurvivesValuesThatLookLikeInternalNotation) {
  std::string ind = (dir_ / "ind.json").string(), log = (dir_ / "dns.ndjson").string();
  std::ofstream(ind) << R"({"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[)"
                        R"({"type":"indicator","spec_version":"2.1",)"
                        R"("id":"indicator--00000000-0000-4000-8000-00000000000a",)"
                        R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
                        R"("pattern":"[domain-name:value != 'good.example']","pattern_type":"stix",)"
                        R"("valid_from":"2020-01-01T00:00:00Z"}]})";
  {
    std::ofstream o(log);
    for (const char* name : {"__ref__x", "__ref__99999999999999999999", "__ref__0", "__ref__", "good.example",
                             "__ref__7", "x.example"}) {
      o << R"({"dns":{"question":{"name":")" << name << R"("}}})" << "\n";
    }
  }
  std::string err = (dir_ / "match.err").string();
  auto [rc, out] = RunCommand(Binary() + " match --json --threads 2 --indicators " + ind + " " + log + " 2>" + err);
  std::ifstream ein(err);
  std::string errs((std::istreambuf_iterator<char>(ein)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << out << errs;  // hits found; a crash would be -1
  size_t hits = 0;
  for (size_t p = 0; (p = out.find("indicator--00000000-0000-4000-8000-00000000000a", p)) != std::string::npos; ++p) {
    ++hits;
  }
  EXPECT_EQ(hits, 6u) << out;
  auto summary = nlohmann::json::parse(LastLine(errs), nullptr, false);
  ASSERT_TRUE(summary.contains("summary")) << errs;
  EXPECT_EQ(summary["summary"].value("events", -1), 7);
  EXPECT_EQ(summary["summary"].value("events_failed", -1), 0);
  EXPECT_EQ(summary["summary"].value("chunks_failed", -1), 0);
  EXPECT_EQ(summary["summary"].value("hits", -1), 6);
}

}  // namespace
}  // namespace rampart::taxii_test
