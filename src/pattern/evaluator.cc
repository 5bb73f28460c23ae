// The reference evaluator: a faithful port of the OASIS matcher's algorithm
// (stix2matcher/matcher.py, MatchListener). Where the OASIS code chains
// Python generators to find bindings lazily, this file uses C++20
// coroutines (Gen<T>) with the same pull order, so the first binding found,
// and therefore the observed-data returned, are the same.
//
// Exceptions are used inside this file only (EvalError for the OASIS
// MatcherException, NotEnoughValues for the combination pruning); Evaluate()
// catches them and returns a Status.
#include "pattern/evaluator.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <coroutine>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "pattern/normalize.h"

namespace rampart::pattern {
namespace {

using Json = nlohmann::ordered_json;

struct EvalError {
  std::string message;
  StatusCode code = StatusCode::kInvalidArgument;
};

[[noreturn]] void Raise(std::string message) { throw EvalError{std::move(message)}; }

struct NotEnoughValues {
  int64_t missing;
};

// ------------------------------------------------------------ generators

template <typename T>
class Gen {
 public:
  struct promise_type {
    std::optional<T> current;
    std::exception_ptr error;
    Gen get_return_object() { return Gen(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(T value) {
      current = std::move(value);
      return {};
    }
    void return_void() {}
    void unhandled_exception() { error = std::current_exception(); }
  };

  Gen() = default;
  explicit Gen(std::coroutine_handle<promise_type> h) : h_(h) {}
  Gen(Gen&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Gen& operator=(Gen&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Gen(const Gen&) = delete;
  ~Gen() {
    if (h_) h_.destroy();
  }

  // The next value, or nullopt when exhausted; rethrows what the body threw.
  std::optional<T> Next() {
    if (!h_ || h_.done()) return std::nullopt;
    h_.promise().current.reset();
    h_.resume();
    if (h_.promise().error) {
      std::exception_ptr e = std::exchange(h_.promise().error, nullptr);
      std::rethrow_exception(e);
    }
    if (h_.done()) return std::nullopt;
    return std::move(h_.promise().current);
  }

 private:
  std::coroutine_handle<promise_type> h_;
};

// ------------------------------------------------------------------ input

// The STIX 2.1 object types that are not SCOs: patterns never select them
// (stix2matcher/enums.py TYPES_V21).
bool IsSdoTypeV21(std::string_view t) {
  static constexpr std::string_view kTypes[] = {
      "attack-pattern", "bundle", "campaign", "course-of-action", "extension-definition", "grouping",
      "identity", "incident", "indicator", "infrastructure", "intrusion-set", "language-content",
      "location", "malware", "malware-analysis", "marking-definition", "note", "observed-data",
      "opinion", "relationship", "report", "threat-actor", "tool", "sighting", "vulnerability"};
  for (std::string_view k : kTypes)
    if (k == t) return true;
  return false;
}

// Python's _str_to_datetime: upper-case 'T'/'Z' required, fractions beyond
// microseconds truncated, second 60 impossible.
std::optional<Micros> StrictTimestamp(std::string_view s) {
  for (char c : s)
    if (c >= 'a' && c <= 'z') return std::nullopt;
  std::string t(s);
  size_t dot = t.find('.');
  if (dot != std::string::npos && t.size() > dot + 8 && t.back() == 'Z') t = t.substr(0, dot + 7) + "Z";
  if (t.size() >= 19 && t[17] == '6' && t[18] == '0') return std::nullopt;
  Result<Micros> m = ParseTimestamp(t);
  if (!m.ok()) return std::nullopt;
  return *m;
}

struct Observation {
  std::string id;
  Micros first = 0;
  Micros last = 0;
  int64_t number = 1;
  bool has_objects = false;
  // Objects by root id, in the order the OASIS matcher iterates them.
  std::vector<std::pair<std::string, const Json*>> objects;
  // Reference resolution: 2.1 searches this list by "id"; 2.0 looks the
  // key up in `objects20`.
  std::vector<const Json*> all21;
  const Json* objects20 = nullptr;
};

// A value selected by an object path.
struct Val {
  enum class Kind { kJson, kBytes, kList };
  Kind kind = Kind::kJson;
  const Json* j = nullptr;
  std::string bytes;
  std::vector<Val> list;

  static Val Of(const Json* j) {
    Val v;
    v.j = j;
    return v;
  }
};

using Inst = std::pair<int32_t, int64_t>;  // (observation index, instance index)
using Binding = std::vector<Inst>;
// Per observation (insertion-ordered): the root object ids that passed.
using PassMap = std::vector<std::pair<int32_t, std::set<std::string>>>;

// ------------------------------------------------------------- operands

enum class PyT { kInt, kFloat, kStr, kBool, kBytes, kNone, kList, kDict, kDatetime };

struct Operand {
  PyT t = PyT::kNone;
  long double num = 0;     // kInt, kFloat, kBool (0/1)
  std::string_view str;    // kStr (UTF-8), kBytes
  bool b = false;
  Micros dt = 0;
};

Operand FromLiteral(const Literal& l) {
  Operand o;
  switch (l.type) {
    case LiteralType::kString: o.t = PyT::kStr; o.str = l.text; break;
    case LiteralType::kInt: o.t = PyT::kInt; o.num = static_cast<long double>(l.int_value); break;
    case LiteralType::kFloat: o.t = PyT::kFloat; o.num = l.float_value; break;
    case LiteralType::kBool: o.t = PyT::kBool; o.b = l.bool_value; o.num = l.bool_value ? 1 : 0; break;
    case LiteralType::kBinary:
    case LiteralType::kHex: o.t = PyT::kBytes; o.str = l.bytes; break;
    case LiteralType::kTimestamp: o.t = PyT::kDatetime; o.dt = l.micros; break;
  }
  return o;
}

Operand FromVal(const Val& v) {
  Operand o;
  if (v.kind == Val::Kind::kBytes) {
    o.t = PyT::kBytes;
    o.str = v.bytes;
    return o;
  }
  if (v.kind == Val::Kind::kList) {
    o.t = PyT::kList;
    return o;
  }
  const Json& j = *v.j;
  if (j.is_boolean()) {
    o.t = PyT::kBool;
    o.b = j.get<bool>();
    o.num = o.b ? 1 : 0;
  } else if (j.is_number_unsigned()) {
    o.t = PyT::kInt;
    o.num = static_cast<long double>(j.get<uint64_t>());
  } else if (j.is_number_integer()) {
    o.t = PyT::kInt;
    o.num = static_cast<long double>(j.get<int64_t>());
  } else if (j.is_number_float()) {
    o.t = PyT::kFloat;
    o.num = j.get<double>();
  } else if (j.is_string()) {
    o.t = PyT::kStr;
    o.str = j.get_ref<const std::string&>();
  } else if (j.is_array()) {
    o.t = PyT::kList;
  } else if (j.is_object()) {
    o.t = PyT::kDict;
  } else {
    o.t = PyT::kNone;
  }
  return o;
}

// The timestamp hack of the OASIS matcher: a JSON string compared with a
// timestamp literal is read as a timestamp, or the match fails with an error.
void CoerceTimestamp(Operand& value) {
  if (value.t != PyT::kStr) return;
  std::optional<Micros> m = StrictTimestamp(value.str);
  if (!m) Raise("Invalid timestamp in JSON: " + std::string(value.str));
  value.t = PyT::kDatetime;
  value.dt = *m;
}

// Decodes UTF-8 to latin-1 bytes; nullopt if a code point is >= 256.
std::optional<std::string> Latin1(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      uint32_t cp = ((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3F);
      if (cp >= 256) return std::nullopt;
      out += static_cast<char>(cp);
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool AllCodePointsBelow256(std::string_view utf8) { return Latin1(utf8).has_value(); }

bool IsNumeric(PyT t) { return t == PyT::kInt || t == PyT::kFloat; }

// _COMPARE_EQ_FUNCS; nullopt when the table has no entry for the types.
std::optional<bool> EqFunc(const Operand& a, const Operand& b) {
  if (IsNumeric(a.t) && IsNumeric(b.t)) return a.num == b.num;
  if (a.t == PyT::kStr && b.t == PyT::kStr) return a.str == b.str;
  if (a.t == PyT::kBytes && b.t == PyT::kBytes) return a.str == b.str;
  if ((a.t == PyT::kBytes && b.t == PyT::kStr) || (a.t == PyT::kStr && b.t == PyT::kBytes)) {
    const Operand& s = a.t == PyT::kStr ? a : b;
    const Operand& bin = a.t == PyT::kStr ? b : a;
    std::optional<std::string> l1 = Latin1(s.str);
    if (!l1) return false;
    return *l1 == bin.str;
  }
  if (a.t == PyT::kBool && b.t == PyT::kBool) return a.b == b.b;
  if (a.t == PyT::kDatetime && b.t == PyT::kDatetime) return a.dt == b.dt;
  return std::nullopt;
}

template <typename T>
int Cmp3(const T& x, const T& y) {
  return (y < x) - (x < y);
}

struct OrderResult {
  bool has_entry = false;
  bool value_error = false;
  int cmp = 0;
};

// _COMPARE_ORDER_FUNCS applied as cmp(value, literal).
OrderResult OrderFunc(const Operand& value, const Operand& lit) {
  OrderResult r;
  r.has_entry = true;
  if (IsNumeric(value.t) && IsNumeric(lit.t)) {
    r.cmp = Cmp3(value.num, lit.num);
  } else if (value.t == PyT::kStr && lit.t == PyT::kStr) {
    r.cmp = value.str.compare(lit.str) < 0 ? -1 : value.str == lit.str ? 0 : 1;
  } else if (value.t == PyT::kBytes && lit.t == PyT::kBytes) {
    r.cmp = value.str.compare(lit.str) < 0 ? -1 : value.str == lit.str ? 0 : 1;
  } else if ((value.t == PyT::kBytes && lit.t == PyT::kStr) || (value.t == PyT::kStr && lit.t == PyT::kBytes)) {
    bool str_first = value.t == PyT::kStr;
    std::optional<std::string> l1 = Latin1(str_first ? value.str : lit.str);
    if (!l1) {
      r.value_error = true;
      return r;
    }
    std::string_view x = str_first ? std::string_view(*l1) : value.str;
    std::string_view y = str_first ? lit.str : std::string_view(*l1);
    r.cmp = x.compare(y) < 0 ? -1 : x == y ? 0 : 1;
  } else if (value.t == PyT::kDatetime && lit.t == PyT::kDatetime) {
    r.cmp = Cmp3(value.dt, lit.dt);
  } else {
    r.has_entry = false;
  }
  return r;
}

// Python `value in set` for a homogeneous set (hash-equality semantics:
// True == 1 == 1.0, str != bytes).
bool PyEqForSet(const Operand& v, const Operand& m) {
  auto numberish = [](PyT t) { return t == PyT::kInt || t == PyT::kFloat || t == PyT::kBool; };
  if (numberish(v.t) && numberish(m.t)) return v.num == m.num;
  if (v.t != m.t) return false;
  switch (v.t) {
    case PyT::kStr:
    case PyT::kBytes: return v.str == m.str;
    case PyT::kDatetime: return v.dt == m.dt;
    default: return false;
  }
}

// ------------------------------------------------------------------ regex

class Regex {
 public:
  Regex(const std::string& pattern, uint32_t options) {
    int err = 0;
    PCRE2_SIZE off = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &err, &off,
                          nullptr);
    if (!code_) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      error_ = std::string(reinterpret_cast<char*>(buf)) + " at offset " + std::to_string(off);
      return;
    }
    data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
    ctx_ = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(ctx_, 10'000'000);
    pcre2_set_depth_limit(ctx_, 100'000);
  }
  ~Regex() {
    if (ctx_) pcre2_match_context_free(ctx_);
    if (data_) pcre2_match_data_free(data_);
    if (code_) pcre2_code_free(code_);
  }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  bool ok() const { return code_ != nullptr; }
  const std::string& error() const { return error_; }

  bool Search(std::string_view subject) const {
    int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0, data_, ctx_);
    if (rc >= 0) return true;
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(rc, buf, sizeof buf);
    Raise(std::string("regular expression failed: ") + reinterpret_cast<char*>(buf));
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
  pcre2_match_context* ctx_ = nullptr;
  std::string error_;
};

std::string Nfc(std::string_view s) {
  Result<std::string> r = NfcNormalize(s);
  if (!r.ok()) Raise(std::string(r.status().message()));
  return *std::move(r);
}

// Iterates the code points of valid UTF-8.
std::vector<uint32_t> CodePoints(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
    uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k <= n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n + 1;
  }
  return out;
}

// LIKE -> an anchored PCRE2 pattern (the OASIS _like_to_regex: % is .*, _
// is ., everything else literal).
std::string LikeToRegex(std::string_view like_nfc) {
  std::string re = "^";
  char buf[16];
  for (uint32_t cp : CodePoints(like_nfc)) {
    if (cp == '%') {
      re += ".*";
    } else if (cp == '_') {
      re += ".";
    } else if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      re += static_cast<char>(cp);
    } else {
      std::snprintf(buf, sizeof buf, "\\x{%x}", cp);
      re += buf;
    }
  }
  re += "$";
  return re;
}

// ---------------------------------------------------------------- evaluator

class Evaluator {
 public:
  Evaluator(const Json& input, const EvalOptions& options) : options_(options) { Load(input); }

  EvalResult Run(const Pattern& pattern) {
    if (SearchDepth(pattern.root) > options_.max_search_depth)
      throw EvalError{"pattern too complex to evaluate (search nesting above " +
                          std::to_string(options_.max_search_depth) + ")",
                      StatusCode::kResourceExhausted};
    Prepare(pattern.root);
    Gen<Binding> g = Build(pattern.root);
    std::optional<Binding> first = g.Next();
    EvalResult result;
    if (!first) return result;
    std::set<int32_t> obs;
    for (const Inst& i : *first)
      if (i.second == 0) obs.insert(i.first);
    for (int32_t o : obs) result.observed_data_ids.push_back(observations_[o].id);
    result.matched = !result.observed_data_ids.empty();
    return result;
  }

 private:
  // How deeply the generators built for `e` nest (saturating).
  static size_t SearchDepth(const ObservationExpr& e) {
    constexpr size_t kCap = size_t{1} << 40;
    size_t d = 1;
    for (const ObservationExpr& c : e.children) d = std::min(kCap, d + SearchDepth(c));
    if (e.kind == ObservationExpr::Kind::kRepeats)
      d = std::min<size_t>(kCap, d + static_cast<size_t>(std::clamp<int64_t>(e.repeats, 0, int64_t{1} << 40)));
    return d;
  }

  // ------------------------------------------------------------ loading
  void Load(const Json& input) {
    std::vector<const Json*> elements;
    if (input.is_array()) {
      for (const Json& e : input) elements.push_back(&e);
    } else {
      elements.push_back(&input);
    }
    for (const Json* e : elements)
      if (!e->is_object()) Raise("observed-data input elements must be JSON objects");
    StixVersion v = options_.version;
    if (v == StixVersion::kAuto) {
      v = StixVersion::k21;
      for (const Json* e : elements) {
        auto t = e->find("type");
        if (t == e->end() || *t != "bundle") v = StixVersion::k20;
      }
      if (elements.empty()) v = StixVersion::k20;
    }
    v21_ = v == StixVersion::k21;
    if (v21_) {
      LoadV21(elements);
    } else {
      for (const Json* e : elements) LoadV20(*e);
    }
  }

  void SetTiming(Observation& o, const Json& od, const char* what) {
    auto n = od.find("number_observed");
    auto f = od.find("first_observed");
    auto l = od.find("last_observed");
    if (n == od.end() || f == od.end() || l == od.end())
      Raise(std::string(what) + " must have all the following keys: number_observed, first_observed, last_observed.");
    if (!n->is_number_integer()) Raise("number_observed must be an integer");
    o.number = n->get<int64_t>();
    if (o.number < 1) Raise("SDO with invalid number_observed (must be >= 1): " + std::to_string(o.number));
    if (!f->is_string() || !l->is_string()) Raise("first_observed/last_observed must be timestamps");
    std::optional<Micros> fm = StrictTimestamp(f->get_ref<const std::string&>());
    std::optional<Micros> lm = StrictTimestamp(l->get_ref<const std::string&>());
    if (!fm || !lm) Raise("invalid first_observed/last_observed timestamp");
    o.first = *fm;
    o.last = *lm;
    if (o.first > o.last) Raise("first_observed is later than last_observed");
    auto id = od.find("id");
    if (id != od.end() && id->is_string()) o.id = id->get<std::string>();
  }

  void LoadV20(const Json& sdo) {
    Observation o;
    SetTiming(o, sdo, "STIX v2.0 SDO");
    auto objs = sdo.find("objects");
    if (objs != sdo.end()) {
      o.has_objects = true;
      if (!objs->is_object()) Raise("STIX v2.0 observed-data 'objects' must be a dictionary");
      o.objects20 = &*objs;
      for (auto it = objs->begin(); it != objs->end(); ++it) o.objects.emplace_back(it.key(), &it.value());
    }
    observations_.push_back(std::move(o));
  }

  void LoadV21(const std::vector<const Json*>& bundles) {
    // The OASIS matcher deep-merges all bundles (lists concatenate), then
    // gives each observed-data its referenced SCOs.
    std::vector<const Json*> all;
    bool any_objects = false;
    for (const Json* b : bundles) {
      auto objs = b->find("objects");
      if (objs == b->end()) continue;
      any_objects = true;
      if (!objs->is_array()) Raise("STIX v2.1 bundle 'objects' must be a list");
      for (const Json& o : *objs) all.push_back(&o);
    }
    if (!any_objects) Raise("STIX v2.1 bundle object must have 'objects' key");
    std::vector<const Json*> observed;
    std::map<std::string, const Json*> scos;
    for (const Json* o : all) {
      if (!o->is_object()) Raise("bundle objects must be JSON objects");
      auto t = o->find("type");
      if (t != o->end() && *t == "observed-data") {
        observed.push_back(o);
        continue;
      }
      auto id = o->find("id");
      if (id == o->end() || !id->is_string()) Raise("STIX v2.1 object without an 'id'");
      scos[id->get<std::string>()] = o;
    }
    for (const Json* od : observed) {
      auto refs = od->find("object_refs");
      if (refs == od->end()) Raise("STIX v2.1 observed-data object must have 'object_refs' key");
      Observation o;
      SetTiming(o, *od, "STIX v2.1 observed-data object");
      o.has_objects = true;
      o.all21.push_back(od);
      if (refs->is_array()) {
        for (const Json& r : *refs) {
          if (!r.is_string()) continue;
          auto it = scos.find(r.get<std::string>());
          if (it != scos.end()) o.all21.push_back(it->second);
        }
      }
      // {v['id']: v for v in objs}: first position, last value wins.
      std::map<std::string, size_t> pos;
      for (const Json* x : o.all21) {
        auto id = x->find("id");
        if (id == x->end() || !id->is_string()) Raise("STIX v2.1 object without an 'id'");
        const std::string& key = id->get_ref<const std::string&>();
        auto p = pos.find(key);
        if (p == pos.end()) {
          pos[key] = o.objects.size();
          o.objects.emplace_back(key, x);
        } else {
          o.objects[p->second].second = x;
        }
      }
      observations_.push_back(std::move(o));
    }
  }

  // ---------------------------------------------------------- object paths
  using RootValues = std::vector<std::pair<std::string, std::vector<Val>>>;

  static bool EndsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
  }

  Val ProcessSuffix(const std::string& key, const Json& value) {
    if (EndsWith(key, "_hex")) {
      if (!value.is_string()) Raise("value of '" + key + "' is not a hex string");
      const std::string& s = value.get_ref<const std::string&>();
      if (s.size() % 2) Raise("invalid hex in '" + key + "'");
      Val v;
      v.kind = Val::Kind::kBytes;
      auto nib = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        Raise("invalid hex in '" + key + "'");
      };
      for (size_t i = 0; i < s.size(); i += 2) v.bytes += static_cast<char>(nib(s[i]) * 16 + nib(s[i + 1]));
      return v;
    }
    if (EndsWith(key, "_bin")) {
      if (!value.is_string()) Raise("value of '" + key + "' is not a base64 string");
      Result<std::string> bytes = DecodeBase64(value.get_ref<const std::string&>());
      if (!bytes.ok()) Raise("invalid base64 in '" + key + "'");
      Val v;
      v.kind = Val::Kind::kBytes;
      v.bytes = *std::move(bytes);
      return v;
    }
    return Val::Of(&value);
  }

