// Timestamps: microseconds since the Unix epoch, UTC, as int64_t.
//
// STIX and TAXII timestamps are RFC 3339 strings in UTC ("Z"). Rampart keeps
// them as Micros for ordering and indexing; precision beyond microseconds is
// truncated (documented in docs/formats/README.md). All functions are pure and
// thread-safe, except Clock implementations, whose contract is their own.
#ifndef RAMPART_BASE_TIME_H_
#define RAMPART_BASE_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rampart {

using Micros = int64_t;

// Parses an RFC 3339 timestamp that ends in 'Z' (STIX requires UTC), with 0..9
// fractional digits: "2016-05-12T08:17:27.000Z". Returns InvalidArgument with
// a plain-words reason otherwise (offsets, missing 'Z', out-of-range fields).
Result<Micros> ParseTimestamp(std::string_view text);

// Formats with exactly six fractional digits: "2016-05-12T08:17:27.000000Z"
// (the TAXII 2.1 rule for server timestamps).
std::string FormatTimestampMicros(Micros t);

// Formats with three fractional digits, trailing zeros kept
// ("2016-05-12T08:17:27.000Z"), for STIX objects Rampart creates.
std::string FormatTimestampMillis(Micros t);

// Wall clock, microseconds since the epoch.
Micros NowMicros();

}  // namespace rampart

#endif  // RAMPART_BASE_TIME_H_
