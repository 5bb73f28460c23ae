#include "testing/test_data.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rampart::testing {

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

}  // namespace rampart::testing
