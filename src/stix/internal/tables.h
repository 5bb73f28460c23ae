// Internal to src/stix: the STIX 2.1 property tables (derived by hand from the
// OASIS STIX 2.1 JSON schemas in cti-stix2-json-schemas and the STIX 2.1
// specification text) and the open vocabularies. Immutable static data;
// thread-safe.
#ifndef RAMPART_STIX_INTERNAL_TABLES_H_
#define RAMPART_STIX_INTERNAL_TABLES_H_

#include <string_view>
#include <vector>

#include "stix/object.h"

namespace rampart::stix::internal {

// How a property's value is checked.
enum class PropKind {
  kAny,          // any JSON value (lists must be non-empty)
  kString,
  kStringList,   // non-empty list of strings
  kTimestamp,
  kInteger,      // args "min:max" (either side may be empty)
  kNumber,       // args "min:max"
  kBoolean,
  kId,           // args: allowed target types, '|'-separated (see RefAllowed)
  kIdList,       // non-empty list of ids
  kKillChains,   // non-empty list of kill-chain-phase
  kExtRefs,      // non-empty list of external-reference
  kGranular,     // non-empty list of granular-marking
  kHashes,       // hashes dictionary
  kDict,         // dictionary (non-empty object, key rules)
  kObject,       // any JSON object
  kObjectList,   // non-empty list of objects
  kBinary,       // base64
  kHex,          // hex string
  kEnum,         // closed vocabulary: args = values '|'-separated
  kOpenVocab,    // open vocabulary: args = vocabulary name (checked with --strict)
  kOpenVocabList,
  kExtensions,   // the `extensions` dictionary
};

struct PropSpec {
  std::string_view name;
  PropKind kind;
  bool required;
  std::string_view args;
};

struct TypeSpec {
  std::string_view type;
  ObjectKind kind;
  std::vector<PropSpec> props;
};

// The table for a STIX 2.1 type (SDO, SRO, SCO or meta), or nullptr.
const TypeSpec* FindTypeSpec(std::string_view type);
// Common properties of SDOs/SROs (and language-content, extension-definition).
const std::vector<PropSpec>& CommonSdoProps();
// Common properties of SCOs.
const std::vector<PropSpec>& CommonScoProps();
// Properties of a predefined SCO extension ("archive-ext", ...), or nullptr.
const TypeSpec* FindScoExtensionSpec(std::string_view ext_name);
// Properties of sub-objects (e.g. "windows-registry-value-type",
// "alternate-data-stream", "email-mime-part"), or nullptr.
const TypeSpec* FindSubObjectSpec(std::string_view name);
// The values of an open vocabulary (e.g. "malware-type"), or nullptr.
const std::vector<std::string_view>* FindVocabulary(std::string_view name);

}  // namespace rampart::stix::internal

#endif  // RAMPART_STIX_INTERNAL_TABLES_H_
