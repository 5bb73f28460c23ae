// Value normalisation shared by the pattern evaluator, observable extraction
// (ingest's observable index) and the compiled bulk matcher (match/,
// telemetry/): the same value seen in an indicator and in a log line must
// normalise to the same bytes.
//
//   NFC              Unicode NFC (utf8proc), as the OASIS matcher applies to
//                    LIKE and MATCHES operands and values.
//   domain-name      ASCII lower case, surrounding space and trailing dots
//                    removed ("WWW.Example.COM." -> "www.example.com").
//   ipv4-addr        dotted quad, leading zeros removed ("010.1.1.1" -> "10.1.1.1").
//   ipv6-addr        RFC 5952 canonical text (inet_ntop): lower case, longest
//                    zero run compressed ("2001:DB8:0:0::1" -> "2001:db8::1").
//   url              RFC 3986 normalisation (Boost.URL): scheme and host lower
//                    case, percent-encoding normalised, dot segments removed,
//                    default port (80 for http, 443 for https) dropped.
//   email-addr       domain part lower case; local part kept.
//   hashes           hex lower case.
//   Refang           undoes common defanging ("hxxp://evil[.]com" -> "http://evil.com").
//
// All functions are pure and thread-safe.
#ifndef RAMPART_PATTERN_NORMALIZE_H_
#define RAMPART_PATTERN_NORMALIZE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rampart::pattern {

// NFC normalisation. InvalidArgument when `utf8` is not valid UTF-8.
Result<std::string> NfcNormalize(std::string_view utf8);

// Lower-case ASCII letters (other bytes unchanged).
std::string AsciiLower(std::string_view s);

std::string NormalizeDomain(std::string_view domain);

// nullopt when `text` is not a strict dotted-quad IPv4 address.
std::optional<std::string> NormalizeIpv4(std::string_view text);
// nullopt when `text` is not an IPv6 address.
std::optional<std::string> NormalizeIpv6(std::string_view text);

// The URL normalised, or the input trimmed when it does not parse as an
// absolute URI (log data is messy; never fails).
std::string NormalizeUrl(std::string_view url);

std::string NormalizeEmail(std::string_view email);
std::string NormalizeHash(std::string_view hex);

// Undoes defanging: "[.]", "(.)", "{.}", "[dot]" -> "."; "[:]" -> ":";
// "[@]", "[at]" -> "@"; scheme "hxxp"/"hXXp"/"fxp" -> "http"/"ftp";
// "[://]" -> "://".
std::string Refang(std::string_view text);

// An IPv4 or IPv6 address with a prefix length (a plain address has the
// full length, 32 or 128).
struct IpPrefix {
  int family = 4;                     // 4 or 6
  std::array<uint8_t, 16> bytes{};    // network order; IPv4 uses bytes[0..3]
  int length = 32;                    // prefix bits

  // True when every address of `inner` lies within *this (same family,
  // inner.length >= length and the first `length` bits agree).
  bool Contains(const IpPrefix& inner) const;
};

// Parses "a.b.c.d", "a.b.c.d/n" (n in 1..32), an IPv6 address or
// "ipv6/n" (n in 1..128). With `lenient_ipv4`, IPv4 addresses are read as
// inet_aton(3) reads them ("127.1", "0x7f.0.0.1"), which is what the OASIS
// matcher does. InvalidArgument on anything else.
Result<IpPrefix> ParseIpPrefix(std::string_view text, bool lenient_ipv4 = false);

}  // namespace rampart::pattern

#endif  // RAMPART_PATTERN_NORMALIZE_H_
