// TAXII 2.1 media types: what an Accept header must carry and what a POST
// Content-Type must be (TAXII 2.1 §1.6.8, §3.1).
//
// Accept: at least one media range `application/taxii+json` with no version
// parameter (= the latest, 2.1) or `version=2.1`, and a q-value above 0.
// Wildcards (`*/*`, `application/*`) are not TAXII media ranges and do not
// count. Content-Type: `application/taxii+json;version=2.1` or
// `application/taxii+json` (other parameters such as charset are ignored).
// Comparisons are case-insensitive on type, subtype and parameter names.
// Pure functions; thread-safe.
#ifndef RAMPART_TAXII_MEDIA_TYPES_H_
#define RAMPART_TAXII_MEDIA_TYPES_H_

#include <string_view>

namespace rampart::taxii {

inline constexpr char kTaxiiMediaType[] = "application/taxii+json;version=2.1";
inline constexpr char kStixMediaTypePrefix[] = "application/stix+json;version=";

// True when the Accept header value includes an acceptable TAXII 2.1 range.
bool AcceptsTaxii21(std::string_view accept);

// True when a POST Content-Type value is the TAXII 2.1 media type.
bool IsTaxii21ContentType(std::string_view content_type);

}  // namespace rampart::taxii

#endif  // RAMPART_TAXII_MEDIA_TYPES_H_
