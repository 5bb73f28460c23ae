// Validation of one STIX object: the MUST rules of STIX 2.1 (always) and the
// SHOULD-level practices (strict mode). docs/validation-policy.md lists them.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "pattern/parser.h"
#include "stix/internal/tables.h"
#include "stix/internal/validate.h"
#include "stix/markings.h"
#include "stix/parser.h"

namespace rampart::stix::internal {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool Contains(std::string_view list, std::string_view item) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t bar = list.find('|', pos);
    if (bar == std::string_view::npos) bar = list.size();
    if (list.substr(pos, bar - pos) == item) return true;
    pos = bar + 1;
  }
  return false;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// ^[a-z][a-z0-9-]*$ without "--", 3..250 characters (STIX 2.1 section 3.1).
bool IsValidTypeNameInternal(std::string_view t) {
  if (t.size() < 3 || t.size() > 250) return false;
  if (!(t[0] >= 'a' && t[0] <= 'z')) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (!(IsLowerAlnum(c) || c == '-')) return false;
    if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') return false;
  }
  return true;
}

bool IsValidUuid(std::string_view u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (u[i] != '-') return false;
    } else if (!IsHex(u[i])) {
      return false;
    }
  }
  if (u[14] < '1' || u[14] > '5') return false;
  char v = static_cast<char>(std::tolower(static_cast<unsigned char>(u[19])));
  return v == '8' || v == '9' || v == 'a' || v == 'b';
}

// Property names: ^[a-z][a-z0-9_]{2,249}$ (custom properties, STIX 2.1 11.1;
// the schemas' properties.json). Also used for dictionary-free object keys.
bool IsValidPropertyName(std::string_view n) {
  if (n == "id") return true;
  if (n.size() < 3 || n.size() > 250) return false;
  if (!(n[0] >= 'a' && n[0] <= 'z')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return IsLowerAlnum(c) || c == '_'; });
}

// stix2-validator's custom-prefix (strict form): "x_<source>_<name>" for
// properties, "x-<source>-<name>" for types and extension names.
bool HasSourcePrefix(std::string_view n, char sep) {
  if (n.size() < 3 || n[0] != 'x' || n[1] != sep) return false;
  size_t second = n.find(sep, 2);
  return second != std::string_view::npos && second > 2 && second + 1 < n.size();
}

// Dictionary keys: ASCII letters, digits, '_' and '-', at most 250 (STIX 2.1 2.6).
bool IsValidDictKey(std::string_view k) {
  if (k.empty() || k.size() > 250) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

bool IsBase64(std::string_view s) {
  size_t n = 0, pad = 0;
  for (char c : s) {
    if (c == '=') {
      ++pad;
      ++n;
      continue;
    }
    if (pad) return false;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
    ++n;
  }
  return n % 4 == 0 && pad <= 2;
}

bool IsHexString(std::string_view s) {
  return s.size() % 2 == 0 && std::all_of(s.begin(), s.end(), IsHex);
}

// RFC 5646 language tag, simplified: primary subtag 2-3 (or 4-8) letters,
// then alphanumeric subtags of 1-8 characters.
bool IsLangTag(std::string_view s) {
  if (s.empty()) return false;
  size_t pos = 0;
  bool first = true;
  while (pos <= s.size()) {
    size_t dash = s.find('-', pos);
    if (dash == std::string_view::npos) dash = s.size();
    std::string_view part = s.substr(pos, dash - pos);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      if (first ? !std::isalpha(static_cast<unsigned char>(c)) : !std::isalnum(static_cast<unsigned char>(c))) {
        return false;
      }
    }
    if (first && part.size() < 2) return false;
    first = false;
    pos = dash + 1;
  }
  return true;
}

// Open-vocabulary value format (stix2-validator's strict check): lower case,
// words separated by hyphens, no spaces or underscores.
bool IsVocabFormat(std::string_view s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '_' || std::isupper(static_cast<unsigned char>(c));
  });
}

bool IsSco(std::string_view type) {
  const TypeSpec* t = FindTypeSpec(type);
  return t != nullptr && t->kind == ObjectKind::kSco;
}

bool IsSroOrMeta(std::string_view type) {
  const TypeSpec* t = FindTypeSpec(type);
  return t != nullptr && (t->kind == ObjectKind::kSro || t->kind == ObjectKind::kMeta);
}

// Checks a referenced type against a table's allowed-types list.
bool RefAllowed(std::string_view allowed, std::string_view type) {
  if (allowed.empty() || allowed == "*") return type != "bundle";
  size_t pos = 0;
  while (pos <= allowed.size()) {
    size_t bar = allowed.find('|', pos);
    if (bar == std::string_view::npos) bar = allowed.size();
    std::string_view a = allowed.substr(pos, bar - pos);
    if (a == type) return true;
    // Custom types are allowed wherever an open class is allowed: a receiver
    // cannot know whether a custom type is an SDO or an SCO.
    bool custom = FindTypeSpec(type) == nullptr && type != "bundle";
    if (a == "@sco" && (IsSco(type) || custom)) return true;
    if (a == "@sdo" && ((!IsSco(type) && !IsSroOrMeta(type) && type != "bundle"))) return true;
    if (a == "@node" && !IsSroOrMeta(type) && type != "bundle") return true;
    pos = bar + 1;
  }
  return false;
}

std::string Describe(std::string_view allowed) {
  std::string out;
  size_t pos = 0;
  while (pos <= allowed.size()) {
    size_t bar = allowed.find('|', pos);
    if (bar == std::string_view::npos) bar = allowed.size();
    std::string_view a = allowed.substr(pos, bar - pos);
    if (!out.empty()) out += " or ";
    if (a == "@sco") out += "a cyber-observable";
    else if (a == "@sdo") out += "a domain object (SDO)";
    else if (a == "@node") out += "an SDO or SCO";
    else out += std::string(a);
    pos = bar + 1;
  }
  return out;
}

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "a list";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an integer";
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string_view Str(element e) {
  std::string_view s;
  if (e.get_string().get(s)) return {};
  return s;
}

// The validation state of one object.
class Checker {
 public:
  Checker(const std::string& path, SpecVersion version, const ParseOptions& options, ParsedObject* out,
          std::vector<ValidationError>* errors, std::vector<ValidationError>* warnings)
      : base_(path), v20_(version == SpecVersion::k20), options_(options), out_(out), errors_(errors),
        warnings_(warnings) {}

  void Run(object obj);

 private:
  void Must(const std::string& path, std::string_view rule, std::string message) {
    if (v20_) message += " (validated as STIX 2.0: the object has no spec_version)";
    errors_->push_back({out_->id, path, std::string(rule), std::move(message), false});
  }
  // Records a SHOULD-level finding; false if the rule is disabled.
  bool Should(const std::string& path, std::string_view rule, std::string message) {
    for (const std::string& d : options_.disabled_should_rules) {
      if (d == rule) return false;
    }
    if (!options_.strict && !options_.collect_warnings) return true;
    auto* sink = options_.strict ? errors_ : warnings_;
    sink->push_back({out_->id, path, std::string(rule), std::move(message), true});
    return true;
  }
  std::string P(std::string_view prop) const { return base_ + "." + std::string(prop); }
  // Rule identifier-case: the ids the trust rules read (markings,
  // created_by_ref, extension keys) must be canonical, i.e. lower case
  // (docs/trust.md, "Canonical identifiers"); the object's own id may not be.
  // Callers test IsCanonicalId first, so no path is built for canonical ids.
  void IdCaseError(std::string_view id, const std::string& path) {
    Must(path, "identifier-case",
         "'" + std::string(id.substr(0, 300)) + "' must be written in lower case (canonical identifier)");
  }