  static Result<std::string> DecodeBase64(const std::string& s);

  std::vector<const Json*> Deref(const Observation& o, const Json& ref, const std::string& prop) {
    if (!ref.is_string())
      Raise(std::string(EndsWith(prop, "_refs") ? "A" : "The") + " value of reference property '" + prop +
            "' was not a string!  Got " + ref.dump());
    const std::string& id = ref.get_ref<const std::string&>();
    std::vector<const Json*> out;
    if (v21_) {
      for (const Json* x : o.all21) {
        auto xi = x->find("id");
        if (xi != x->end() && *xi == id) out.push_back(x);
      }
    } else if (o.objects20) {
      auto it = o.objects20->find(id);
      if (it != o.objects20->end()) out.push_back(&*it);
    }
    return out;
  }

  // Values selected by `path` per observation and root object. Roots whose
  // values run out stay listed with an empty list (for NOT EXISTS).
  std::vector<std::pair<int32_t, RootValues>> Select(const ObjectPath& path) {
    std::vector<std::pair<int32_t, RootValues>> out;
    if (v21_ && IsSdoTypeV21(path.object_type)) return out;
    for (size_t oi = 0; oi < observations_.size(); ++oi) {
      const Observation& o = observations_[oi];
      if (!o.has_objects) continue;
      RootValues roots;
      for (const auto& [id, obj] : o.objects) {
        if (!obj->is_object()) continue;
        auto t = obj->find("type");
        if (t == obj->end() || *t != path.object_type) continue;
        std::vector<Val> vals{Val::Of(obj)};
        for (const PathStep& step : path.steps) {
          if (vals.empty()) break;
          vals = Step(o, vals, step);
        }
        roots.emplace_back(id, std::move(vals));
      }
      if (!roots.empty()) out.emplace_back(static_cast<int32_t>(oi), std::move(roots));
    }
    return out;
  }

