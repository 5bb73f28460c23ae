// The STIX object model Rampart works with: one parsed, validated object and
// the description of one validation error.
//
// A ParsedObject keeps the object's JSON exactly as received (byte for byte,
// so the TAXII server can serve it back unchanged) plus the fields the rest
// of Rampart indexes, decides on or matches against. Everything else stays in
// `json`; modules that need more parse `json` themselves.
//
// Plain value types: no internal synchronisation; distinct threads may read
// the same const object.
#ifndef RAMPART_STIX_OBJECT_H_
#define RAMPART_STIX_OBJECT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"

namespace rampart::stix {

// DO NOT CHANGE THESE ENUM VALUES: they may be persisted (store columns).
enum class ObjectKind : int {
  kSdo = 0,     // one of the 19 STIX Domain Objects
  kSro = 1,     // relationship, sighting
  kSco = 2,     // one of the 18 STIX Cyber-observable Objects
  kMeta = 3,    // marking-definition, language-content, extension-definition
  kCustom = 4,  // a custom object type (e.g. x-mitre-tactic), 2.1 custom objects
};

std::string_view ObjectKindName(ObjectKind kind);

// One `*_ref` / `*_refs` value found anywhere in an object (top level,
// nested in extensions, granular markings, ...).
struct Reference {
  std::string path;  // JSON path inside the object, e.g. "$.source_ref", "$.object_refs[2]"
  std::string id;    // the referenced STIX id
};

struct ParsedObject {
  // The object's JSON bytes exactly as received. When ParseOptions::upgrade_20
  // rewrote a STIX 2.0 object, the upgraded serialisation instead.
  std::string json;

  std::string id;            // "type--uuid"
  std::string type;          // "indicator", "x-mitre-tactic", ...
  ObjectKind kind = ObjectKind::kSdo;
  // "2.1", "2.0" (2.0 objects have no spec_version property; this field says
  // "2.0" for them), or "" for an SCO without spec_version.
  std::string spec_version;
  // True when the object is STIX 2.0 and was accepted as 2.0 (not upgraded).
  bool is_stix20 = false;

  // created/modified; absent for SCOs (and for objects without them).
  // Micros truncate beyond µs; the *_text fields keep the original string
  // (use it as the version key: "2016-05-12T08:17:27.123456789Z").
  std::optional<Micros> created;
  std::optional<Micros> modified;
  std::string created_text;
  std::string modified_text;

  std::string created_by_ref;  // "" when absent
  bool revoked = false;
  std::string name;            // the `name` property when present (for display/search), else ""

  // Indicator fields (empty/absent for other types).
  std::string pattern;
  std::string pattern_type;     // "stix", "snort", "yara", ...
  std::string pattern_version;  // "" when absent
  std::optional<Micros> valid_from;
  std::optional<Micros> valid_until;

  // Data markings.
  std::vector<std::string> object_marking_refs;
  bool has_granular_markings = false;
  // The marking_ref of every granular marking (lang-only ones omitted).
  std::vector<std::string> granular_marking_refs;

  // The keys of the top-level `extensions` dictionary, decoded, in document
  // order (e.g. "extension-definition--…", "archive-ext"); empty when there
  // is none. Keys are never written with escapes in a valid object (rule
  // escaped-key), so these equal the keys' bytes.
  std::vector<std::string> extension_keys;

  // Every *_ref / *_refs value in the object (including created_by_ref and
  // object_marking_refs), in document order.
  std::vector<Reference> references;
};

// One violation of a validation rule, tied to an object and a property.
struct ValidationError {
  std::string object_id;  // the object's id, or "" when it has none / not an object
  std::string path;       // JSON path in the input document, e.g. "$.objects[3].created"
  std::string rule;       // stable rule name, e.g. "required-property", "timestamp-order"
  std::string message;    // plain words, e.g. "'modified' is earlier than 'created'"
  bool should_level = false;  // true: a SHOULD-level (strict-mode) finding, not a MUST
};

// "<object_id>: <path>: <rule>: <message>" (object_id "-" when empty).
std::string FormatError(const ValidationError& e);

}  // namespace rampart::stix

#endif  // RAMPART_STIX_OBJECT_H_
