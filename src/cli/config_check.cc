#include "cli/config_check.h"

#include <algorithm>
#include <cctype>

namespace rampart::cli {
namespace {

// Quoted and cut short: the value may be anything a config file holds.
std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (char ch : s.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? '?' : ch;
  }
  if (s.size() > 80) out += "...";
  return out + "'";
}

bool RootPathChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '~' || ch == '-';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

Status CheckRange(std::string_view key, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return Status::Ok();
  return Status::InvalidArgument(std::string(key) + " = " + std::to_string(value) +
                                 " is out of range: allowed " + std::to_string(min) + ".." +
                                 std::to_string(max));
}

Status CheckApiRootPath(std::string_view path) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("api_roots.path = " + Quoted(path) + " " + std::string(why));
  };
  if (path.empty() || path.size() > kMaxRootPathLength) {
    return bad("must be 1 to " + std::to_string(kMaxRootPathLength) + " characters");
  }
  if (!std::all_of(path.begin(), path.end(), RootPathChar)) {
    return bad("must be one URL path segment of the characters A-Z a-z 0-9 . _ ~ -");
  }
  if (path == "." || path == "..") return bad("must not be '.' or '..'");
  const std::string lower = Lower(path);
  for (const char* r : kReservedRootPaths) {
    if (lower == r) {
      return bad("is reserved (taxii2, healthz, metrics, rampart and ui are the server's own paths)");
    }
  }
  return Status::Ok();
}

Status CheckApiRootPaths(const std::vector<std::string>& paths) {
  if (paths.empty()) return Status::InvalidArgument("api_roots is empty: configure at least one API root");
  for (size_t i = 0; i < paths.size(); ++i) {
    RAMPART_RETURN_IF_ERROR(CheckApiRootPath(paths[i]));
    for (size_t j = 0; j < i; ++j) {
      if (paths[j] == paths[i]) {
        return Status::InvalidArgument("api_roots.path = " + Quoted(paths[i]) + " is configured twice");
      }
    }
  }
  return Status::Ok();
}

}  // namespace rampart::cli
