#include "auth/marking_splice.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace rampart::auth::internal {

namespace {

constexpr int kMaxDepth = 256;
constexpr std::string_view kRefsKey = "object_marking_refs";

enum class Scan { kOk, kInvalid, kUndecided };

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when any byte of `v` is '"', '\\' or below 0x20 (SWAR: the classic
// "has zero byte" / "has byte less than n" tests, exact as a yes/no answer).
bool HasStringSpecial(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t less_than_space = (v - kOnes * 0x20) & ~v & kHigh;
  return (has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\')) | less_than_space) != 0;
}

// A strict RFC 8259 grammar walker over UTF-8-validated text that remembers
// nothing: callers read positions between calls. Peek() is '\0' at the end
// (a raw NUL is never valid outside strings, so it cannot be mistaken).
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  size_t pos() const { return i_; }
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void Advance() { ++i_; }
  void SkipWs() {
    while (i_ < s_.size() && IsWs(s_[i_])) ++i_;
  }
  bool Expect(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }

  // At '"'; on success pos() is just past the closing quote and *escaped
  // says whether the body had any backslash escape.
  bool String(bool* escaped) {
    ++i_;
    *escaped = false;
    while (i_ < s_.size()) {
      // Skip 8 ordinary bytes at a time.
      while (s_.size() - i_ >= 8) {
        uint64_t v;
        std::memcpy(&v, s_.data() + i_, 8);
        if (HasStringSpecial(v)) break;
        i_ += 8;
      }
      if (i_ >= s_.size()) break;
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      ++i_;
      if (c != '\\') continue;
      *escaped = true;
      if (i_ >= s_.size()) return false;
      switch (s_[i_++]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          break;
        case 'u': {
          const int cp = Hex4();
          if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;  // lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // must pair with a low surrogate
            if (!Expect('\\') || !Expect('u')) return false;
            const int lo = Hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) return false;
          }
          break;
        }
        default:
          return false;
      }
    }
    return false;  // unterminated
  }

  Scan Value(int depth) {
    switch (Peek()) {
      case '{': return Object(depth + 1);
      case '[': return Array(depth + 1);
      case '"': {
        bool escaped;
        return String(&escaped) ? Scan::kOk : Scan::kInvalid;
      }
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number();
    }
  }

 private:
  int Hex4() {
    if (s_.size() - i_ < 4) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = HexValue(s_[i_ + k]);
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    i_ += 4;
    return v;
  }

