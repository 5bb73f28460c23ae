// Data-driven tests over third-party STIX data (shared/data):
//  - every STIX 2.1 .json under stix/valid/ is accepted (the two
//    exceptions: the STIX 2.0 FileSystemStore tree and the SCO examples list);
//  - every file under stix/invalid/cti-stix-validator-files/ is rejected for
//    the right reason;
//  - the ATT&CK ICS and mobile bundles are accepted, x-mitre-* included;
//  - the OASIS stix2-validator v21 cases: each case's verdict must equal the
//    recorded one, except the cases listed in
//    tests/data/stix/oasis-v21-divergences.tsv, whose verdict must be the
//    opposite (each line says why a MUST-only policy legitimately differs).
//    Any change of verdict in either direction fails the test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "stix/parser.h"
#include "testing/test_data.h"

namespace rampart::stix {
namespace {

namespace fs = std::filesystem;
using ::rampart::testing::ReadFileOrEmpty;
using ::rampart::testing::SourceRoot;

std::string ErrorsText(const ParseResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += FormatError(e) + "\n";
  return out;
}

TEST(StixCorpusTest, AcceptsEveryValidFile) {
  RAMPART_REQUIRE_SHARED_DATA(root, "stix/valid");
  size_t files = 0, objects = 0, objects20 = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::string rel = fs::relative(entry.path(), root).string();
    // The exception: a bare list whose payload_bin placeholders are
    // not base64 (tested separately below).
    if (rel == "cti-python-stix2/sco-examples-bundle.json") continue;
    // The FileSystemStore tree mixes STIX 2.0 objects (no spec_version) and
    // 2.1 ones: 2.0 must be recognised as 2.0, 2.1 validated as 2.1.
    bool mixed = rel.find("cti-python-stix2/stix2_data/") == 0;
    std::string data = ReadFileOrEmpty(entry.path());
    ASSERT_FALSE(data.empty()) << rel;
    ParseOptions opts;
    opts.accept_20 = mixed;  // elsewhere nothing may pass as 2.0
    auto r = ParseBundleOrObject(data, opts);
    ASSERT_TRUE(r.ok()) << rel << ": " << r.status().ToString();
    EXPECT_TRUE(r->errors.empty()) << rel << "\n" << ErrorsText(*r);
    EXPECT_GT(r->objects.size(), 0u) << rel;
    for (const auto& o : r->objects) {
      bool has_sv = o.json.find("\"spec_version\"") != std::string::npos;
      EXPECT_EQ(o.is_stix20, mixed && !has_sv && o.kind != ObjectKind::kSco) << rel << " " << o.id;
      objects20 += o.is_stix20 ? 1 : 0;
    }
    ++files;
    objects += r->objects.size();
  }
  EXPECT_GE(files, 50u);
  EXPECT_GT(objects20, 0u);
  std::printf("accepted %zu files, %zu objects (%zu recognised as STIX 2.0)\n", files, objects, objects20);
}

TEST(StixCorpusTest, ScoExamplesOnlyFailOnPayloadPlaceholders) {
  RAMPART_REQUIRE_SHARED_DATA(path, "stix/valid/cti-python-stix2/sco-examples-bundle.json");
  auto r = ParseBundleOrObject(ReadFileOrEmpty(path), {});
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->objects.size(), 70u);
  for (const auto& e : r->errors) {
    EXPECT_EQ(e.rule, "binary") << FormatError(e);
    EXPECT_NE(e.path.find("payload_bin"), std::string::npos) << FormatError(e);
  }
  EXPECT_FALSE(r->errors.empty());
}

TEST(StixCorpusTest, RejectsEveryInvalidFileForTheRightReason) {
  RAMPART_REQUIRE_SHARED_DATA(root, "stix/invalid/cti-stix-validator-files");
  // file -> (whole-document error?, expected rule, expected path)
  struct Expect {
    bool document_error;
    std::string rule;
    std::string path;
  };
  const std::map<std::string, Expect> expected = {
      {"invalid_braces.json", {true, "", ""}},
      {"invalid_comma.json", {true, "", ""}},
      {"invalid_identity.json", {false, "required-property", "$.modified"}},
      {"invalid_timestamp.json", {false, "timestamp-order", "$.modified"}},
  };
  size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    std::string name = entry.path().filename().string();
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "new invalid file without an expected reason: " << name;
    auto r = ParseBundleOrObject(ReadFileOrEmpty(entry.path()), {});
    if (it->second.document_error) {
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(r.error().message().find("malformed JSON"), std::string_view::npos);
    } else {
      ASSERT_TRUE(r.ok()) << name;
      ASSERT_EQ(r->errors.size(), 1u) << ErrorsText(*r);
      EXPECT_EQ(r->errors[0].rule, it->second.rule);
      EXPECT_EQ(r->errors[0].path, it->second.path);
      EXPECT_EQ(r->errors[0].object_id, "identity--8c6af861-7b20-41ef-9b59-6344fd872a8f");
      EXPECT_TRUE(r->objects.empty());
    }
    ++seen;
  }
  EXPECT_EQ(seen, expected.size());
}