  std::vector<Val> Step(const Observation& o, const std::vector<Val>& vals, const PathStep& step) {
    std::vector<Val> next;
    switch (step.kind) {
      case PathStep::Kind::kKey: {
        for (const Val& v : vals) {
          if (v.kind != Val::Kind::kJson || !v.j->is_object()) continue;
          auto it = v.j->find(step.key);
          if (it == v.j->end()) continue;
          next.push_back(ProcessSuffix(step.key, *it));
        }
        if (EndsWith(step.key, "_ref")) {
          std::vector<Val> deref;
          for (const Val& v : next) {
            if (v.kind != Val::Kind::kJson) Raise("The value of reference property '" + step.key + "' was not a string!");
            for (const Json* x : Deref(o, *v.j, step.key)) deref.push_back(Val::Of(x));
          }
          next = std::move(deref);
        } else if (EndsWith(step.key, "_refs")) {
          std::vector<Val> deref;
          for (const Val& v : next) {
            if (v.kind != Val::Kind::kJson || !v.j->is_array())
              Raise("The value of reference list property '" + step.key + "' was not a list!");
            Val list;
            list.kind = Val::Kind::kList;
            for (const Json& r : *v.j)
              for (const Json* x : Deref(o, r, step.key)) list.list.push_back(Val::Of(x));
            if (!list.list.empty()) deref.push_back(std::move(list));
          }
          next = std::move(deref);
        }
        break;
      }
      case PathStep::Kind::kIndex:
        for (const Val& v : vals) {
          if (step.index < 0) continue;
          size_t i = static_cast<size_t>(step.index);
          if (v.kind == Val::Kind::kList) {
            if (i < v.list.size()) next.push_back(v.list[i]);
          } else if (v.kind == Val::Kind::kJson && v.j->is_array()) {
            if (i < v.j->size()) next.push_back(Val::Of(&(*v.j)[i]));
          }
        }
        break;
      case PathStep::Kind::kAnyIndex:
        for (const Val& v : vals) {
          if (v.kind == Val::Kind::kList) {
            for (const Val& e : v.list) next.push_back(e);
          } else if (v.kind == Val::Kind::kJson && v.j->is_array()) {
            for (const Json& e : *v.j) next.push_back(Val::Of(&e));
          }
        }
        break;
    }
    return next;
  }

