// The STIX 2.1 patterning AST: what ParsePattern (pattern/parser.h) produces
// and what the reference evaluator (pattern/evaluator.h), the observable
// extractor (pattern/observables.h) and the compiled bulk matcher consume.
//
// Shape (grammar: OASIS STIXPattern.g4, 2.1):
//
//   Pattern         = one ObservationExpr (the root)
//   ObservationExpr = kObservation  "[" ComparisonExpr "]"
//                   | kAnd / kOr / kFollowedBy over >= 2 children (n-ary,
//                     flattened: "A AND B AND C" is one kAnd with 3 children)
//                   | kWithin / kRepeats / kStartStop: a qualifier over
//                     exactly one child ("(A AND B) WITHIN 5 SECONDS")
//   ComparisonExpr  = kComparison (one Comparison)
//                   | kAnd / kOr over >= 2 children (n-ary, flattened)
//   Comparison      = ObjectPath, Operator, negated flag, operand(s)
//
// Precedence (parser): between observations () > AND > OR > FOLLOWEDBY;
// inside [ ] AND binds tighter than OR. Parentheses are not kept as nodes.
//
// Plain value types with value semantics (copyable, comparable with ==); no
// shared state, so distinct threads may read the same AST concurrently.
// Deliberately light: only standard headers, so the matcher may include it
// widely.
#ifndef RAMPART_PATTERN_AST_H_
#define RAMPART_PATTERN_AST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::pattern {

// ---------------------------------------------------------------- literals

enum class LiteralType {
  kString,     // 'text'   (escapes \' and \\ already decoded)
  kInt,        // 42, -7, +3
  kFloat,      // 1.5, -.5
  kBool,       // true | false
  kBinary,     // b'base64'  -> decoded bytes in `bytes`
  kHex,        // h'0aff'    -> decoded bytes in `bytes`
  kTimestamp,  // t'2016-01-01T00:00:00Z' -> `micros` (+ text in `text`)
};

// Name for messages: "string", "int", "float", "bool", "binary", "hex",
// "timestamp".
std::string_view LiteralTypeName(LiteralType type);

struct Literal {
  LiteralType type = LiteralType::kString;
  // kString: the decoded string exactly as written (UTF-8, NOT yet NFC
  //   normalised; the evaluator normalises both sides when comparing).
  // kTimestamp: the text between the quotes ("2016-01-01T00:00:00Z").
  std::string text;
  // kBinary, kHex: the decoded bytes (any byte values).
  std::string bytes;
  int64_t int_value = 0;    // kInt
  double float_value = 0;   // kFloat
  bool bool_value = false;  // kBool
  int64_t micros = 0;       // kTimestamp: µs since the epoch, UTC (base::Micros)

  static Literal String(std::string s);
  static Literal Int(int64_t v);
  static Literal Float(double v);
  static Literal Bool(bool v);
  static Literal Binary(std::string decoded_bytes);
  static Literal Hex(std::string decoded_bytes);
  // REQUIRES: `text` is a valid STIX timestamp and `micros` its value.
  static Literal Timestamp(std::string text, int64_t micros);

  friend bool operator==(const Literal& a, const Literal& b);
};

// ------------------------------------------------------------ object paths

// One step after the object type: a property key (".name", ".'quoted key'",
// the first step "name" too), a list index ("[3]", "[-1]") or any index
// ("[*]").
struct PathStep {
  enum class Kind { kKey, kIndex, kAnyIndex };
  Kind kind = Kind::kKey;
  std::string key;    // kKey: the decoded key (quotes removed)
  int64_t index = 0;  // kIndex (may be negative, as the grammar allows)

  static PathStep Key(std::string key);
  static PathStep Index(int64_t index);
  static PathStep Any();

  friend bool operator==(const PathStep& a, const PathStep& b) = default;
};

