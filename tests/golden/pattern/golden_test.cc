// Runs the pattern golden files tests/golden/pattern/*.test (format:
// docs/formats/pattern_golden.md): every directive of every file is one
// check of ParsePattern / ToString / Evaluate / ExtractObservables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "pattern/evaluator.h"
#include "pattern/observables.h"
#include "pattern/parser.h"
#include "testing/test_data.h"

namespace rampart::pattern {
namespace {

std::filesystem::path GoldenDir() {
  if (std::getenv("RAMPART_SOURCE_DIR")) return testing::SourceRoot() / "tests/golden/pattern";
  return RAMPART_PATTERN_GOLDEN_DIR;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Splits on whitespace, keeping '...' quoted runs (with \' escapes) together.
std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) {
        cur += s[++i];
      } else if (c == '\'') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '\'') {
      quoted = any = true;
    } else if (c == ' ' || c == '\t') {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

// Shorthand observations -> a STIX 2.1 bundle (see the format document).
std::string BuildBundle(const std::string& text, std::string* error) {
  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  int n_obs = 0, n_sco = 0;
  std::stringstream parts(text);
  std::string part;
  std::vector<std::string> chunks;
  size_t start = 0;
  while (true) {
    size_t bar = text.find(" | ", start);
    chunks.push_back(text.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 3;
  }
  for (const std::string& chunk : chunks) {
    ++n_obs;
    char od_id[80];
    std::snprintf(od_id, sizeof od_id, "observed-data--00000000-0000-4000-8000-%012d", n_obs);
    nlohmann::ordered_json od = {{"type", "observed-data"},
                                 {"spec_version", "2.1"},
                                 {"id", od_id},
                                 {"created", "2020-01-01T00:00:00Z"},
                                 {"modified", "2020-01-01T00:00:00Z"},
                                 {"first_observed", "2020-01-01T00:00:00Z"},
                                 {"last_observed", "2020-01-01T00:00:00Z"},
                                 {"number_observed", 1},
                                 {"object_refs", nlohmann::ordered_json::array()}};
    std::vector<std::pair<std::string, nlohmann::ordered_json>> scos;  // by local name
    for (const std::string& w : Words(chunk)) {
      if (w[0] == '@') {
        std::string t = w.substr(1);
        size_t dots = t.find("..");
        od["first_observed"] = t.substr(0, dots);
        od["last_observed"] = dots == std::string::npos ? t : t.substr(dots + 2);
        continue;
      }
      if (w[0] == 'x' && w.size() > 1 && std::all_of(w.begin() + 1, w.end(), ::isdigit)) {
        od["number_observed"] = std::stoll(w.substr(1));
        continue;
      }
      size_t colon = w.find(':'), eq = w.find('=');
      if (colon == std::string::npos || eq == std::string::npos || eq < colon) {
        *error = "bad observation word: " + w;
        return "";
      }
      std::string local = w.substr(0, colon);  // "type" or "type#name"
      std::string type = local.substr(0, local.find('#'));
      std::string path = w.substr(colon + 1, eq - colon - 1);
      std::string raw = w.substr(eq + 1);
      nlohmann::ordered_json value;
      // Scalars in JSON form (numbers, true/false/null, "...", [...], {...})
      // stay JSON; anything else is a string.
      try {
        value = nlohmann::ordered_json::parse(raw);
      } catch (...) {
        value = raw;
      }
      auto it = std::find_if(scos.begin(), scos.end(), [&](const auto& p) { return p.first == local; });
      if (it == scos.end()) {
        ++n_sco;
        char id[120];
        std::snprintf(id, sizeof id, "%s--00000000-0000-4000-8000-%012d", type.c_str(), n_sco);
        scos.emplace_back(local, nlohmann::ordered_json{{"type", type}, {"id", id}});
        it = scos.end() - 1;
      }
      nlohmann::ordered_json* node = &it->second;
      std::string key;
      std::stringstream ps(path);
      std::vector<std::string> keys;
      while (std::getline(ps, key, '.')) keys.push_back(key);
      for (size_t i = 0; i + 1 < keys.size(); ++i) node = &(*node)[keys[i]];
      // "@name" refers to another object of this observation by local name.
      if (raw.size() > 1 && raw[0] == '@') {
        std::string target = raw.substr(1);
        bool list = !keys.back().empty() && keys.back().size() > 5 && keys.back().substr(keys.back().size() - 5) == "_refs";
        nlohmann::ordered_json ids = nlohmann::ordered_json::array();
        std::stringstream ts(target);
        std::string t;
        while (std::getline(ts, t, ',')) {
          auto ref = std::find_if(scos.begin(), scos.end(), [&](const auto& p) { return p.first == t; });
          if (ref == scos.end()) {
            *error = "reference to an object not yet defined: " + t;
            return "";
          }
          ids.push_back(ref->second["id"]);
        }
        value = list ? ids : ids[0];
      }
      (*node)[keys.back()] = value;
    }
    for (auto& [local, sco] : scos) od["object_refs"].push_back(sco["id"]);
    objects.push_back(od);
    for (auto& [local, sco] : scos) objects.push_back(sco);
  }
  nlohmann::ordered_json bundle = {{"type", "bundle"}, {"id", "bundle--00000000-0000-4000-8000-000000000000"},
                                   {"objects", objects}};
  return nlohmann::ordered_json::array({bundle}).dump();
}

struct Totals {
  int files = 0, checks = 0;
};

void RunFile(const std::filesystem::path& path, Totals& totals) {
  ++totals.files;
  std::ifstream in(path);
  std::string line;
  int lineno = 0;
  std::string pattern_text;
  std::optional<Result<Pattern>> parsed;
  auto where = [&]() { return path.filename().string() + ":" + std::to_string(lineno); };
  while (std::getline(in, line)) {
    ++lineno;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find_first_of(" \t");
    std::string directive = line.substr(0, sp);
    std::string rest = sp == std::string::npos ? "" : Trim(line.substr(sp));
    ++totals.checks;
    if (directive == "pattern") {
      pattern_text = rest;
      parsed = ParsePattern(rest);
      --totals.checks;
      continue;
    }
    ASSERT_TRUE(parsed.has_value()) << where() << ": directive before any 'pattern'";
    if (directive == "parse-error") {
      EXPECT_FALSE(parsed->ok()) << where() << ": expected a parse error for " << pattern_text;
      if (!parsed->ok())
        EXPECT_NE(parsed->status().message().find(rest), std::string_view::npos)
            << where() << ": message '" << parsed->status().message() << "' lacks '" << rest << "'";
      continue;
    }
    if (!parsed->ok()) {
      ADD_FAILURE() << where() << ": pattern does not parse: " << parsed->status().ToString();
      continue;
    }
    const Pattern& p = **parsed;
    if (directive == "canonical") {
      EXPECT_EQ(ToString(p), rest) << where();
    } else if (directive == "observables") {
      std::vector<std::pair<std::string, std::string>> want;
      for (const std::string& w : Words(rest)) {
        size_t eq = w.find('=');
        want.emplace_back(w.substr(0, eq), w.substr(eq + 1));
      }
      EXPECT_EQ(ExtractObservables(p), want) << where();
    } else if (directive == "match" || directive == "no-match" || directive == "eval-error") {
      std::string input = rest;
      if (rest.empty() || (rest[0] != '[' && rest[0] != '{')) {
        std::string err;
        input = BuildBundle(rest, &err);
        ASSERT_TRUE(err.empty()) << where() << ": " << err;
      }
      Result<EvalResult> r = Evaluate(p, input);
      if (directive == "eval-error") {
        EXPECT_FALSE(r.ok()) << where() << ": expected an evaluation error";
      } else {
        ASSERT_TRUE(r.ok()) << where() << ": " << r.status().ToString();
        EXPECT_EQ(r->matched, directive == "match") << where() << ": " << pattern_text << " against " << input;
      }
    } else {
      ADD_FAILURE() << where() << ": unknown directive '" << directive << "'";
    }
  }
}

TEST(PatternGoldenTest, AllFiles) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(GoldenDir()))
    if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 5u) << GoldenDir();
  Totals totals;
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    RunFile(f, totals);
  }
  std::printf("[ GOLDEN   ] %d files, %d checks\n", totals.files, totals.checks);
  EXPECT_GT(totals.checks, 100);
}

}  // namespace
}  // namespace rampart::pattern