TEST(StixCorpusTest, AcceptsAttackIcsAndMobileBundles) {
  for (const char* name : {"attack/ics-attack-18.1.json", "attack/mobile-attack-17.1.json"}) {
    RAMPART_REQUIRE_SHARED_DATA(path, name);
    std::string data = ReadFileOrEmpty(path);
    ParseOptions opts;
    opts.accept_20 = false;
    auto r = ParseBundleOrObject(data, opts);
    ASSERT_TRUE(r.ok()) << name;
    EXPECT_TRUE(r->errors.empty()) << name << "\n" << ErrorsText(*r).substr(0, 4000);
    EXPECT_EQ(r->objects.size(), r->objects_seen);
    size_t custom = 0;
    for (const auto& o : r->objects) {
      if (o.type.rfind("x-mitre-", 0) == 0) {
        ++custom;
        EXPECT_EQ(o.kind, ObjectKind::kCustom);
      }
      // Exact bytes: each object's JSON is a substring of the file.
      ASSERT_NE(data.find(o.json), std::string::npos) << o.id;
      EXPECT_EQ(o.json.front(), '{');
      EXPECT_EQ(o.json.back(), '}');
    }
    EXPECT_GT(custom, 10u) << name;
  }
}

TEST(StixCorpusTest, Apt29Stix20BundleValidatesAs20AndUpgrades) {
  RAMPART_REQUIRE_SHARED_DATA(path, "attack/apt29-G0016-enterprise-stix20.json");
  std::string data = ReadFileOrEmpty(path);
  auto as20 = ParseBundleOrObject(data, {});
  ASSERT_TRUE(as20.ok());
  EXPECT_TRUE(as20->errors.empty()) << ErrorsText(*as20);
  ASSERT_EQ(as20->objects.size(), 239u);
  for (const auto& o : as20->objects) EXPECT_TRUE(o.is_stix20);

  ParseOptions up;
  up.upgrade_20 = true;
  auto as21 = ParseBundleOrObject(data, up);
  ASSERT_TRUE(as21.ok());
  EXPECT_TRUE(as21->errors.empty()) << ErrorsText(*as21).substr(0, 4000);
  ASSERT_EQ(as21->objects.size(), 239u);
  for (const auto& o : as21->objects) {
    EXPECT_FALSE(o.is_stix20);
    EXPECT_EQ(o.spec_version, "2.1");
    EXPECT_NE(o.json.find("\"spec_version\":\"2.1\""), std::string::npos);
    // The upgraded object must itself validate as 2.1 on its own.
    ParseOptions no20;
    no20.accept_20 = false;
    auto again = ParseSingleObject(o.json, no20);
    EXPECT_TRUE(again.ok()) << o.id << ": " << again.status().ToString();
  }
}

// ---- OASIS stix2-validator cases ----

// Maps stix2-validator check names (its --disable option) to Rampart's
// SHOULD rule names.
std::vector<std::string> MapDisabled(const nlohmann::json& disabled) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    static const std::map<std::string, std::vector<std::string>> kMap = {
        {"custom-prefix", {"custom-prefix"}},
        {"custom-prefix-lax", {"custom-prefix-lax"}},
        {"extensions-use", {"extensions-use"}},
        {"hash-algo", {"hash-algo"}},
        {"indicator-properties", {"indicator-properties"}},
        {"kill-chain-names", {"kill-chain-names"}},
        {"relationship-types", {"relationship-types"}},
        {"extension-description", {"extension-description"}},
        {"extension-properties", {"extension-properties"}},
        {"marking-definition-type", {"marking-definition-type"}},
        {"observable-dictionary-keys", {"dictionary-key-case"}},
        {"windows-process-priority-format", {"windows-process-priority-format"}},
        {"countries", {"countries"}},
        {"1", {"custom-prefix", "custom-prefix-lax", "vocab-format", "kill-chain-names", "dictionary-key-case", "lang",
               "relationship-types", "custom-reference"}},
        {"2", {"open-vocab", "hash-algo", "marking-definition-type"}},
    };
    auto it = kMap.find(n);
    if (it != kMap.end()) {
      names.insert(names.end(), it->second.begin(), it->second.end());
    } else {
      // Every vocabulary check (malware-types, region, ...) is "open-vocab"
      // here; the value-format check stays on, as in stix2-validator.
      names.push_back("open-vocab");
    }
  };
  std::vector<std::string> raw;
  if (disabled.is_string()) {
    std::stringstream ss(disabled.get<std::string>());
    std::string part;
    while (std::getline(ss, part, ',')) raw.push_back(part);
  } else if (disabled.is_array()) {
    for (const auto& d : disabled) raw.push_back(d.get<std::string>());
  }
  for (const auto& r : raw) add(r);
  return names;
}

