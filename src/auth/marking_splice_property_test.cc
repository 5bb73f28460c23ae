// Property tests.
//  1. For generated STIX-like objects (nested objects that reuse the key
//     "object_marking_refs", escapes, control characters, non-ASCII text,
//     pretty-printed and compact), ReleaseObject's byte splice agrees with
//     the nlohmann re-serialising path once both outputs are parsed as JSON,
//     it only ever inserts bytes, and it decides without falling back.
//  2. A differential test of every byte-level fast path against full
//     parsers, on generated bundles written by hand (so keys may be escaped
//     or repeated, whitespace odd): the stix parser's object spans re-parse
//     to the objects simdjson's DOM and nlohmann read in the whole document,
//     or the document / object is refused; the splice agrees with the
//     re-serialising path or declines; MayHaveEscapedTopLevelKey never lets
//     a top-level "granular_markings" hide from the policy's byte search.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include <simdjson.h>

#include <cstring>
#include <map>
#include <set>

#include "auth/marking_splice.h"
#include "auth/policy.h"
#include "stix/markings.h"
#include "stix/parser.h"

namespace rampart::auth {
namespace {

using stix::Tlp;
using ojson = nlohmann::ordered_json;

std::string GenString() {
  static const char* const kPieces[] = {
      "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "é", "攻撃", "😀",
      "object_marking_refs", "\"object_marking_refs\":[", "{", "}", "[", "]", ",", ":",
      "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"};
  const int n = *rc::gen::inRange(0, 6);
  std::string s;
  for (int i = 0; i < n; ++i) s += kPieces[*rc::gen::inRange<size_t>(0, std::size(kPieces))];
  return s;
}

std::string GenKey() {
  if (*rc::gen::inRange(0, 4) == 0) return "object_marking_refs";
  return GenString();
}

ojson GenValue(int depth) {
  switch (*rc::gen::inRange(0, depth > 0 ? 8 : 6)) {
    case 0: return GenString();
    case 1: return *rc::gen::inRange<int64_t>(-1'000'000'000'000, 1'000'000'000'000);
    case 2: return *rc::gen::inRange(-100000, 100000) / 64.0;
    case 3: return *rc::gen::arbitrary<bool>();
    case 4: return nullptr;
    case 5: return GenString();
    case 6: {
      ojson a = ojson::array();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) a.push_back(GenValue(depth - 1));
      return a;
    }
    default: {
      ojson o = ojson::object();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) o[GenKey()] = GenValue(depth - 1);
      return o;
    }
  }
}

TEST(ReleaseObjectSpliceProperty, AgreesWithNlohmannPath) {
  const std::string kStatement = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168";
  const std::string kOther = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e4999";
  const PolicySnapshot snap({}, {}, {});
  const Principal admin{"u-admin", "org-a", store::Role::kAdmin, "t"};  // own objects: even RED
  store::Collection coll;
  coll.id = "c1";
  setenv("RC_PARAMS", "max_success=2000", 0);  // unless the caller set it
  int with_refs = 0, total = 0;
  const bool ok = rc::check("splice == nlohmann after parsing", [&] {
    const Tlp tlp = static_cast<Tlp>(*rc::gen::inRange(0, 5));
    const std::string mark(stix::TlpMarkingId(tlp));
    ojson j = ojson::object();
    // Top-level keys are ASCII (escaped ones are left to nlohmann by design).
    static const char* const kTopKeys[] = {"type", "id", "name", "description", "labels",
                                           "extensions", "external_references", "x_custom"};
    const int n = *rc::gen::inRange(0, 7);
    for (int i = 0; i < n; ++i) {
      j[kTopKeys[*rc::gen::inRange<size_t>(0, std::size(kTopKeys))]] = GenValue(3);
    }
    if (*rc::gen::arbitrary<bool>()) {
      ojson refs = ojson::array();
      for (const std::string& r : {kStatement, kOther, mark}) {
        if (*rc::gen::inRange(0, 3) == 0) refs.push_back(r);
      }
      // Anywhere among the other keys.
      ojson k = ojson::object();
      const size_t at = *rc::gen::inRange<size_t>(0, j.size() + 1);
      size_t i = 0;
      for (auto& [key, v] : j.items()) {
        if (i++ == at) k["object_marking_refs"] = refs;
        k[key] = v;
      }
      if (at == j.size()) k["object_marking_refs"] = refs;
      j = std::move(k);
      ++with_refs;
    }
    std::string in;
    switch (*rc::gen::inRange(0, 4)) {
      case 0: in = j.dump(); break;
      case 1: in = j.dump(2); break;
      case 2: in = j.dump(-1, ' ', true); break;  // \uXXXX escapes
      default: in = " \n" + j.dump(1, '\t', true) + "\r\n"; break;
    }
    ++total;

    store::StoredObject o;
    o.json = in;
    o.collection_id = "c1";
    o.provenance.effective_tlp = tlp;
    o.provenance.default_marking_applied = true;
    o.provenance.org_id = "org-a";
    // Granular markings take the redaction path; not this test's subject.
    RC_PRE(in.find("\"granular_markings\"") == std::string::npos);

    RC_ASSERT(internal::SpliceObjectMarking(in, mark).has_value());  // decided, no fallback
    std::optional<std::string> fast = ReleaseObject(snap, admin, coll, o, Path::kTaxiiRead);
    std::optional<std::string> slow =
        internal::ReleaseByReserialising(snap, admin, coll, o, Path::kTaxiiRead, true);
    RC_ASSERT(fast.has_value());
    RC_ASSERT(slow.has_value());
    RC_ASSERT(nlohmann::json::parse(*fast) == nlohmann::json::parse(*slow));

    // Only an insertion: a common prefix and suffix cover every input byte.
    size_t pre = 0;
    while (pre < in.size() && (*fast)[pre] == in[pre]) ++pre;
    size_t suf = 0;
    while (suf < in.size() - pre && (*fast)[fast->size() - 1 - suf] == in[in.size() - 1 - suf]) ++suf;
    RC_ASSERT(pre + suf == in.size());
  });
  EXPECT_TRUE(ok);
  EXPECT_GT(with_refs, 0);
  EXPECT_GT(total, 0);
}

