// Document-level parsing: JSON (simdjson DOM), bundles/objects/arrays, the
// exact bytes of each object, STIX 2.0 detection and upgrade, limits.
#include "stix/parser.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include <cstring>
#include <set>
#include <string>
#include <utility>

#include "stix/internal/validate.h"

namespace rampart::stix {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// ---- Exact byte spans of the elements of the top-level "objects" array ----
// Runs only on text simdjson has already validated, so it needs to know just
// enough JSON to skip values: strings (with escapes) and bracket nesting.
class SpanScanner {
 public:
  explicit SpanScanner(std::string_view s) : s_(s) {}

  // Spans of the elements of the top-level "objects" array of a bundle
  // (*found_objects: whether there is one). Also reads every other top-level member, so that no key of the bundle
  // outside that array is written with an escape: the spans are then those
  // of the array the DOM reads (at_key compares decoded keys, this scanner
  // raw ones). REQUIRES: the bundle has no duplicate top-level key. False,
  // with *problem set, when a key is escaped or the shape is unexpected.
  bool BundleSpans(std::vector<std::string_view>* spans, bool* found_objects, std::string* problem) {
    bool& found = *found_objects;
    found = false;
    Ws();
    if (!Eat('{')) return Unexpected(problem);
    Ws();
    if (Eat('}')) return true;
    while (true) {
      Ws();
      if (Peek() != '"') return Unexpected(problem);
      size_t kstart = i_ + 1;
      SkipString();
      std::string_view key = s_.substr(kstart, i_ - 1 - kstart);
      if (key.find('\\') != std::string_view::npos) {
        *problem = "the bundle key \"" + std::string(key.substr(0, 64)) +
                   "\" is written with a JSON escape (STIX keys are plain ASCII)";
        return false;
      }
      Ws();
      if (!Eat(':')) return Unexpected(problem);
      Ws();
      if (key == "objects" && Peek() == '[') {
        if (found || !ArraySpans(spans)) return Unexpected(problem);
        found = true;
      } else {
        std::string where;
        std::string_view escaped;
        if (EscapedKeyInValue(&where, &escaped)) {
          *problem = "the key \"" + std::string(escaped.substr(0, 64)) + "\" at $." + std::string(key) + where +
                     " is written with a JSON escape (STIX keys are plain ASCII)";
          return false;
        }
      }
      Ws();
      if (Eat('}')) break;
      if (!Eat(',')) return Unexpected(problem);
    }
    return true;
  }

  // Reads the JSON value at the current position. True when an object key
  // inside it (at any depth) has a backslash in its raw text: *where is the
  // path of the object holding that key relative to the value ("" for the
  // value itself, ".a[2]"), *key its raw text. Recursion is bounded by the
  // nesting limit simdjson already enforced on this text.
  bool EscapedKeyInValue(std::string* where, std::string_view* key) {
    Ws();
    const char c = Peek();
    if (c == '{') {
      ++i_;
      Ws();
      if (Eat('}')) return false;
      while (true) {
        Ws();
        size_t kstart = i_ + 1;
        SkipString();
        std::string_view k = s_.substr(kstart, i_ - 1 - kstart);
        if (k.find('\\') != std::string_view::npos) {
          where->clear();
          *key = k;
          return true;
        }
        Ws();
        if (!Eat(':')) return false;
        if (EscapedKeyInValue(where, key)) {
          where->insert(0, "." + std::string(k));
          return true;
        }
        Ws();
        if (!Eat(',')) {
          Eat('}');
          return false;
        }
      }
    }
    if (c == '[') {
      ++i_;
      Ws();
      if (Eat(']')) return false;
      for (size_t n = 0;; ++n) {
        if (EscapedKeyInValue(where, key)) {
          where->insert(0, "[" + std::to_string(n) + "]");
          return true;
        }
        Ws();
        if (!Eat(',')) {
          Eat(']');
          return false;
        }
      }
    }
    SkipValue();
    return false;
  }

  // Spans of the elements of a top-level array.
  bool ArraySpans(std::vector<std::string_view>* spans) {
    Ws();
    if (!Eat('[')) return false;
    Ws();
    if (Eat(']')) return true;
    while (true) {
      Ws();
      size_t start = i_;
      SkipValue();
      spans->push_back(s_.substr(start, i_ - start));
      Ws();
      if (Eat(']')) return true;
      if (!Eat(',')) return false;
    }
  }

