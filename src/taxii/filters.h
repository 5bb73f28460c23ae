// TAXII 2.1 URL filters (§3.4, §3.5): added_after, limit, next, match[id],
// match[type], match[version], match[spec_version], parsed from decoded query
// parameters into a store::ObjectQuery.
//
// Rules: each parameter at most once (a repeat is 400); comma-separated
// values OR; at most kMaxFilterValues values per match field; `added_after`
// one RFC 3339 UTC timestamp; `limit` a positive decimal integer (values
// above the server maximum are lowered to it: the server may return fewer,
// never more); `match[version]` is `first`, `last`, `all` (alone) or
// timestamps; `match[spec_version]` is 2.0 or 2.1; `match[id]` is a STIX id
// (`type--uuid`); `match[type]` a STIX type name. Which parameters an
// endpoint accepts is given by `allowed`; a filter that endpoint does not
// define is ignored, as are unknown parameters. Malformed values are
// InvalidArgument (HTTP 400) with the parameter named.
// Pure functions; thread-safe.
#ifndef RAMPART_TAXII_FILTERS_H_
#define RAMPART_TAXII_FILTERS_H_

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/types.h"

namespace rampart::taxii {

inline constexpr size_t kMaxFilterValues = 100;

enum FilterBits : unsigned {
  kAddedAfter = 1,
  kLimit = 2,
  kNext = 4,
  kMatchId = 8,
  kMatchType = 16,
  kMatchVersion = 32,
  kMatchSpecVersion = 64,
  kAllFilters = 127,
};

struct FilterLimits {
  size_t default_limit = 100;
  size_t max_limit = 1000;
};

// Fills `q` (whose collection_id the caller sets) from `params`.
Result<store::ObjectQuery> ParseFilters(const std::vector<std::pair<std::string, std::string>>& params,
                                        unsigned allowed, const FilterLimits& limits);

// True for "type--<uuid>" with a valid STIX type and a canonical UUID.
bool IsStixId(std::string_view id);
// True for a STIX type name: 3..250 chars of [a-z0-9-], no leading/trailing
// or double hyphen.
bool IsStixType(std::string_view type);

}  // namespace rampart::taxii

#endif  // RAMPART_TAXII_FILTERS_H_