  // ------------------------------------------------------------ predicates
  struct Predicate {
    const Comparison* c = nullptr;
    Operand lit;
    std::vector<Operand> set;
    bool set_of_timestamps = false;
    std::unique_ptr<Regex> re;       // LIKE / MATCHES on text
    std::unique_ptr<Regex> bin_re;   // MATCHES on bytes
    bool binary_convertible = false;
    std::optional<IpPrefix> prefix;  // ISSUBSET container / ISSUPERSET containee
  };

  static bool IsNumber(LiteralType t) { return t == LiteralType::kInt || t == LiteralType::kFloat; }
  static int PyTypeOf(LiteralType t) {
    // binary and hex literals are both Python bytes
    return t == LiteralType::kHex ? static_cast<int>(LiteralType::kBinary) : static_cast<int>(t);
  }

  Predicate MakePredicate(const Comparison& c) {
    Predicate p;
    p.c = &c;
    switch (c.op) {
      case Operator::kIn: {
        bool homogeneous = true, only_numbers = true;
        for (const Literal& l : c.set) {
          if (PyTypeOf(l.type) != PyTypeOf(c.set.front().type)) homogeneous = false;
          if (!IsNumber(l.type)) only_numbers = false;
          p.set.push_back(FromLiteral(l));
        }
        if (!c.set.empty() && !homogeneous && !only_numbers) Raise("Nonhomogenous set: " + ToString(c));
        p.set_of_timestamps = !c.set.empty() && c.set.front().type == LiteralType::kTimestamp;
        break;
      }
      case Operator::kLike: {
        std::string like = Nfc(c.value.text);
        p.re = std::make_unique<Regex>(LikeToRegex(like), PCRE2_UTF);
        if (!p.re->ok()) Raise("invalid LIKE pattern: " + p.re->error());
        p.binary_convertible = AllCodePointsBelow256(like);
        break;
      }
      case Operator::kMatches: {
        std::string re = Nfc(c.value.text);
        p.re = std::make_unique<Regex>(re, PCRE2_UTF | PCRE2_UCP);
        if (!p.re->ok()) Raise("invalid regular expression: " + p.re->error());
        std::optional<std::string> l1 = Latin1(re);
        p.binary_convertible = l1.has_value();
        if (l1) {
          p.bin_re = std::make_unique<Regex>(*l1, 0);
          if (!p.bin_re->ok()) p.binary_convertible = false;
        }
        break;
      }
      case Operator::kIsSubset:
      case Operator::kIsSuperset:
      case Operator::kExists: break;
      default: p.lit = FromLiteral(c.value); break;
    }
    return p;
  }

