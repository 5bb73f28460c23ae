// Runs the HTTP transcripts in tests/taxii/transcripts/*.txt against a real
// in-process server (docs/taxii.md, "Transcripts" describes the format):
//
//   === case name
//   METHOD /path?query            ({VAR} is substituted everywhere)
//   Header: value                 (request headers, one per line)
//   <blank line>
//   body lines (optional)
//   ---
//   status: 200
//   header: Name: value           exact value (case-insensitive name)
//   header-present: Name
//   header-absent: Name
//   header-count: Name 2
//   json: /pointer == <JSON>      value at a JSON pointer
//   json: /pointer#length == N    array length
//   json: /pointer#length >= N
//   json-has: /pointer
//   json-absent: /pointer
//   body-contains: text
//   body: text                    the whole body, exactly
//   body-empty
//   capture: VAR = /pointer       store a string for later cases in the file
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_server.h"
#include "testing/test_data.h"

namespace rampart::taxii_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Case {
  std::string name;
  int line = 0;
  std::string method, target;
  std::vector<std::string> headers;
  std::string body;
  std::vector<std::string> checks;
};

std::string Subst(std::string s, const std::map<std::string, std::string>& vars) {
  for (int guard = 0; guard < 100; ++guard) {
    size_t open = s.find('{');
    bool changed = false;
    while (open != std::string::npos) {
      size_t close = s.find('}', open);
      if (close == std::string::npos) break;
      std::string name = s.substr(open + 1, close - open - 1);
      auto it = vars.find(name);
      if (it != vars.end()) {
        s.replace(open, close - open + 1, it->second);
        changed = true;
        open = s.find('{', open + it->second.size());
      } else {
        open = s.find('{', open + 1);
      }
    }
    if (!changed) break;
  }
  // Escapes for bytes a text file cannot hold: \xHH.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x' && isxdigit(s[i + 2]) && isxdigit(s[i + 3])) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<Case> ParseFile(const fs::path& p) {
  std::ifstream in(p);
  std::vector<Case> cases;
  std::string line;
  int n = 0;
  enum { kNone, kRequest, kHeaders, kBody, kChecks } state = kNone;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("===", 0) == 0) {
      cases.emplace_back();
      cases.back().name = line.substr(line.find_first_not_of("= "));
      cases.back().line = n;
      state = kRequest;
      continue;
    }
    if (cases.empty()) continue;
    Case& c = cases.back();
    switch (state) {
      case kNone: break;
      case kRequest:
        if (line.empty() || line[0] == '#') break;
        c.method = line.substr(0, line.find(' '));
        c.target = line.substr(line.find(' ') + 1);
        state = kHeaders;
        break;
      case kHeaders:
        if (line == "---") state = kChecks;
        else if (line.empty()) state = kBody;
        else c.headers.push_back(line);
        break;
      case kBody:
        if (line == "---") state = kChecks;
        else c.body += (c.body.empty() ? "" : "\n") + line;
        break;
      case kChecks:
        if (!line.empty() && line[0] != '#') c.checks.push_back(line);
        break;
    }
  }
  return cases;
}

