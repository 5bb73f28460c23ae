// End to end: `rampart serve` (port 0) holds a collection; indicators are
// POSTed to it; `rampart match --indicators URL --post URL` fetches them,
// scans a real Zeek log and posts the sightings back, which are read again.
// Needs the rampart binary (RAMPART_BINARY); skipped locally without it,
// fails with CI=true.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "taxii_client/taxii_client.h"
#include "testing/test_data.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

using Out = ::rampart::testing::ShellResult;

Out Sh(const std::string& cmd) { return ::rampart::testing::RunShell(cmd); }

std::string LastLine(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

std::string Binary() {
  const char* env = std::getenv("RAMPART_BINARY");
  return env ? env : (fs::current_path() / "rampart").string();
}

TEST(MatchCliTest, FetchesIndicatorsFromTaxiiAndPostsSightings) {
  RAMPART_REQUIRE_SHARED_DATA(dns, "logs/zeek-default/dns.first5000lines.log");
  const std::string bin = Binary();
  if (!fs::exists(bin)) {
    if (testing::InCi()) FAIL() << "rampart binary not built (CI=true): " << bin;
    GTEST_SKIP() << "rampart binary not built: " << bin;
  }
  fs::path dir = fs::temp_directory_path() / ("rampart-match-cli-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string store = " --store sqlite:" + (dir / "data").string();
  Out c = Sh("'" + bin + "' collection create --title Sightings" + store + " 2>/dev/null");
  ASSERT_EQ(c.code, 0) << c.out;
  std::string coll = LastLine(c.out).substr(0, 36);
  Out t = Sh("'" + bin + "' token create --name matcher --collection " + coll + " --read --write" + store +
             " 2>/dev/null");
  ASSERT_EQ(t.code, 0) << t.out;
  std::string token = LastLine(t.out);
  // Sightings are created by the token's organisation (the local one): only
  // its own identity may be their created_by_ref (docs/trust.md, "Creators").
  Out orgs = Sh("'" + bin + "' org list" + store + " 2>/dev/null");
  ASSERT_EQ(orgs.code, 0) << orgs.out;
  const size_t id_at = orgs.out.find("identity--");
  ASSERT_NE(id_at, std::string::npos) << orgs.out;
  const std::string identity = orgs.out.substr(id_at, orgs.out.find('\t', id_at) - id_at);

  // The server on port 0; its first stdout/stderr line names the port.
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    std::string s = "sqlite:" + (dir / "data").string();
    execl(bin.c_str(), bin.c_str(), "serve", "--listen", "127.0.0.1:0", "--store", s.c_str(), "--access-log", "off",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipefd[1]);
  std::string banner;
  char ch;
  while (read(pipefd[0], &ch, 1) == 1 && ch != '\n') banner += ch;
  size_t at = banner.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << banner;
  std::string port = banner.substr(at + 17, banner.find('/', at + 17) - (at + 17));
  std::string url = "http://127.0.0.1:" + port + "/api/collections/" + coll + "/";

  taxii_client::ClientOptions o;
  o.token = token;
  std::string envelope = R"({"objects":[
    {"type":"indicator","spec_version":"2.1","id":"indicator--4b1b5f4e-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'videosearch.ubuntu.com']","pattern_type":"stix","valid_from":"2018-01-01T00:00:00Z"},
    {"type":"indicator","spec_version":"2.1","id":"indicator--4b1b5f4e-0000-4000-8000-000000000002","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'avsvmcloud.com']","pattern_type":"stix","valid_from":"2018-01-01T00:00:00Z"}]})";
  auto posted = taxii_client::PostObjects(url, envelope, o);
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();

  Out m = Sh("RAMPART_TOKEN=" + token + " '" + bin + "' match -q --json --indicators " + url + " --post " + url +
             " --identity " + identity + " '" + dns.string() + "' 2>&1");
  // Independent count: awk -F'\t' '!/^#/ && $10=="videosearch.ubuntu.com"' -> 114
  std::ifstream in(dns);
  uint64_t want = 0;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#' && line.find("\tvideosearch.ubuntu.com\t") != std::string::npos) ++want;
  }
  EXPECT_EQ(m.code, 0) << m.out;
  uint64_t hits = 0;
  for (size_t p = 0; (p = m.out.find("\"indicator\":\"indicator--4b1b5f4e-0000-4000-8000-000000000001\"", p)) !=
                     std::string::npos;
       ++p) {
    ++hits;
  }
  EXPECT_EQ(hits, want);
  EXPECT_EQ(m.out.find("000000000002"), std::string::npos);

  // Issue 11: the feed limits are flags; over one, match stops with exit 2
  // and an error naming the flag.
  Out capped = Sh("RAMPART_TOKEN=" + token + " '" + bin + "' match -q --max-indicators 1 --indicators " + url + " '" +
                  dns.string() + "' 2>&1");
  EXPECT_EQ(capped.code, 2) << capped.out;
  EXPECT_NE(capped.out.find("more than 1 objects (--max-indicators)"), std::string::npos) << capped.out;

  // The sighting is in the collection now.
  o.match_type = "sighting";
  std::vector<nlohmann::json> sightings;
  Status st = taxii_client::FetchCollectionObjects(url, o, [&](std::string_view page) {
    auto j = nlohmann::json::parse(page);
    for (auto& obj : j["objects"]) sightings.push_back(obj);
    return Status::Ok();
  });
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  close(pipefd[0]);
  fs::remove_all(dir);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0]["sighting_of_ref"], "indicator--4b1b5f4e-0000-4000-8000-000000000001");
  EXPECT_EQ(sightings[0]["count"], want);
  EXPECT_EQ(sightings[0]["object_marking_refs"][0], "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
  EXPECT_EQ(sightings[0]["first_seen"], "2018-03-24T17:15:28.388Z");
}

