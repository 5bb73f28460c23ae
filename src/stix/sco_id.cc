// Deterministic SCO ids (UUIDv5 over RFC 8785 canonical JSON).
#include "stix/sco_id.h"

#include <openssl/sha.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/crypto.h"

namespace rampart::stix {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// UTF-8 -> UTF-16 code units, for RFC 8785 key ordering.
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c >> 5) == 6) { cp = c & 0x1f; n = 2; }
    else if ((c >> 4) == 14) { cp = c & 0x0f; n = 3; }
    else { cp = c & 0x07; n = 4; }
    for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3).
std::string JsNumber(double d) {
  if (d == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant) if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int k = static_cast<int>(digits.size());
  int n = exp + 1;  // decimal point position
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(-n, '0') + digits;
  } else {
    int e2 = n - 1;
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += "e";
    out += e2 < 0 ? "-" : "+";
    out += std::to_string(std::abs(e2));
  }
  return neg ? "-" + out : out;
}

void Canon(element e, std::string* out) {
  switch (e.type()) {
    case element_type::OBJECT: {
      std::vector<std::pair<std::u16string, std::pair<std::string_view, element>>> fields;
      for (auto f : simdjson::dom::object(e.get_object().value_unsafe())) fields.push_back({Utf16(f.key), {f.key, f.value}});
      std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& f : fields) {
        if (!first) out->push_back(',');
        first = false;
        *out += JsonQuote(f.second.first);
        out->push_back(':');
        Canon(f.second.second, out);
      }
      out->push_back('}');
      return;
    }
    case element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (element c : simdjson::dom::array(e.get_array().value_unsafe())) {
        if (!first) out->push_back(',');
        first = false;
        Canon(c, out);
      }
      out->push_back(']');
      return;
    }
    case element_type::STRING:
      *out += JsonQuote(e.get_string().value_unsafe());
      return;
    case element_type::INT64:
      *out += std::to_string(e.get_int64().value_unsafe());
      return;
    case element_type::UINT64:
      *out += std::to_string(e.get_uint64().value_unsafe());
      return;
    case element_type::DOUBLE:
      *out += JsNumber(e.get_double().value_unsafe());
      return;
    case element_type::BOOL:
      *out += e.get_bool().value_unsafe() ? "true" : "false";
      return;
    case element_type::NULL_VALUE:
      *out += "null";
      return;
  }
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

Result<std::string> CanonicalJson(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  std::string out;
  Canon(root, &out);
  return out;
}

std::string Uuid5(std::string_view namespace_uuid, std::string_view name) {
  std::string bytes;
  for (size_t i = 0; i + 1 < namespace_uuid.size();) {
    if (namespace_uuid[i] == '-') {
      ++i;
      continue;
    }
    bytes.push_back(static_cast<char>(HexVal(namespace_uuid[i]) * 16 + HexVal(namespace_uuid[i + 1])));
    i += 2;
  }
  bytes.append(name);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

const std::vector<std::string_view>& IdContributingProperties(std::string_view sco_type) {
  static const auto* table = new std::map<std::string_view, std::vector<std::string_view>>{
      {"artifact", {"hashes", "payload_bin"}},
      {"autonomous-system", {"number"}},
      {"directory", {"path"}},
      {"domain-name", {"value"}},
      {"email-addr", {"value"}},
      {"email-message", {"from_ref", "subject", "body"}},
      {"file", {"hashes", "name", "extensions", "parent_directory_ref"}},
      {"ipv4-addr", {"value"}},
      {"ipv6-addr", {"value"}},
      {"mac-addr", {"value"}},
      {"mutex", {"name"}},
      {"network-traffic", {"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"}},
      {"process", {}},
      {"software", {"name", "cpe", "swid", "vendor", "version"}},
      {"url", {"value"}},
      {"user-account", {"account_type", "user_id", "account_login"}},
      {"windows-registry-key", {"key", "values"}},
      {"x509-certificate", {"hashes", "serial_number"}},
  };
  static const std::vector<std::string_view> kNone;
  auto it = table->find(sco_type);
  return it == table->end() ? kNone : it->second;
}

Result<std::string> DeterministicScoId(std::string_view type, std::string_view sco_json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(sco_json.data(), sco_json.size()).get(root); err) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return Status::InvalidArgument("SCO properties must be a JSON object");
  // Build {"prop": value, ...} of the present id-contributing properties;
  // Canon() sorts the keys.
  std::string doc = "{";
  bool any = false;
  for (std::string_view prop : IdContributingProperties(type)) {
    element v;
    if (obj.at_key(prop).get(v)) continue;
    if (any) doc.push_back(',');
    any = true;
    doc += JsonQuote(prop);
    doc.push_back(':');
    if (prop == "hashes" && v.type() == element_type::OBJECT) {
      // One hash: the first present of MD5, SHA-1, SHA-256, SHA-512, else
      // the lexicographically first key (as the python-stix2 reference does).
      simdjson::dom::object h = v.get_object().value_unsafe();
      std::string_view chosen;
      element cv;
      for (std::string_view algo : {"MD5", "SHA-1", "SHA-256", "SHA-512"}) {
        if (!h.at_key(algo).get(cv)) {
          chosen = algo;
          break;
        }
      }
      if (chosen.empty()) {
        for (auto f : h) {
          if (chosen.empty() || f.key < chosen) {
            chosen = f.key;
            cv = f.value;
          }
        }
      }
      if (chosen.empty()) {
        doc += "{}";
      } else {
        doc += "{" + JsonQuote(chosen) + ":";
        Canon(cv, &doc);
        doc += "}";
      }
    } else {
      Canon(v, &doc);
    }
  }
  doc += "}";
  if (!any) return std::string(type) + "--" + RandomUuid();
  RAMPART_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(doc));
  return std::string(type) + "--" + Uuid5(kScoIdNamespace, canonical);
}

}  // namespace rampart::stix