  void CheckCommon(object obj);
  void CheckProperties(object obj, const std::string& path, const std::vector<PropSpec>* common,
                       const TypeSpec* spec, bool top_level);
  void CheckValue(const PropSpec& spec, element v, const std::string& path, bool top_level);
  void CheckCustomProperty(std::string_view name, element v, const std::string& path, bool top_level);
  void CheckCustomPrefix(std::string_view name, char sep, const std::string& path, std::string_view what);
  void CheckIdRef(element v, std::string_view allowed, const std::string& path, bool record);
  std::optional<Micros> CheckTimestamp(element v, const std::string& path, bool millis);
  void CheckExtRef(element v, const std::string& path);
  void CheckGranular(element v, const std::string& path, object root);
  void CheckHashes(element v, const std::string& path);
  void CheckDict(element v, const std::string& path);
  void CheckExtensions(element v, const std::string& path);
  void CheckKillChain(element v, const std::string& path);
  void CheckOpenVocab(std::string_view vocab, std::string_view value, const std::string& path);
  void CheckTypeSpecific(object obj);
  void CheckMarkingDefinition(object obj);
  void CheckLanguageContent(object obj);
  void CheckExtensionDefinition(object obj);
  void CheckScoRules(object obj);
  void CheckPattern(std::string_view pattern, const std::string& path);
  void Order(object obj, std::string_view earlier, std::string_view later, bool strictly, std::string_view rule);
  std::optional<Micros> TimeOf(object obj, std::string_view prop);

  std::string base_;
  bool v20_;
  const ParseOptions& options_;
  ParsedObject* out_;
  std::vector<ValidationError>* errors_;
  std::vector<ValidationError>* warnings_;
  std::string type_;
  const TypeSpec* spec_ = nullptr;
  // Top-level property names an extension-definition declares as
  // toplevel-property-extension: present in `extensions`, so not "custom".
  bool has_toplevel_extension_ = false;
  std::set<std::string> extension_types_;  // new-sdo / new-sco / new-sro declared
  size_t depth_ = 0;
};

std::optional<Micros> Checker::TimeOf(object obj, std::string_view prop) {
  element e;
  if (obj.at_key(prop).get(e)) return std::nullopt;
  std::string_view s;
  if (e.get_string().get(s)) return std::nullopt;
  auto r = ParseTimestamp(s);
  if (!r.ok()) return std::nullopt;
  return *r;
}

void Checker::Order(object obj, std::string_view earlier, std::string_view later, bool strictly,
                    std::string_view rule) {
  auto a = TimeOf(obj, earlier);
  auto b = TimeOf(obj, later);
  if (!a || !b) return;
  if (strictly ? !(*b > *a) : *b < *a) {
    Must(P(later), rule,
         "'" + std::string(later) + "' must be " + (strictly ? "later than" : "equal to or later than") + " '" +
             std::string(earlier) + "'");
  }
}

std::optional<Micros> Checker::CheckTimestamp(element v, const std::string& path, bool millis) {
  std::string_view s;
  if (v.get_string().get(s)) {
    Must(path, "timestamp", std::string("must be an RFC 3339 timestamp string, not ") + TypeName(v.type()));
    return std::nullopt;
  }
  auto r = ParseTimestamp(s);
  if (!r.ok()) {
    Must(path, "timestamp", "'" + std::string(s.substr(0, 64)) + "' is not a valid RFC 3339 UTC timestamp (" +
                                std::string(r.error().message()) + ")");
    return std::nullopt;
  }
  if (millis && !v20_) {
    // created/modified MUST be precise to the millisecond: at least 3 fractional digits.
    size_t dot = s.find('.');
    if (dot == std::string_view::npos || s.size() - dot - 2 < 3) {
      Must(path, "timestamp-precision", "'" + std::string(s) + "' must have at least millisecond precision");
    }
  }
  return *r;
}

void Checker::CheckIdRef(element v, std::string_view allowed, const std::string& path, bool record) {
  std::string_view s;
  if (v.get_string().get(s)) {
    Must(path, "identifier", std::string("must be a STIX identifier string, not ") + TypeName(v.type()));
    return;
  }
  if (!IsValidStixId(s)) {
    Must(path, "identifier", "'" + std::string(s.substr(0, 300)) + "' is not a valid STIX identifier (type--UUID)");
    return;
  }
  std::string_view t = IdType(s);
  if (!RefAllowed(allowed, t)) {
    Must(path, "reference-type",
         "refers to a '" + std::string(t) + "' but must refer to " + Describe(allowed));
  }
  if (record) out_->references.push_back({"$" + path.substr(base_.size()), std::string(s)});
}

void Checker::CheckOpenVocab(std::string_view vocab, std::string_view value, const std::string& path) {
  const auto* values = FindVocabulary(vocab);
  if (values == nullptr) return;
  if (std::find(values->begin(), values->end(), value) != values->end()) return;
  if (!IsVocabFormat(value)) {
    Should(path, "vocab-format", "'" + std::string(value) + "' should be lower case with hyphens (no spaces or underscores)");
    return;
  }
  Should(path, "open-vocab", "'" + std::string(value) + "' is not in the " + std::string(vocab) + " vocabulary");
}

void Checker::CheckKillChain(element v, const std::string& path) {
  object kc;
  if (v.get_object().get(kc)) {
    Must(path, "kill-chain-phase", "must be an object with kill_chain_name and phase_name");
    return;
  }
  for (std::string_view p : {"kill_chain_name", "phase_name"}) {
    element e;
    if (kc.at_key(p).get(e)) {
      Must(path + "." + std::string(p), "required-property", "kill chain phase lacks '" + std::string(p) + "'");
      continue;
    }
    std::string_view s;
    if (e.get_string().get(s)) {
      Must(path + "." + std::string(p), "type", "must be a string");
      continue;
    }
    if (!IsVocabFormat(s)) {
      Should(path + "." + std::string(p), "kill-chain-names", "'" + std::string(s) + "' should be lower case with hyphens");
    }
  }
}