// Issue 11: a catastrophic MATCHES pattern is disabled during the scan and
// named in the summary, even with --quiet (text and --json); the scan
// completes and the other indicator's hits are all there.
TEST(MatchCliTest, DisabledRegexIsNamedInTheSummary) {
  const std::string bin = Binary();
  if (!fs::exists(bin)) {
    if (testing::InCi()) FAIL() << "rampart binary not built (CI=true): " << bin;
    GTEST_SKIP() << "rampart binary not built: " << bin;
  }
  fs::path dir = fs::temp_directory_path() / ("rampart-match-regex-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "ind.json") << R"({"type":"bundle","id":"bundle--1","objects":[
    {"type":"indicator","id":"indicator--e0000000-0000-4000-8000-000000000001","pattern":"[domain-name:value MATCHES '(a+)+\\\\1b']","pattern_type":"stix"},
    {"type":"indicator","id":"indicator--e0000000-0000-4000-8000-000000000002","pattern":"[domain-name:value = 'ok.example']","pattern_type":"stix"}]})";
  {
    std::ofstream log(dir / "dns.ndjson");
    for (int i = 0; i < 200; ++i) {
      log << R"({"dns":{"question":{"name":")" << (i % 2 ? "ok.example" : std::string(3000, 'a') + "-b.example")
          << "\"}}}\n";
    }
  }
  auto run = [&](const std::string& flags) {
    return Sh("'" + bin + "' match -q " + flags + " --indicators '" + (dir / "ind.json").string() + "' '" +
              (dir / "dns.ndjson").string() + "' 2>&1");
  };
  Out text = run("");
  Out json = run("--json");
  fs::remove_all(dir);
  EXPECT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("match: WARNING: indicator--e0000000-0000-4000-8000-000000000001: regex '(a+)+\\1b' disabled ("),
            std::string::npos)
      << text.out;
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 101) << text.out;  // 100 hits + the warning
  EXPECT_EQ(json.code, 0) << json.out;
  EXPECT_NE(json.out.find(R"("regexes_disabled":["indicator--e0000000-0000-4000-8000-000000000001: regex)"),
            std::string::npos)
      << json.out;
}

}  // namespace
}  // namespace rampart
