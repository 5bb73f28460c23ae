// Parsing STIX 2.1 patterns (OASIS STIXPattern.g4) into the AST of
// pattern/ast.h. A hand-written recursive-descent parser over a lexer that
// follows the grammar's tokens (keywords are upper case and case-sensitive,
// `true`/`false` lower case; whitespace and /* */ and // comments skipped).
//
// Untrusted input is expected: every limit (length, nesting depth, set size,
// number of comparisons) yields an error, never a crash, and parsing is
// linear in the input. Pure functions; thread-safe.
#ifndef RAMPART_PATTERN_PARSER_H_
#define RAMPART_PATTERN_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "pattern/ast.h"

namespace rampart::pattern {

struct ParseLimits {
  size_t max_length = 1 << 20;      // bytes of pattern text
  int max_depth = 64;               // nesting of ( and [ and qualifiers
  size_t max_set_size = 100000;     // members of one IN (...) set
  size_t max_comparisons = 100000;  // comparisons in the whole pattern
  // The rules cti-pattern-validator adds to the grammar (the OASIS matcher,
  // whose test cases break them, does not): a literal compared with
  // `hashes.<algorithm>` has that algorithm's format, and one observation
  // `[...]` takes each kind of qualifier (WITHIN, REPEATS, START/STOP) at
  // most once. Turned off only to replay the matcher's test cases.
  bool validator_rules = true;
};

// Where and why a parse failed. `offset` is the byte offset of the offending
// token in the input, `line`/`column` are 1-based (column counts bytes).
struct ParseError {
  size_t offset = 0;
  int line = 1;
  int column = 1;
  std::string expected;  // "']'", "comparison operator", "end of pattern", ...
  std::string found;     // the offending token as written, or "end of pattern"
  std::string message;   // full message, as in the Status
};

// Parses `text` as one STIX pattern. Besides the 2.1 grammar, also accepts
// (as the OASIS tools do for 2.0 content) START/STOP qualifiers written with
// plain string timestamps ('2016-…Z') instead of t'…'.
//
// Errors: InvalidArgument whose message reads
//   "line L, column C (offset O): expected <what> but found <token>"
// (or a semantic reason, such as "invalid timestamp", "integer out of
// range", "'f00' is not a valid SHA-256 hash" or "a second WITHIN
// qualifier", at the same kind of position); ResourceExhausted when a limit is
// exceeded. When `error` is non-null it receives the details on failure and
// is left unchanged on success.
Result<Pattern> ParsePattern(std::string_view text, const ParseLimits& limits = {},
                             ParseError* error = nullptr);

}  // namespace rampart::pattern

#endif  // RAMPART_PATTERN_PARSER_H_