  static bool InSubnet(std::string_view containee, std::string_view container) {
    if (container.find('/') == std::string_view::npos) Raise("Invalid CIDR subnet: " + std::string(container));
    Result<IpPrefix> outer = ParseIpPrefix(container, /*lenient_ipv4=*/true);
    if (!outer.ok()) Raise(std::string(outer.status().message()));
    Result<IpPrefix> inner = ParseIpPrefix(containee, /*lenient_ipv4=*/true);
    if (!inner.ok()) Raise(std::string(inner.status().message()));
    return outer->Contains(*inner);
  }

  bool Test(Predicate& p, const Val& val) {
    const Comparison& c = *p.c;
    Operand v = FromVal(val);
    bool result = false;
    switch (c.op) {
      case Operator::kEqual:
      case Operator::kNotEqual: {
        if (p.lit.t == PyT::kDatetime) CoerceTimestamp(v);
        result = EqFunc(v, p.lit).value_or(false);
        if (c.op == Operator::kNotEqual) result = !result;
        break;
      }
      case Operator::kGreater:
      case Operator::kLess:
      case Operator::kGreaterEqual:
      case Operator::kLessEqual: {
        if (p.lit.t == PyT::kDatetime) CoerceTimestamp(v);
        OrderResult r = OrderFunc(v, p.lit);
        if (!r.has_entry) return false;  // NOT does not apply here (as in OASIS)
        if (r.value_error) {
          result = false;
        } else {
          switch (c.op) {
            case Operator::kGreater: result = r.cmp > 0; break;
            case Operator::kLess: result = r.cmp < 0; break;
            case Operator::kGreaterEqual: result = r.cmp >= 0; break;
            default: result = r.cmp <= 0; break;
          }
        }
        break;
      }
      case Operator::kIn: {
        if (p.set_of_timestamps) CoerceTimestamp(v);
        for (const Operand& m : p.set)
          if (PyEqForSet(v, m)) {
            result = true;
            break;
          }
        break;
      }
      case Operator::kLike: {
        std::string text;
        bool is_text = false;
        if (v.t == PyT::kBytes && p.binary_convertible) {
          if (!NfcNormalize(v.str).ok()) Raise("binary value is not UTF-8");
          text = std::string(v.str);
          is_text = true;
        } else if (v.t == PyT::kStr) {
          text = std::string(v.str);
          is_text = true;
        }
        result = is_text && p.re->Search(Nfc(text));
        break;
      }
      case Operator::kMatches: {
        if (v.t == PyT::kStr) {
          result = p.re->Search(Nfc(v.str));
        } else if (v.t == PyT::kBytes) {
          result = p.binary_convertible && p.bin_re->Search(v.str);
        }
        break;
      }
      case Operator::kIsSubset:
        result = v.t == PyT::kStr && InSubnet(v.str, c.value.text);
        break;
      case Operator::kIsSuperset:
        result = v.t == PyT::kStr && InSubnet(c.value.text, v.str);
        break;
      case Operator::kExists: result = true; break;
    }
    if (c.negated) result = !result;
    return result;
  }

