// The STIX pattern lexer (tokens of OASIS STIXPattern.g4, 2.1). Internal to
// the pattern module: ParsePattern (pattern/parser.h) is the interface.
//
// Tokens keep their byte offset and raw text; literal tokens are decoded by
// the parser. Pure; a Lexer object is single-threaded.
#ifndef RAMPART_PATTERN_INTERNAL_LEXER_H_
#define RAMPART_PATTERN_INTERNAL_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace rampart::pattern::internal {

enum class TokenKind {
  kEnd,
  kInvalid,  // `error` says why
  kLBrack, kRBrack, kLParen, kRParen, kColon, kDot, kComma, kAsterisk,
  kEq, kNeq, kLt, kLe, kGt, kGe,
  // keywords (upper case, case-sensitive; true/false lower case)
  kAnd, kOr, kNot, kFollowedBy, kLike, kMatches, kIsSuperset, kIsSubset,
  kExists, kLast, kIn, kStart, kStop, kSeconds, kTrue, kFalse, kWithin,
  kRepeats, kTimes,
  kIdentifier,       // [a-zA-Z_][a-zA-Z0-9_]*
  kIdentifierHyphen, // [a-zA-Z_][a-zA-Z0-9_-]* containing a '-'
  kIntPos, kIntNeg, kFloatPos, kFloatNeg,
  kString,     // '...'
  kBinary,     // b'...'
  kHex,        // h'...'
  kTimestamp,  // t'...'
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string_view text;  // raw text as written (view into the input)
  std::string error;      // kInvalid only
};

// Human-readable token kind for "expected ..." messages.
std::string_view TokenKindName(TokenKind kind);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}
  // Returns the next token; kEnd at the end (repeatedly), kInvalid on a
  // lexical error (the caller stops there).
  Token Next();

 private:
  bool SkipSpaceAndComments(Token* error);
  Token Make(TokenKind kind, size_t start, size_t end);
  Token Invalid(size_t start, size_t end, std::string why);
  Token LexQuoted(TokenKind kind, size_t start, size_t body_start);

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace rampart::pattern::internal

#endif  // RAMPART_PATTERN_INTERNAL_LEXER_H_
