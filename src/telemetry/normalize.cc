#include "telemetry/normalize.h"

#include <arpa/inet.h>
#include <utf8proc.h>

#include <cstdlib>
#include <cstring>

#include "base/time.h"

namespace rampart::telemetry {
namespace {

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

void AppendNfc(std::string_view in, std::string* out) {
  if (IsAscii(in)) {
    out->append(in);
    return;
  }
  utf8proc_uint8_t* res = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                                    static_cast<utf8proc_ssize_t>(in.size()), &res,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    out->append(in);  // not valid UTF-8: keep the bytes
    return;
  }
  out->append(reinterpret_cast<char*>(res), static_cast<size_t>(n));
  free(res);
}

void AppendLower(std::string_view in, std::string* out) {
  size_t base = out->size();
  AppendNfc(in, out);
  for (size_t i = base; i < out->size(); ++i) (*out)[i] = Lower((*out)[i]);
}

bool AppendIp(std::string_view in, std::string* out) {
  if (in.empty() || in.size() > 45) return false;
  // Fast path: an IPv4 dotted quad without leading zeros is already canonical.
  bool v6 = false;
  for (char c : in) {
    if (c == ':') { v6 = true; break; }
  }
  if (!v6) {
    // Fast path: a dotted quad without leading zeros is already canonical.
    int parts = 0, digits = 0, val = 0;
    bool ok = true;
    for (char c : in) {
      if (c >= '0' && c <= '9') {
        if (digits > 0 && val == 0) ok = false;  // leading zero
        val = val * 10 + (c - '0');
        if (++digits > 3 || val > 255) ok = false;
      } else if (c == '.' && digits > 0) {
        ++parts;
        digits = val = 0;
      } else {
        ok = false;
      }
      if (!ok) break;
    }
    if (ok && parts == 3 && digits > 0) {
      out->append(in);
      return true;
    }
    // Leading zeros ("010.001.1.1"): decimal octets, written without them
    // (pattern::NormalizeIpv4 reads them as decimal too).
    int octet[4] = {0, 0, 0, 0};
    int n = 0, nd = 0;
    bool good = true;
    for (char c : in) {
      if (c >= '0' && c <= '9' && nd < 3) {
        octet[n] = octet[n] * 10 + (c - '0');
        ++nd;
      } else if (c == '.' && nd > 0 && n < 3) {
        ++n;
        nd = 0;
      } else {
        good = false;
        break;
      }
    }
    if (good && n == 3 && nd > 0 && octet[0] <= 255 && octet[1] <= 255 && octet[2] <= 255 && octet[3] <= 255) {
      out->append(std::to_string(octet[0]) + "." + std::to_string(octet[1]) + "." + std::to_string(octet[2]) + "." +
                  std::to_string(octet[3]));
      return true;
    }
  }
  char buf[64];
  std::memcpy(buf, in.data(), in.size());
  buf[in.size()] = '\0';
  unsigned char bin[16];
  if (!v6) {
    if (inet_pton(AF_INET, buf, bin) != 1) return false;
    char txt[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, bin, txt, sizeof txt);
    out->append(txt);
    return true;
  }
  // Zone ids ("fe80::1%eth0") are not part of the address.
  if (char* pct = std::strchr(buf, '%')) *pct = '\0';
  if (inet_pton(AF_INET6, buf, bin) != 1) return false;
  char txt[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bin, txt, sizeof txt);
  out->append(txt);
  return true;
}

void AppendUrl(std::string_view in, std::string* out) {
  size_t scheme_end = in.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 || scheme_end > 16) {
    AppendNfc(in, out);
    return;
  }
  std::string_view scheme = in.substr(0, scheme_end);
  std::string_view rest = in.substr(scheme_end + 3);
  size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  size_t base = out->size();
  out->append(scheme);
  for (size_t i = base; i < out->size(); ++i) (*out)[i] = Lower((*out)[i]);
  out->append("://");
  // userinfo is kept as written; host lower-cased; default port dropped.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    out->append(authority.substr(0, at + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority, port;
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  AppendLower(host, out);
  bool default_port = (port == "80" && (scheme == "http" || scheme == "HTTP")) ||
                      (port == "443" && (scheme == "https" || scheme == "HTTPS"));
  if (!port.empty() && !default_port) {
    out->push_back(':');
    out->append(port);
  }
  // An empty path stays empty (as pattern::NormalizeUrl does); a query or
  // fragment without a path is kept as written.
  AppendNfc(tail, out);
}

}  // namespace

