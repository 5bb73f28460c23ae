#include "testing/test_data.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rampart::testing {
namespace {

// Tests read RAMPART_SHARED_DATA, RAMPART_SOURCE_DIR and RAMPART_BINARY from
// the environment; an explicit setting wins, otherwise the build's own paths
// apply. Runs before main() so every test (and every child it spawns) sees
// the same values.
const bool kEnvironmentDefaults = [] {
  setenv("RAMPART_SHARED_DATA", RAMPART_TEST_SHARED_DATA, /*overwrite=*/0);
  setenv("RAMPART_SOURCE_DIR", RAMPART_TEST_SOURCE_DIR, /*overwrite=*/0);
  setenv("RAMPART_BINARY", RAMPART_TEST_BINARY, /*overwrite=*/0);
  return true;
}();

}  // namespace

std::filesystem::path SharedDataRoot() {
  const char* env = std::getenv("RAMPART_SHARED_DATA");
  return env ? std::filesystem::path(env) : std::filesystem::path("../../shared/data");
}

std::filesystem::path SourceRoot() {
  const char* env = std::getenv("RAMPART_SOURCE_DIR");
  return env ? std::filesystem::path(env) : std::filesystem::path("..");
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string ReadFileOrEmpty(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ShellResult RunShell(const std::string& cmd) {
  ShellResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace rampart::testing
