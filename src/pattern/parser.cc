#include "pattern/parser.h"

#include <openssl/evp.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "pattern/internal/lexer.h"

namespace rampart::pattern {
namespace {

using internal::Lexer;
using internal::Token;
using internal::TokenKind;

// Thrown inside the parser only; ParsePattern turns it into a Status.
struct ParseFailure {
  Status status;
  ParseError error;
};

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// ---- cti-pattern-validator's hash rule ----
// For a comparison whose path has a "hashes" step and ends in a key, the key
// names the algorithm the way the OASIS validator reads it: Python's
// str.upper() (so 'sha-256', 'Sha256' and 'SHA256' are one algorithm; the
// only non-ASCII letters it maps into these names are U+00DF -> "SS",
// U+017F -> "S" and U+0131 -> "I") with '-' and "'" dropped. The literal is
// judged as OASIS judges it: its text as written, quotes removed, against
// the algorithm's regular expression (Python's re.match, whose '$' also
// matches before one final newline). TLSH and other names are not checked.
enum class HashRule { kHex, kMd6, kSsdeep };
struct HashFormat {
  std::string_view key;   // normalised name
  std::string_view name;  // for messages
  HashRule rule;
  size_t hex_digits;
};
constexpr HashFormat kHashFormats[] = {
    {"MD5", "MD5", HashRule::kHex, 32},           {"MD6", "MD6", HashRule::kMd6, 32},
    {"RIPEMD160", "RIPEMD-160", HashRule::kHex, 40}, {"SHA1", "SHA-1", HashRule::kHex, 40},
    {"SHA224", "SHA-224", HashRule::kHex, 56},    {"SHA256", "SHA-256", HashRule::kHex, 64},
    {"SHA384", "SHA-384", HashRule::kHex, 96},    {"SHA512", "SHA-512", HashRule::kHex, 128},
    {"SHA3224", "SHA3-224", HashRule::kHex, 56},  {"SHA3256", "SHA3-256", HashRule::kHex, 64},
    {"SHA3384", "SHA3-384", HashRule::kHex, 96},  {"SHA3512", "SHA3-512", HashRule::kHex, 128},
    {"SSDEEP", "SSDEEP", HashRule::kSsdeep, 0},   {"WHIRLPOOL", "WHIRLPOOL", HashRule::kHex, 128},
};

const HashFormat* HashFormatOf(const ObjectPath& path) {
  if (path.steps.back().kind != PathStep::Kind::kKey) return nullptr;
  bool has_hashes = false;
  for (const PathStep& s : path.steps) has_hashes |= s.kind == PathStep::Kind::kKey && s.key == "hashes";
  if (!has_hashes) return nullptr;
  const std::string_view k = path.steps.back().key;
  std::string norm;
  for (size_t i = 0; i < k.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(k[i]);
    if (c == '-' || c == '\'') continue;
    if (c < 0x80) {
      norm += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
      continue;
    }
    const std::string_view two = k.substr(i, 2);
    if (two == "\xC3\x9F") norm += "SS";       // U+00DF sharp s
    else if (two == "\xC5\xBF") norm += "S";   // U+017F long s
    else if (two == "\xC4\xB1") norm += "I";   // U+0131 dotless i
    else return nullptr;                         // upper-cases to no name below
    ++i;
    if (norm.size() > 16) return nullptr;
  }
  for (const HashFormat& f : kHashFormats) {
    if (f.key == norm) return &f;
  }
  return nullptr;
}

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

size_t HexPrefix(std::string_view v) {
  size_t n = 0;
  while (n < v.size() && IsHexDigit(v[n])) ++n;
  return n;
}

// `value`: the literal's text as written with every "'" removed.
bool HashValueOk(const HashFormat& f, std::string_view value) {
  // Python's '$': the end, or just before a final newline.
  auto ends_at = [&](size_t n) { return n == value.size() || (n + 1 == value.size() && value[n] == '\n'); };
  switch (f.rule) {
    case HashRule::kHex: {
      const size_t n = HexPrefix(value);
      return n == f.hex_digits && ends_at(n);
    }
    case HashRule::kMd6:
      // OASIS's MD6 expression anchors only its first alternative
      // ("^[hex]{32}|[hex]{40}|...") and, through a line continuation inside
      // a raw string, one more spelled "\n    [hex]{64}": re.match accepts a
      // value that starts with 32 hex digits, or with a newline, four spaces
      // and 64 hex digits.
      if (HexPrefix(value) >= 32) return true;
      return value.substr(0, 5) == "\n    " && HexPrefix(value.substr(5)) >= 64;
    case HashRule::kSsdeep: {
      size_t n = 0;
      while (n < value.size() && n <= 128) {
        const char c = value[n];
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '+' || c == ':' || c == '.')) break;
        ++n;
      }
      return n >= 1 && n <= 128 && ends_at(n);
    }
  }
  return false;
}

