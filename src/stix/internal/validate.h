// Internal to src/stix: validation of one STIX object held in a simdjson DOM
// element. Used by parser.cc; not part of the module interface.
// Thread-safe: functions keep no state besides immutable static tables.
#ifndef RAMPART_STIX_INTERNAL_VALIDATE_H_
#define RAMPART_STIX_INTERNAL_VALIDATE_H_

#include <simdjson.h>

#include <string>
#include <vector>

#include "stix/object.h"
#include "stix/parser.h"

namespace rampart::stix::internal {

// Which rule set an object is checked against.
enum class SpecVersion { k21, k20 };

// Validates `obj` (a STIX object) whose JSON path in the document is `path`
// ("$" or "$.objects[3]"). Fills the extracted fields of `out` (not `json`).
// MUST violations go to `errors`; SHOULD-level findings go to `errors` when
// options.strict, else to `warnings`.
void ValidateObject(simdjson::dom::object obj, const std::string& path, SpecVersion version,
                    const ParseOptions& options, ParsedObject* out,
                    std::vector<ValidationError>* errors, std::vector<ValidationError>* warnings);

// True for the 19 SDO, 2 SRO, 18 SCO and 3 meta type names of STIX 2.1.
bool IsKnownType(std::string_view type);
ObjectKind KindOfType(std::string_view type);

}  // namespace rampart::stix::internal

#endif  // RAMPART_STIX_INTERNAL_VALIDATE_H_