void Checker::CheckExtRef(element v, const std::string& path) {
  object er;
  if (v.get_object().get(er)) {
    Must(path, "external-reference", "must be an object");
    return;
  }
  element e;
  std::string_view source, ext_id;
  if (er.at_key("source_name").get(e) || e.get_string().get(source)) {
    Must(path + ".source_name", "required-property", "external reference lacks a string 'source_name'");
  }
  bool has_id = !er.at_key("external_id").get(e) && !e.get_string().get(ext_id);
  bool has_desc = !er.at_key("description").get(e);
  bool has_url = !er.at_key("url").get(e);
  if (!v20_ && !has_id && !has_desc && !has_url) {
    Must(path, "external-reference",
         "besides 'source_name', at least one of 'description', 'url' or 'external_id' must be present");
  }
  auto is_cve = [](std::string_view s) {
    if (s.size() < 13 || s.substr(0, 4) != "CVE-") return false;
    for (size_t i = 4; i < 8; ++i) if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    if (s[8] != '-') return false;
    std::string_view n = s.substr(9);
    if (n.size() < 4 || !std::all_of(n.begin(), n.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return false;
    return !(n.size() > 4 && n[0] == '0');
  };
  auto is_capec = [](std::string_view s) {
    if (s.size() < 7 || s.substr(0, 6) != "CAPEC-") return false;
    std::string_view n = s.substr(6);
    return std::all_of(n.begin(), n.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  if (source == "cve") {
    if (!has_id) Must(path + ".external_id", "external-reference", "a 'cve' reference must have an external_id");
    else if (!is_cve(ext_id)) Must(path + ".external_id", "external-reference", "'" + std::string(ext_id) + "' is not a CVE id (CVE-YYYY-NNNN)");
  } else if (source == "capec") {
    if (!has_id) Must(path + ".external_id", "external-reference", "a 'capec' reference must have an external_id");
    else if (!is_capec(ext_id)) Must(path + ".external_id", "external-reference", "'" + std::string(ext_id) + "' is not a CAPEC id (CAPEC-N)");
  } else if (has_id && (is_cve(ext_id) || is_capec(ext_id)) && !v20_) {
    Should(path + ".source_name", "extref-source",
           "external_id '" + std::string(ext_id) + "' should use source_name 'cve'/'capec'");
  }
  std::string p;
  for (auto field : er) {
    p.assign(path);
    p += '.';
    p.append(field.key);
    if (field.key == "hashes") {
      CheckHashes(field.value, p);
    } else if (field.key == "url" || field.key == "description" || field.key == "source_name" ||
               field.key == "external_id") {
      if (field.value.type() != element_type::STRING) Must(p, "type", "must be a string");
    }
  }
}

void Checker::CheckHashes(element v, const std::string& path) {
  object h;
  if (v.get_object().get(h) || h.size() == 0) {
    Must(path, "hashes", "must be a non-empty dictionary of hash algorithm to value");
    return;
  }
  struct Len { std::string_view algo; size_t len; };
  static constexpr Len kLens[] = {{"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64}, {"SHA-512", 128},
                                  {"SHA3-256", 64}, {"SHA3-512", 128}};
  for (auto field : h) {
    std::string p = path + "." + std::string(field.key);
    std::string_view value;
    if (field.value.get_string().get(value)) {
      Must(p, "hashes", "a hash value must be a string");
      continue;
    }
    if (field.key.size() < 3 || field.key.size() > 250 || !IsValidDictKey(field.key)) {
      Must(p, "hashes", "hash algorithm names must be 3-250 characters of letters, digits, '_' or '-'");
      continue;
    }
    bool known = false;
    for (const Len& l : kLens) {
      if (field.key == l.algo) {
        known = true;
        if (value.size() != l.len || !std::all_of(value.begin(), value.end(), IsHex)) {
          Must(p, "hash-value", "a " + std::string(l.algo) + " value must be " + std::to_string(l.len) + " hex digits");
        }
      }
    }
    if (field.key == "SSDEEP" || field.key == "TLSH" || StartsWith(field.key, "x_")) known = true;
    if (!known) {
      Should(p, "hash-algo", "'" + std::string(field.key) + "' is not in the hash-algorithm vocabulary");
    }
  }
}

void Checker::CheckDict(element v, const std::string& path) {
  object d;
  if (v.get_object().get(d)) {
    Must(path, "dictionary", std::string("must be a dictionary (object), not ") + TypeName(v.type()));
    return;
  }
  if (d.size() == 0) {
    Must(path, "dictionary", "a dictionary must have at least one entry");
    return;
  }
  for (auto field : d) {
    if (!IsValidDictKey(field.key)) {
      Must(path + "." + std::string(field.key), "dictionary-key",
           "dictionary keys must be at most 250 ASCII letters, digits, '_' or '-'");
    }
    array a;
    if (!field.value.get_array().get(a) && a.size() == 0) {
      Must(path + "." + std::string(field.key), "empty-list", "lists must not be empty");
    }
  }
}

void Checker::CheckGranular(element v, const std::string& path, object root) {
  object gm;
  if (v.get_object().get(gm)) {
    Must(path, "granular-marking", "must be an object");
    return;
  }
  out_->has_granular_markings = true;
  element e;
  bool has_ref = !gm.at_key("marking_ref").get(e);
  bool has_lang = !gm.at_key("lang").get(e);
  if (!v20_ && has_ref == has_lang) {
    Must(path, "granular-marking", "exactly one of 'marking_ref' and 'lang' must be present");
  } else if (v20_ && !has_ref) {
    Must(path, "granular-marking", "'marking_ref' is required");
  }
  if (has_ref) {
    element r;
    if (gm.at_key("marking_ref").get(r)) {}
    CheckIdRef(r, "marking-definition", path + ".marking_ref", true);
    std::string_view id;
    if (!r.get_string().get(id)) {
      out_->granular_marking_refs.emplace_back(id);
      if (!IsCanonicalId(id)) IdCaseError(id, path + ".marking_ref");
      if (id == out_->id) Must(path + ".marking_ref", "circular-marking", "a marking definition must not mark itself");
    }
  }
  array sel;
  if (gm.at_key("selectors").get(e) || e.get_array().get(sel) || sel.size() == 0) {
    Must(path + ".selectors", "required-property", "granular marking needs a non-empty list of selectors");
    return;
  }
  size_t i = 0;
  for (element s : sel) {
    std::string sp = path + ".selectors[" + std::to_string(i++) + "]";
    std::string_view text;
    if (s.get_string().get(text)) {
      Must(sp, "selector", "a selector must be a string");
      continue;
    }
    // Walk the selector through the object: every step must exist.
    element cur;
    bool at_root = true;
    bool ok = !text.empty();
    size_t pos = 0;
    while (ok && pos <= text.size()) {
      size_t dot = text.find('.', pos);
      if (dot == std::string_view::npos) dot = text.size();
      std::string_view step = text.substr(pos, dot - pos);
      if (step.empty()) { ok = false; break; }
      if (step.front() == '[' && step.back() == ']') {
        std::string_view num = step.substr(1, step.size() - 2);
        size_t idx = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), idx);
        array arr;
        if (at_root || num.empty() || ec != std::errc() || p != num.data() + num.size() || cur.get_array().get(arr) ||
            idx >= arr.size()) {
          ok = false;
          break;
        }
        if (arr.at(idx).get(cur)) {}
      } else {
        object o = root;
        if ((!at_root && cur.get_object().get(o)) || o.at_key(step).get(cur)) { ok = false; break; }
      }
      at_root = false;
      pos = dot + 1;
    }
    if (!ok) {
      Must(sp, "selector", "selector '" + std::string(text) + "' does not select a property of this object");
    }
  }
}

void Checker::CheckExtensions(element v, const std::string& path) {
  object ex;
  if (v.get_object().get(ex) || ex.size() == 0) {
    Must(path, "extensions", "must be a non-empty dictionary of extensions");
    return;
  }
  for (auto field : ex) {
    std::string key(field.key);
    std::string p = path + "." + key;
    object body;
    if (field.value.get_object().get(body)) {
      Must(p, "extensions", "an extension must be an object");
      continue;
    }
    if (StartsWith(key, "extension-definition--")) {
      if (!IsValidStixId(key)) {
        Must(p, "extensions", "'" + key + "' is not a valid extension-definition id");
        continue;
      }
      out_->references.push_back({"$" + p.substr(base_.size()), key});
      element et;
      std::string_view type;
      if (body.at_key("extension_type").get(et) || et.get_string().get(type)) {
        // The schemas require extension_type; the TLP 2.0 marking definitions
        // (the spec's own examples) use it as well.
        Must(p + ".extension_type", "required-property", "an extension-definition extension needs 'extension_type'");
        continue;
      }
      static constexpr std::string_view kTypes[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                                    "toplevel-property-extension"};
      if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
        Must(p + ".extension_type", "extension-type", "'" + std::string(type) + "' is not a valid extension_type");
        continue;
      }
      if (type == "toplevel-property-extension") has_toplevel_extension_ = true;
      if (StartsWith(type, "new-")) extension_types_.insert(std::string(type));
      if (type == "new-sdo" || type == "new-sco" || type == "new-sro") {
        if (FindTypeSpec(type_) != nullptr) {
          Must(p + ".extension_type", "extension-type",
               "'" + std::string(type) + "' cannot extend the predefined type '" + type_ + "'");
        }
      }
      if (type == "property-extension" && body.size() < 2) {
        Should(p, "extension-properties", "a property-extension should carry at least one property");
      }
      for (auto f : body) {
        if (f.key == "extension_type") continue;
        if (!IsValidPropertyName(f.key)) {
          Must(p + "." + std::string(f.key), "property-name",
               "property names must be 3-250 characters of a-z, 0-9 and '_', starting with a letter");
        }
      }
      continue;
    }
    if (!EndsWith(key, "-ext") || !IsValidTypeNameInternal(key)) {
      Must(p, "extensions", "extension keys must be an extension-definition id or a name ending in '-ext'");
      continue;
    }
    if (body.size() == 0) {
      Must(p, "extensions", "an extension must have at least one property");
      continue;
    }
    const TypeSpec* es = FindScoExtensionSpec(key);
    if (es == nullptr) {
      Should(p, "extensions-use",
             "'" + key + "' is not a predefined extension; custom extensions should use an extension-definition");
      // The "-ext" suffix is not part of the <source>-<name> pattern.
      CheckCustomPrefix(std::string_view(key).substr(0, key.size() - 4), '-', p, "custom extension");
      for (auto f : body) {
        if (!IsValidPropertyName(f.key)) {
          Must(p + "." + std::string(f.key), "property-name",
               "property names must be 3-250 characters of a-z, 0-9 and '_', starting with a letter");
        }
      }
      continue;
    }
    CheckProperties(body, p, nullptr, es, false);
  }
}

void Checker::CheckValue(const PropSpec& spec, element v, const std::string& path, bool top_level) {
  auto want = [&](element_type t1, element_type t2, const char* what) {
    if (v.type() != t1 && v.type() != t2) {
      Must(path, "type", std::string("must be ") + what + ", not " + TypeName(v.type()));
      return false;
    }
    return true;
  };
  auto list = [&](array* a) {
    if (v.get_array().get(*a)) {
      Must(path, "type", std::string("must be a list, not ") + TypeName(v.type()));
      return false;
    }
    if (a->size() == 0) {
      Must(path, "empty-list", "lists must not be empty");
      return false;
    }
    return true;
  };
  auto range = [&](double x) {
    std::string_view a = spec.args;
    size_t colon = a.find(':');
    if (colon == std::string_view::npos) return;
    std::string lo(a.substr(0, colon)), hi(a.substr(colon + 1));
    if ((!lo.empty() && x < std::stod(lo)) || (!hi.empty() && x > std::stod(hi))) {
      Must(path, "range", "value is outside the allowed range [" + (lo.empty() ? std::string("-inf") : lo) + ", " +
                              (hi.empty() ? std::string("inf") : hi) + "]");
    }
  };
  switch (spec.kind) {
    case PropKind::kAny: {
      array a;
      if (!v.get_array().get(a) && a.size() == 0) Must(path, "empty-list", "lists must not be empty");
      break;
    }
    case PropKind::kString:
      want(element_type::STRING, element_type::STRING, "a string");
      break;
    case PropKind::kStringList: {
      array a;
      if (!list(&a)) break;
      size_t i = 0;
      for (element e : a) {
        if (e.type() != element_type::STRING) Must(path + "[" + std::to_string(i) + "]", "type", "must be a string");
        ++i;
      }
      break;
    }
    case PropKind::kTimestamp:
      CheckTimestamp(v, path, false);
      break;
    case PropKind::kInteger: {
      if (v.type() == element_type::INT64) range(static_cast<double>(v.get_int64().value_unsafe()));
      else if (v.type() == element_type::UINT64) range(static_cast<double>(v.get_uint64().value_unsafe()));
      else Must(path, "type", std::string("must be an integer, not ") + TypeName(v.type()));
      break;
    }
    case PropKind::kNumber: {
      double d;
      if (v.get_double().get(d)) Must(path, "type", std::string("must be a number, not ") + TypeName(v.type()));
      else range(d);
      break;
    }
    case PropKind::kBoolean:
      want(element_type::BOOL, element_type::BOOL, "a boolean");
      break;
    case PropKind::kId:
      CheckIdRef(v, spec.args, path, true);
      break;
    case PropKind::kIdList: {
      array a;
      if (!list(&a)) break;
      size_t i = 0;
      for (element e : a) CheckIdRef(e, spec.args, path + "[" + std::to_string(i++) + "]", true);
      break;
    }
    case PropKind::kKillChains: {
      array a;
      if (!list(&a)) break;
      size_t i = 0;
      for (element e : a) CheckKillChain(e, path + "[" + std::to_string(i++) + "]");
      break;
    }
    case PropKind::kExtRefs: {
      array a;
      if (!list(&a)) break;
      size_t i = 0;
      for (element e : a) CheckExtRef(e, path + "[" + std::to_string(i++) + "]");
      break;
    }
    case PropKind::kGranular:
      break;  // Checked in CheckCommon, which has the object root for selectors.
    case PropKind::kHashes:
      CheckHashes(v, path);
      break;
    case PropKind::kDict:
      CheckDict(v, path);
      break;
    case PropKind::kObject: {
      object o;
      if (v.get_object().get(o)) {
        Must(path, "type", std::string("must be an object, not ") + TypeName(v.type()));
        break;
      }
      if (const TypeSpec* sub = spec.args.empty() ? nullptr : FindSubObjectSpec(spec.args)) {
        CheckProperties(o, path, nullptr, sub, false);
      }
      break;
    }
    case PropKind::kObjectList: {
      array a;
      if (!list(&a)) break;
      const TypeSpec* sub = spec.args.empty() ? nullptr : FindSubObjectSpec(spec.args);
      size_t i = 0;
      for (element e : a) {
        std::string ip = path + "[" + std::to_string(i++) + "]";
        object o;
        if (e.get_object().get(o)) {
          Must(ip, "type", "must be an object");
          continue;
        }
        if (sub) CheckProperties(o, ip, nullptr, sub, false);
      }
      break;
    }
    case PropKind::kBinary: {
      std::string_view s;
      if (v.get_string().get(s)) Must(path, "type", "must be a base64 string");
      else if (!IsBase64(s)) Must(path, "binary", "is not valid base64");
      break;
    }
    case PropKind::kHex: {
      std::string_view s;
      if (v.get_string().get(s)) Must(path, "type", "must be a hex string");
      else if (!IsHexString(s)) Must(path, "hex", "'" + std::string(s.substr(0, 64)) + "' is not an even-length hex string");
      break;
    }
    case PropKind::kEnum: {
      std::string_view s;
      if (v.get_string().get(s)) Must(path, "type", "must be a string");
      else if (!Contains(spec.args, s)) Must(path, "enum", "'" + std::string(s.substr(0, 64)) + "' is not one of: " + std::string(spec.args));
      break;
    }
    case PropKind::kOpenVocab: {
      std::string_view s;
      if (v.get_string().get(s)) Must(path, "type", "must be a string");
      else CheckOpenVocab(spec.args, s, path);
      break;
    }
    case PropKind::kOpenVocabList: {
      array a;
      if (!list(&a)) break;
      size_t i = 0;
      for (element e : a) {
        std::string ip = path + "[" + std::to_string(i++) + "]";
        std::string_view s;
        if (e.get_string().get(s)) Must(ip, "type", "must be a string");
        else CheckOpenVocab(spec.args, s, ip);
      }
      break;
    }
    case PropKind::kExtensions:
      CheckExtensions(v, path);
      break;
  }
}

void Checker::CheckCustomProperty(std::string_view name, element v, const std::string& path, bool top_level) {
  if (!IsValidPropertyName(name)) {
    Must(path, "property-name",
         "property name '" + std::string(name.substr(0, 64)) +
             "' must be 3-250 characters of a-z, 0-9 and '_', starting with a letter");
    return;
  }
  static constexpr std::string_view kReserved[] = {"severity", "action", "username", "usernames", "phone_numbers"};
  if (top_level && !v20_ && std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved)) {
    Must(path, "reserved-property", "'" + std::string(name) + "' is a reserved property name");
    return;
  }
  // Custom *_ref / *_refs: the spec's identifier rule is written for the
  // properties it defines; for custom ones (e.g. ATT&CK's deprecated
  // x_mitre_data_source_ref: "") it is a SHOULD here. Valid ids are recorded.
  auto custom_ref = [&](element e, const std::string& p) {
    std::string_view s;
    if (!e.get_string().get(s) && IsValidStixId(s)) {
      out_->references.push_back({"$" + p.substr(base_.size()), std::string(s)});
    } else {
      Should(p, "custom-reference", "a custom '_ref' property should hold a STIX identifier");
    }
  };
  if (EndsWith(name, "_ref")) {
    custom_ref(v, path);
  } else if (EndsWith(name, "_refs")) {
    array a;
    if (v.get_array().get(a)) {
      Should(path, "custom-reference", "a custom '_refs' property should be a list of identifiers");
    } else {
      size_t i = 0;
      for (element e : a) custom_ref(e, path + "[" + std::to_string(i++) + "]");
    }
  } else if (EndsWith(name, "_bin")) {
    std::string_view s;
    if (v.get_string().get(s) || !IsBase64(s)) Must(path, "binary", "a '_bin' property must be base64");
  } else if (EndsWith(name, "_hex")) {
    std::string_view s;
    if (v.get_string().get(s) || !IsHexString(s)) Must(path, "hex", "a '_hex' property must be a hex string");
  }
  array a;
  if (!v.get_array().get(a) && a.size() == 0) Must(path, "empty-list", "lists must not be empty");
  if (v.type() == element_type::NULL_VALUE) Must(path, "null-value", "properties must not be null");
  object custom_dict;
  if (!v.get_object().get(custom_dict)) {
    for (auto f : custom_dict) {
      if (std::any_of(f.key.begin(), f.key.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); })) {
        Should(path + "." + std::string(f.key), "dictionary-key-case", "dictionary keys should be lower case");
      }
    }
  }
  if (top_level && has_toplevel_extension_) return;  // declared by a toplevel-property-extension
  if (spec_ == nullptr && top_level) return;         // a custom object names its own properties
  CheckCustomPrefix(name, '_', path, "custom property");
  if (!v20_) {
    Should(path, "extensions-use",
           "custom property '" + std::string(name) + "': STIX 2.1 recommends an extension-definition");
  }
}

