#include "pattern/ast.h"

#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace rampart::pattern {
namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

bool IsKeyword(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS",
      "LAST", "IN", "START", "STOP", "SECONDS", "true", "false", "WITHIN", "REPEATS", "TIMES"};
  for (std::string_view k : kWords)
    if (k == w) return true;
  return false;
}

// A key that can be written bare: [a-zA-Z_][a-zA-Z0-9_]* and not a keyword.
bool IsBareKey(std::string_view k) {
  if (k.empty() || !IsIdentStart(k[0])) return false;
  for (char c : k)
    if (!IsIdentChar(c)) return false;
  return !IsKeyword(k);
}

std::string QuoteString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

// Shortest round-trip decimal text that the grammar accepts as a float
// literal (digits '.' digits, no exponent).
std::string FormatFloat(double v) {
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string s(buf, r.ptr);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string HexLower(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int ObsPrecedence(ObservationExpr::Kind k) {
  switch (k) {
    case ObservationExpr::Kind::kFollowedBy: return 1;
    case ObservationExpr::Kind::kOr: return 2;
    case ObservationExpr::Kind::kAnd: return 3;
    default: return 4;  // observation or qualified unit
  }
}

}  // namespace

std::string_view LiteralTypeName(LiteralType type) {
  switch (type) {
    case LiteralType::kString: return "string";
    case LiteralType::kInt: return "int";
    case LiteralType::kFloat: return "float";
    case LiteralType::kBool: return "bool";
    case LiteralType::kBinary: return "binary";
    case LiteralType::kHex: return "hex";
    case LiteralType::kTimestamp: return "timestamp";
  }
  return "literal";
}

Literal Literal::String(std::string s) {
  Literal l;
  l.type = LiteralType::kString;
  l.text = std::move(s);
  return l;
}
Literal Literal::Int(int64_t v) {
  Literal l;
  l.type = LiteralType::kInt;
  l.int_value = v;
  return l;
}
Literal Literal::Float(double v) {
  Literal l;
  l.type = LiteralType::kFloat;
  l.float_value = v;
  return l;
}
Literal Literal::Bool(bool v) {
  Literal l;
  l.type = LiteralType::kBool;
  l.bool_value = v;
  return l;
}
Literal Literal::Binary(std::string decoded_bytes) {
  Literal l;
  l.type = LiteralType::kBinary;
  l.bytes = std::move(decoded_bytes);
  return l;
}
Literal Literal::Hex(std::string decoded_bytes) {
  Literal l;
  l.type = LiteralType::kHex;
  l.bytes = std::move(decoded_bytes);
  return l;
}
Literal Literal::Timestamp(std::string text, int64_t micros) {
  Literal l;
  l.type = LiteralType::kTimestamp;
  l.text = std::move(text);
  l.micros = micros;
  return l;
}

bool operator==(const Literal& a, const Literal& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case LiteralType::kString: return a.text == b.text;
    case LiteralType::kInt: return a.int_value == b.int_value;
    case LiteralType::kFloat: return a.float_value == b.float_value;
    case LiteralType::kBool: return a.bool_value == b.bool_value;
    case LiteralType::kBinary:
    case LiteralType::kHex: return a.bytes == b.bytes;
    case LiteralType::kTimestamp: return a.text == b.text && a.micros == b.micros;
  }
  return false;
}

PathStep PathStep::Key(std::string key) {
  PathStep s;
  s.kind = Kind::kKey;
  s.key = std::move(key);
  return s;
}
PathStep PathStep::Index(int64_t index) {
  PathStep s;
  s.kind = Kind::kIndex;
  s.index = index;
  return s;
}
PathStep PathStep::Any() {
  PathStep s;
  s.kind = Kind::kAnyIndex;
  return s;
}

std::string_view OperatorName(Operator op) {
  switch (op) {
    case Operator::kEqual: return "=";
    case Operator::kNotEqual: return "!=";
    case Operator::kGreater: return ">";
    case Operator::kLess: return "<";
    case Operator::kGreaterEqual: return ">=";
    case Operator::kLessEqual: return "<=";
    case Operator::kIn: return "IN";
    case Operator::kLike: return "LIKE";
    case Operator::kMatches: return "MATCHES";
    case Operator::kIsSubset: return "ISSUBSET";
    case Operator::kIsSuperset: return "ISSUPERSET";
    case Operator::kExists: return "EXISTS";
  }
  return "?";
}

bool operator==(const ComparisonExpr& a, const ComparisonExpr& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == ComparisonExpr::Kind::kComparison) return a.comparison == b.comparison;
  return a.children == b.children;
}

bool operator==(const ObservationExpr& a, const ObservationExpr& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ObservationExpr::Kind::kObservation: return a.comparison == b.comparison;
    case ObservationExpr::Kind::kWithin:
      if (a.within_seconds != b.within_seconds) return false;
      break;
    case ObservationExpr::Kind::kRepeats:
      if (a.repeats != b.repeats) return false;
      break;
    case ObservationExpr::Kind::kStartStop:
      if (!(a.start == b.start) || !(a.stop == b.stop)) return false;
      break;
    default: break;
  }
  return a.children == b.children;
}