  // The document trimmed of surrounding whitespace.
  std::string_view Trimmed() {
    size_t b = 0, e = s_.size();
    while (b < e && IsWs(s_[b])) ++b;
    while (e > b && IsWs(s_[e - 1])) --e;
    return s_.substr(b, e - b);
  }

 private:
  static bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  void Ws() {
    while (i_ < s_.size() && IsWs(s_[i_])) ++i_;
  }
  void SkipString() {  // at '"'
    ++i_;
    // memchr (vectorised) to the next quote; it ends the string unless an
    // odd number of backslashes precedes it.
    while (i_ < s_.size()) {
      const void* q = std::memchr(s_.data() + i_, '"', s_.size() - i_);
      if (q == nullptr) {
        i_ = s_.size();
        return;
      }
      size_t pos = static_cast<const char*>(q) - s_.data();
      size_t bs = 0;
      while (pos - bs > i_ && s_[pos - bs - 1] == '\\') ++bs;
      i_ = pos + 1;
      if (bs % 2 == 0) return;
    }
  }
  void SkipValue() {
    char c = Peek();
    if (c == '"') {
      SkipString();
      return;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (i_ < s_.size()) {
        char d = s_[i_];
        if (d == '"') {
          SkipString();
          continue;
        }
        ++i_;
        if (d == '{' || d == '[') ++depth;
        else if ((d == '}' || d == ']') && --depth == 0) return;
      }
      return;
    }
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && !IsWs(s_[i_])) ++i_;
  }