std::string Trim(std::string s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string Lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Returns "" when the check passes, else why not.
std::string Check(const std::string& check, const HttpResult& r, std::map<std::string, std::string>& vars) {
  auto parsed = [&]() { return json::parse(r.body, nullptr, false); };
  size_t colon = check.find(':');
  std::string kind = check.substr(0, colon);
  std::string arg = colon == std::string::npos ? "" : Trim(check.substr(colon + 1));
  if (kind == "status") {
    if (std::to_string(r.status) != arg) return "status " + std::to_string(r.status) + " != " + arg;
  } else if (kind == "header") {
    size_t c2 = arg.find(':');
    std::string name = Lower(Trim(arg.substr(0, c2))), value = Trim(arg.substr(c2 + 1));
    if (r.HeaderCount(name) == 0) return "header " + name + " missing";
    if (r.Header(name) != value) return "header " + name + " is '" + r.Header(name) + "' not '" + value + "'";
  } else if (kind == "header-present") {
    if (r.HeaderCount(Lower(arg)) == 0) return "header " + arg + " missing";
  } else if (kind == "header-absent") {
    if (r.HeaderCount(Lower(arg)) != 0) return "header " + arg + " present";
  } else if (kind == "header-count") {
    size_t sp = arg.rfind(' ');
    int want = std::stoi(arg.substr(sp + 1));
    int got = r.HeaderCount(Lower(Trim(arg.substr(0, sp))));
    if (got != want) return "header count " + std::to_string(got) + " != " + std::to_string(want);
  } else if (kind == "body-contains") {
    if (r.body.find(arg) == std::string::npos) return "body lacks '" + arg + "'";
  } else if (kind == "body") {
    if (r.body != arg) return "body is '" + r.body.substr(0, 300) + "' not '" + arg + "'";
  } else if (kind == "body-empty") {
    if (!r.body.empty()) return "body not empty";
  } else if (kind == "json-has") {
    json j = parsed();
    if (j.is_discarded()) return "body is not JSON";
    if (!j.contains(json::json_pointer(arg))) return arg + " missing";
  } else if (kind == "json-absent") {
    json j = parsed();
    if (j.is_discarded()) return "body is not JSON";
    if (j.contains(json::json_pointer(arg))) return arg + " present";
  } else if (kind == "capture") {
    size_t eq = arg.find('=');
    std::string var = Trim(arg.substr(0, eq)), ptr = Trim(arg.substr(eq + 1));
    json j = parsed();
    if (j.is_discarded() || !j.contains(json::json_pointer(ptr))) return "cannot capture " + ptr;
    const json& v = j.at(json::json_pointer(ptr));
    vars[var] = v.is_string() ? v.get<std::string>() : v.dump();
  } else if (kind == "json") {
    json j = parsed();
    if (j.is_discarded()) return "body is not JSON: " + r.body.substr(0, 200);
    std::string op = arg.find(" == ") != std::string::npos ? " == " : (arg.find(" >= ") != std::string::npos ? " >= " : "");
    if (op.empty()) return "bad check";
    std::string lhs = Trim(arg.substr(0, arg.find(op))), rhs = Trim(arg.substr(arg.find(op) + 4));
    bool length = false;
    if (lhs.size() > 7 && lhs.substr(lhs.size() - 7) == "#length") {
      length = true;
      lhs = lhs.substr(0, lhs.size() - 7);
    }
    json::json_pointer ptr(lhs);
    if (!j.contains(ptr)) return lhs + " missing in " + r.body.substr(0, 300);
    json v = j.at(ptr);
    if (length) {
      if (!v.is_array()) return lhs + " is not an array";
      v = v.size();
    }
    json want = json::parse(rhs, nullptr, false);
    if (want.is_discarded()) return "bad expected JSON " + rhs;
    if (op == " == " && v != want) return lhs + " is " + v.dump() + " not " + want.dump();
    if (op == " >= " && !(v >= want)) return lhs + " is " + v.dump() + " < " + want.dump();
  } else {
    return "unknown check " + kind;
  }
  return "";
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(testing::SharedDataRoot() / "attack/ics-attack-18.1.json")) return;
    TestServerOptions o;
    o.http.header_timeout = std::chrono::milliseconds(2000);
    server_ = new TestServer(o);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TestServer* server_;
};
TestServer* TranscriptTest::server_ = nullptr;

TEST_P(TranscriptTest, Run) {
  RAMPART_REQUIRE_SHARED_DATA(ics, "attack/ics-attack-18.1.json");
  ASSERT_NE(server_, nullptr);
  ASSERT_TRUE(server_->ok()) << server_->error();
  fs::path file = fs::path(RAMPART_TRANSCRIPT_DIR) / GetParam();
  auto cases = ParseFile(file);
  ASSERT_FALSE(cases.empty()) << file;
  auto vars = server_->vars();
  int checks = 0;
  for (const auto& c : cases) {
    std::vector<std::string> headers;
    for (const auto& h : c.headers) headers.push_back(Subst(h, vars));
    HttpResult r = Fetch(c.method, server_->base() + Subst(c.target, vars), headers, Subst(c.body, vars));
    ASSERT_TRUE(r.error.empty()) << c.name << ": " << r.error;
    for (const auto& chk : c.checks) {
      std::string why = Check(Subst(chk, vars), r, vars);
      ++checks;
      EXPECT_EQ(why, "") << GetParam() << ":" << c.line << " [" << c.name << "] " << chk << "\n  body: "
                         << r.body.substr(0, 400);
    }
  }
  RecordProperty("cases", static_cast<int>(cases.size()));
  RecordProperty("checks", checks);
}

std::vector<std::string> Files() {
  std::vector<std::string> out;
  fs::path dir = RAMPART_TRANSCRIPT_DIR;
  if (fs::exists(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptTest, ::testing::ValuesIn(Files()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (auto& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace rampart::taxii_test