// ---------------------------------------------------------------------------
// 2. Differential test: hand-written JSON text against full parsers.

// Whitespace between tokens: none, one, tabs, CR LF, a big run.
std::string GenWs() {
  switch (*rc::gen::inRange(0, 8)) {
    case 0: case 1: case 2: return "";
    case 3: return " ";
    case 4: return "\t";
    case 5: return "\r\n  ";
    case 6: return "\n\t \r";
    default: return std::string(static_cast<size_t>(*rc::gen::inRange(16, 300)), ' ');
  }
}

char HexDigit(int v, bool upper) { return static_cast<char>(v < 10 ? '0' + v : (upper ? 'A' : 'a') + v - 10); }

// One character as a JSON \u escape.
std::string UEscape(unsigned char c) {
  const bool upper = *rc::gen::arbitrary<bool>();
  return std::string("\\u00") + HexDigit(c >> 4, upper) + HexDigit(c & 15, upper);
}

// `key` as a JSON string token: as is, or (when `*escape`) with one ASCII
// character written as an escape (\uXXXX, or \/ for a '/'); *escape ends
// false when the key has no ASCII character.
std::string KeyToken(const std::string& key, bool* escape) {
  std::vector<size_t> ascii;
  for (size_t i = 0; i < key.size(); ++i) {
    if (static_cast<unsigned char>(key[i]) < 0x80) ascii.push_back(i);
  }
  if (ascii.empty()) *escape = false;
  if (!*escape) return "\"" + key + "\"";
  const size_t at = ascii[*rc::gen::inRange<size_t>(0, ascii.size())];
  std::string esc = key[at] == '/' ? std::string("\\/") : UEscape(static_cast<unsigned char>(key[at]));
  return "\"" + key.substr(0, at) + esc + key.substr(at + 1) + "\"";
}

// A JSON string token with escapes and non-ASCII text in its value.
std::string GenStringToken() {
  static const char* const kPieces[] = {
      "a", "Z", "0", " ", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\r", "\\b", "\\f", "\\u00e9",
      "\\u0041", "\\ud83d\\ude00", "é", "攻撃", "😀", "object_marking_refs", "\\\"granular_markings\\\":[",
      "{", "}", "[", "]", ",", ":", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"};
  const int n = *rc::gen::inRange(0, 6);
  std::string s = "\"";
  for (int i = 0; i < n; ++i) s += kPieces[*rc::gen::inRange<size_t>(0, std::size(kPieces))];
  return s + "\"";
}

struct Taint {
  bool duplicate = false;  // some object holds a key twice
  bool escaped = false;    // some key is written with an escape
};

std::string GenValueText(int depth, Taint& t);

// A JSON object whose members are `members` (key, value text); may repeat a
// key or escape one, recording it in `t`.
std::string ObjectText(std::vector<std::pair<std::string, std::string>> members, Taint& t, bool allow_taint) {
  if (allow_taint && !members.empty() && *rc::gen::inRange(0, 12) == 0) {
    const auto& m = members[*rc::gen::inRange<size_t>(0, members.size())];
    members.insert(members.begin() + *rc::gen::inRange<size_t>(0, members.size() + 1), m);
    t.duplicate = true;
  }
  std::string out = "{" + GenWs();
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) out += GenWs() + "," + GenWs();
    bool escape = allow_taint && *rc::gen::inRange(0, 16) == 0;
    const std::string token = KeyToken(members[i].first, &escape);
    t.escaped |= escape;
    out += token + GenWs() + ":" + GenWs() + members[i].second;
  }
  return out + GenWs() + "}";
}