bool LooksLikeIp(std::string_view in, bool* v6) {
  if (in.empty() || in.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, in.data(), in.size());
  buf[in.size()] = '\0';
  unsigned char bin[16];
  if (inet_pton(AF_INET, buf, bin) == 1) {
    *v6 = false;
    return true;
  }
  if (char* pct = std::strchr(buf, '%')) *pct = '\0';
  if (inet_pton(AF_INET6, buf, bin) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

bool NormalizeAppend(ValueKind kind, std::string_view in, std::string* out) {
  switch (kind) {
    case ValueKind::kIp:
    case ValueKind::kIpOrDomain: {
      if (AppendIp(in, out)) return true;
      if (kind == ValueKind::kIpOrDomain) {
        NormalizeAppend(ValueKind::kDomain, in, out);
        return false;
      }
      out->append(in);
      return false;
    }
    case ValueKind::kDomain:
    case ValueKind::kUrlHost: {
      while (!in.empty() && (in.front() == ' ' || in.front() == '\t')) in.remove_prefix(1);
      while (!in.empty() && (in.back() == '.' || in.back() == ' ' || in.back() == '\t')) in.remove_suffix(1);
      AppendLower(in, out);
      return true;
    }
    case ValueKind::kUrl:
      AppendUrl(in, out);
      return true;
    case ValueKind::kHash: {
      for (char c : in) {
        if (c == ':' || c == ' ') continue;
        out->push_back(Lower(c));
      }
      return true;
    }
    case ValueKind::kEmail: {
      if (in.size() >= 2 && in.front() == '<' && in.back() == '>') in = in.substr(1, in.size() - 2);
      // The local part is case-sensitive (RFC 5321); only the domain folds.
      size_t at = in.rfind('@');
      if (at == std::string_view::npos) {
        AppendNfc(in, out);
      } else {
        AppendNfc(in.substr(0, at + 1), out);
        AppendLower(in.substr(at + 1), out);
      }
      return true;
    }
    case ValueKind::kString:
    case ValueKind::kUrlPath:
      AppendNfc(in, out);
      return true;
    case ValueKind::kInt:
    case ValueKind::kTime:
      out->append(in);
      return true;
  }
  out->append(in);
  return true;
}

std::string Normalized(ValueKind kind, std::string_view in) {
  std::string out;
  NormalizeAppend(kind, in, &out);
  return out;
}

Result<int64_t> ParseEventTime(std::string_view t) {
  if (t.empty() || t.size() > 64) return Status::InvalidArgument("empty or over-long time");
  if (t.find('-') == std::string_view::npos || t[0] == '-') {
    // Epoch seconds with an optional fraction.
    int64_t secs = 0;
    size_t i = 0;
    if (i < t.size() && t[i] == '-') return Status::InvalidArgument("negative epoch time");
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      if (secs > 100000000000LL) return Status::InvalidArgument("epoch time out of range");
      secs = secs * 10 + (t[i] - '0');
    }
    if (i == 0) return Status::InvalidArgument("not a time: '" + std::string(t) + "'");
    int64_t micros = 0;
    if (i < t.size() && t[i] == '.') {
      ++i;
      int digits = 0;
      for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++digits) {
        if (digits < 6) micros = micros * 10 + (t[i] - '0');
      }
      for (; digits < 6; ++digits) micros *= 10;
    }
    if (i != t.size()) return Status::InvalidArgument("not a time: '" + std::string(t) + "'");
    return secs * 1000000 + micros;
  }
  // RFC 3339 with 'Z' or an offset (+hh:mm / +hhmm / +hh).
  if (t.back() == 'Z' || t.back() == 'z') {
    std::string z(t);
    z.back() = 'Z';
    return ParseTimestamp(z);
  }
  size_t tpos = t.find('T');
  if (tpos == std::string_view::npos) tpos = t.find(' ');
  if (tpos == std::string_view::npos) return Status::InvalidArgument("not a time: '" + std::string(t) + "'");
  size_t off = t.find_first_of("+-", tpos);
  if (off == std::string_view::npos) {
    // No zone: taken as UTC.
    std::string z(t);
    z[tpos] = 'T';
    z += 'Z';
    return ParseTimestamp(z);
  }
  std::string_view zone = t.substr(off + 1);
  int sign = t[off] == '-' ? -1 : 1;
  int hh = 0, mm = 0;
  auto two = [](std::string_view s, int* v) {
    if (s.size() < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
    *v = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
  };
  if (!two(zone, &hh)) return Status::InvalidArgument("bad zone offset in '" + std::string(t) + "'");
  zone.remove_prefix(2);
  if (!zone.empty() && zone[0] == ':') zone.remove_prefix(1);
  if (!zone.empty() && !two(zone, &mm)) return Status::InvalidArgument("bad zone offset in '" + std::string(t) + "'");
  std::string z(t.substr(0, off));
  z[tpos] = 'T';
  z += 'Z';
  RAMPART_ASSIGN_OR_RETURN(int64_t local, ParseTimestamp(z));
  return local - sign * (int64_t{hh} * 3600 + int64_t{mm} * 60) * 1000000;
}

ValueKind KindForPath(std::string_view path) {
  if (path == "ipv4-addr:value" || path == "ipv6-addr:value" || path.ends_with("_ref.value") ||
      path.ends_with("_refs.value")) {
    return ValueKind::kIp;
  }
  if (path == "domain-name:value") return ValueKind::kDomain;
  if (path == "url:value") return ValueKind::kUrl;
  if (path == "email-addr:value") return ValueKind::kEmail;
  if (path.find(":hashes.") != std::string_view::npos) return ValueKind::kHash;
  if (path.ends_with("_port")) return ValueKind::kInt;
  return ValueKind::kString;
}

}  // namespace rampart::telemetry