void Checker::CheckCustomPrefix(std::string_view name, char sep, const std::string& path, std::string_view what) {
  std::string x = std::string("x") + sep;
  if (!HasSourcePrefix(name, sep) &&
      Should(path, "custom-prefix",
             std::string(what) + " '" + std::string(name) + "' should be named " + x + "<source>" + sep + "<name>")) {
    return;
  }
  if (!StartsWith(name, x)) {
    Should(path, "custom-prefix-lax", std::string(what) + " '" + std::string(name) + "' should start with '" + x + "'");
  }
}

void Checker::CheckProperties(object obj, const std::string& path, const std::vector<PropSpec>* common,
                              const TypeSpec* spec, bool top_level) {
  auto find = [&](std::string_view name) -> const PropSpec* {
    if (spec) {
      for (const PropSpec& p : spec->props) if (p.name == name) return &p;
    }
    if (common) {
      for (const PropSpec& p : *common) if (p.name == name) return &p;
    }
    return nullptr;
  };
  // One buffer for every property path (most are never used in an error).
  std::string p;
  p.reserve(path.size() + 64);
  for (auto field : obj) {
    std::string_view name = field.key;
    if (top_level && (name == "type" || name == "id" || name == "spec_version")) continue;
    p.assign(path);
    p += '.';
    p.append(name);
    if (field.value.type() == element_type::NULL_VALUE) {
      Must(p, "null-value", "properties must not be null");
      continue;
    }
    const PropSpec* ps = find(name);
    if (ps) {
      if (v20_ && top_level && ps->kind != PropKind::kTimestamp && ps->kind != PropKind::kId &&
          ps->kind != PropKind::kIdList && ps->kind != PropKind::kExtRefs && ps->kind != PropKind::kKillChains &&
          ps->kind != PropKind::kGranular && ps->kind != PropKind::kBoolean && ps->kind != PropKind::kString) {
        continue;  // 2.0 vocabularies and shapes differ; only shared-shape rules apply.
      }
      CheckValue(*ps, field.value, p, top_level);
    } else {
      CheckCustomProperty(name, field.value, p, top_level);
    }
  }
  auto require = [&](const PropSpec& ps) {
    if (!ps.required) return;
    element e;
    if (obj.at_key(ps.name).get(e)) {
      Must(path + "." + std::string(ps.name), "required-property", "required property '" + std::string(ps.name) + "' is missing");
    }
  };
  if (!v20_ || !top_level) {
    if (spec) for (const PropSpec& ps : spec->props) require(ps);
  }
  if (common) for (const PropSpec& ps : *common) require(ps);
}

