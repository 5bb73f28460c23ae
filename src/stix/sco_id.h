// Deterministic ids for STIX Cyber-observable Objects Rampart creates, and the
// JSON helpers they need (RFC 8785 canonical JSON, string escaping).
//
// STIX 2.1 section 2.9: an SCO id is "<type>--" + UUIDv5 in the namespace
// 00abedb4-aa42-466c-9c01-fed23315a9b7 over the RFC 8785 canonical JSON of
// the type's id-contributing properties that are present. For `hashes`, one
// hash is used: the first present of MD5, SHA-1, SHA-256, SHA-512 (else the
// lexicographically first key). Types without id-contributing properties
// (process) or objects with none of them present get a random UUIDv4.
// Received SCO ids are never recomputed or rewritten; this is only for SCOs
// Rampart makes itself (MISP import, observable extraction, ...).
//
// All functions are pure and thread-safe (except the UUIDv4 fallback, which
// draws from the OS CSPRNG).
#ifndef RAMPART_STIX_SCO_ID_H_
#define RAMPART_STIX_SCO_ID_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rampart::stix {

inline constexpr std::string_view kScoIdNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

// The id-contributing property names of an SCO type (STIX 2.1 spec), or an
// empty list for unknown types and `process`.
const std::vector<std::string_view>& IdContributingProperties(std::string_view sco_type);

// The deterministic id for an SCO of `type` whose properties are the JSON
// object `sco_json` (it may include "type", "id", "spec_version"...; only
// id-contributing properties are used). Example:
//   DeterministicScoId("ipv4-addr", R"({"value":"198.51.100.3"})")
// Returns InvalidArgument if sco_json is not a JSON object. When no
// id-contributing property is present, returns a UUIDv4-based id.
Result<std::string> DeterministicScoId(std::string_view type, std::string_view sco_json);

// RFC 4122 version 5 UUID (SHA-1) of `name` in namespace `namespace_uuid`
// (canonical textual form). REQUIRES: namespace_uuid is a canonical UUID.
std::string Uuid5(std::string_view namespace_uuid, std::string_view name);

// RFC 8785 (JCS) canonical form of a JSON text: object keys sorted by UTF-16
// code units, no whitespace, minimal string escaping, ECMAScript number
// formatting. InvalidArgument if `json` is not valid JSON.
Result<std::string> CanonicalJson(std::string_view json);

// `s` as a quoted JSON string literal (RFC 8785 escaping: only ", \ and
// control characters are escaped; UTF-8 passes through).
std::string JsonQuote(std::string_view s);

}  // namespace rampart::stix

#endif  // RAMPART_STIX_SCO_ID_H_