std::string HashFormatText(const HashFormat& f) {
  switch (f.rule) {
    case HashRule::kHex: return std::to_string(f.hex_digits) + " hex digits";
    case HashRule::kMd6: return "starting with 32 hex digits";
    case HashRule::kSsdeep: return "1-128 letters, digits, '/', '+', ':' or '.'";
  }
  return "";
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : text_(text), lexer_(text), limits_(limits) {
    Advance();
  }

  Pattern ParseAll() {
    Pattern p;
    p.root = ParseFollowedBy();
    if (tok_.kind != TokenKind::kEnd) Fail(tok_, "FOLLOWEDBY, AND, OR, a qualifier or end of pattern");
    return p;
  }

 private:
  ParseError error_;

  // ----------------------------------------------------------------- tokens
  void Advance() {
    tok_ = lexer_.Next();
    if (tok_.kind == TokenKind::kInvalid) FailAt(tok_.offset, tok_.error, "", Describe(tok_));
  }

  std::string Describe(const Token& t) const {
    if (t.kind == TokenKind::kEnd) return "end of pattern";
    std::string s(t.text.substr(0, 40));
    if (t.text.size() > 40) s += "...";
    return "'" + s + "'";
  }

  [[noreturn]] void FailAt(size_t offset, const std::string& reason, const std::string& expected,
                           const std::string& found, StatusCode code = StatusCode::kInvalidArgument) {
    error_.offset = offset;
    error_.line = 1;
    error_.column = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++error_.line;
        error_.column = 1;
      } else {
        ++error_.column;
      }
    }
    error_.expected = expected;
    error_.found = found;
    std::string msg = "line " + std::to_string(error_.line) + ", column " + std::to_string(error_.column) +
                      " (offset " + std::to_string(offset) + "): ";
    if (!expected.empty()) {
      msg += "expected " + expected + " but found " + found;
      if (!reason.empty()) msg += " (" + reason + ")";
    } else {
      msg += reason;
      if (!found.empty()) msg += " at " + found;
    }
    error_.message = msg;
    throw ParseFailure{Status(code, msg), error_};
  }

  [[noreturn]] void Fail(const Token& t, const std::string& expected) {
    FailAt(t.offset, "", expected, Describe(t));
  }

  [[noreturn]] void Semantic(const Token& t, const std::string& reason) {
    FailAt(t.offset, reason, "", Describe(t));
  }

  Token Expect(TokenKind kind, const std::string& expected) {
    if (tok_.kind != kind) Fail(tok_, expected);
    Token t = tok_;
    Advance();
    return t;
  }

  struct DepthGuard {
    Parser* p;
    explicit DepthGuard(Parser* parser) : p(parser) {
      if (++p->depth_ > p->limits_.max_depth)
        p->FailAt(p->tok_.offset, "nesting deeper than " + std::to_string(p->limits_.max_depth), "",
                  p->Describe(p->tok_), StatusCode::kResourceExhausted);
    }
    ~DepthGuard() { --p->depth_; }
  };

  // ------------------------------------------------------------ observations
  static void Append(ObservationExpr& parent, ObservationExpr child) {
    if (child.kind == parent.kind) {
      for (auto& c : child.children) parent.children.push_back(std::move(c));
    } else {
      parent.children.push_back(std::move(child));
    }
  }

  ObservationExpr ParseBinaryObs(ObservationExpr::Kind kind, TokenKind op,
                                 ObservationExpr (Parser::*next)()) {
    ObservationExpr first = (this->*next)();
    if (tok_.kind != op) return first;
    ObservationExpr node;
    node.kind = kind;
    Append(node, std::move(first));
    while (tok_.kind == op) {
      Advance();
      Append(node, (this->*next)());
    }
    return node;
  }

  ObservationExpr ParseFollowedBy() {
    return ParseBinaryObs(ObservationExpr::Kind::kFollowedBy, TokenKind::kFollowedBy, &Parser::ParseObsOr);
  }
  ObservationExpr ParseObsOr() {
    return ParseBinaryObs(ObservationExpr::Kind::kOr, TokenKind::kOr, &Parser::ParseObsAnd);
  }
  ObservationExpr ParseObsAnd() {
    return ParseBinaryObs(ObservationExpr::Kind::kAnd, TokenKind::kAnd, &Parser::ParseObsUnit);
  }

  ObservationExpr ParseObsUnit() {
    DepthGuard guard(this);
    ObservationExpr unit;
    // cti-pattern-validator: a qualifier kind at most once on an observation
    // written as [ ... ]; a parenthesised unit is not checked (as there).
    const bool bracketed = tok_.kind == TokenKind::kLBrack;
    unsigned seen_kinds = 0;
    if (tok_.kind == TokenKind::kLBrack) {
      Advance();
      unit.kind = ObservationExpr::Kind::kObservation;
      unit.comparison = ParseCompOr();
      Expect(TokenKind::kRBrack, "']', AND or OR");
    } else if (tok_.kind == TokenKind::kLParen) {
      Advance();
      unit = ParseFollowedBy();
      Expect(TokenKind::kRParen, "')', FOLLOWEDBY, AND or OR");
    } else {
      Fail(tok_, "'[' or '('");
    }
    // Qualifiers bind to the unit, left to right.
    int qualifiers = 0;
    while (tok_.kind == TokenKind::kWithin || tok_.kind == TokenKind::kRepeats ||
           tok_.kind == TokenKind::kStart) {
      if (++qualifiers > limits_.max_depth)
        FailAt(tok_.offset, "too many qualifiers", "", Describe(tok_), StatusCode::kResourceExhausted);
      if (limits_.validator_rules && bracketed) {
        const unsigned bit = tok_.kind == TokenKind::kWithin ? 1u : tok_.kind == TokenKind::kRepeats ? 2u : 4u;
        if (seen_kinds & bit) {
          Semantic(tok_, std::string("a second ") + (bit == 1 ? "WITHIN" : bit == 2 ? "REPEATS" : "START/STOP") +
                             " qualifier on one observation expression (each kind may apply once)");
        }
        seen_kinds |= bit;
      }
      ObservationExpr q;
      if (tok_.kind == TokenKind::kWithin) {
        Advance();
        q.kind = ObservationExpr::Kind::kWithin;
        if (tok_.kind == TokenKind::kIntPos) {
          q.within_seconds = static_cast<double>(ParseInt(tok_));
        } else if (tok_.kind == TokenKind::kFloatPos) {
          q.within_seconds = ParseFloat(tok_);
        } else {
          Fail(tok_, "a positive number of seconds");
        }
        Advance();
        Expect(TokenKind::kSeconds, "SECONDS");
      } else if (tok_.kind == TokenKind::kRepeats) {
        Advance();
        q.kind = ObservationExpr::Kind::kRepeats;
        if (tok_.kind != TokenKind::kIntPos) Fail(tok_, "a positive integer");
        q.repeats = ParseInt(tok_);
        Advance();
        Expect(TokenKind::kTimes, "TIMES");
      } else {
        Advance();
        q.kind = ObservationExpr::Kind::kStartStop;
        q.start = ParseQualifierTime();
        Expect(TokenKind::kStop, "STOP");
        q.stop = ParseQualifierTime();
      }
      q.children.push_back(std::move(unit));
      unit = std::move(q);
    }
    return unit;
  }

  // START/STOP take t'…' (2.1) or, as in STIX 2.0, a plain string whose
  // validity the evaluator judges.
  Literal ParseQualifierTime() {
    if (tok_.kind == TokenKind::kTimestamp || tok_.kind == TokenKind::kString) {
      Literal l = ParseLiteralToken(tok_);
      Advance();
      return l;
    }
    Fail(tok_, "a timestamp literal t'...'");
  }

  // ------------------------------------------------------------- comparisons
  static void Append(ComparisonExpr& parent, ComparisonExpr child) {
    if (child.kind == parent.kind) {
      for (auto& c : child.children) parent.children.push_back(std::move(c));
    } else {
      parent.children.push_back(std::move(child));
    }
  }

  ComparisonExpr ParseCompOr() {
    ComparisonExpr first = ParseCompAnd();
    if (tok_.kind != TokenKind::kOr) return first;
    ComparisonExpr node;
    node.kind = ComparisonExpr::Kind::kOr;
    Append(node, std::move(first));
    while (tok_.kind == TokenKind::kOr) {
      Advance();
      Append(node, ParseCompAnd());
    }
    return node;
  }

  ComparisonExpr ParseCompAnd() {
    ComparisonExpr first = ParsePropTest();
    if (tok_.kind != TokenKind::kAnd) return first;
    ComparisonExpr node;
    node.kind = ComparisonExpr::Kind::kAnd;
    Append(node, std::move(first));
    while (tok_.kind == TokenKind::kAnd) {
      Advance();
      Append(node, ParsePropTest());
    }
    return node;
  }

  ComparisonExpr ParsePropTest() {
    DepthGuard guard(this);
    if (tok_.kind == TokenKind::kLParen) {
      Advance();
      ComparisonExpr inner = ParseCompOr();
      Expect(TokenKind::kRParen, "')', AND or OR");
      return inner;
    }
    if (++comparisons_ > limits_.max_comparisons)
      FailAt(tok_.offset, "more than " + std::to_string(limits_.max_comparisons) + " comparisons", "",
             Describe(tok_), StatusCode::kResourceExhausted);
    ComparisonExpr leaf;
    leaf.kind = ComparisonExpr::Kind::kComparison;
    Comparison& c = leaf.comparison;
    if (tok_.kind == TokenKind::kNot || tok_.kind == TokenKind::kExists) {
      // EXISTS path (2.1); NOT EXISTS path is accepted as its negation.
      if (tok_.kind == TokenKind::kNot) {
        Advance();
        if (tok_.kind != TokenKind::kExists) Fail(tok_, "EXISTS");
        c.negated = true;
      }
      Advance();
      c.op = Operator::kExists;
      c.path = ParseObjectPath();
      return leaf;
    }
    c.path = ParseObjectPath();
    if (tok_.kind == TokenKind::kNot) {
      c.negated = true;
      Advance();
    }
    Token op = tok_;
    switch (op.kind) {
      case TokenKind::kEq: c.op = Operator::kEqual; break;
      case TokenKind::kNeq: c.op = Operator::kNotEqual; break;
      case TokenKind::kGt: c.op = Operator::kGreater; break;
      case TokenKind::kLt: c.op = Operator::kLess; break;
      case TokenKind::kGe: c.op = Operator::kGreaterEqual; break;
      case TokenKind::kLe: c.op = Operator::kLessEqual; break;
      case TokenKind::kIn: c.op = Operator::kIn; break;
      case TokenKind::kLike: c.op = Operator::kLike; break;
      case TokenKind::kMatches: c.op = Operator::kMatches; break;
      case TokenKind::kIsSubset: c.op = Operator::kIsSubset; break;
      case TokenKind::kIsSuperset: c.op = Operator::kIsSuperset; break;
      default:
        Fail(op, c.negated ? "a comparison operator after NOT"
                           : "a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET), "
                             "NOT or an object path step");
    }
    Advance();
    const HashFormat* hash = limits_.validator_rules ? HashFormatOf(c.path) : nullptr;
    switch (c.op) {
      case Operator::kEqual:
      case Operator::kNotEqual:
        if (!IsPrimitive(tok_.kind)) Fail(tok_, "a literal");
        c.value = ParseLiteralToken(tok_);
        if (hash) CheckHash(*hash, tok_);
        Advance();
        break;
      case Operator::kGreater:
      case Operator::kLess:
      case Operator::kGreaterEqual:
      case Operator::kLessEqual:
        if (!IsPrimitive(tok_.kind) || tok_.kind == TokenKind::kTrue || tok_.kind == TokenKind::kFalse)
          Fail(tok_, "an orderable literal (number, string, binary, hex or timestamp)");
        c.value = ParseLiteralToken(tok_);
        if (hash) CheckHash(*hash, tok_);
        Advance();
        break;
      case Operator::kIn: {
        Expect(TokenKind::kLParen, "'(' to open the set");
        if (tok_.kind != TokenKind::kRParen) {
          while (true) {
            if (!IsPrimitive(tok_.kind)) Fail(tok_, "a literal");
            if (c.set.size() >= limits_.max_set_size)
              FailAt(tok_.offset, "set larger than " + std::to_string(limits_.max_set_size), "", Describe(tok_),
                     StatusCode::kResourceExhausted);
            c.set.push_back(ParseLiteralToken(tok_));
            // OASIS matches the set's whole text, so it refuses every IN on
            // a hash; Rampart judges each member.
            if (hash) CheckHash(*hash, tok_);
            Advance();
            if (tok_.kind == TokenKind::kComma) {
              Advance();
              continue;
            }
            break;
          }
        }
        Expect(TokenKind::kRParen, "',' or ')'");
        break;
      }
      default:  // LIKE MATCHES ISSUBSET ISSUPERSET take a string
        if (tok_.kind != TokenKind::kString) Fail(tok_, "a string literal");
        c.value = ParseLiteralToken(tok_);
        if (hash) CheckHash(*hash, tok_);
        Advance();
        break;
    }
    return leaf;
  }

  void CheckHash(const HashFormat& f, const Token& t) {
    std::string value;
    value.reserve(t.text.size());
    for (char ch : t.text) {
      if (ch != '\'') value += ch;
    }
    if (HashValueOk(f, value)) return;
    std::string shown = value.substr(0, 140);
    if (value.size() > 140) shown += "...";
    Semantic(t, "'" + shown + "' is not a valid " + std::string(f.name) + " hash (" + HashFormatText(f) + ")");
  }

  static bool IsPrimitive(TokenKind k) {
    switch (k) {
      case TokenKind::kIntPos:
      case TokenKind::kIntNeg:
      case TokenKind::kFloatPos:
      case TokenKind::kFloatNeg:
      case TokenKind::kString:
      case TokenKind::kBinary:
      case TokenKind::kHex:
      case TokenKind::kTimestamp:
      case TokenKind::kTrue:
      case TokenKind::kFalse: return true;
      default: return false;
    }
  }

  ObjectPath ParseObjectPath() {
    ObjectPath path;
    if (tok_.kind != TokenKind::kIdentifier && tok_.kind != TokenKind::kIdentifierHyphen)
      Fail(tok_, "an object type (such as ipv4-addr)");
    path.object_type = std::string(tok_.text);
    Advance();
    Expect(TokenKind::kColon, "':' after the object type");
    if (tok_.kind == TokenKind::kIdentifier) {
      path.steps.push_back(PathStep::Key(std::string(tok_.text)));
    } else if (tok_.kind == TokenKind::kString) {
      path.steps.push_back(PathStep::Key(DecodeString(tok_)));
    } else if (tok_.kind == TokenKind::kIdentifierHyphen) {
      Semantic(tok_, "property names with '-' must be quoted ('name-with-hyphen')");
    } else {
      Fail(tok_, "a property name");
    }
    Advance();
    while (true) {
      if (tok_.kind == TokenKind::kDot) {
        Advance();
        if (tok_.kind == TokenKind::kIdentifier) {
          path.steps.push_back(PathStep::Key(std::string(tok_.text)));
        } else if (tok_.kind == TokenKind::kString) {
          path.steps.push_back(PathStep::Key(DecodeString(tok_)));
        } else if (tok_.kind == TokenKind::kIdentifierHyphen) {
          Semantic(tok_, "property names with '-' must be quoted ('name-with-hyphen')");
        } else {
          Fail(tok_, "a property name after '.'");
        }
        Advance();
      } else if (tok_.kind == TokenKind::kLBrack) {
        Advance();
        if (tok_.kind == TokenKind::kAsterisk) {
          path.steps.push_back(PathStep::Any());
        } else if (tok_.kind == TokenKind::kIntPos || tok_.kind == TokenKind::kIntNeg) {
          path.steps.push_back(PathStep::Index(ParseInt(tok_)));
        } else {
          Fail(tok_, "a list index or '*'");
        }
        Advance();
        Expect(TokenKind::kRBrack, "']' to close the list index");
      } else {
        break;
      }
      if (path.steps.size() > static_cast<size_t>(limits_.max_depth) * 4)
        FailAt(tok_.offset, "object path too long", "", Describe(tok_), StatusCode::kResourceExhausted);
    }
    return path;
  }

  // ---------------------------------------------------------------- literals
  int64_t ParseInt(const Token& t) {
    std::string_view s = t.text;
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      neg = s[0] == '-';
      s.remove_prefix(1);
    }
    uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() ||
        v > (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1))
      Semantic(t, "integer out of range (64-bit)");
    return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  }

  double ParseFloat(const Token& t) {
    std::string s(t.text);
    if (!s.empty() && s[0] == '+') s.erase(0, 1);
    double v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || !std::isfinite(v)) Semantic(t, "float out of range");
    return v;
  }

  std::string DecodeString(const Token& t) {
    std::string_view body = t.text.substr(1, t.text.size() - 2);
    std::string out;
    out.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) ++i;
      out += body[i];
    }
    if (!ValidUtf8(out)) Semantic(t, "string literal is not valid UTF-8");
    return out;
  }

  Literal ParseLiteralToken(const Token& t) {
    switch (t.kind) {
      case TokenKind::kIntPos:
      case TokenKind::kIntNeg: return Literal::Int(ParseInt(t));
      case TokenKind::kFloatPos:
      case TokenKind::kFloatNeg: return Literal::Float(ParseFloat(t));
      case TokenKind::kString: return Literal::String(DecodeString(t));
      case TokenKind::kTrue: return Literal::Bool(true);
      case TokenKind::kFalse: return Literal::Bool(false);
      case TokenKind::kHex: {
        std::string_view body = t.text.substr(2, t.text.size() - 3);
        std::string bytes;
        bytes.reserve(body.size() / 2);
        auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
        for (size_t i = 0; i + 1 < body.size(); i += 2)
          bytes += static_cast<char>(nib(body[i]) * 16 + nib(body[i + 1]));
        return Literal::Hex(std::move(bytes));
      }
      case TokenKind::kBinary: {
        std::string_view body = t.text.substr(2, t.text.size() - 3);
        std::string bytes(body.size() / 4 * 3 + 3, '\0');
        int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(body.data()), static_cast<int>(body.size()));
        if (n < 0) Semantic(t, "invalid base64");
        size_t pad = 0;
        if (!body.empty() && body.back() == '=') pad = body.size() >= 2 && body[body.size() - 2] == '=' ? 2 : 1;
        bytes.resize(static_cast<size_t>(n) - pad);
        return Literal::Binary(std::move(bytes));
      }
      case TokenKind::kTimestamp: {
        std::string text(t.text.substr(2, t.text.size() - 3));
        Result<Micros> m = ParseTimestamp(text);
        if (!m.ok()) Semantic(t, "invalid timestamp: " + std::string(m.status().message()));
        // Second 60 passes the grammar but is no valid time (as in the
        // OASIS matcher, which cannot represent it).
        if (text[17] == '6') Semantic(t, "invalid timestamp: second 60");
        return Literal::Timestamp(std::move(text), *m);
      }
      default: Fail(t, "a literal");
    }
  }

  std::string_view text_;
  Lexer lexer_;
  ParseLimits limits_;
  Token tok_;
  int depth_ = 0;
  size_t comparisons_ = 0;
};

}  // namespace

Result<Pattern> ParsePattern(std::string_view text, const ParseLimits& limits, ParseError* error) {
  if (text.size() > limits.max_length) {
    std::string msg = "pattern is " + std::to_string(text.size()) + " bytes, longer than the limit of " +
                      std::to_string(limits.max_length);
    if (error) {
      *error = ParseError{};
      error->expected = "a shorter pattern";
      error->message = msg;
    }
    return Status::ResourceExhausted(msg);
  }
  // ParseFailure never leaves this function (no exception crosses the
  // module boundary); the constructor may already throw (first token).
  try {
    Parser p(text, limits);
    Pattern result = p.ParseAll();
    return result;
  } catch (const ParseFailure& f) {
    if (error) *error = f.error;
    return f.status;
  }
}

}  // namespace rampart::pattern
