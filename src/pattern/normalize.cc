#include "pattern/normalize.h"

#include <arpa/inet.h>
#include <utf8proc.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cstdlib>
#include <cstring>

namespace rampart::pattern {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

Result<std::string> NfcNormalize(std::string_view utf8) {
  // Pure ASCII is already NFC: skip the allocation-heavy path.
  bool ascii = true;
  for (unsigned char c : utf8) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(utf8);
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                    static_cast<utf8proc_ssize_t>(utf8.size()), &out,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    return Status::InvalidArgument(std::string("cannot NFC-normalise: ") + utf8proc_errmsg(n));
  }
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string NormalizeDomain(std::string_view domain) {
  std::string_view d = Trim(domain);
  while (!d.empty() && d.back() == '.') d.remove_suffix(1);
  return AsciiLower(d);
}

std::optional<std::string> NormalizeIpv4(std::string_view text) {
  std::string_view t = Trim(text);
  int parts[4];
  size_t i = 0;
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      if (i >= t.size() || t[i] != '.') return std::nullopt;
      ++i;
    }
    size_t start = i;
    int v = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9' && i - start < 3) v = v * 10 + (t[i++] - '0');
    if (i == start || v > 255) return std::nullopt;
    parts[k] = v;
  }
  if (i != t.size()) return std::nullopt;
  return std::to_string(parts[0]) + "." + std::to_string(parts[1]) + "." + std::to_string(parts[2]) + "." +
         std::to_string(parts[3]);
}

std::optional<std::string> NormalizeIpv6(std::string_view text) {
  std::string t(Trim(text));
  if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  unsigned char buf[16];
  if (inet_pton(AF_INET6, t.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, buf, out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

std::string NormalizeUrl(std::string_view url) {
  std::string_view t = Trim(url);
  auto parsed = boost::urls::parse_uri(boost::core::string_view(t.data(), t.size()));
  if (!parsed) return std::string(t);
  boost::urls::url u(*parsed);
  u.normalize();
  if (u.has_port()) {
    std::string_view scheme(u.scheme().data(), u.scheme().size());
    std::string_view port(u.port().data(), u.port().size());
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) u.remove_port();
  }
  return std::string(u.buffer().data(), u.buffer().size());
}

std::string NormalizeEmail(std::string_view email) {
  std::string_view t = Trim(email);
  size_t at = t.rfind('@');
  if (at == std::string_view::npos) return std::string(t);
  return std::string(t.substr(0, at + 1)) + NormalizeDomain(t.substr(at + 1));
}

std::string NormalizeHash(std::string_view hex) { return AsciiLower(Trim(hex)); }

std::string Refang(std::string_view text) {
  std::string s(Trim(text));
  for (std::string_view dot : {"[.]", "(.)", "{.}", "[dot]", "(dot)", "[DOT]"}) ReplaceAll(s, dot, ".");
  ReplaceAll(s, "[://]", "://");
  ReplaceAll(s, "[:]", ":");
  for (std::string_view at : {"[@]", "[at]", "(at)", "[AT]"}) ReplaceAll(s, at, "@");
  std::string lower = AsciiLower(s.substr(0, 6));
  if (lower.rfind("hxxps", 0) == 0) s.replace(0, 5, "https");
  else if (lower.rfind("hxxp", 0) == 0) s.replace(0, 4, "http");
  else if (lower.rfind("fxp", 0) == 0) s.replace(0, 3, "ftp");
  return s;
}

bool IpPrefix::Contains(const IpPrefix& inner) const {
  if (family != inner.family || inner.length < length) return false;
  int full = length / 8, rest = length % 8;
  if (std::memcmp(bytes.data(), inner.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (bytes[full] & mask) == (inner.bytes[full] & mask);
}

Result<IpPrefix> ParseIpPrefix(std::string_view text, bool lenient_ipv4) {
  IpPrefix p;
  std::string addr(text);
  std::string_view prefix;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    addr = std::string(text.substr(0, slash));
    prefix = text.substr(slash + 1);
  }
  if (addr.find(':') != std::string::npos) {
    p.family = 6;
    if (inet_pton(AF_INET6, addr.c_str(), p.bytes.data()) != 1)
      return Status::InvalidArgument("invalid IPv6 address: " + addr);
    p.length = 128;
  } else {
    p.family = 4;
    in_addr a{};
    int ok = lenient_ipv4 ? inet_aton(addr.c_str(), &a) : inet_pton(AF_INET, addr.c_str(), &a);
    if (ok != 1) return Status::InvalidArgument("invalid IPv4 address: " + addr);
    std::memcpy(p.bytes.data(), &a.s_addr, 4);  // s_addr is in network order
    p.length = 32;
  }
  if (slash != std::string_view::npos) {
    int max = p.family == 4 ? 32 : 128;
    if (prefix.empty() || prefix.size() > 3) return Status::InvalidArgument("invalid CIDR prefix: " + std::string(text));
    int n = 0;
    for (char c : prefix) {
      if (c < '0' || c > '9') return Status::InvalidArgument("invalid CIDR prefix: " + std::string(text));
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > max) return Status::InvalidArgument("CIDR prefix out of range: " + std::string(text));
    p.length = n;
  }
  return p;
}

}  // namespace rampart::pattern
