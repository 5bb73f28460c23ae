// Property test: for generated STIX-like objects (nested objects that reuse
// the key "object_marking_refs", escapes, control characters, non-ASCII
// text, pretty-printed and compact), ReleaseObject's byte splice agrees with
// the nlohmann re-serialising path once both outputs are parsed as JSON, it
// only ever inserts bytes, and it decides without falling back.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "auth/marking_splice.h"
#include "auth/policy.h"
#include "stix/markings.h"

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

}  // namespace
}  // namespace rampart::auth
