// Adding a marking to a stored STIX object's bytes without re-serialising it
// (the fast path of auth::ReleaseObject), and the re-serialising path it
// falls back to (exposed so tests can compare the two).
//
// Thread-safety: the functions are pure; safe to call concurrently.
#ifndef RAMPART_AUTH_MARKING_SPLICE_H_
#define RAMPART_AUTH_MARKING_SPLICE_H_

#include <optional>
#include <string>
#include <string_view>

#include "auth/policy.h"

namespace rampart::auth::internal {

// `json` (one JSON object) with `marking_id` in its top-level
// "object_marking_refs" array, every other byte as received:
//   - no top-level "object_marking_refs": `"object_marking_refs":["<id>"]`
//     (plus a ',' unless the object is empty) is inserted right after the
//     opening '{';
//   - an array already there: "<id>" is inserted at the start of it;
//   - the id already in that array: `json` unchanged.
// Nested "object_marking_refs" keys (e.g. inside extensions) are ignored.
// `json` is checked as strict JSON (RFC 8259 grammar, UTF-8, escapes,
// surrogate pairs) on the way. Returns nullopt when this path cannot decide
// and the caller must use the re-serialising path: `json` is not a valid
// JSON object, is nested deeper than 256 levels, has a top-level key with an
// escape in it, has "object_marking_refs" twice or not as an array of
// strings, or that array holds a string with an escape in it.
// `marking_id` must be a JSON string body needing no escaping.
std::optional<std::string> SpliceObjectMarking(std::string_view json, std::string_view marking_id);

// True unless `json` is a valid JSON object none of whose top-level keys has
// a \u escape: when false, a byte search for a top-level key's plain text
// (e.g. "granular_markings") cannot miss it.
bool MayHaveEscapedTopLevelKey(std::string_view json);

// ReleaseObject's re-serialising path (nlohmann): parse `o.json`; when
// `inject`, put the effective-TLP marking first in object_marking_refs
// (unless present; a non-array value is replaced); remove what granular TLP
// markings hide from `p` (see ReleaseObject); dump compactly. nullopt when the
// JSON is malformed or a required property would be removed. Does not check
// MayReceive.
std::optional<std::string> ReleaseByReserialising(const PolicySnapshot& s, const Principal& p,
                                                  const store::Collection& c,
                                                  const store::StoredObject& o, Path path,
                                                  bool inject);

}  // namespace rampart::auth::internal

#endif  // RAMPART_AUTH_MARKING_SPLICE_H_
