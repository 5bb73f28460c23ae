// Parsing and validating STIX 2.1 (and recognising STIX 2.0) JSON documents.
//
// A document is a bundle ({"type":"bundle","objects":[...]}), a single STIX
// object, or a bare JSON array of objects. Whole-document problems (not JSON,
// over a limit, not an object/bundle) are returned as an error Status.
// Per-object rule violations do not fail the document: the offending object
// is left out of ParseResult::objects and its errors are listed, so a bundle
// with one bad object still yields all the valid ones.
//
// The rules enforced are in docs/validation-policy.md: every MUST of STIX 2.1
// always, SHOULD-level best practices only with ParseOptions::strict.
//
// Functions are pure and thread-safe (each call uses its own parser state).
#ifndef RAMPART_STIX_PARSER_H_
#define RAMPART_STIX_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "stix/object.h"

namespace rampart::stix {

struct ParseOptions {
  // Also enforce SHOULD-level best practices (custom property prefixes,
  // open vocabularies, language codes, ...). Findings then count as errors.
  bool strict = false;
  // Rewrite STIX 2.0 objects as STIX 2.1 (spec_version "2.1" and the other
  // 2.0 -> 2.1 changes, see docs/validation-policy.md) and validate them as
  // 2.1. When false, STIX 2.0 objects are validated by the 2.0 rules and
  // returned with is_stix20 = true.
  bool upgrade_20 = false;
  // Objects without spec_version that are not SCOs are STIX 2.0 when true.
  // When false they are rejected (rule "stix20-not-accepted") unless
  // upgrade_20 is set -- except objects explicitly marked 2.0 (spec_version
  // "2.0" on the object, or in a bundle with spec_version "2.0"), which are
  // always validated as 2.0.
  bool accept_20 = true;
  // SHOULD-level rule names (ValidationError::rule) to skip entirely, like
  // stix2-validator's --disable. MUST rules cannot be disabled.
  std::vector<std::string> disabled_should_rules;
  // When false (and strict is false), SHOULD-level findings are not
  // collected at all: ParseResult::warnings stays empty. For bulk ingest
  // paths that never show warnings (saves building ~3 strings per finding).
  bool collect_warnings = true;

  // Limits (hostile input). Exceeding max_bytes or max_depth fails the whole
  // document with ResourceExhausted; an over-long string fails its object.
  size_t max_bytes = size_t{100} << 20;   // 100 MiB
  size_t max_depth = 64;                  // nesting of arrays/objects
  size_t max_string = size_t{16} << 20;   // bytes in one JSON string
  size_t max_objects = 1000000;           // objects in one bundle
};

struct ParseResult {
  // The objects that passed validation, in document order.
  std::vector<ParsedObject> objects;
  // Every error (objects with errors are not in `objects`). With
  // strict=false, SHOULD-level findings are not here but in `warnings`.
  std::vector<ValidationError> errors;
  // SHOULD-level findings that did not count as errors (strict=false).
  std::vector<ValidationError> warnings;
  // True if the document was a bundle; bundle_id is its id (may be "").
  bool is_bundle = false;
  std::string bundle_id;
  // Number of objects seen (valid + invalid).
  size_t objects_seen = 0;
};

// Parses and validates `json`. Returns InvalidArgument for malformed JSON or
// a document that is not a STIX object, bundle or array of objects;
// ResourceExhausted when over max_bytes / max_depth / max_objects.
// Per-object problems go to ParseResult::errors.
Result<ParseResult> ParseBundleOrObject(std::string_view json, const ParseOptions& options = {});

// Convenience for exactly one object (not a bundle): the validated object, or
// InvalidArgument whose message is the first error formatted by FormatError.
Result<ParsedObject> ParseSingleObject(std::string_view json, const ParseOptions& options = {});

// True if `id` is "<type>--<RFC 4122 UUID>" with a syntactically valid type.
bool IsValidStixId(std::string_view id);
// The type part of an id ("indicator" for "indicator--..."), "" if no "--".
std::string_view IdType(std::string_view id);

}  // namespace rampart::stix

#endif  // RAMPART_STIX_PARSER_H_