  static bool Unexpected(std::string* problem) {
    *problem = "cannot locate the bytes of the bundle's objects";
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// ---- One reading of every key (rules duplicate-key and escaped-key) ----
// simdjson's at_key returns the first of two equal keys, nlohmann the last,
// and a byte search for a key misses it when it is written with an escape;
// so no object may hold either. STIX property names and dictionary keys are
// ASCII [a-zA-Z0-9_-]: no key ever needs an escape.

// True when some object key in `raw` (JSON text simdjson validated) is
// written with an escape. Fast on ordinary objects, whose backslashes are in
// values (descriptions' "\n"): it jumps from backslash to backslash with
// memchr, finds the end of the string holding each (memchr for the quote,
// then the parity of the backslashes before it) and looks for a ':' after it.
bool HasEscapedKey(std::string_view raw) {
  const char* const begin = raw.data();
  const char* const end = begin + raw.size();
  const char* p = begin;
  // The first backslash after a point outside strings starts an escape
  // inside the next string; so does every one the loop below reaches.
  while ((p = static_cast<const char*>(std::memchr(p, '\\', end - p))) != nullptr) {
    const char* q = p;
    while (true) {  // the closing quote of this string
      q = static_cast<const char*>(std::memchr(q, '"', end - q));
      if (q == nullptr) return false;  // not on validated text
      size_t bs = 0;
      while (q - bs > begin && q[-1 - static_cast<ptrdiff_t>(bs)] == '\\') ++bs;
      if (bs % 2 == 0) break;
      ++q;
    }
    p = q + 1;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
    if (p < end && *p == ':') return true;
  }
  return false;
}

// A 6-bit signature of a key, so that most keys of a small object are told
// apart without comparing their bytes.
inline unsigned KeySignature(std::string_view k) {
  if (k.empty()) return 0;
  return (static_cast<unsigned>(k.size()) + 3u * static_cast<unsigned char>(k.back()) +
          static_cast<unsigned char>(k[k.size() / 2])) & 63u;
}

// True when `o` holds a (decoded) key twice; *key = that key. Up to 16 keys
// are compared on the stack (bytes only for keys whose signatures collide);
// more sort `scratch` (reused across objects, so no allocation per key).
// `recurse` (may be null) is called with each container value of an object
// of up to 16 keys, in order, and stops the search when it returns true;
// *recursed tells whether it was called for every container value.
template <typename Recurse>
bool HasDuplicateKey(object o, std::vector<std::string_view>& scratch, std::string_view* key, Recurse recurse,
                     bool* recursed) {
  constexpr size_t kSmall = 16;
  std::string_view small[kSmall];
  uint64_t seen = 0;
  size_t n = 0;
  bool big = false;
  *recursed = true;
  for (auto f : o) {
    if (!big && n == kSmall) {
      big = true;
      *recursed = false;
      scratch.assign(small, small + n);
    }
    if (big) {
      scratch.push_back(f.key);
      continue;
    }
    const uint64_t bit = uint64_t{1} << KeySignature(f.key);
    if (seen & bit) {
      for (size_t j = 0; j < n; ++j) {
        if (small[j] == f.key) {
          *key = f.key;
          return true;
        }
      }
    }
    seen |= bit;
    small[n++] = f.key;
    const element_type t = f.value.type();
    if ((t == element_type::OBJECT || t == element_type::ARRAY) && recurse(f.key, f.value)) return true;
  }
  if (!big) return false;
  std::sort(scratch.begin(), scratch.end());
  auto dup = std::adjacent_find(scratch.begin(), scratch.end());
  if (dup == scratch.end()) return false;
  *key = *dup;
  return true;
}

bool HasDuplicateKey(object o, std::vector<std::string_view>& scratch, std::string_view* key) {
  bool recursed;
  return HasDuplicateKey(o, scratch, key, [](std::string_view, element) { return false; }, &recursed);
}

// The first object at any depth of `e` (e included) that holds a key twice:
// true, *where = its path relative to `e` ("" for e itself), *key = the key.
// One walk over the DOM; the path is built only for the object found.
bool FindDuplicateKey(element e, std::vector<std::string_view>& scratch, std::string* where,
                      std::string_view* key) {
  if (e.type() == element_type::ARRAY) {
    size_t n = 0;
    for (element c : array(e.get_array().value_unsafe())) {
      const element_type t = c.type();
      if ((t == element_type::OBJECT || t == element_type::ARRAY) && FindDuplicateKey(c, scratch, where, key)) {
        where->insert(0, "[" + std::to_string(n) + "]");
        return true;
      }
      ++n;
    }
    return false;
  }
  if (e.type() != element_type::OBJECT) return false;
  object o = e.get_object().value_unsafe();
  bool found_in_child = false;
  auto recurse = [&](std::string_view k, element v) {
    if (!FindDuplicateKey(v, scratch, where, key)) return false;
    where->insert(0, "." + std::string(k));
    found_in_child = true;
    return true;
  };
  bool recursed;
  if (HasDuplicateKey(o, scratch, key, recurse, &recursed)) {
    if (!found_in_child) where->clear();
    return true;
  }
  if (recursed) return false;
  // An object of more than 16 keys: its children after the sort (which
  // needed `scratch` to itself).
  for (auto f : o) {
    const element_type t = f.value.type();
    if ((t == element_type::OBJECT || t == element_type::ARRAY) && recurse(f.key, f.value)) return true;
  }
  return false;
}

// ---- STIX 2.0 -> 2.1 upgrade ----
// The changes that matter for a 2.1 consumer: spec_version, the 2.0 `labels`
// that became typed open vocabularies, indicator pattern_type and malware
// is_family. Everything else is carried over unchanged.
Result<std::string> UpgradeTo21(std::string_view raw) {
  nlohmann::ordered_json in;
  try {
    in = nlohmann::ordered_json::parse(raw);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot re-read object for upgrade: ") + e.what());
  }
  if (!in.is_object()) return Status::InvalidArgument("not an object");
  std::string type = in.value("type", "");
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  static const std::pair<const char*, const char*> kLabelMoves[] = {
      {"indicator", "indicator_types"}, {"malware", "malware_types"},        {"report", "report_types"},
      {"threat-actor", "threat_actor_types"}, {"tool", "tool_types"}, {"infrastructure", "infrastructure_types"}};
  const char* labels_to = nullptr;
  for (const auto& [t, to] : kLabelMoves) {
    if (type == t) labels_to = to;
  }
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (it.key() == "spec_version") continue;
    if (labels_to != nullptr && it.key() == "labels") {
      out[labels_to] = it.value();
      continue;
    }
    out[it.key()] = it.value();
    if (it.key() == "type") out["spec_version"] = "2.1";
  }
  if (!out.contains("spec_version")) out["spec_version"] = "2.1";
  if (type == "indicator" && !out.contains("pattern_type")) out["pattern_type"] = "stix";
  if (type == "malware" && !out.contains("is_family")) out["is_family"] = true;
  return out.dump();
}

bool HasLongString(element e, size_t max, size_t depth) {
  switch (e.type()) {
    case element_type::STRING:
      return e.get_string().value_unsafe().size() > max;
    case element_type::ARRAY:
      for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
        if (HasLongString(c, max, depth + 1)) return true;
      }
      return false;
    case element_type::OBJECT:
      for (auto f : simdjson::dom::object(e.get_object().value_unsafe())) {
        if (f.key.size() > max || HasLongString(f.value, max, depth + 1)) return true;
      }
      return false;
    default:
      return false;
  }
}