  Scan Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Scan::kInvalid;
    i_ += word.size();
    return Scan::kOk;
  }

  void Digits() {
    while (IsDigit(Peek())) ++i_;
  }

  Scan Number() {
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (IsDigit(Peek())) {
      Digits();
    } else {
      return Scan::kInvalid;
    }
    if (Peek() == '.') {
      ++i_;
      if (!IsDigit(Peek())) return Scan::kInvalid;
      Digits();
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      if (!IsDigit(Peek())) return Scan::kInvalid;
      Digits();
    }
    return Scan::kOk;
  }

  Scan Object(int depth) {
    if (depth > kMaxDepth) return Scan::kUndecided;
    ++i_;  // '{'
    SkipWs();
    if (Expect('}')) return Scan::kOk;
    for (;;) {
      bool escaped;
      if (Peek() != '"' || !String(&escaped)) return Scan::kInvalid;
      SkipWs();
      if (!Expect(':')) return Scan::kInvalid;
      SkipWs();
      if (Scan r = Value(depth); r != Scan::kOk) return r;
      SkipWs();
      if (Expect('}')) return Scan::kOk;
      if (!Expect(',')) return Scan::kInvalid;
      SkipWs();
    }
  }

  Scan Array(int depth) {
    if (depth > kMaxDepth) return Scan::kUndecided;
    ++i_;  // '['
    SkipWs();
    if (Expect(']')) return Scan::kOk;
    for (;;) {
      if (Scan r = Value(depth); r != Scan::kOk) return r;
      SkipWs();
      if (Expect(']')) return Scan::kOk;
      if (!Expect(',')) return Scan::kInvalid;
      SkipWs();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// The body of the string token ending just before `end` and starting at `start`.
std::string_view Body(std::string_view s, size_t start, size_t end) {
  return s.substr(start + 1, end - start - 2);
}

}  // namespace

std::optional<std::string> SpliceObjectMarking(std::string_view json, std::string_view marking_id) {
  // JSON text outside strings is ASCII, so this validates every string.
  if (!simdjson::validate_utf8(json.data(), json.size())) return std::nullopt;
  Scanner sc(json);
  sc.SkipWs();
  const size_t brace = sc.pos();
  if (!sc.Expect('{')) return std::nullopt;
  sc.SkipWs();

  bool empty_object = false;
  bool found = false;       // a top-level object_marking_refs
  size_t array_open = 0;    // its '['
  bool array_empty = false;
  bool has_mark = false;    // marking_id already in it
  if (sc.Expect('}')) {
    empty_object = true;
  } else {
    for (;;) {
      const size_t key_start = sc.pos();
      bool escaped;
      if (sc.Peek() != '"' || !sc.String(&escaped)) return std::nullopt;
      // An escaped key might spell object_marking_refs: let nlohmann decide.
      if (escaped) return std::nullopt;
      const std::string_view key = Body(json, key_start, sc.pos());
      sc.SkipWs();
      if (!sc.Expect(':')) return std::nullopt;
      sc.SkipWs();
      if (key == kRefsKey) {
        if (found || sc.Peek() != '[') return std::nullopt;  // duplicate, or not an array
        found = true;
        array_open = sc.pos();
        sc.Advance();
        sc.SkipWs();
        if (sc.Expect(']')) {
          array_empty = true;
        } else {
          for (;;) {
            const size_t el = sc.pos();
            if (sc.Peek() != '"' || !sc.String(&escaped) || escaped) return std::nullopt;
            if (Body(json, el, sc.pos()) == marking_id) has_mark = true;
            sc.SkipWs();
            if (sc.Expect(']')) break;
            if (!sc.Expect(',')) return std::nullopt;
            sc.SkipWs();
          }
        }
      } else if (sc.Value(1) != Scan::kOk) {
        return std::nullopt;
      }
      sc.SkipWs();
      if (sc.Expect('}')) break;
      if (!sc.Expect(',')) return std::nullopt;
      sc.SkipWs();
    }
  }
  sc.SkipWs();
  if (!sc.AtEnd()) return std::nullopt;  // trailing bytes

  if (has_mark) return std::string(json);
  std::string out;
  out.reserve(json.size() + kRefsKey.size() + marking_id.size() + 8);
  if (!found) {
    out.append(json.substr(0, brace + 1));
    out += '"';
    out += kRefsKey;
    out += "\":[\"";
    out += marking_id;
    out += "\"]";
    if (!empty_object) out += ',';
    out.append(json.substr(brace + 1));
  } else {
    out.append(json.substr(0, array_open + 1));
    out += '"';
    out += marking_id;
    out += '"';
    if (!array_empty) out += ',';
    out.append(json.substr(array_open + 1));
  }
  return out;
}

bool MayHaveEscapedTopLevelKey(std::string_view json) {
  if (!simdjson::validate_utf8(json.data(), json.size())) return true;
  Scanner sc(json);
  sc.SkipWs();
  if (!sc.Expect('{')) return true;
  sc.SkipWs();
  if (sc.Expect('}')) return false;
  for (;;) {
    const size_t key_start = sc.pos();
    bool escaped;
    if (sc.Peek() != '"' || !sc.String(&escaped)) return true;
    if (escaped && Body(json, key_start, sc.pos()).find("\\u") != std::string_view::npos) {
      return true;
    }
    sc.SkipWs();
    if (!sc.Expect(':')) return true;
    sc.SkipWs();
    if (sc.Value(1) != Scan::kOk) return true;
    sc.SkipWs();
    if (sc.Expect('}')) break;
    if (!sc.Expect(',')) return true;
    sc.SkipWs();
  }
  sc.SkipWs();
  return !sc.AtEnd();
}

}  // namespace rampart::auth::internal