void Checker::CheckPattern(std::string_view pattern, const std::string& path) {
  // The full STIX patterning grammar (pattern/parser.h), with its limits on
  // length, nesting and set sizes; the error names the position and what was
  // expected there.
  pattern::ParseError error;
  Result<pattern::Pattern> parsed = pattern::ParsePattern(pattern, pattern::ParseLimits{}, &error);
  if (!parsed.ok()) {
    Must(path, "pattern", "not a valid STIX pattern: " + std::string(parsed.status().message()));
  }
}

void Checker::CheckScoRules(object obj) {
  element e;
  auto has = [&](std::string_view k) { return !obj.at_key(k).get(e); };
  size_t own = 0;
  for (auto f : obj) {
    if (f.key != "type" && f.key != "id" && f.key != "spec_version" && f.key != "object_marking_refs" &&
        f.key != "granular_markings" && f.key != "defanged") {
      ++own;
    }
  }
  if (type_ == "artifact") {
    if (has("payload_bin") && has("url")) Must(P("url"), "mutually-exclusive", "'payload_bin' and 'url' must not both be present");
    if (has("url") && !has("hashes")) Must(P("hashes"), "required-property", "'hashes' is required when 'url' is present");
  } else if (type_ == "email-message") {
    bool multipart = false;
    if (!obj.at_key("is_multipart").get(e)) if (e.get_bool().get(multipart)) {}
    if (multipart && has("body")) Must(P("body"), "email-multipart", "'body' must not be present when is_multipart is true");
    if (!multipart && has("body_multipart")) Must(P("body_multipart"), "email-multipart", "'body_multipart' must not be present when is_multipart is false");
  } else if (type_ == "file") {
    if (!has("hashes") && !has("name")) Must(P("name"), "required-property", "a file needs 'hashes' or 'name'");
  } else if (type_ == "network-traffic") {
    if (!has("src_ref") && !has("dst_ref")) Must(P("src_ref"), "required-property", "network-traffic needs 'src_ref' or 'dst_ref'");
    bool active = false;
    if (!obj.at_key("is_active").get(e)) if (e.get_bool().get(active)) {}
    if (active && has("end")) Must(P("end"), "network-traffic-end", "'end' must not be present when is_active is true");
    Order(obj, "start", "end", false, "timestamp-order");
  } else if (type_ == "process" || type_ == "user-account" || type_ == "windows-registry-key" ||
             type_ == "x509-certificate") {
    if (own == 0) Must(base_, "required-property", "a " + type_ + " must have at least one property of its own");
  } else if (type_ == "ipv4-addr" || type_ == "ipv6-addr") {
    std::string_view s;
    if (!obj.at_key("value").get(e) && !e.get_string().get(s)) {
      std::string addr(s);
      size_t slash = addr.find('/');
      bool ok = true;
      if (slash != std::string::npos) {
        std::string bits = addr.substr(slash + 1);
        addr.resize(slash);
        int n = -1;
        auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
        ok = !bits.empty() && ec == std::errc() && p == bits.data() + bits.size() && n >= 0 &&
             !(bits.size() > 1 && bits[0] == '0') &&
             n <= (type_ == "ipv4-addr" ? 32 : 128);
      }
      unsigned char buf[16];
      if (ok) ok = inet_pton(type_ == "ipv4-addr" ? AF_INET : AF_INET6, addr.c_str(), buf) == 1;
      if (!ok) Must(P("value"), "ip-address", "'" + std::string(s.substr(0, 64)) + "' is not a valid " + type_ + " value");
    }
  } else if (type_ == "mac-addr") {
    std::string_view s;
    if (!obj.at_key("value").get(e) && !e.get_string().get(s)) {
      bool ok = s.size() == 17;
      for (size_t i = 0; ok && i < s.size(); ++i) {
        ok = (i % 3 == 2) ? s[i] == ':' : (IsHex(s[i]) && !std::isupper(static_cast<unsigned char>(s[i])));
      }
      if (!ok) Must(P("value"), "mac-address", "a MAC address must be colon-delimited lower-case hex (e.g. d2:fb:49:24:37:18)");
    }
  }
  std::string_view sv;
  auto str = [&](std::string_view k) -> bool { return !obj.at_key(k).get(e) && !e.get_string().get(sv); };
  auto has_scheme = [](std::string_view u) {
    size_t colon = u.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(u[0]))) return false;
    return std::all_of(u.begin(), u.begin() + colon, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
  };
  if ((type_ == "url" && str("value")) || (type_ == "artifact" && str("url"))) {
    if (!has_scheme(sv)) {
      Must(P(type_ == "url" ? "value" : "url"), "url", "'" + std::string(sv.substr(0, 64)) + "' is not a URL (RFC 3986: scheme ':' ...)");
    }
  }
  if (type_ == "email-addr" && str("value")) {
    size_t at = sv.find('@');
    bool ok = at != std::string_view::npos && at > 0 && at + 1 < sv.size() && sv.find('@', at + 1) == std::string_view::npos &&
              sv.find_first_of(" <>\t\r\n") == std::string_view::npos;
    if (!ok) Must(P("value"), "email-address", "'" + std::string(sv.substr(0, 64)) + "' is not a single e-mail address (addr-spec, no display name)");
  }
  if (type_ == "windows-registry-key" && str("key")) {
    std::string k(sv.substr(0, 5));
    for (char& c : k) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (k != "HKEY_") Must(P("key"), "registry-key", "the key must start with the full hive name (HKEY_...), not an abbreviation");
  }
  if (type_ == "software" && str("cpe") && !StartsWith(sv, "cpe:2.3:")) {
    Must(P("cpe"), "cpe", "'" + std::string(sv.substr(0, 64)) + "' is not a CPE 2.3 name (cpe:2.3:...)");
  }
  if (type_ == "artifact" && has("decryption_key") && !has("encryption_algorithm")) {
    Must(P("decryption_key"), "dependency", "'decryption_key' must not be present without 'encryption_algorithm'");
  }
  if (type_ == "process") {
    object ext, wpe;
    std::string_view prio;
    if (!obj.at_key("extensions").get(e) && !e.get_object().get(ext) && !ext.at_key("windows-process-ext").get(e) &&
        !e.get_object().get(wpe) && !wpe.at_key("priority").get(e) && !e.get_string().get(prio) &&
        !EndsWith(prio, "_CLASS")) {
      Should(P("extensions.windows-process-ext.priority"), "windows-process-priority-format",
             "'" + std::string(prio) + "' should be a Windows priority class name ending in _CLASS");
    }
  }
}