struct DocState {
  const ParseOptions& options;
  ParseResult* result;
  bool bundle_is_20 = false;
  std::vector<std::string_view> key_scratch;  // FindDuplicateKey's, reused
};

std::string IdForError(object obj) {
  element e;
  std::string_view sv;
  if (!obj.at_key("id").get(e) && !e.get_string().get(sv)) return std::string(sv.substr(0, 300));
  return "";
}

// The rules duplicate-key and escaped-key for one object (its DOM `el` and
// its exact bytes `raw`). True when the object fails them (errors added).
bool FailsKeyRules(DocState& st, element el, object obj, std::string_view raw, const std::string& path) {
  ParseResult& res = *st.result;
  bool failed = false;
  std::string where;
  std::string_view key;
  if (FindDuplicateKey(el, st.key_scratch, &where, &key)) {
    res.errors.push_back({IdForError(obj), path + where, "duplicate-key",
                          "the key \"" + std::string(key.substr(0, 64)) +
                              "\" appears twice in one JSON object; keys must be unique"});
    failed = true;
  }
  // The full scan (for the path) only when there is an escaped key.
  if (HasEscapedKey(raw)) {
    SpanScanner scanner(raw);
    if (!scanner.EscapedKeyInValue(&where, &key)) {  // cannot happen; refuse anyway
      where.clear();
      key = "?";
    }
    res.errors.push_back({IdForError(obj), path + where, "escaped-key",
                          "the key \"" + std::string(key.substr(0, 64)) +
                              "\" is written with a JSON escape; STIX property names and dictionary keys "
                              "are plain ASCII and must be written without escapes"});
    failed = true;
  }
  return failed;
}

void HandleObject(DocState& st, element el, std::string_view raw, const std::string& path) {
  ParseResult& res = *st.result;
  ++res.objects_seen;
  object obj;
  if (el.get_object().get(obj)) {
    res.errors.push_back({"", path, "not-an-object", "each entry must be a STIX object (a JSON object)"});
    return;
  }
  if (FailsKeyRules(st, el, obj, raw, path)) return;
  if (st.options.max_string < raw.size() && HasLongString(el, st.options.max_string, 0)) {
    std::string id;
    element e;
    std::string_view sv;
    if (!obj.at_key("id").get(e) && !e.get_string().get(sv)) id = std::string(sv.substr(0, 300));
    res.errors.push_back({id, path, "string-too-long",
                          "a string is longer than the limit of " + std::to_string(st.options.max_string) + " bytes"});
    return;
  }
  // STIX 2.0: no spec_version on an object that is not an SCO (SCOs were
  // never top-level in 2.0, and are spec_version-optional in 2.1).
  element e;
  std::string_view sv, type;
  bool has_sv = !obj.at_key("spec_version").get(e);
  if (has_sv) if (e.get_string().get(sv)) {}
  if (!obj.at_key("type").get(e)) if (e.get_string().get(type)) {}
  bool is_sco = internal::KindOfType(type) == ObjectKind::kSco;
  bool is_20 = (has_sv && sv == "2.0") || (!has_sv && !is_sco && !type.empty());
  if (!has_sv && !is_sco && internal::KindOfType(type) == ObjectKind::kCustom) {
    // A custom object without spec_version: 2.0 unless it declares a 2.1
    // new-sco extension (then it is an SCO, for which spec_version is optional).
    object ex;
    if (!obj.at_key("extensions").get(e) && !e.get_object().get(ex)) {
      for (auto f : ex) {
        object body;
        element t;
        std::string_view et;
        if (!f.value.get_object().get(body) && !body.at_key("extension_type").get(t) &&
            !t.get_string().get(et) && et == "new-sco") {
          is_20 = false;
        }
      }
    }
  }
  // Marked 2.0 (spec_version "2.0" on the object, or an unmarked object in a
  // bundle with spec_version "2.0") is always validated as 2.0.
  bool explicit_20 = (has_sv && sv == "2.0") || (!has_sv && st.bundle_is_20 && !is_sco);
  ParsedObject out;
  std::vector<ValidationError> errs;
  if (is_20 && st.options.upgrade_20) {
    auto up = UpgradeTo21(raw);
    if (!up.ok()) {
      res.errors.push_back({"", path, "upgrade", std::string(up.error().message())});
      return;
    }
    simdjson::dom::parser p2;
    element up_el;
    object up_obj;
    if (p2.parse(*up).get(up_el) || up_el.get_object().get(up_obj)) {
      res.errors.push_back({"", path, "upgrade", "upgraded object did not re-parse"});
      return;
    }
    internal::ValidateObject(up_obj, path, internal::SpecVersion::k21, st.options, &out, &errs, &res.warnings);
    out.json = std::move(*up);
  } else if (is_20 && !explicit_20 && !st.options.accept_20) {
    std::string id;
    std::string_view idv;
    if (!obj.at_key("id").get(e) && !e.get_string().get(idv)) id = std::string(idv.substr(0, 300));
    res.errors.push_back({id, path + ".spec_version", "stix20-not-accepted",
                          "object has no spec_version (STIX 2.0); STIX 2.1 objects need spec_version \"2.1\" "
                          "(use --upgrade to convert 2.0 input)"});
    return;
  } else {
    internal::ValidateObject(obj, path, is_20 ? internal::SpecVersion::k20 : internal::SpecVersion::k21,
                             st.options, &out, &errs, &res.warnings);
    out.json = std::string(raw);
  }
  if (!errs.empty()) {
    for (auto& x : errs) res.errors.push_back(std::move(x));
    return;
  }
  res.objects.push_back(std::move(out));
}

}  // namespace