// Every SHOULD rule name Rampart reports (docs/validation-policy.md).
constexpr const char* kShouldRules[] = {
    "custom-prefix", "custom-prefix-lax", "extensions-use", "open-vocab", "vocab-format", "kill-chain-names",
    "hash-algo", "lang", "indicator-properties", "relationship-types", "extension-description",
    "extension-properties", "marking-definition-type", "dictionary-key-case", "custom-reference",
    "duplicate-object", "extref-source", "windows-process-priority-format", "countries"};

struct Divergence {
  std::string source;
  std::string reason;
};

// tests/data/stix/oasis-v21-divergences.tsv: "<file>:<line>\t<source>\t<reason>".
std::map<std::string, Divergence> LoadDivergences() {
  std::map<std::string, Divergence> out;
  std::ifstream in(SourceRoot() / "tests/data/stix/oasis-v21-divergences.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    out[line.substr(0, t1)] = {line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)};
  }
  return out;
}

void RunOasisCases(const std::string& rel, const std::string& tag) {
  RAMPART_REQUIRE_SHARED_DATA(path, rel);
  auto divergences = LoadDivergences();
  ASSERT_TRUE(fs::exists(SourceRoot() / "tests/data/stix/oasis-v21-divergences.tsv"));
  std::ifstream in(path);
  std::string line;
  size_t n = 0, agree = 0, diverge = 0;
  bool dump = std::getenv("RAMPART_DUMP_DIVERGENCES") != nullptr;
  while (std::getline(in, line)) {
    ++n;
    auto c = nlohmann::json::parse(line);
    std::string key = tag + ":" + std::to_string(n);
    std::string source = c["source"];
    bool expect_valid = c["expected"] == "valid";
    ParseOptions opts;
    opts.accept_20 = false;  // these are the validator's STIX 2.1 cases
    const auto& o = c["options"];
    if (o.is_object()) {
      opts.strict = o.value("strict", false);
      if (o.contains("disabled")) opts.disabled_should_rules = MapDisabled(o["disabled"]);
      if (o.contains("enabled")) {
        // stix2-validator's `enabled`: only the named optional checks run.
        std::vector<std::string> keep = MapDisabled(o["enabled"]);
        for (const char* rule : kShouldRules) {
          if (std::find(keep.begin(), keep.end(), rule) == keep.end()) opts.disabled_should_rules.push_back(rule);
        }
      }
    }
    std::string instance = c["instance"].dump();
    auto r = ParseBundleOrObject(instance, opts);
    bool valid = r.ok() && r->errors.empty();
    auto it = divergences.find(key);
    bool listed = it != divergences.end();
    if (dump && (valid != expect_valid) != listed) {
      std::printf("%s\t%s\t%s\t%s\n", key.c_str(), source.c_str(), valid ? "valid" : "invalid",
                  r.ok() ? (r->errors.empty() ? "" : FormatError(r->errors[0]).c_str())
                         : r.error().ToString().c_str());
    }
    if (listed) {
      EXPECT_EQ(it->second.source, source) << key << ": divergence list is out of step with the data";
      EXPECT_NE(valid, expect_valid) << key << " " << source
                                     << ": listed as a divergence but now agrees with stix2-validator ("
                                     << it->second.reason << ")";
      ++diverge;
    } else {
      EXPECT_EQ(valid, expect_valid) << key << " " << source << " options=" << o.dump() << "\n"
                                     << (r.ok() ? ErrorsText(*r) : r.error().ToString());
      ++agree;
    }
  }
  EXPECT_GT(n, 100u);
  std::printf("%s: %zu cases, %zu agree with stix2-validator, %zu documented divergences\n", rel.c_str(), n, agree,
              diverge);
}

TEST(StixOasisCasesTest, V21ValidCases) {
  RunOasisCases("stix/valid/cti-stix-validator-v21-valid-cases.jsonl", "valid");
}

TEST(StixOasisCasesTest, V21InvalidCases) {
  RunOasisCases("stix/invalid/cti-stix-validator-v21-invalid-cases.jsonl", "invalid");
}

}  // namespace
}  // namespace rampart::stix