// ------------------------------------------------------------------ printing

std::string ToString(const Literal& l) {
  switch (l.type) {
    case LiteralType::kString: return QuoteString(l.text);
    case LiteralType::kInt: return std::to_string(l.int_value);
    case LiteralType::kFloat: return FormatFloat(l.float_value);
    case LiteralType::kBool: return l.bool_value ? "true" : "false";
    case LiteralType::kBinary: return "b'" + Base64(l.bytes) + "'";
    case LiteralType::kHex: return "h'" + HexLower(l.bytes) + "'";
    case LiteralType::kTimestamp: return "t'" + l.text + "'";
  }
  return "";
}

std::string ToString(const ObjectPath& path) {
  std::string out = path.object_type + ":";
  bool first = true;
  for (const PathStep& s : path.steps) {
    switch (s.kind) {
      case PathStep::Kind::kKey:
        if (!first) out += '.';
        out += IsBareKey(s.key) ? s.key : QuoteString(s.key);
        break;
      case PathStep::Kind::kIndex: out += "[" + std::to_string(s.index) + "]"; break;
      case PathStep::Kind::kAnyIndex: out += "[*]"; break;
    }
    first = false;
  }
  return out;
}

std::string ToString(const Comparison& c) {
  if (c.op == Operator::kExists) return std::string(c.negated ? "NOT " : "") + "EXISTS " + ToString(c.path);
  std::string out = ToString(c.path);
  out += c.negated ? " NOT " : " ";
  out += OperatorName(c.op);
  out += ' ';
  if (c.op == Operator::kIn) {
    out += '(';
    for (size_t i = 0; i < c.set.size(); ++i) {
      if (i) out += ", ";
      out += ToString(c.set[i]);
    }
    out += ')';
  } else {
    out += ToString(c.value);
  }
  return out;
}

std::string ToString(const ComparisonExpr& e) {
  if (e.kind == ComparisonExpr::Kind::kComparison) return ToString(e.comparison);
  std::string_view sep = e.kind == ComparisonExpr::Kind::kAnd ? " AND " : " OR ";
  std::string out;
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i) out += sep;
    const ComparisonExpr& c = e.children[i];
    // AND binds tighter than OR: parenthesise an OR under an AND, and any
    // nested node of the same kind (keeps hand-built trees intact).
    bool paren = c.kind != ComparisonExpr::Kind::kComparison &&
                 (c.kind == e.kind || c.kind == ComparisonExpr::Kind::kOr);
    out += paren ? "(" + ToString(c) + ")" : ToString(c);
  }
  return out;
}

std::string ToString(const ObservationExpr& e) {
  using K = ObservationExpr::Kind;
  switch (e.kind) {
    case K::kObservation: return "[" + ToString(e.comparison) + "]";
    case K::kWithin:
    case K::kRepeats:
    case K::kStartStop: {
      std::string out;
      if (e.children.empty()) return "";
      const ObservationExpr& c = e.children[0];
      // A qualifier chain repeating this kind is parenthesised: the parser
      // (as cti-pattern-validator) refuses "[a] WITHIN 1 SECONDS WITHIN 2
      // SECONDS", but reads "([a] WITHIN 1 SECONDS) WITHIN 2 SECONDS".
      bool repeats_kind = false;
      for (const ObservationExpr* n = &c; !n->children.empty() &&
                                          (n->kind == K::kWithin || n->kind == K::kRepeats || n->kind == K::kStartStop);
           n = &n->children[0]) {
        repeats_kind |= n->kind == e.kind;
      }
      out = ObsPrecedence(c.kind) < 4 || repeats_kind ? "(" + ToString(c) + ")" : ToString(c);
      if (e.kind == K::kWithin) {
        double s = e.within_seconds;
        if (std::floor(s) == s && s >= 0 && s < 9.2e18)
          out += " WITHIN " + std::to_string(static_cast<int64_t>(s)) + " SECONDS";
        else
          out += " WITHIN " + FormatFloat(s) + " SECONDS";
      } else if (e.kind == K::kRepeats) {
        out += " REPEATS " + std::to_string(e.repeats) + " TIMES";
      } else {
        out += " START " + ToString(e.start) + " STOP " + ToString(e.stop);
      }
      return out;
    }
    default: break;
  }
  std::string_view sep = e.kind == K::kAnd ? " AND " : e.kind == K::kOr ? " OR " : " FOLLOWEDBY ";
  std::string out;
  for (size_t i = 0; i < e.children.size(); ++i) {
    if (i) out += sep;
    const ObservationExpr& c = e.children[i];
    bool paren = ObsPrecedence(c.kind) <= ObsPrecedence(e.kind);
    out += paren ? "(" + ToString(c) + ")" : ToString(c);
  }
  return out;
}

std::string ToString(const Pattern& p) { return ToString(p.root); }

}  // namespace rampart::pattern
