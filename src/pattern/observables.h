// Observable extraction: the exact values an indicator pattern looks for,
// for the store's observable index (ingest) and for quick "which indicators
// mention this value" look-ups.
//
// Every positive equality test (`=` or `IN`, not negated) anywhere in the
// pattern on one of these paths yields a (kind, normalised value) pair:
//
//   ipv4-addr:value, ipv6-addr:value       -> ipv4-addr / ipv6-addr (by the
//                                             value's form; CIDRs skipped)
//   domain-name:value                      -> domain-name
//   url:value                              -> url
//   email-addr:value                       -> email-addr
//   email-message:from_ref.value, sender_ref.value, to_refs[*].value,
//   cc_refs[*].value, bcc_refs[*].value    -> email-addr
//   network-traffic:src_ref.value / dst_ref.value -> ipv4-addr / ipv6-addr
//   file:hashes.MD5 / 'SHA-1' / 'SHA-256' / 'SHA-512' (any case, with or
//   without the hyphen)                    -> file:md5, file:sha1,
//                                             file:sha256, file:sha512
//
// Values are normalised with pattern/normalize.h (domains lower case without
// trailing dot, IPv6 canonical, URLs RFC 3986-normalised, hashes lower
// case). Pairs are returned once each, in pattern order. Pure; thread-safe.
#ifndef RAMPART_PATTERN_OBSERVABLES_H_
#define RAMPART_PATTERN_OBSERVABLES_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pattern/ast.h"

namespace rampart::pattern {

// The kinds ExtractObservables produces.
inline constexpr std::string_view kObservableKinds[] = {
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr",
    "file:md5",  "file:sha1", "file:sha256", "file:sha512"};

std::vector<std::pair<std::string, std::string>> ExtractObservables(const Pattern& pattern);

// Normalises `value` as ExtractObservables does for `kind` (one of
// kObservableKinds); an unknown kind returns the value unchanged.
std::string NormalizeObservable(std::string_view kind, std::string_view value);

}  // namespace rampart::pattern

#endif  // RAMPART_PATTERN_OBSERVABLES_H_
