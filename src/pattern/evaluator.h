// The reference evaluator: matches one Pattern against a set of STIX
// observed-data, with the semantics of the OASIS pattern matcher
// (oasis-open/cti-pattern-matcher, stix2matcher/matcher.py), which serves as
// the spec's reference implementation. It favours faithfulness over speed:
// the compiled bulk matcher (match/, telemetry/) is the fast path; this one
// is the oracle it is tested against.
//
// Semantics in brief (docs/ARCHITECTURE.md, "pattern", has the full list):
//  - A comparison selects, per observation, the values its object path
//    reaches from each object of the given type; `[*]` fans out over a list,
//    `[n]` picks one element (negative indexes select nothing), keys ending
//    in `_ref`/`_refs` are dereferenced within the same observation, keys
//    ending in `_hex`/`_bin` turn into bytes. A root object passes when any
//    of its values passes; AND/OR inside [ ] combine per root object.
//  - =, != and ordering compare like types only (int~float, bytes~string of
//    code points < 256, timestamp literals parse the JSON string); IN needs a
//    homogeneous set; LIKE and MATCHES (PCRE2) work on NFC-normalised text;
//    ISSUBSET/ISSUPERSET on IPv4 (inet_aton, as OASIS) and IPv6 CIDRs.
//    =, != and IN do NOT normalise (the OASIS test-suite demands exact code
//    points there).
//  - An observed-data stands for number_observed observations during
//    [first_observed, last_observed]. Observation AND/OR/FOLLOWEDBY,
//    REPEATS, WITHIN and START/STOP search for a binding of distinct
//    observations that satisfies the timing constraints.
//  - Errors (the OASIS MatcherException): a type-mixed IN set, a timestamp
//    literal compared with a JSON string that is no timestamp, WITHIN <= 0,
//    REPEATS < 1, an invalid START/STOP string (2.0), a bad CIDR, an invalid
//    regular expression, a `_ref` that is no string, observed-data without
//    first_observed/last_observed/number_observed or number_observed < 1.
//
// Thread-safety: pure functions; concurrent calls are safe.
#ifndef RAMPART_PATTERN_EVALUATOR_H_
#define RAMPART_PATTERN_EVALUATOR_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "pattern/ast.h"

namespace rampart::pattern {

enum class StixVersion {
  kAuto,  // 2.1 when every input element is a bundle, else 2.0
  k20,    // observed-data with embedded "objects" (a dict keyed by local id)
  k21,    // bundles: observed-data + SCOs linked by object_refs
};

struct EvalOptions {
  StixVersion version = StixVersion::kAuto;
  size_t max_input_bytes = 64 << 20;
  // Upper bound on binding-search steps (AND/FOLLOWEDBY/REPEATS joins);
  // exceeding it is ResourceExhausted rather than an endless search.
  size_t max_steps = 50'000'000;
  // Upper bound on the nesting of the lazy binding search, which grows with
  // the number of observation expressions and with REPEATS counts (each
  // level is a native stack frame while searching); beyond it Evaluate
  // returns ResourceExhausted instead of risking the stack.
  size_t max_search_depth = 20'000;
};

struct EvalResult {
  bool matched = false;
  // The ids of the observed-data of the first binding found, in input order
  // (the OASIS matcher's match() return value); empty when not matched.
  std::vector<std::string> observed_data_ids;
};

// Evaluates `pattern` against `observed_data_json`: a JSON array whose
// elements are STIX 2.1 bundles or STIX 2.0 observed-data (or one such
// object). Returns InvalidArgument on malformed JSON or input and on every
// evaluation error listed above (the message says which); ResourceExhausted
// when a limit in `options` is exceeded.
Result<EvalResult> Evaluate(const Pattern& pattern, std::string_view observed_data_json,
                            const EvalOptions& options = {});

}  // namespace rampart::pattern

#endif  // RAMPART_PATTERN_EVALUATOR_H_
