#include "store/store_url.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace rampart::store {
namespace {

struct Span {
  size_t begin, end;  // [begin, end) of a password in the text
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Passwords in URL userinfo: scheme://user:PASSWORD@host. The token runs to
// the next space or quote; its userinfo ends at its LAST '@' (a password
// may hold an unencoded '@' or '/'), so when in doubt more is hidden, never
// less.
void UserinfoSpans(std::string_view t, std::vector<Span>* out) {
  for (size_t pos = t.find("://"); pos != std::string_view::npos; pos = t.find("://", pos + 3)) {
    const size_t start = pos + 3;
    size_t end = start;
    while (end < t.size() && !IsSpace(t[end]) && t[end] != '"' && t[end] != '\'') ++end;
    std::string_view token = t.substr(start, end - start);
    const size_t at = token.rfind('@');
    if (at == std::string_view::npos) continue;
    const size_t colon = token.find(':');
    if (colon == std::string_view::npos || colon > at) continue;
    out->push_back({start + colon + 1, start + at});
  }
}

// Values of `password=` keywords (libpq "key=value" strings) and query
// parameters (?password=...&), any case, also as a suffix (sslpassword).
void KeywordSpans(std::string_view t, std::vector<Span>* out) {
  static constexpr std::string_view kKey = "password";
  for (size_t i = 0; i + kKey.size() <= t.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < kKey.size() && match; ++k) {
      match = std::tolower(static_cast<unsigned char>(t[i + k])) == kKey[k];
    }
    if (!match) continue;
    size_t j = i + kKey.size();
    while (j < t.size() && IsSpace(t[j])) ++j;
    if (j >= t.size() || t[j] != '=') continue;
    ++j;
    while (j < t.size() && IsSpace(t[j])) ++j;
    size_t b = j, e = j;
    if (j < t.size() && t[j] == '\'') {
      // A quoted keyword value: up to the closing quote (\' and \\ escaped).
      b = ++e;
      while (e < t.size() && t[e] != '\'') e += (t[e] == '\\' && e + 1 < t.size()) ? 2 : 1;
      e = std::min(e, t.size());
    } else {
      while (e < t.size() && !IsSpace(t[e]) && t[e] != '&' && t[e] != '#' && t[e] != '"') ++e;
    }
    if (e > b) out->push_back({b, e});
    i = e > i ? e - 1 : i;
  }
}

std::string Replace(std::string_view t, std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(t.size());
  size_t pos = 0;
  for (const Span& s : spans) {
    if (s.end <= pos) continue;  // inside one already replaced
    if (s.begin >= pos) {
      out.append(t.substr(pos, s.begin - pos));
      out += kRedacted;
    }  // else: overlaps the previous one, which is extended
    pos = s.end;
  }
  out.append(t.substr(pos));
  return out;
}

std::string PercentDecoded(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string RedactStoreUrl(std::string_view text) {
  std::vector<Span> spans;
  UserinfoSpans(text, &spans);
  KeywordSpans(text, &spans);
  if (spans.empty()) return std::string(text);
  return Replace(text, std::move(spans));
}

std::string RedactStoreUrlIn(std::string_view message, std::string_view spec) {
  std::vector<Span> in_spec;
  UserinfoSpans(spec, &in_spec);
  KeywordSpans(spec, &in_spec);
  std::vector<std::string> secrets;
  for (const Span& s : in_spec) {
    std::string_view raw = spec.substr(s.begin, s.end - s.begin);
    secrets.emplace_back(raw);
    std::string decoded = PercentDecoded(raw);
    if (decoded != raw) secrets.push_back(std::move(decoded));
  }
  std::string out = RedactStoreUrl(message);
  // Longest first, so a password that contains another is hidden whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : secrets) {
    if (secret.empty() || secret == kRedacted) continue;
    for (size_t p = out.find(secret); p != std::string::npos; p = out.find(secret, p)) {
      out.replace(p, secret.size(), kRedacted);
      p += sizeof(kRedacted) - 1;
    }
  }
  return out;
}

}  // namespace rampart::store
