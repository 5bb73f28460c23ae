#include "pattern/internal/lexer.h"

#include <array>
#include <utility>

namespace rampart::pattern::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsBase64(char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '/'; }

// Byte length of a whitespace character of the grammar's WS rule at `s`, or 0.
size_t WhitespaceLength(std::string_view s) {
  if (s.empty()) return 0;
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  auto at = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; };
  if (c == 0xC2 && (at(1) == 0x85 || at(1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;     // U+1680
  if (c == 0xE2 && at(1) == 0x80) {
    unsigned char d = at(2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;  // U+2000-200A, 2028, 2029, 202F
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

struct Keyword {
  std::string_view text;
  TokenKind kind;
};
constexpr std::array<Keyword, 19> kKeywords = {{
    {"AND", TokenKind::kAnd},         {"OR", TokenKind::kOr},
    {"NOT", TokenKind::kNot},         {"FOLLOWEDBY", TokenKind::kFollowedBy},
    {"LIKE", TokenKind::kLike},       {"MATCHES", TokenKind::kMatches},
    {"ISSUPERSET", TokenKind::kIsSuperset}, {"ISSUBSET", TokenKind::kIsSubset},
    {"EXISTS", TokenKind::kExists},   {"LAST", TokenKind::kLast},
    {"IN", TokenKind::kIn},           {"START", TokenKind::kStart},
    {"STOP", TokenKind::kStop},       {"SECONDS", TokenKind::kSeconds},
    {"true", TokenKind::kTrue},       {"false", TokenKind::kFalse},
    {"WITHIN", TokenKind::kWithin},   {"REPEATS", TokenKind::kRepeats},
    {"TIMES", TokenKind::kTimes},
}};

// Checks the shape the grammar's TimestampLiteral demands of the text
// between the quotes: YYYY-MM-DDTHH:MM:SS(.d+)?Z with per-field ranges.
bool TimestampShapeOk(std::string_view t) {
  if (t.size() < 20) return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (!IsDigit(t[i])) return false;
  if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return false;
  int month = (t[5] - '0') * 10 + (t[6] - '0');
  int day = (t[8] - '0') * 10 + (t[9] - '0');
  int hour = (t[11] - '0') * 10 + (t[12] - '0');
  int minute = (t[14] - '0') * 10 + (t[15] - '0');
  int second = (t[17] - '0') * 10 + (t[18] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  size_t i = 19;
  if (t[i] == '.') {
    ++i;
    size_t digits = 0;
    while (i < t.size() && IsDigit(t[i])) ++i, ++digits;
    if (digits == 0) return false;
  }
  return i + 1 == t.size() && t[i] == 'Z';
}

bool BinaryShapeOk(std::string_view b) {
  // (4 chars)* then (4 chars | 3 chars '=' | 2 chars '=='): non-empty.
  if (b.empty() || b.size() % 4 != 0) return false;
  size_t pad = 0;
  if (b.back() == '=') pad = (b[b.size() - 2] == '=') ? 2 : 1;
  for (size_t i = 0; i < b.size() - pad; ++i)
    if (!IsBase64(b[i])) return false;
  return true;
}

}  // namespace

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd: return "end of pattern";
    case TokenKind::kInvalid: return "invalid token";
    case TokenKind::kLBrack: return "'['";
    case TokenKind::kRBrack: return "']'";
    case TokenKind::kLParen: return "'('";
    case TokenKind::kRParen: return "')'";
    case TokenKind::kColon: return "':'";
    case TokenKind::kDot: return "'.'";
    case TokenKind::kComma: return "','";
    case TokenKind::kAsterisk: return "'*'";
    case TokenKind::kEq: return "'='";
    case TokenKind::kNeq: return "'!='";
    case TokenKind::kLt: return "'<'";
    case TokenKind::kLe: return "'<='";
    case TokenKind::kGt: return "'>'";
    case TokenKind::kGe: return "'>='";
    case TokenKind::kAnd: return "AND";
    case TokenKind::kOr: return "OR";
    case TokenKind::kNot: return "NOT";
    case TokenKind::kFollowedBy: return "FOLLOWEDBY";
    case TokenKind::kLike: return "LIKE";
    case TokenKind::kMatches: return "MATCHES";
    case TokenKind::kIsSuperset: return "ISSUPERSET";
    case TokenKind::kIsSubset: return "ISSUBSET";
    case TokenKind::kExists: return "EXISTS";
    case TokenKind::kLast: return "LAST";
    case TokenKind::kIn: return "IN";
    case TokenKind::kStart: return "START";
    case TokenKind::kStop: return "STOP";
    case TokenKind::kSeconds: return "SECONDS";
    case TokenKind::kTrue: return "true";
    case TokenKind::kFalse: return "false";
    case TokenKind::kWithin: return "WITHIN";
    case TokenKind::kRepeats: return "REPEATS";
    case TokenKind::kTimes: return "TIMES";
    case TokenKind::kIdentifier: return "identifier";
    case TokenKind::kIdentifierHyphen: return "identifier";
    case TokenKind::kIntPos: return "integer";
    case TokenKind::kIntNeg: return "integer";
    case TokenKind::kFloatPos: return "float";
    case TokenKind::kFloatNeg: return "float";
    case TokenKind::kString: return "string literal";
    case TokenKind::kBinary: return "binary literal";
    case TokenKind::kHex: return "hex literal";
    case TokenKind::kTimestamp: return "timestamp literal";
  }
  return "token";
}

Token Lexer::Make(TokenKind kind, size_t start, size_t end) {
  pos_ = end;
  Token t;
  t.kind = kind;
  t.offset = start;
  t.text = in_.substr(start, end - start);
  return t;
}

Token Lexer::Invalid(size_t start, size_t end, std::string why) {
  Token t = Make(TokenKind::kInvalid, start, end);
  t.error = std::move(why);
  pos_ = in_.size();  // no further tokens after an error
  return t;
}

bool Lexer::SkipSpaceAndComments(Token* error) {
  while (pos_ < in_.size()) {
    size_t ws = WhitespaceLength(in_.substr(pos_));
    if (ws > 0) {
      pos_ += ws;
      continue;
    }
    if (in_.compare(pos_, 2, "/*") == 0) {
      size_t end = in_.find("*/", pos_ + 2);
      if (end == std::string_view::npos) {
        *error = Invalid(pos_, in_.size(), "unterminated /* comment");
        return false;
      }
      pos_ = end + 2;
      continue;
    }
    if (in_.compare(pos_, 2, "//") == 0) {
      size_t end = in_.find_first_of("\r\n", pos_);
      pos_ = end == std::string_view::npos ? in_.size() : end;
      continue;
    }
    break;
  }
  return true;
}

// Scans a quoted body starting at `body_start` (just after the opening
// quote): ( ~['\\] | \' | \\ )* '.
Token Lexer::LexQuoted(TokenKind kind, size_t start, size_t body_start) {
  size_t i = body_start;
  while (i < in_.size()) {
    char c = in_[i];
    if (c == '\'') return Make(kind, start, i + 1);
    if (c == '\\') {
      if (i + 1 < in_.size() && (in_[i + 1] == '\'' || in_[i + 1] == '\\')) {
        i += 2;
        continue;
      }
      return Invalid(i, i + 1, "invalid escape in string (only \\' and \\\\ are allowed)");
    }
    ++i;
  }
  return Invalid(start, in_.size(), "unterminated string literal");
}

Token Lexer::Next() {
  Token err;
  if (!SkipSpaceAndComments(&err)) return err;
  if (pos_ >= in_.size()) return Make(TokenKind::kEnd, in_.size(), in_.size());
  size_t s = pos_;
  char c = in_[s];
  auto peek = [&](size_t i) -> char { return i < in_.size() ? in_[i] : '\0'; };

  switch (c) {
    case '[': return Make(TokenKind::kLBrack, s, s + 1);
    case ']': return Make(TokenKind::kRBrack, s, s + 1);
    case '(': return Make(TokenKind::kLParen, s, s + 1);
    case ')': return Make(TokenKind::kRParen, s, s + 1);
    case ':': return Make(TokenKind::kColon, s, s + 1);
    case ',': return Make(TokenKind::kComma, s, s + 1);
    case '*': return Make(TokenKind::kAsterisk, s, s + 1);
    case '=': return Make(TokenKind::kEq, s, peek(s + 1) == '=' ? s + 2 : s + 1);
    case '!':
      if (peek(s + 1) == '=') return Make(TokenKind::kNeq, s, s + 2);
      return Invalid(s, s + 1, "unexpected character '!'");
    case '<':
      if (peek(s + 1) == '=') return Make(TokenKind::kLe, s, s + 2);
      if (peek(s + 1) == '>') return Make(TokenKind::kNeq, s, s + 2);
      return Make(TokenKind::kLt, s, s + 1);
    case '>':
      if (peek(s + 1) == '=') return Make(TokenKind::kGe, s, s + 2);
      return Make(TokenKind::kGt, s, s + 1);
    case '\'': return LexQuoted(TokenKind::kString, s, s + 1);
    default: break;
  }

  // Numbers: [+-]? ( [0-9]* '.' [0-9]+ | '0' | [1-9][0-9]* ).
  if (IsDigit(c) || c == '+' || c == '-' || (c == '.' && IsDigit(peek(s + 1)))) {
    size_t i = s;
    bool neg = false;
    if (c == '+' || c == '-') {
      neg = c == '-';
      ++i;
    }
    size_t digits_start = i;
    while (i < in_.size() && IsDigit(in_[i])) ++i;
    if (peek(i) == '.' && IsDigit(peek(i + 1))) {
      ++i;
      while (i < in_.size() && IsDigit(in_[i])) ++i;
      return Make(neg ? TokenKind::kFloatNeg : TokenKind::kFloatPos, s, i);
    }
    if (i == digits_start) {
      if (c == '.') return Make(TokenKind::kDot, s, s + 1);
      return Invalid(s, s + 1, std::string("unexpected character '") + c + "'");
    }
    // The grammar's integers have no leading zeros: "007" is "0" then "07".
    if (in_[digits_start] == '0') i = digits_start + 1;
    return Make(neg ? TokenKind::kIntNeg : TokenKind::kIntPos, s, i);
  }
  if (c == '.') return Make(TokenKind::kDot, s, s + 1);

  // Prefixed literals t'..', b'..', h'..'.
  if ((c == 't' || c == 'b' || c == 'h') && peek(s + 1) == '\'') {
    size_t close = in_.find('\'', s + 2);
    if (close == std::string_view::npos) return Invalid(s, in_.size(), "unterminated literal");
    std::string_view body = in_.substr(s + 2, close - (s + 2));
    if (c == 't') {
      if (!TimestampShapeOk(body))
        return Invalid(s, close + 1,
                       "invalid timestamp literal (want t'YYYY-MM-DDTHH:MM:SS[.s+]Z')");
      return Make(TokenKind::kTimestamp, s, close + 1);
    }
    if (c == 'b') {
      if (!BinaryShapeOk(body)) return Invalid(s, close + 1, "invalid base64 in binary literal");
      return Make(TokenKind::kBinary, s, close + 1);
    }
    if (body.size() % 2 != 0) return Invalid(s, close + 1, "odd number of digits in hex literal");
    for (char h : body)
      if (!IsHex(h)) return Invalid(s, close + 1, "invalid digit in hex literal");
    return Make(TokenKind::kHex, s, close + 1);
  }

  if (IsIdentStart(c)) {
    size_t i = s + 1;
    bool hyphen = false;
    while (i < in_.size() && (IsIdentChar(in_[i]) || in_[i] == '-')) {
      hyphen |= in_[i] == '-';
      ++i;
    }
    std::string_view word = in_.substr(s, i - s);
    for (const Keyword& k : kKeywords)
      if (k.text == word) return Make(k.kind, s, i);
    return Make(hyphen ? TokenKind::kIdentifierHyphen : TokenKind::kIdentifier, s, i);
  }

  unsigned char uc = static_cast<unsigned char>(c);
  if (uc >= 0x20 && uc < 0x7f) return Invalid(s, s + 1, std::string("unexpected character '") + c + "'");
  return Invalid(s, s + 1, "unexpected character");
}

}  // namespace rampart::pattern::internal