void Checker::CheckMarkingDefinition(object obj) {
  element e;
  bool has_ext = !obj.at_key("extensions").get(e);
  std::string_view dtype;
  bool has_dtype = !obj.at_key("definition_type").get(e) && !e.get_string().get(dtype);
  object def;
  bool has_def = !obj.at_key("definition").get(e) && !e.get_object().get(def);
  if (!has_ext && (!has_dtype || !has_def)) {
    Must(P(has_dtype ? "definition" : "definition_type"), "required-property",
         "a marking-definition without extensions needs 'definition_type' and 'definition'");
    return;
  }
  if (has_dtype && dtype == "statement") {
    std::string_view s;
    if (!has_def || def.at_key("statement").get(e) || e.get_string().get(s)) {
      Must(P("definition"), "marking-definition", "a statement marking needs definition.statement (a string)");
    }
  } else if (has_dtype && dtype == "tlp") {
    std::string_view level;
    if (!has_def || def.at_key("tlp").get(e) || e.get_string().get(level)) {
      Must(P("definition"), "marking-definition", "a tlp marking needs definition.tlp");
      return;
    }
    // TLP 1.0: only the four standard marking definitions exist.
    auto tlp = TlpFromMarkingId(out_->id);
    bool standard = tlp.has_value() && (out_->id == kTlp1White || out_->id == kTlp1Green ||
                                        out_->id == kTlp1Amber || out_->id == kTlp1Red);
    std::string expect;
    if (out_->id == kTlp1White) expect = "white";
    else if (out_->id == kTlp1Green) expect = "green";
    else if (out_->id == kTlp1Amber) expect = "amber";
    else if (out_->id == kTlp1Red) expect = "red";
    if (!standard || level != expect) {
      Must(P("definition.tlp"), "tlp-marking",
           "a TLP 1.0 marking must be one of the four standard marking definitions (id and level must match)");
    }
  } else if (has_dtype && !v20_) {
    Should(P("definition_type"), "marking-definition-type",
           "'" + std::string(dtype) + "' is not a predefined definition_type (statement, tlp)");
  }
  if (!obj.at_key("object_marking_refs").get(e)) {
    array a;
    if (!e.get_array().get(a)) {
      for (element r : a) {
        std::string_view id;
        if (!r.get_string().get(id) && id == out_->id) {
          Must(P("object_marking_refs"), "circular-marking", "a marking definition must not mark itself");
        }
      }
    }
  }
}

void Checker::CheckLanguageContent(object obj) {
  element e;
  object contents;
  if (obj.at_key("contents").get(e) || e.get_object().get(contents)) return;
  if (contents.size() == 0) Must(P("contents"), "dictionary", "'contents' must not be empty");
  for (auto lang : contents) {
    std::string p = P("contents") + "." + std::string(lang.key);
    if (!IsLangTag(lang.key)) Must(p, "language-tag", "'" + std::string(lang.key) + "' is not an RFC 5646 language code");
    object props;
    if (lang.value.get_object().get(props)) {
      Must(p, "type", "each language must map to an object of translated properties");
      continue;
    }
    for (auto f : props) {
      if (!IsValidPropertyName(f.key)) {
        Must(p + "." + std::string(f.key), "property-name", "'" + std::string(f.key) + "' is not a valid property name");
      }
    }
  }
}