std::string_view ObjectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kSdo: return "sdo";
    case ObjectKind::kSro: return "sro";
    case ObjectKind::kSco: return "sco";
    case ObjectKind::kMeta: return "meta";
    case ObjectKind::kCustom: return "custom";
  }
  return "custom";
}

std::string FormatError(const ValidationError& e) {
  return (e.object_id.empty() ? std::string("-") : e.object_id) + ": " + e.path + ": " + e.rule + ": " + e.message;
}

Result<ParseResult> ParseBundleOrObject(std::string_view json, const ParseOptions& options) {
  if (json.size() > options.max_bytes) {
    return Status::ResourceExhausted("document is " + std::to_string(json.size()) + " bytes, over the limit of " +
                                     std::to_string(options.max_bytes));
  }
  // Reuse one parser per thread for ordinary documents (its buffers are
  // large); big documents get a private parser so the memory is returned.
  constexpr size_t kReuseLimit = size_t{16} << 20;
  thread_local simdjson::dom::parser cached_parser;
  simdjson::dom::parser private_parser;
  simdjson::dom::parser& parser = json.size() <= kReuseLimit ? cached_parser : private_parser;
  size_t capacity = json.size() <= kReuseLimit ? std::max(parser.capacity(), json.size() + 64) : json.size() + 64;
  if (auto err = parser.allocate(capacity, options.max_depth); err) {
    return Status::ResourceExhausted(std::string("cannot allocate parser: ") + simdjson::error_message(err));
  }
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err) {
    if (err == simdjson::DEPTH_ERROR) {
      return Status::ResourceExhausted("JSON nesting is deeper than the limit of " +
                                       std::to_string(options.max_depth));
    }
    if (err == simdjson::EMPTY) return Status::InvalidArgument("empty document: expected a STIX bundle or object");
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  ParseResult res;
  DocState st{options, &res, false, {}};
  SpanScanner scanner(json);

  // `spans` are the exact bytes of the elements of `arr`, as SpanScanner
  // found them; any disagreement with the DOM refuses the document rather
  // than reading the objects some other way.
  auto run_list = [&](array arr, const std::vector<std::string_view>& spans, const std::string& prefix) -> Status {
    if (arr.size() > options.max_objects) {
      return Status::ResourceExhausted("document has " + std::to_string(arr.size()) + " objects, over the limit of " +
                                       std::to_string(options.max_objects));
    }
    if (spans.size() != arr.size()) {
      return Status::InvalidArgument("cannot locate the bytes of the document's objects");
    }
    size_t i = 0;
    for (element el : arr) {
      HandleObject(st, el, spans[i], prefix + "[" + std::to_string(i) + "]");
      ++i;
    }
    return Status::Ok();
  };

  if (root.type() == element_type::ARRAY) {
    std::vector<std::string_view> spans;
    if (!scanner.ArraySpans(&spans)) spans.clear();
    RAMPART_RETURN_IF_ERROR(run_list(root.get_array().value_unsafe(), spans, "$"));
    return res;
  }
  object top;
  if (root.get_object().get(top)) {
    return Status::InvalidArgument(std::string("expected a STIX bundle or object, got a JSON ") +
                                   (root.type() == element_type::STRING ? "string" : "scalar"));
  }
  element e;
  std::string_view type;
  if (!top.at_key("type").get(e) && !e.get_string().get(type) && type == "bundle") {
    res.is_bundle = true;
    // The bundle's own keys: one reading or none (duplicate-key and
    // escaped-key, applied to the bundle outside its objects, fail the whole
    // document; the objects are judged one by one).
    std::string_view dup;
    if (HasDuplicateKey(top, st.key_scratch, &dup)) {
      return Status::InvalidArgument("the bundle holds the key \"" + std::string(dup.substr(0, 64)) +
                                     "\" twice; keys must be unique");
    }
    for (auto f : top) {
      std::string where;
      if (f.key != "objects" && FindDuplicateKey(f.value, st.key_scratch, &where, &dup)) {
        return Status::InvalidArgument("the key \"" + std::string(dup.substr(0, 64)) + "\" appears twice at $." +
                                       std::string(f.key) + where + "; keys must be unique");
      }
    }
    std::vector<std::string_view> spans;
    bool has_objects_array = false;
    std::string problem;
    if (!scanner.BundleSpans(&spans, &has_objects_array, &problem)) return Status::InvalidArgument(problem);
    std::string_view bid;
    if (!top.at_key("id").get(e) && !e.get_string().get(bid)) res.bundle_id = std::string(bid);
    if (res.bundle_id.empty()) {
      res.errors.push_back({"", "$.id", "required-property", "a bundle needs an 'id'"});
    } else if (!IsValidStixId(res.bundle_id) || IdType(res.bundle_id) != "bundle") {
      res.errors.push_back({res.bundle_id, "$.id", "identifier", "a bundle id must be 'bundle--<UUID>'"});
    }
    std::string_view bsv;
    if (!top.at_key("spec_version").get(e)) {
      if (!e.get_string().get(bsv) && bsv == "2.0") {
        st.bundle_is_20 = true;
      } else {
        res.errors.push_back({res.bundle_id, "$.spec_version", "bundle-property",
                              "a STIX 2.1 bundle has no spec_version (only STIX 2.0 bundles carry \"2.0\")"});
      }
    }
    for (auto f : top) {
      if (f.key != "type" && f.key != "id" && f.key != "objects" && f.key != "spec_version") {
        res.errors.push_back({res.bundle_id, "$." + std::string(f.key), "bundle-property",
                              "a bundle has only type, id and objects; '" + std::string(f.key) + "' is not allowed"});
      }
    }
    if (top.at_key("objects").get(e)) return res;
    array arr;
    if (e.get_array().get(arr)) {
      res.errors.push_back({res.bundle_id, "$.objects", "type", "'objects' must be a list"});
      return res;
    }
    if (!has_objects_array) return Status::InvalidArgument("cannot locate the bytes of the bundle's objects");
    RAMPART_RETURN_IF_ERROR(run_list(arr, spans, "$.objects"));
    // Duplicate versions (same id and modified) in one bundle.
    std::set<std::pair<std::string, std::string>> seen;
    for (const ParsedObject& o : res.objects) {
      if (o.modified_text.empty()) continue;
      if (!seen.insert({o.id, o.modified_text}).second) {
        ValidationError dup{o.id, "$.objects", "duplicate-object",
                            "the bundle holds two objects with this id and the same 'modified'", true};
        (options.strict ? res.errors : res.warnings).push_back(std::move(dup));
      }
    }
    return res;
  }
  HandleObject(st, root, scanner.Trimmed(), "$");
  return res;
}

Result<ParsedObject> ParseSingleObject(std::string_view json, const ParseOptions& options) {
  RAMPART_ASSIGN_OR_RETURN(ParseResult r, ParseBundleOrObject(json, options));
  if (r.is_bundle || r.objects_seen != 1) {
    return Status::InvalidArgument("expected exactly one STIX object, not a bundle or list");
  }
  if (!r.errors.empty()) return Status::InvalidArgument(FormatError(r.errors.front()));
  return std::move(r.objects.front());
}

}  // namespace rampart::stix