  PassMap EvalComparison(const Comparison& c) {
    PassMap out;
    auto selected = Select(c.path);
    Predicate p = MakePredicate(c);
    for (auto& [oi, roots] : selected) {
      std::set<std::string> passed;
      for (auto& [root, vals] : roots) {
        if (c.op == Operator::kExists) {
          if (vals.empty() == c.negated) passed.insert(root);
          continue;
        }
        for (const Val& v : vals) {
          if (Test(p, v)) {
            passed.insert(root);
            break;
          }
        }
      }
      if (!passed.empty()) out.emplace_back(oi, std::move(passed));
    }
    return out;
  }

  PassMap EvalComparisonExpr(const ComparisonExpr& e) {
    if (e.kind == ComparisonExpr::Kind::kComparison) return EvalComparison(e.comparison);
    PassMap acc = EvalComparisonExpr(e.children[0]);
    for (size_t i = 1; i < e.children.size(); ++i) {
      PassMap rhs = EvalComparisonExpr(e.children[i]);
      if (e.kind == ComparisonExpr::Kind::kOr) {
        for (auto& entry : rhs) {
          const int32_t oi = entry.first;
          auto it = std::find_if(acc.begin(), acc.end(), [&](const auto& x) { return x.first == oi; });
          if (it == acc.end()) {
            acc.emplace_back(oi, std::move(entry.second));
          } else {
            it->second.insert(entry.second.begin(), entry.second.end());
          }
        }
      } else {
        PassMap kept;
        for (auto& entry : acc) {
          const int32_t oi = entry.first;
          const std::set<std::string>& roots = entry.second;
          auto it = std::find_if(rhs.begin(), rhs.end(), [&](const auto& x) { return x.first == oi; });
          if (it == rhs.end()) continue;
          std::set<std::string> both;
          std::set_intersection(roots.begin(), roots.end(), it->second.begin(), it->second.end(),
                                std::inserter(both, both.end()));
          if (!both.empty()) kept.emplace_back(oi, std::move(both));
        }
        acc = std::move(kept);
      }
    }
    return acc;
  }

  // ----------------------------------------------------------- bindings
  // First pass, in the OASIS listener's order: evaluate every comparison
  // and check every qualifier eagerly, so errors surface whatever the
  // binding search later explores.
  void Prepare(const ObservationExpr& e) {
    using K = ObservationExpr::Kind;
    for (const ObservationExpr& c : e.children) Prepare(c);
    switch (e.kind) {
      case K::kObservation: {
        PassMap m = EvalComparisonExpr(e.comparison);
        std::vector<int32_t> ids;
        for (auto& [oi, roots] : m) ids.push_back(oi);
        simple_[&e] = std::move(ids);
        break;
      }
      case K::kWithin:
        if (!(e.within_seconds > 0))
          Raise("Invalid WITHIN value (must be positive): " + std::to_string(e.within_seconds));
        break;
      case K::kRepeats:
        if (e.repeats < 1) Raise("Invalid repetition count: " + std::to_string(e.repeats));
        break;
      case K::kStartStop: {
        Micros start = QualifierTime(e.start), stop = QualifierTime(e.stop);
        start_stop_[&e] = {start, stop};
        break;
      }
      default: break;
    }
  }

  Micros QualifierTime(const Literal& l) {
    if (l.type == LiteralType::kTimestamp) return l.micros;
    std::optional<Micros> m = StrictTimestamp(l.text);
    if (!m) Raise("Invalid START/STOP timestamp: " + l.text);
    return *m;
  }

  void Tick() {
    if (++steps_ > options_.max_steps)
      throw EvalError{"binding search exceeded " + std::to_string(options_.max_steps) + " steps",
                      StatusCode::kResourceExhausted};
  }

