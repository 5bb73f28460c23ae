// Value normalisation "as analysts expect", applied identically to log
// values (readers) and to indicator literals (detect/ compiles them through
// the same functions), so that exact hash lookups agree:
//   ip     -> canonical text (IPv4 dotted quad, leading zeros dropped; IPv6 RFC 5952, lower case,
//             "::" compression; IPv4-mapped kept as ::ffff:a.b.c.d)
//   domain -> ASCII lower case, surrounding blanks and trailing dots removed, NFC
//   url    -> scheme and host lower case, default port (:80 http, :443
//             https) removed, rest kept
//   hash   -> hex lower case, ':' and ' ' separators removed
//   email  -> domain part lower case (local part kept), surrounding <> removed
//   string -> NFC (utf8proc) when non-ASCII, else unchanged
// Agrees with pattern/normalize.h (detect/normalize_agreement_test.cc); this copy
// appends into a caller's buffer so a scan allocates nothing per value.
// Pure functions; thread-safe.
#ifndef RAMPART_TELEMETRY_NORMALIZE_H_
#define RAMPART_TELEMETRY_NORMALIZE_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "telemetry/field_mapping.h"

namespace rampart::telemetry {

// Appends the normalised form of `in` to `*out`. Values that cannot be
// normalised (an "ip" that is not an address) are appended unchanged.
// Returns false only for kIp values that are not addresses (the caller may
// then route them elsewhere).
bool NormalizeAppend(ValueKind kind, std::string_view in, std::string* out);

// Convenience: the normalised value as a new string.
std::string Normalized(ValueKind kind, std::string_view in);

// True if `in` parses as IPv4 (sets *v6=false) or IPv6 (*v6=true).
bool LooksLikeIp(std::string_view in, bool* v6);

// Parses an event time: epoch seconds with optional fraction ("1521911720.6")
// or RFC 3339 with 'Z' or a numeric offset ("+0000", "+02:00").
Result<int64_t> ParseEventTime(std::string_view text);

// The kind that normalises values of a canonical STIX path
// ("domain-name:value" -> kDomain, "file:hashes.MD5" -> kHash, ...).
ValueKind KindForPath(std::string_view path);

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_NORMALIZE_H_