std::string GenValueText(int depth, Taint& t) {
  static const char* const kNumbers[] = {"0", "-0", "7", "-12", "3.25", "-0.5", "1e3", "2E-2", "1.5e+10",
                                         "9007199254740993", "18446744073709551615", "-9223372036854775808"};
  switch (*rc::gen::inRange(0, depth > 0 ? 9 : 6)) {
    case 0: case 1: return GenStringToken();
    case 2: return kNumbers[*rc::gen::inRange<size_t>(0, std::size(kNumbers))];
    case 3: return *rc::gen::arbitrary<bool>() ? "true" : "false";
    case 4: return "null";
    case 5: return GenStringToken();
    case 6: case 7: {
      const int n = *rc::gen::inRange(0, 4);
      std::string out = "[" + GenWs();
      for (int i = 0; i < n; ++i) out += (i ? GenWs() + "," + GenWs() : "") + GenValueText(depth - 1, t);
      return out + GenWs() + "]";
    }
    default: {
      static const char* const kKeys[] = {"a", "b_c", "Key-1", "object_marking_refs", "granular_markings",
                                          "marking_ref", "x/y", "é"};
      std::vector<std::pair<std::string, std::string>> members;
      std::set<std::string> used;
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) {
        std::string k = kKeys[*rc::gen::inRange<size_t>(0, std::size(kKeys))];
        if (!used.insert(k).second) continue;
        members.emplace_back(k, GenValueText(depth - 1, t));
      }
      return ObjectText(std::move(members), t, true);
    }
  }
}

struct GenObject {
  std::string id;
  std::string text;  // exactly as written into the bundle
  Taint taint;
  bool has_granular = false;
};

// A STIX identity (valid unless tainted) with custom properties holding
// arbitrary nested JSON, markings in the usual places.
GenObject GenStixObject(int n) {
  GenObject g;
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "8c6af861-7b20-41ef-9b59-%012d", n);
  g.id = std::string("identity--") + uuid;
  std::vector<std::pair<std::string, std::string>> m = {
      {"type", "\"identity\""},
      {"spec_version", "\"2.1\""},
      {"id", "\"" + g.id + "\""},
      {"created", "\"2016-08-08T15:50:10.983Z\""},
      {"modified", "\"2016-08-08T15:50:10.983Z\""},
      {"name", GenStringToken()},
  };
  if (*rc::gen::arbitrary<bool>()) {
    std::string refs = "[" + GenWs();
    const int k = *rc::gen::inRange(0, 3);
    for (int i = 0; i < k; ++i) {
      refs += (i ? "," + GenWs() : "") + "\"" +
              std::string(stix::TlpMarkingId(static_cast<stix::Tlp>(*rc::gen::inRange(0, 5)))) + "\"";
    }
    if (k == 0) refs += "\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\"";
    m.emplace_back("object_marking_refs", refs + GenWs() + "]");
  }
  if (*rc::gen::inRange(0, 4) == 0) {
    g.has_granular = true;
    m.emplace_back("granular_markings",
                   "[{\"marking_ref\":\"" + std::string(stix::kTlp2Red) + "\",\"selectors\":[\"name\"]}]");
  }
  static const char* const kCustom[] = {"x_acme_a", "x_acme_b", "x_acme_data", "x_acme_list"};
  const int c = *rc::gen::inRange(0, 4);
  for (int i = 0; i < c; ++i) m.emplace_back(kCustom[i], GenValueText(3, g.taint));
  // Shuffle the member order (type/id need not come first).
  for (size_t i = m.size(); i > 1; --i) std::swap(m[i - 1], m[*rc::gen::inRange<size_t>(0, i)]);
  g.text = ObjectText(std::move(m), g.taint, true);
  return g;
}

// simdjson DOM's reading (first of duplicate keys) of one element, as JSON.
nlohmann::json DomReading(simdjson::dom::element e) { return nlohmann::json::parse(simdjson::to_string(e)); }

