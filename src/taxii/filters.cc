#include "taxii/filters.h"

#include <set>

#include "base/time.h"

namespace rampart::taxii {
namespace {

std::vector<std::string_view> SplitComma(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t c = s.find(',');
    out.push_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

Status Bad(std::string_view param, std::string_view why) {
  return Status::InvalidArgument(std::string("invalid ") + std::string(param) + ": " + std::string(why));
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool IsStixType(std::string_view t) {
  if (t.size() < 3 || t.size() > 250) return false;
  if (t.front() == '-' || t.back() == '-') return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
    if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') return false;
  }
  return true;
}

bool IsStixId(std::string_view id) {
  size_t sep = id.find("--");
  if (sep == std::string_view::npos) return false;
  if (!IsStixType(id.substr(0, sep))) return false;
  std::string_view u = id.substr(sep + 2);
  if (u.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : !IsHex(u[i])) return false;
  }
  return true;
}

Result<store::ObjectQuery> ParseFilters(const std::vector<std::pair<std::string, std::string>>& params,
                                        unsigned allowed, const FilterLimits& limits) {
  store::ObjectQuery q;
  q.limit = limits.default_limit;
  std::set<std::string_view> seen;
  for (const auto& [key, value] : params) {
    unsigned bit = 0;
    if (key == "added_after") bit = kAddedAfter;
    else if (key == "limit") bit = kLimit;
    else if (key == "next") bit = kNext;
    else if (key == "match[id]") bit = kMatchId;
    else if (key == "match[type]") bit = kMatchType;
    else if (key == "match[version]") bit = kMatchVersion;
    else if (key == "match[spec_version]") bit = kMatchSpecVersion;
    if (bit == 0 || (allowed & bit) == 0) continue;  // not a filter of this endpoint: ignored
    if (!seen.insert(key).second) return Bad(key, "given more than once");
    switch (bit) {
      case kAddedAfter: {
        auto t = ParseTimestamp(value);
        if (!t.ok()) return Bad(key, std::string("not an RFC 3339 UTC timestamp (") + std::string(t.error().message()) + ")");
        q.added_after = *t;
        break;
      }
      case kLimit: {
        if (value.empty() || value.size() > 32) return Bad(key, "must be a positive integer");
        size_t n = 0;
        for (char c : value) {
          if (c < '0' || c > '9') return Bad(key, "must be a positive integer");
          if (n < 1'000'000'000) n = n * 10 + static_cast<size_t>(c - '0');
        }
        if (n == 0) return Bad(key, "must be at least 1");
        q.limit = std::min(n, limits.max_limit);
        break;
      }
      case kNext: {
        if (value.empty() || value.size() > 512) return Bad(key, "not a cursor this server issued");
        q.cursor = value;
        break;
      }
      case kMatchId: {
        auto parts = SplitComma(value);
        if (parts.size() > kMaxFilterValues) return Bad(key, "too many values");
        for (auto p : parts) {
          if (!IsStixId(p)) return Bad(key, "'" + std::string(p.substr(0, 100)) + "' is not a STIX id");
          q.ids.emplace_back(p);
        }
        break;
      }
      case kMatchType: {
        auto parts = SplitComma(value);
        if (parts.size() > kMaxFilterValues) return Bad(key, "too many values");
        for (auto p : parts) {
          if (!IsStixType(p)) return Bad(key, "'" + std::string(p.substr(0, 100)) + "' is not a STIX type");
          q.types.emplace_back(p);
        }
        break;
      }
      case kMatchVersion: {
        auto parts = SplitComma(value);
        if (parts.size() > kMaxFilterValues) return Bad(key, "too many values");
        for (auto p : parts) {
          if (p == "all") {
            q.versions.all = true;
          } else if (p == "first") {
            q.versions.first = true;
          } else if (p == "last") {
            q.versions.last = true;
          } else {
            auto t = ParseTimestamp(p);
            if (!t.ok()) return Bad(key, "'" + std::string(p.substr(0, 100)) + "' is not first, last, all or a timestamp");
            q.versions.versions.push_back(*t);
          }
        }
        if (q.versions.all && parts.size() > 1) return Bad(key, "'all' cannot be combined with other values");
        break;
      }
      case kMatchSpecVersion: {
        auto parts = SplitComma(value);
        if (parts.size() > kMaxFilterValues) return Bad(key, "too many values");
        for (auto p : parts) {
          if (p != "2.0" && p != "2.1") return Bad(key, "'" + std::string(p.substr(0, 100)) + "' is not 2.0 or 2.1");
          q.spec_versions.emplace_back(p);
        }
        break;
      }
    }
  }
  return q;
}

}  // namespace rampart::taxii