// "file:extensions.'windows-pebinary-ext'.sections[*].entropy" =
// {object_type "file", steps [Key extensions, Key windows-pebinary-ext,
//  Key sections, Any, Key entropy]}. steps is never empty and steps[0] is
// always a kKey.
struct ObjectPath {
  std::string object_type;
  std::vector<PathStep> steps;

  friend bool operator==(const ObjectPath& a, const ObjectPath& b) = default;
};

// ------------------------------------------------------------- comparisons

enum class Operator {
  kEqual,         // =  (also written ==)
  kNotEqual,      // != (also written <>)
  kGreater,       // >
  kLess,          // <
  kGreaterEqual,  // >=
  kLessEqual,     // <=
  kIn,            // IN (set)
  kLike,          // LIKE 'pat%_'
  kMatches,       // MATCHES 'pcre'
  kIsSubset,      // ISSUBSET 'cidr'
  kIsSuperset,    // ISSUPERSET 'cidr'
  kExists,        // EXISTS path
};

// The operator as written in canonical form: "=", "!=", ">", ..., "IN",
// "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS".
std::string_view OperatorName(Operator op);

struct Comparison {
  ObjectPath path;
  Operator op = Operator::kEqual;
  // "path NOT op value": the result of the comparison is inverted (for a
  // path that resolves to no value the comparison is false either way, as
  // in the OASIS matcher).
  bool negated = false;
  // The single operand of every operator except kIn (which uses `set`) and
  // kExists (which has none). For kLike/kMatches/kIsSubset/kIsSuperset it is
  // always a kString literal.
  Literal value;
  // kIn: the set members, in source order (may be empty: "IN ()").
  std::vector<Literal> set;

  friend bool operator==(const Comparison& a, const Comparison& b) = default;
};

// A boolean tree of comparisons: the inside of one "[ ... ]".
struct ComparisonExpr {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  Comparison comparison;                 // kind == kComparison
  std::vector<ComparisonExpr> children;  // kAnd/kOr: >= 2, none of the same kind

  friend bool operator==(const ComparisonExpr& a, const ComparisonExpr& b);
};

// -------------------------------------------------------------- observations

struct ObservationExpr {
  enum class Kind {
    kObservation,  // "[ comparison ]"
    kAnd,          // A AND B ...
    kOr,           // A OR B ...
    kFollowedBy,   // A FOLLOWEDBY B ... (each before the next)
    kWithin,       // child WITHIN within_seconds SECONDS
    kRepeats,      // child REPEATS repeats TIMES
    kStartStop,    // child START start STOP stop
  };
  Kind kind = Kind::kObservation;
  ComparisonExpr comparison;              // kObservation
  std::vector<ObservationExpr> children;  // kAnd/kOr/kFollowedBy: >= 2; qualifiers: exactly 1

  double within_seconds = 0;  // kWithin: > 0 (int or float literal)
  int64_t repeats = 0;        // kRepeats: >= 1
  Literal start;              // kStartStop: kTimestamp literals (or, STIX 2.0 style,
  Literal stop;               //   kString holding a timestamp, checked by evaluation);
                              //   start < stop is not required by the grammar

  friend bool operator==(const ObservationExpr& a, const ObservationExpr& b);
};

struct Pattern {
  ObservationExpr root;

  friend bool operator==(const Pattern& a, const Pattern& b) { return a.root == b.root; }
};

// ---------------------------------------------------------------- printing

// Canonical text of the AST: reparsing it (ParsePattern) yields an AST equal
// to the input. Uses minimal parentheses, single spaces, "=" and "!=",
// quoted keys ('...') for keys that are not plain identifiers, b'…' in
// canonical base64 and h'…' in lower-case hex. Pure; thread-safe.
std::string ToString(const Pattern& pattern);
std::string ToString(const ObservationExpr& expr);
std::string ToString(const ComparisonExpr& expr);
std::string ToString(const Comparison& comparison);
std::string ToString(const ObjectPath& path);
std::string ToString(const Literal& literal);

}  // namespace rampart::pattern

#endif  // RAMPART_PATTERN_AST_H_
