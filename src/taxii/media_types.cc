#include "taxii/media_types.h"

#include <strings.h>

#include <string>

namespace rampart::taxii {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// One media range "type/subtype;k=v;...": true when it is the TAXII type with
// an acceptable version (and, when `check_q`, a non-zero q).
bool IsTaxiiRange(std::string_view range, bool check_q) {
  size_t semi = range.find(';');
  std::string_view type = Trim(range.substr(0, semi));
  if (!IEq(type, "application/taxii+json")) return false;
  bool version_ok = true;
  while (semi != std::string_view::npos) {
    range = range.substr(semi + 1);
    semi = range.find(';');
    std::string_view param = Trim(range.substr(0, semi));
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = Trim(param.substr(0, eq));
    std::string_view value = Unquote(Trim(param.substr(eq + 1)));
    if (IEq(name, "version")) {
      version_ok = value == "2.1";
    } else if (check_q && IEq(name, "q")) {
      // q=0, 0.0, 0.00, 0.000 mean "not acceptable".
      bool zero = !value.empty() && value[0] == '0';
      for (size_t i = 1; zero && i < value.size(); ++i) {
        if (value[i] != '.' && value[i] != '0') zero = false;
      }
      if (zero) return false;
    }
  }
  return version_ok;
}

}  // namespace

bool AcceptsTaxii21(std::string_view accept) {
  if (accept.size() > 4096) return false;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    if (IsTaxiiRange(accept.substr(0, comma), true)) return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

bool IsTaxii21ContentType(std::string_view content_type) {
  if (content_type.find(',') != std::string_view::npos) return false;
  return IsTaxiiRange(content_type, false);
}

}  // namespace rampart::taxii