TEST(FastPathDifferentialProperty, ScannerAndSpliceAgreeWithFullParsers) {
  const PolicySnapshot snap({}, {}, {});
  const Principal admin{"u-admin", "org-a", store::Role::kAdmin, "t"};
  store::Collection coll;
  coll.id = "c1";
  setenv("RC_PARAMS", "max_success=1500", 0);
  size_t accepted = 0, refused_objects = 0, refused_docs = 0, spliced = 0, declined = 0;
  const bool ok = rc::check("fast paths read JSON as the full parsers do, or refuse", [&] {
    const int n = *rc::gen::inRange(1, 5);
    std::vector<GenObject> objs;
    for (int i = 0; i < n; ++i) objs.push_back(GenStixObject(i));
    std::string array = "[" + GenWs();
    for (int i = 0; i < n; ++i) array += (i ? GenWs() + "," + GenWs() : "") + objs[i].text;
    array += GenWs() + "]";
    std::vector<std::pair<std::string, std::string>> top = {
        {"type", "\"bundle\""}, {"id", "\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\""}, {"objects", array}};
    for (size_t i = top.size(); i > 1; --i) std::swap(top[i - 1], top[*rc::gen::inRange<size_t>(0, i)]);
    Taint bundle_taint;
    // The bundle's own keys: sometimes a second "objects" (empty or not), or
    // a key written with an escape.
    if (*rc::gen::inRange(0, 8) == 0) {
      top.emplace_back("objects", *rc::gen::arbitrary<bool>() ? std::string("[]") : array);
      bundle_taint.duplicate = true;
    }
    const std::string doc = GenWs() + ObjectText(top, bundle_taint, true) + GenWs();

    Result<stix::ParseResult> r = stix::ParseBundleOrObject(doc);
    if (bundle_taint.duplicate || bundle_taint.escaped) {
      RC_ASSERT(!r.ok());  // the whole document is refused
      ++refused_docs;
    }
    if (r.ok()) {
      // Every object is either accepted or refused with an error at its index.
      std::set<size_t> with_errors;
      for (const stix::ValidationError& e : r->errors) {
        RC_ASSERT(e.path.rfind("$.objects[", 0) == 0);
        with_errors.insert(std::stoul(e.path.substr(10)));
      }
      RC_ASSERT(r->objects.size() + with_errors.size() == objs.size());
      simdjson::dom::parser dom_parser;
      simdjson::dom::element dom_root = dom_parser.parse(doc);
      simdjson::dom::array dom_objects = dom_root["objects"].get_array();
      const nlohmann::json full = nlohmann::json::parse(doc);
      std::map<std::string, size_t> index;
      for (size_t i = 0; i < objs.size(); ++i) index[objs[i].id] = i;
      for (const stix::ParsedObject& o : r->objects) {
        RC_ASSERT(index.count(o.id) == 1u);
        const size_t i = index[o.id];
        const GenObject& g = objs[i];
        RC_ASSERT(!g.taint.duplicate && !g.taint.escaped);  // refused, never read one way
        RC_ASSERT(o.json == g.text);                        // the exact bytes
        const nlohmann::json mine = nlohmann::json::parse(o.json);
        RC_ASSERT(mine == DomReading(dom_objects.at(i)));  // simdjson's reading (first key wins)
        RC_ASSERT(mine == full["objects"][i]);             // nlohmann's reading (last key wins)
        ++accepted;
      }
      for (size_t i : with_errors) refused_objects += (objs[i].taint.duplicate || objs[i].taint.escaped) ? 1 : 0;
    }

    // The splice and the byte search, on every generated object (also on
    // the ones the parser refuses: objects stored before these rules).
    for (const GenObject& g : objs) {
      const stix::Tlp tlp = static_cast<stix::Tlp>(*rc::gen::inRange(0, 5));
      const std::string mark(stix::TlpMarkingId(tlp));
      const nlohmann::json parsed = nlohmann::json::parse(g.text, nullptr, false);
      if (parsed.is_discarded()) RC_FAIL("nlohmann refuses a generated object: " + g.text);
      constexpr std::string_view kGranular = "\"granular_markings\"";
      if (parsed.contains("granular_markings")) {
        RC_ASSERT(g.text.find(kGranular) != std::string::npos || internal::MayHaveEscapedTopLevelKey(g.text));
      }
      if (g.has_granular || g.text.find(kGranular) != std::string::npos) continue;  // the redaction path
      store::StoredObject so;
      so.json = g.text;
      so.collection_id = "c1";
      so.provenance.effective_tlp = tlp;
      so.provenance.default_marking_applied = true;
      so.provenance.org_id = "org-a";
      std::optional<std::string> fast = internal::SpliceObjectMarking(g.text, mark);
      if (!fast) {
        ++declined;
        continue;
      }
      ++spliced;
      std::optional<std::string> slow = internal::ReleaseByReserialising(snap, admin, coll, so, Path::kTaxiiRead, true);
      RC_ASSERT(slow.has_value());
      RC_ASSERT(nlohmann::json::parse(*fast) == nlohmann::json::parse(*slow));
    }
  });
  EXPECT_TRUE(ok);
  std::printf("accepted %zu objects; refused %zu tainted objects and %zu documents; splice %zu, declined %zu\n",
              accepted, refused_objects, refused_docs, spliced, declined);
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(refused_objects, 10u);
  EXPECT_GT(refused_docs, 10u);
  EXPECT_GT(spliced, 100u);
  EXPECT_GT(declined, 10u);
}

}  // namespace
}  // namespace rampart::auth