void Checker::CheckExtensionDefinition(object obj) {
  element e;
  if (obj.at_key("created_by_ref").get(e)) {
    Must(P("created_by_ref"), "required-property", "an extension-definition requires 'created_by_ref'");
  }
  array types;
  bool toplevel = false;
  if (!obj.at_key("extension_types").get(e) && !e.get_array().get(types)) {
    size_t i = 0;
    for (element t : types) {
      std::string_view s;
      std::string p = P("extension_types") + "[" + std::to_string(i++) + "]";
      if (t.get_string().get(s)) continue;
      if (s == "toplevel-property-extension") toplevel = true;
      if (s != "new-sdo" && s != "new-sco" && s != "new-sro" && s != "property-extension" &&
          s != "toplevel-property-extension") {
        Must(p, "extension-type", "'" + std::string(s) + "' is not a valid extension type");
      }
    }
  }
  if (!toplevel && !obj.at_key("extension_properties").get(e)) {
    Must(P("extension_properties"), "extension-properties",
         "'extension_properties' is only allowed for toplevel-property-extension");
  }
  if (obj.at_key("description").get(e)) {
    Should(P("description"), "extension-description", "an extension-definition should have a description");
  }
}

void Checker::CheckTypeSpecific(object obj) {
  element e;
  auto has = [&](std::string_view k) { return !obj.at_key(k).get(e); };
  if (type_ == "indicator") {
    Order(obj, "valid_from", "valid_until", true, "valid-until");
    std::string_view pt, pat;
    if (!obj.at_key("pattern_type").get(e) && !e.get_string().get(pt) && pt == "stix" &&
        !obj.at_key("pattern").get(e) && !e.get_string().get(pat)) {
      CheckPattern(pat, P("pattern"));
    }
    if (!has("name") && !has("description")) {
      Should(base_, "indicator-properties", "an indicator should have a name or a description");
    }
  } else if (type_ == "malware") {
    bool family = false;
    if (!obj.at_key("is_family").get(e) && !e.get_bool().get(family) && family && !has("name")) {
      Must(P("name"), "required-property", "'name' is required when is_family is true");
    }
    Order(obj, "first_seen", "last_seen", false, "timestamp-order");
  } else if (type_ == "malware-analysis") {
    if (!has("result") && !has("analysis_sco_refs")) {
      Must(P("result"), "required-property", "malware-analysis needs 'result' or 'analysis_sco_refs'");
    }
  } else if (type_ == "location") {
    std::string_view country;
    if (!obj.at_key("country").get(e) && !e.get_string().get(country) &&
        !(country.size() == 2 && std::isalpha(static_cast<unsigned char>(country[0])) &&
          std::isalpha(static_cast<unsigned char>(country[1])))) {
      Should(P("country"), "countries", "'" + std::string(country) + "' should be an ISO 3166-1 alpha-2 country code");
    }
    bool lat = has("latitude"), lon = has("longitude");
    if (lat != lon) Must(P(lat ? "longitude" : "latitude"), "required-property", "latitude and longitude must be given together");
    if (has("precision") && !lat) Must(P("precision"), "dependency", "'precision' requires latitude and longitude");
    if (!has("region") && !has("country") && !(lat && lon)) {
      Must(base_, "required-property", "a location needs 'region', 'country', or 'latitude' and 'longitude'");
    }
  } else if (type_ == "observed-data") {
    Order(obj, "first_observed", "last_observed", false, "timestamp-order");
    bool objs = has("objects"), refs = has("object_refs");
    if (!v20_ && objs && refs) Must(P("objects"), "mutually-exclusive", "'objects' and 'object_refs' must not both be present");
    if (!objs && !refs) Must(P("object_refs"), "required-property", "observed-data needs 'object_refs' (or the deprecated 'objects')");
    if (objs) {
      object o;
      if (!obj.at_key("objects").get(e) && !e.get_object().get(o)) {
        if (o.size() == 0) Must(P("objects"), "dictionary", "'objects' must not be empty");
        for (auto f : o) {
          object so;
          std::string_view t;
          if (f.value.get_object().get(so) || so.at_key("type").get(e) || e.get_string().get(t)) {
            Must(P("objects") + "." + std::string(f.key), "type", "each embedded observable needs a 'type'");
          }
        }
      }
    }
  } else if (type_ == "relationship") {
    Order(obj, "start_time", "stop_time", true, "timestamp-order");
    std::string_view rt;
    if (!obj.at_key("relationship_type").get(e) && !e.get_string().get(rt) && !IsVocabFormat(rt)) {
      Should(P("relationship_type"), "relationship-types", "'" + std::string(rt) + "' should be lower case with hyphens");
    }
  } else if (type_ == "sighting") {
    Order(obj, "first_seen", "last_seen", false, "timestamp-order");
  } else if (type_ == "campaign" || type_ == "intrusion-set" || type_ == "threat-actor" ||
             type_ == "infrastructure") {
    Order(obj, "first_seen", "last_seen", false, "timestamp-order");
  } else if (type_ == "report" || type_ == "malware-analysis") {
  } else if (type_ == "marking-definition") {
    CheckMarkingDefinition(obj);
  } else if (type_ == "language-content") {
    CheckLanguageContent(obj);
  } else if (type_ == "extension-definition") {
    CheckExtensionDefinition(obj);
  }
  if (spec_ && spec_->kind == ObjectKind::kSco) CheckScoRules(obj);
  std::string_view lang;
  if (!obj.at_key("lang").get(e) && !e.get_string().get(lang) && !IsLangTag(lang)) {
    Should(P("lang"), "lang", "'" + std::string(lang) + "' is not an RFC 5646 language code");
  }
}

void Checker::CheckCommon(object obj) {
  element e;
  // created/modified
  bool sco = spec_ ? spec_->kind == ObjectKind::kSco : extension_types_.count("new-sco") > 0;
  if (!sco) {
    if (!obj.at_key("created").get(e)) {
      // The schemas require millisecond precision on SDO/SRO created and
      // modified (core.json), not on marking-definition's created.
      out_->created = CheckTimestamp(e, P("created"), type_ != "marking-definition");
      out_->created_text = std::string(Str(e));
    }
    if (!obj.at_key("modified").get(e)) {
      out_->modified = CheckTimestamp(e, P("modified"), true);
      out_->modified_text = std::string(Str(e));
    }
    if (out_->created && out_->modified && *out_->modified < *out_->created) {
      Must(P("modified"), "timestamp-order", "'modified' must be equal to or later than 'created'");
    }
  }
  if (!obj.at_key("created_by_ref").get(e)) {
    out_->created_by_ref = std::string(Str(e));
    if (!IsCanonicalId(out_->created_by_ref)) IdCaseError(out_->created_by_ref, P("created_by_ref"));
  }
  if (!obj.at_key("revoked").get(e)) if (e.get_bool().get(out_->revoked)) {}
  if (!obj.at_key("name").get(e)) out_->name = std::string(Str(e));
  array a;
  if (!obj.at_key("object_marking_refs").get(e) && !e.get_array().get(a)) {
    size_t i = 0;
    for (element r : a) {
      std::string_view s;
      if (!r.get_string().get(s)) {
        out_->object_marking_refs.emplace_back(s);
        if (!IsCanonicalId(s)) IdCaseError(s, P("object_marking_refs") + "[" + std::to_string(i) + "]");
      }
      ++i;
    }
  }
  if (!obj.at_key("granular_markings").get(e)) {
    if (e.get_array().get(a) || a.size() == 0) {
      Must(P("granular_markings"), "type", "must be a non-empty list of granular markings");
    } else {
      size_t i = 0;
      for (element g : a) CheckGranular(g, P("granular_markings") + "[" + std::to_string(i++) + "]", obj);
    }
  }
  if (type_ == "indicator") {
    if (!obj.at_key("pattern").get(e)) out_->pattern = std::string(Str(e));
    if (!obj.at_key("pattern_type").get(e)) out_->pattern_type = std::string(Str(e));
    if (!obj.at_key("pattern_version").get(e)) out_->pattern_version = std::string(Str(e));
    if (!obj.at_key("valid_from").get(e)) {
      auto t = ParseTimestamp(Str(e));
      if (t.ok()) out_->valid_from = *t;
    }
    if (!obj.at_key("valid_until").get(e)) {
      auto t = ParseTimestamp(Str(e));
      if (t.ok()) out_->valid_until = *t;
    }
    if (v20_ && out_->pattern_type.empty()) out_->pattern_type = "stix";
  }
}

