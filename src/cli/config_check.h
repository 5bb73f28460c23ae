// Start-up checks of `rampart serve` settings (docs/formats/config.md):
// integer ranges, checked on the 64-bit value before it is narrowed, and the
// API-root path rules. Pure functions; thread-safe.
#ifndef RAMPART_CLI_CONFIG_CHECK_H_
#define RAMPART_CLI_CONFIG_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace rampart::cli {

// Ok when min <= value <= max; else InvalidArgument naming `key`, the value
// and the allowed range ("max_header_bytes = 4294967296 is out of range:
// allowed 1024..1048576").
Status CheckRange(std::string_view key, int64_t value, int64_t min, int64_t max);

// Top-level URL segments the server answers itself (or reserves); no API
// root may take them.
inline constexpr const char* kReservedRootPaths[] = {"taxii2", "healthz", "metrics", "rampart", "ui"};
inline constexpr size_t kMaxRootPathLength = 64;

// Ok when `path` is one URL path segment of [A-Za-z0-9._~-], 1 to
// kMaxRootPathLength characters, not "." or "..", and not reserved
// (case-insensitively); else InvalidArgument naming api_roots.path and it.
Status CheckApiRootPath(std::string_view path);

// CheckApiRootPath for each, and no path twice; at least one.
Status CheckApiRootPaths(const std::vector<std::string>& paths);

}  // namespace rampart::cli

#endif  // RAMPART_CLI_CONFIG_CHECK_H_
