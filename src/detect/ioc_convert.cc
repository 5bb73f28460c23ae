#include "detect/ioc_convert.h"

#include <absl/container/flat_hash_set.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>

#include "base/crypto.h"
#include "pattern/normalize.h"
#include "telemetry/normalize.h"

namespace rampart::detect {
namespace {

const absl::flat_hash_set<std::string>& PublicSuffixTlds() {
  static const absl::flat_hash_set<std::string>* tlds = [] {
    auto* s = new absl::flat_hash_set<std::string>();
    std::ifstream in("/usr/share/publicsuffix/public_suffix_list.dat");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line.starts_with("//")) continue;
      size_t sp = line.find_first_of(" \t");
      if (sp != std::string::npos) line.resize(sp);
      size_t dot = line.rfind('.');
      std::string tld = dot == std::string::npos ? line : line.substr(dot + 1);
      if (!tld.empty() && tld[0] != '!' && tld[0] != '*') s->insert(pattern::AsciiLower(tld));
    }
    return s;
  }();
  return *tlds;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

bool IsDomain(std::string_view s) {
  if (s.size() < 4 || s.size() > 253 || s.find('.') == std::string_view::npos) return false;
  if (s.front() == '.' || s.front() == '-') return false;
  std::string_view label;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::string tld = pattern::AsciiLower(label);
  const auto& tlds = PublicSuffixTlds();
  if (!tlds.empty()) return tlds.contains(tld);
  static const char* kFileExt[] = {"dll", "exe", "msp", "sys", "bin", "dat", "ps1", "js", "vbs", "doc", "docx",
                                   "xls", "xlsx", "pdf", "zip", "rar", "lnk", "tmp", "txt", "log", "jar", "py",
                                   "sh", "bat", "cmd", "scr", "hta", "ini", "cfg", "xml", "png", "jpg", "gif",
                                   "cab", "msi", "iso", "img", "apk", "so", "dylib", "adoc", "md", "csv", "json"};
  for (const char* e : kFileExt) {
    if (tld == e) return false;
  }
  for (char c : tld) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return tld.size() >= 2;
}

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

IocKind ClassifyIoc(std::string_view t) {
  if (t.empty() || t.size() > 2048) return IocKind::kNone;
  bool v6;
  if (telemetry::LooksLikeIp(t, &v6)) return v6 ? IocKind::kIpv6 : IocKind::kIpv4;
  size_t slash = t.find('/');
  if (slash != std::string_view::npos && t.find("://") == std::string_view::npos) {
    if (pattern::ParseIpPrefix(t).ok()) return IocKind::kCidr;
    return IocKind::kNone;
  }
  size_t scheme = t.find("://");
  if (scheme != std::string_view::npos && scheme > 0 && scheme < 10) {
    std::string_view s = t.substr(0, scheme);
    for (char c : s) {
      if (!std::isalpha(static_cast<unsigned char>(c))) return IocKind::kNone;
    }
    return t.size() > scheme + 3 ? IocKind::kUrl : IocKind::kNone;
  }
  if (IsHex(t)) {
    if (t.size() == 32) return IocKind::kMd5;
    if (t.size() == 40) return IocKind::kSha1;
    if (t.size() == 64) return IocKind::kSha256;
    return IocKind::kNone;
  }
  size_t at = t.find('@');
  if (at != std::string_view::npos) {
    if (at > 0 && t.find('@', at + 1) == std::string_view::npos && IsDomain(t.substr(at + 1))) return IocKind::kEmail;
    return IocKind::kNone;
  }
  return IsDomain(t) ? IocKind::kDomain : IocKind::kNone;
}

std::string IocPattern(IocKind kind, std::string_view v) {
  std::string e = Escape(v);
  switch (kind) {
    case IocKind::kIpv4: return "[ipv4-addr:value = '" + e + "']";
    case IocKind::kIpv6: return "[ipv6-addr:value = '" + e + "']";
    case IocKind::kCidr:
      return v.find(':') != std::string_view::npos ? "[ipv6-addr:value ISSUBSET '" + e + "']"
                                                   : "[ipv4-addr:value ISSUBSET '" + e + "']";
    case IocKind::kUrl: return "[url:value = '" + e + "']";
    case IocKind::kEmail: return "[email-addr:value = '" + e + "']";
    case IocKind::kMd5: return "[file:hashes.MD5 = '" + e + "']";
    case IocKind::kSha1: return "[file:hashes.'SHA-1' = '" + e + "']";
    case IocKind::kSha256: return "[file:hashes.'SHA-256' = '" + e + "']";
    case IocKind::kDomain: return "[domain-name:value = '" + e + "']";
    case IocKind::kNone: return "";
  }
  return "";
}

std::vector<Indicator> ConvertIocList(std::string_view text, const IocConvertOptions& options) {
  std::vector<Indicator> out;
  absl::flat_hash_set<std::string> seen;
  Micros from = options.valid_from != 0 ? options.valid_from : NowMicros();
  std::string from_text = FormatTimestampMillis(from);
  // Tokens: split on whitespace and on CSV / table / JSON punctuation. The
  // defanging brackets "[.]" stay inside tokens (no split on '[' ']').
  auto is_sep = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';' || c == '|' || c == '"' ||
           c == '`' || c == '<' || c == '>' || c == '{' || c == '}' || c == '\'';
  };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_sep(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !is_sep(text[j])) ++j;
    if (j == i) break;
    std::string token = pattern::Refang(text.substr(i, j - i));
    i = j;
    // Strip punctuation that ends sentences or wraps values.
    while (!token.empty() && (token.back() == '.' || token.back() == ':' || token.back() == ')' ||
                              token.back() == ']')) {
      token.pop_back();
    }
    while (!token.empty() && (token.front() == '(' || token.front() == '[')) token.erase(token.begin());
    IocKind kind = ClassifyIoc(token);
    if (kind == IocKind::kNone) continue;
    std::string value = token;
    if (kind == IocKind::kDomain) value = pattern::NormalizeDomain(token);
    if (kind == IocKind::kMd5 || kind == IocKind::kSha1 || kind == IocKind::kSha256) value = pattern::NormalizeHash(token);
    std::string pat = IocPattern(kind, value);
    if (!seen.insert(pat).second) continue;
    Indicator ind;
    std::string h = Sha256Hex("rampart-ioc:" + pat);
    h[12] = '5';
    h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
    ind.id = "indicator--" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
             "-" + h.substr(20, 12);
    ind.name = (options.source_name.empty() ? std::string() : options.source_name + ": ") + value;
    ind.pattern = std::move(pat);
    ind.pattern_type = "stix";
    ind.valid_from = from;
    ind.modified = from_text;
    out.push_back(std::move(ind));
  }
  return out;
}

std::string IndicatorsBundleJson(const std::vector<Indicator>& inds) {
  using nlohmann::json;
  json objects = json::array();
  for (const Indicator& i : inds) {
    std::string ts = i.valid_from ? FormatTimestampMillis(*i.valid_from) : FormatTimestampMillis(NowMicros());
    json o{{"type", "indicator"}, {"spec_version", "2.1"}, {"id", i.id},       {"created", ts},
           {"modified", ts},      {"name", i.name},        {"pattern", i.pattern}, {"pattern_type", "stix"},
           {"valid_from", ts}};
    if (i.valid_until) o["valid_until"] = FormatTimestampMillis(*i.valid_until);
    if (i.revoked) o["revoked"] = true;
    objects.push_back(std::move(o));
  }
  return json{{"type", "bundle"}, {"id", "bundle--" + RandomUuid()}, {"objects", objects}}.dump();
}

}  // namespace rampart::detect
