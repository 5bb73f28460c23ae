// `rampart pattern check PATTERN|FILE...` and `rampart pattern eval PATTERN
// OBSERVED_DATA_FILE`.
//
// check: an argument starting with '[' or '(' is a pattern, any other names
// a file (a missing file is an I/O error, exit 2). A file holding JSON (first non-space byte '{' or '[') is a STIX
// bundle, an object or an array of objects: the `pattern` of every
// indicator whose pattern_type is "stix" (or absent) is checked. Any other
// file holds one pattern per line (blank lines and lines starting with '#'
// are skipped). Output, one line per pattern: "OK" (or "<where>: OK") on
// stdout, or "<where>: <error with line/column/offset and what was
// expected>" on stderr. --canonical also prints the canonical form of each
// valid pattern. Exit 0 when all are valid, 1 when any is invalid, 2 on
// usage or I/O errors (unreadable file, malformed JSON).
//
// eval: evaluates PATTERN against the observed-data in FILE (STIX 2.1
// bundles or 2.0 observed-data, as pattern/evaluator.h reads them); prints
// "match <observed-data ids>" (exit 0) or "no match" (exit 1); errors exit 2.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/command.h"
#include "pattern/evaluator.h"
#include "pattern/parser.h"

namespace rampart::cli {
namespace {

struct PatternArgs {
  std::vector<std::string> inputs;
  bool canonical = false;
  std::string eval_pattern;
  std::string eval_file;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Checks one pattern; prints the outcome. Returns true when valid.
bool CheckOne(const std::string& where, const std::string& text, bool canonical) {
  pattern::ParseError err;
  Result<pattern::Pattern> p = pattern::ParsePattern(text, {}, &err);
  if (!p.ok()) {
    std::fprintf(stderr, "%s%s%s\n", where.c_str(), where.empty() ? "" : ": ", std::string(p.status().message()).c_str());
    return false;
  }
  std::printf("%s%sOK\n", where.c_str(), where.empty() ? "" : ": ");
  if (canonical) std::printf("%s\n", pattern::ToString(*p).c_str());
  return true;
}

void CollectIndicators(const nlohmann::json& j, std::vector<const nlohmann::json*>& out) {
  if (j.is_array()) {
    for (const auto& e : j) CollectIndicators(e, out);
    return;
  }
  if (!j.is_object()) return;
  if (j.value("type", "") == "bundle" && j.contains("objects")) {
    CollectIndicators(j["objects"], out);
    return;
  }
  if (j.value("type", "") == "indicator") out.push_back(&j);
}

// Returns the exit code for one argument.
int CheckInput(const std::string& input, bool canonical) {
  std::error_code ec;
  size_t nb = input.find_first_not_of(" \t\r\n");
  bool looks_like_pattern = nb != std::string::npos && (input[nb] == '[' || input[nb] == '(');
  if (looks_like_pattern || !std::filesystem::exists(input, ec)) {
    if (!looks_like_pattern && !std::filesystem::exists(input, ec)) {
      std::fprintf(stderr, "%s: no such file (a pattern starts with '[' or '(')\n", input.c_str());
      return kExitUsage;
    }
    return CheckOne("", input, canonical) ? kExitOk : kExitNegative;
  }
  std::string content;
  if (!ReadFile(input, &content)) {
    std::fprintf(stderr, "%s: cannot read file\n", input.c_str());
    return kExitUsage;
  }
  size_t first = content.find_first_not_of(" \t\r\n");
  bool all_ok = true;
  if (first != std::string::npos && (content[first] == '{' || content[first] == '[')) {
    nlohmann::json j = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      std::fprintf(stderr, "%s: not valid JSON\n", input.c_str());
      return kExitUsage;
    }
    std::vector<const nlohmann::json*> indicators;
    CollectIndicators(j, indicators);
    for (const nlohmann::json* ind : indicators) {
      std::string id = ind->value("id", "indicator");
      std::string type = ind->value("pattern_type", "stix");
      if (type != "stix") continue;
      auto p = ind->find("pattern");
      if (p == ind->end() || !p->is_string()) {
        std::fprintf(stderr, "%s: %s: no pattern\n", input.c_str(), id.c_str());
        all_ok = false;
        continue;
      }
      all_ok &= CheckOne(input + ": " + id, p->get<std::string>(), canonical);
    }
    return all_ok ? kExitOk : kExitNegative;
  }
  size_t start = 0;
  int lineno = 0;
  while (start <= content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    ++lineno;
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t nb = line.find_first_not_of(" \t");
    if (nb == std::string::npos || line[nb] == '#') continue;
    all_ok &= CheckOne(input + ":" + std::to_string(lineno), line, canonical);
  }
  return all_ok ? kExitOk : kExitNegative;
}

int RunEval(const PatternArgs& a) {
  Result<pattern::Pattern> p = pattern::ParsePattern(a.eval_pattern);
  if (!p.ok()) {
    std::fprintf(stderr, "pattern: %s\n", std::string(p.status().message()).c_str());
    return kExitUsage;
  }
  std::string content;
  if (!ReadFile(a.eval_file, &content)) {
    std::fprintf(stderr, "%s: cannot read file\n", a.eval_file.c_str());
    return kExitUsage;
  }
  Result<pattern::EvalResult> r = pattern::Evaluate(*p, content);
  if (!r.ok()) {
    std::fprintf(stderr, "evaluation error: %s\n", r.status().ToString().c_str());
    return kExitUsage;
  }
  if (!r->matched) {
    std::printf("no match\n");
    return kExitNegative;
  }
  std::printf("match");
  for (const std::string& id : r->observed_data_ids) std::printf(" %s", id.c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace

void AddPatternCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<PatternArgs>();
  CLI::App* cmd = app.add_subcommand("pattern", "STIX patterns: check syntax, evaluate against observed-data");
  cmd->require_subcommand(1);

  CLI::App* check = cmd->add_subcommand(
      "check",
      "Check STIX patterns. Each argument is a pattern, a file with one pattern per line, or a JSON file "
      "(bundle/objects) whose indicators' patterns are checked. Exit 0 all valid, 1 any invalid, 2 I/O error.");
  // The inputs are taken raw from the extras: a CLI11 positional vector
  // would read "[a,b]" as a list and strip the brackets of every pattern.
  check->allow_extras();
  check->footer("Arguments: PATTERN or FILE, one or more.");
  check->add_flag("--canonical", args->canonical, "Also print the canonical form of each valid pattern");
  check->callback([args, check, &exit_code]() {
    args->inputs = check->remaining();
    if (args->inputs.empty()) {
      std::fprintf(stderr, "pattern check: give at least one PATTERN or FILE (see --help)\n");
      exit_code = kExitUsage;
      return;
    }
    int code = kExitOk;
    for (const std::string& in : args->inputs) {
      int c = CheckInput(in, args->canonical);
      if (c > code) code = c;
    }
    exit_code = code;
  });

  CLI::App* eval = cmd->add_subcommand(
      "eval",
      "Evaluate PATTERN against observed-data in FILE (STIX 2.1 bundles or 2.0 observed-data, JSON). "
      "Exit 0 match, 1 no match, 2 error.");
  eval->add_option("pattern", args->eval_pattern, "STIX pattern")->required()->allow_extra_args(false);
  eval->add_option("file", args->eval_file, "JSON file with observed-data")->required();
  eval->callback([args, &exit_code]() { exit_code = RunEval(*args); });
}

}  // namespace rampart::cli