  static bool Disjoint(const Binding& a, const Binding& b) {
    for (const Inst& x : a)
      for (const Inst& y : b)
        if (x == y) return false;
    return true;
  }
  static Binding Concat(const Binding& a, const Binding& b) {
    Binding out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  Micros LatestFirst(const Binding& b) const {
    Micros m = INT64_MIN;
    for (const Inst& i : b) m = std::max(m, observations_[i.first].first);
    return m;
  }
  Micros EarliestLast(const Binding& b) const {
    Micros m = INT64_MAX;
    for (const Inst& i : b) m = std::min(m, observations_[i.first].last);
    return m;
  }

  Gen<Binding> Build(const ObservationExpr& e) {
    using K = ObservationExpr::Kind;
    switch (e.kind) {
      case K::kObservation: return Simple(simple_[&e]);
      case K::kAnd:
      case K::kOr:
      case K::kFollowedBy: {
        Gen<Binding> acc = Build(e.children[0]);
        for (size_t i = 1; i < e.children.size(); ++i) {
          Gen<Binding> rhs = Build(e.children[i]);
          if (e.kind == K::kAnd) acc = And(std::move(acc), std::move(rhs));
          else if (e.kind == K::kOr) acc = Or(std::move(acc), std::move(rhs));
          else acc = FollowedBy(std::move(acc), std::move(rhs));
        }
        return acc;
      }
      case K::kRepeats: {
        Gen<Binding> child = Build(e.children[0]);
        if (e.repeats == 1) return child;
        return Flatten(FilteredCombinations(std::move(child), e.repeats));
      }
      case K::kWithin: {
        auto micros = static_cast<Micros>(e.within_seconds * 1e6 + 0.5);
        return Within(Build(e.children[0]), micros);
      }
      case K::kStartStop: {
        auto [start, stop] = start_stop_[&e];
        return StartStop(Build(e.children[0]), start, stop);
      }
    }
    return Gen<Binding>();
  }

  Gen<Binding> Simple(std::vector<int32_t> ids) {
    for (int32_t o : ids)
      for (int64_t i = 0; i < observations_[o].number; ++i) {
        Tick();
        // (a named local: GCC 12 mis-compiles braced lists in co_yield)
        Binding b(1, Inst(o, i));
        co_yield std::move(b);
      }
  }

  Gen<Binding> And(Gen<Binding> lhs, Gen<Binding> rhs) {
    std::vector<Binding> rc, lc;
    std::optional<Binding> nr = rhs.Next(), nl = lhs.Next();
    if (!nr || !nl) co_return;
    while (nr || nl) {
      if (nr) {
        for (size_t i = 0; i < lc.size(); ++i) {
          Tick();
          if (Disjoint(lc[i], *nr)) co_yield Concat(lc[i], *nr);
        }
        rc.push_back(std::move(*nr));
        nr = rhs.Next();
      }
      if (nl) {
        for (size_t i = 0; i < rc.size(); ++i) {
          Tick();
          if (Disjoint(*nl, rc[i])) co_yield Concat(*nl, rc[i]);
        }
        lc.push_back(std::move(*nl));
        nl = lhs.Next();
      }
    }
  }

  Gen<Binding> Or(Gen<Binding> lhs, Gen<Binding> rhs) {
    std::optional<Binding> l = lhs.Next(), r = rhs.Next();
    while (l || r) {
      if (l) {
        co_yield *l;
        l = lhs.Next();
      }
      if (r) {
        co_yield *r;
        r = rhs.Next();
      }
    }
  }

  Gen<Binding> FollowedBy(Gen<Binding> lhs, Gen<Binding> rhs) {
    std::vector<Binding> rc, lc;
    std::optional<Binding> nr = rhs.Next(), nl = lhs.Next();
    if (!nr || !nl) co_return;
    while (nr || nl) {
      if (nr) {
        Micros earliest_rhs_last = EarliestLast(*nr);
        for (size_t i = 0; i < lc.size(); ++i) {
          Tick();
          if (Disjoint(lc[i], *nr) && LatestFirst(lc[i]) <= earliest_rhs_last) co_yield Concat(lc[i], *nr);
        }
        rc.push_back(std::move(*nr));
        nr = rhs.Next();
      }
      if (nl) {
        Micros latest_lhs_first = LatestFirst(*nl);
        for (size_t i = 0; i < rc.size(); ++i) {
          Tick();
          if (Disjoint(*nl, rc[i]) && latest_lhs_first <= EarliestLast(rc[i])) co_yield Concat(*nl, rc[i]);
        }
        lc.push_back(std::move(*nl));
        nl = lhs.Next();
      }
    }
  }

  Gen<Binding> Within(Gen<Binding> in, Micros duration) {
    while (std::optional<Binding> b = in.Next()) {
      Tick();
      Micros earliest_last = EarliestLast(*b);
      Micros lo = earliest_last, hi = earliest_last + duration;
      bool ok = true;
      for (const Inst& i : *b) {
        const Observation& o = observations_[i.first];
        if (!(lo <= o.last && o.first <= hi)) {
          ok = false;
          break;
        }
      }
      if (ok) co_yield *b;
    }
  }

  Gen<Binding> StartStop(Gen<Binding> in, Micros start, Micros stop) {
    if (!(start < stop)) co_return;
    while (std::optional<Binding> b = in.Next()) {
      Tick();
      bool ok = true;
      for (const Inst& i : *b) {
        const Observation& o = observations_[i.first];
        // _overlap(start, stop, first, last) in (OVERLAP, TOUCH_OUTER)
        bool pass;
        if (stop == o.first) pass = false;          // touch inner
        else if (o.last == start) pass = true;      // touch outer
        else pass = o.first <= stop && start <= o.last;
        if (!pass) {
          ok = false;
          break;
        }
      }
      if (ok) co_yield *b;
    }
  }

  Gen<Binding> Flatten(Gen<std::vector<Binding>> in) {
    while (std::optional<std::vector<Binding>> combo = in.Next()) {
      Binding flat;
      for (const Binding& b : *combo) flat.insert(flat.end(), b.begin(), b.end());
      co_yield flat;
    }
  }

  static int64_t BoundLargestCombination(const std::vector<Binding>& values) {
    if (values.empty()) return 0;
    size_t max_size = 0;
    for (const Binding& v : values) max_size = std::max(max_size, v.size());
    std::vector<std::set<Inst>> by_size(max_size + 1);
    for (const Binding& v : values) by_size[v.size()].insert(v.begin(), v.end());
    std::set<Inst> consumed;
    int64_t size = 0;
    for (size_t i = 1; i < max_size; ++i) {
      std::vector<Inst> avail;
      for (const Inst& x : by_size[i])
        if (!consumed.count(x)) avail.push_back(x);
      size += static_cast<int64_t>((avail.size() + i - 1) / i);
      consumed.insert(avail.begin(), avail.end());
    }
    size_t avail = 0;
    for (const Inst& x : by_size[max_size])
      if (!consumed.count(x)) ++avail;
    if (max_size > 0) size += static_cast<int64_t>(avail / max_size);
    return size;
  }

  // _filtered_combinations: disjoint combinations of `k` (>= 2) values
  // pulled incrementally from `values`.
  Gen<std::vector<Binding>> FilteredCombinations(Gen<Binding> values, int64_t k) {
    std::vector<Binding> generated;
    for (int64_t i = 0; i < k - 1; ++i) {
      std::optional<Binding> v = values.Next();
      if (!v) break;
      generated.push_back(std::move(*v));
    }
    while (std::optional<Binding> next = values.Next()) {
      std::vector<Binding> filtered;
      for (const Binding& c : generated) {
        Tick();
        if (Disjoint(c, *next)) filtered.push_back(c);
      }
      bool failed = false;
      Gen<std::vector<Binding>> sub = FromList(std::move(filtered), k - 1);
      while (true) {
        std::optional<std::vector<Binding>> sc;
        try {
          sc = sub.Next();
        } catch (const NotEnoughValues&) {
          failed = true;
        }
        if (failed || !sc) break;
        sc->push_back(*next);
        co_yield std::move(*sc);
      }
      generated.push_back(std::move(*next));
    }
  }

  // _filtered_combinations_from_list; throws NotEnoughValues (before
  // yielding anything) when no combination of size `k` can exist.
  Gen<std::vector<Binding>> FromList(std::vector<Binding> values, int64_t k) {
    if (k == 1) {
      for (const Binding& v : values) {
        std::vector<Binding> one(1, v);
        co_yield std::move(one);
      }
      co_return;
    }
    int64_t bound = BoundLargestCombination(values);
    if (bound < k) throw NotEnoughValues{k - bound};
    int64_t n = static_cast<int64_t>(values.size());
    for (int64_t i = 0; i < n + 1 - k; ++i) {
      std::vector<Binding> filtered;
      for (int64_t j = i + 1; j < n; ++j) {
        Tick();
        if (Disjoint(values[i], values[j])) filtered.push_back(values[j]);
      }
      int64_t filtered_size = static_cast<int64_t>(filtered.size());
      bool yielded = false;
      int64_t missing = -1;
      Gen<std::vector<Binding>> sub = FromList(std::move(filtered), k - 1);
      while (true) {
        std::optional<std::vector<Binding>> sc;
        try {
          sc = sub.Next();
        } catch (const NotEnoughValues& e) {
          missing = e.missing;
        }
        if (missing >= 0 || !sc) break;
        sc->insert(sc->begin(), values[i]);
        co_yield std::move(*sc);
        yielded = true;
      }
      if (missing >= 0 && !yielded) {
        int64_t max_add = std::min<int64_t>((n - i - 1) - filtered_size, static_cast<int64_t>(values[i].size()));
        int64_t expected_missing = missing + 1 - max_add;
        if (expected_missing > 0) {
          if (i == 0) throw NotEnoughValues{expected_missing};
          co_return;
        }
      }
    }
  }

  EvalOptions options_;
  bool v21_ = false;
  std::vector<Observation> observations_;
  std::map<const ObservationExpr*, std::vector<int32_t>> simple_;
  std::map<const ObservationExpr*, std::pair<Micros, Micros>> start_stop_;
  size_t steps_ = 0;
};

Result<std::string> Evaluator::DecodeBase64(const std::string& s) {
  // Python's standard_b64decode (non-validating) drops characters outside
  // the alphabet; padding must then be consistent.
  std::string clean;
  for (char c : s)
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
        c == '=')
      clean += c;
  if (clean.size() % 4 != 0) return Status::InvalidArgument("bad base64 length");
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < clean.size(); i += 4) {
    uint32_t acc = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = clean[i + k];
      acc <<= 6;
      if (c == '=') {
        ++pad;
      } else {
        if (pad) return Status::InvalidArgument("bad base64 padding");
        acc |= static_cast<uint32_t>(kAlphabet.find(c));
      }
    }
    if (pad > 2 || (pad && i + 4 != clean.size())) return Status::InvalidArgument("bad base64 padding");
    out += static_cast<char>((acc >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((acc >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(acc & 0xFF);
  }
  return out;
}

// Refuses JSON nested deeper than this (hostile input).
constexpr int kMaxJsonDepth = 256;

}  // namespace

Result<EvalResult> Evaluate(const Pattern& pattern, std::string_view observed_data_json, const EvalOptions& options) {
  if (observed_data_json.size() > options.max_input_bytes)
    return Status::ResourceExhausted("observed-data input larger than " + std::to_string(options.max_input_bytes) +
                                     " bytes");
  Json input;
  try {
    bool too_deep = false;
    input = Json::parse(
        observed_data_json.begin(), observed_data_json.end(),
        [&](int depth, Json::parse_event_t, Json&) {
          if (depth > kMaxJsonDepth) too_deep = true;
          return !too_deep;
        },
        /*allow_exceptions=*/true);
    if (too_deep) return Status::ResourceExhausted("observed-data JSON nested too deeply");
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("observed-data is not valid JSON: ") + e.what());
  }
  try {
    Evaluator ev(input, options);
    return ev.Run(pattern);
  } catch (const EvalError& e) {
    return Status(e.code, e.message);
  } catch (const NotEnoughValues&) {
    return Status::Internal("pattern evaluation: unhandled combination pruning");
  } catch (const std::bad_alloc&) {
    throw;  // out of memory crashes the process, by policy
  } catch (const std::exception& e) {
    return Status::Internal(std::string("pattern evaluation failed: ") + e.what());
  }
}

}  // namespace rampart::pattern