void Checker::Run(object obj) {
  element e;
  // type
  std::string_view type;
  if (obj.at_key("type").get(e) || e.get_string().get(type)) {
    Must(P("type"), "required-property", "every STIX object needs a string 'type'");
    return;
  }
  type_ = std::string(type);
  out_->type = type_;
  if (!IsValidTypeNameInternal(type)) {
    Must(P("type"), "type-name", "'" + std::string(type.substr(0, 64)) +
                                     "' is not a valid type name (3-250 characters of a-z, 0-9 and '-')");
    return;
  }
  if (type == "bundle") {
    Must(P("type"), "nested-bundle", "a bundle must not appear as an object");
    return;
  }
  if (type == "action") {
    Must(P("type"), "reserved-type", "'action' is a reserved type name");
    return;
  }
  // id
  std::string_view id;
  if (obj.at_key("id").get(e) || e.get_string().get(id)) {
    Must(P("id"), "required-property", "every STIX object needs a string 'id'");
  } else {
    out_->id = std::string(id);
    if (!IsValidStixId(id)) {
      Must(P("id"), "identifier", "'" + std::string(id.substr(0, 300)) + "' is not a valid STIX identifier (type--UUID)");
    } else if (IdType(id) != type) {
      Must(P("id"), "id-type", "the id's type prefix '" + std::string(IdType(id)) + "' does not match type '" + type_ + "'");
    }
  }
  spec_ = FindTypeSpec(type);
  if (spec_) {
    out_->kind = spec_->kind;
  } else {
    out_->kind = ObjectKind::kCustom;
  }
  // Extensions first: a new-sco / toplevel-property-extension changes the rules.
  if (!obj.at_key("extensions").get(e)) {
    object ex;
    if (!e.get_object().get(ex)) {
      for (auto f : ex) {
        out_->extension_keys.emplace_back(f.key);
        // An id-shaped key ("extension-definition--<UUID>") is an id the
        // trust rules read (the Rampart extension is found by its key).
        if (!IsCanonicalId(f.key) && f.key.find("--") != std::string_view::npos) {
          IdCaseError(f.key, P("extensions") + "." + std::string(f.key));
        }
        object body;
        std::string_view et;
        element t;
        if (!f.value.get_object().get(body) && !body.at_key("extension_type").get(t) && !t.get_string().get(et)) {
          if (et == "toplevel-property-extension") has_toplevel_extension_ = true;
          if (StartsWith(et, "new-")) extension_types_.insert(std::string(et));
        }
      }
    }
  }
  bool is_sco = spec_ ? spec_->kind == ObjectKind::kSco : extension_types_.count("new-sco") > 0;
  // spec_version
  std::string_view sv;
  bool has_sv = !obj.at_key("spec_version").get(e);
  if (has_sv && e.get_string().get(sv)) Must(P("spec_version"), "spec-version", "'spec_version' must be a string");
  if (v20_) {
    out_->spec_version = "2.0";
    out_->is_stix20 = true;
  } else {
    out_->spec_version = std::string(sv);
    if (has_sv && sv != "2.1") {
      Must(P("spec_version"), "spec-version", "'spec_version' must be \"2.1\" (got \"" + std::string(sv.substr(0, 16)) + "\")");
    } else if (!has_sv && !is_sco) {
      Must(P("spec_version"), "required-property", "'spec_version' is required (\"2.1\") on every object but SCOs");
    }
  }
  if (!spec_) {
    // Custom object (STIX 2.1 section 11.2).
    if (extension_types_.empty()) CheckCustomPrefix(type, '-', P("type"), "custom object type");
    if (extension_types_.empty() && !v20_) {
      Should(P("type"), "extensions-use",
             "custom object type '" + type_ + "': STIX 2.1 recommends a new-sdo/new-sco extension-definition");
    }
  }
  if (type == "incident" && v20_) {
    Must(P("type"), "reserved-type", "'incident' is reserved in STIX 2.0");
  }
  const std::vector<PropSpec>* common = nullptr;
  if (is_sco) {
    common = &CommonScoProps();
  } else if (!spec_ || spec_->kind != ObjectKind::kMeta || type == "language-content" ||
             type == "extension-definition") {
    common = &CommonSdoProps();
  }
  CheckCommon(obj);
  if (v20_) {
    // 2.0 required properties (STIX 2.0 part 2) for the types that differ.
    static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> k20 = {
        {"attack-pattern", {"name"}}, {"campaign", {"name"}}, {"course-of-action", {"name"}},
        {"identity", {"name", "identity_class"}}, {"indicator", {"labels", "pattern", "valid_from"}},
        {"intrusion-set", {"name"}}, {"malware", {"labels", "name"}},
        {"observed-data", {"first_observed", "last_observed", "number_observed", "objects"}},
        {"report", {"labels", "name", "published", "object_refs"}}, {"threat-actor", {"labels", "name"}},
        {"tool", {"labels", "name"}}, {"vulnerability", {"name"}},
        {"relationship", {"relationship_type", "source_ref", "target_ref"}}, {"sighting", {"sighting_of_ref"}},
        {"marking-definition", {"created", "definition_type", "definition"}},
    };
    for (const auto& [t, props] : k20) {
      if (t != type) continue;
      for (std::string_view p : props) {
        if (obj.at_key(p).get(e)) Must(P(p), "required-property", "required property '" + std::string(p) + "' is missing (STIX 2.0)");
      }
    }
  }
  CheckProperties(obj, base_, common, spec_, true);
  CheckTypeSpecific(obj);
}

}  // namespace

bool IsKnownType(std::string_view type) { return FindTypeSpec(type) != nullptr; }

ObjectKind KindOfType(std::string_view type) {
  const TypeSpec* t = FindTypeSpec(type);
  return t ? t->kind : ObjectKind::kCustom;
}

void ValidateObject(object obj, const std::string& path, SpecVersion version, const ParseOptions& options,
                    ParsedObject* out, std::vector<ValidationError>* errors,
                    std::vector<ValidationError>* warnings) {
  Checker(path, version, options, out, errors, warnings).Run(obj);
}

}  // namespace rampart::stix::internal

namespace rampart::stix {

std::string_view IdType(std::string_view id) {
  size_t p = id.find("--");
  return p == std::string_view::npos ? std::string_view() : id.substr(0, p);
}

bool IsValidStixId(std::string_view id) {
  size_t p = id.find("--");
  if (p == std::string_view::npos) return false;
  return internal::IsValidTypeNameInternal(id.substr(0, p)) && internal::IsValidUuid(id.substr(p + 2));
}

}  // namespace rampart::stix
