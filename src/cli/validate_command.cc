// `rampart validate FILE...|-`: validates STIX 2.1 documents (bundles, single
// objects or JSON arrays of objects) by the policy in docs/validation-policy.md.
// Exit 0 when every file is valid, 1 when any is invalid, 2 on usage or I/O
// errors. Errors go to stderr, one per line: `file: object-id: path: rule: message`.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "stix/object.h"
#include "stix/parser.h"
#include "stix/sco_id.h"

namespace rampart::cli {
namespace {

struct ValidateArgs {
  std::vector<std::string> files;
  bool json = false;
  bool strict = false;
  bool upgrade = false;
  bool no_stix20 = false;
  bool quiet = false;
  bool warnings = false;
  size_t max_bytes = size_t{100} << 20;
};

bool ReadInput(const std::string& name, std::string* out, std::string* err) {
  if (name == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    *out = ss.str();
    return true;
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) {
    *err = "cannot open file";
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    *err = "read error";
    return false;
  }
  return true;
}

nlohmann::json ErrorJson(const stix::ValidationError& e) {
  return {{"object_id", e.object_id}, {"path", e.path}, {"rule", e.rule}, {"message", e.message},
          {"level", e.should_level ? "should" : "must"}};
}

int RunValidate(const ValidateArgs& args) {
  stix::ParseOptions opts;
  opts.strict = args.strict;
  opts.upgrade_20 = args.upgrade;
  opts.accept_20 = !args.no_stix20;
  opts.max_bytes = args.max_bytes;
  int exit_code = kExitOk;
  nlohmann::json report = nlohmann::json::array();
  for (const std::string& file : args.files) {
    std::string data, err;
    nlohmann::json fr = {{"file", file}};
    if (!ReadInput(file, &data, &err)) {
      std::cerr << file << ": " << err << "\n";
      fr["status"] = "io-error";
      fr["error"] = err;
      report.push_back(fr);
      exit_code = kExitUsage;
      continue;
    }
    if (data.size() > opts.max_bytes) {
      std::cerr << file << ": -: $: size-limit: file is larger than " << opts.max_bytes << " bytes\n";
      fr["status"] = "invalid";
      fr["errors"] = nlohmann::json::array({{{"object_id", ""}, {"path", "$"}, {"rule", "size-limit"},
                                             {"message", "file too large"}, {"level", "must"}}});
      report.push_back(fr);
      if (exit_code == kExitOk) exit_code = kExitNegative;
      continue;
    }
    auto result = stix::ParseBundleOrObject(data, opts);
    if (!result.ok()) {
      std::string rule = result.error().code() == StatusCode::kResourceExhausted ? "limit" : "json";
      std::cerr << file << ": -: $: " << rule << ": " << result.error().message() << "\n";
      fr["status"] = "invalid";
      fr["errors"] = nlohmann::json::array({{{"object_id", ""}, {"path", "$"}, {"rule", rule},
                                             {"message", std::string(result.error().message())},
                                             {"level", "must"}}});
      report.push_back(fr);
      if (exit_code == kExitOk) exit_code = kExitNegative;
      continue;
    }
    const stix::ParseResult& r = *result;
    size_t v20 = 0;
    for (const auto& o : r.objects) v20 += o.is_stix20 ? 1 : 0;
    for (const auto& e : r.errors) std::cerr << file << ": " << stix::FormatError(e) << "\n";
    if (args.warnings) {
      for (const auto& w : r.warnings) std::cerr << file << ": warning: " << stix::FormatError(w) << "\n";
    }
    bool ok = r.errors.empty();
    if (!ok && exit_code == kExitOk) exit_code = kExitNegative;
    fr["status"] = ok ? "valid" : "invalid";
    fr["objects_seen"] = r.objects_seen;
    fr["objects_valid"] = r.objects.size();
    fr["stix20_objects"] = v20;
    fr["errors"] = nlohmann::json::array();
    for (const auto& e : r.errors) fr["errors"].push_back(ErrorJson(e));
    fr["warnings"] = nlohmann::json::array();
    for (const auto& w : r.warnings) fr["warnings"].push_back(ErrorJson(w));
    report.push_back(fr);
    if (!args.json && !args.quiet) {
      std::string notes;
      if (v20) notes += ", " + std::to_string(v20) + " validated as STIX 2.0";
      if (!r.warnings.empty() && !args.warnings) {
        notes += ", " + std::to_string(r.warnings.size()) + " SHOULD-level warnings (--warnings to list)";
      }
      std::printf("%s: %s (%zu objects%s)\n", file.c_str(), ok ? "valid" : "INVALID", r.objects_seen, notes.c_str());
    }
  }
  if (args.json) std::printf("%s\n", report.dump(2).c_str());
  return exit_code;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Validate STIX 2.1 JSON files (bundles, objects, or arrays of objects); '-' reads stdin");
  cmd->add_option("files", args->files, "Files to validate ('-' for standard input)")->required();
  cmd->add_flag("--json", args->json, "Print a machine-readable JSON report on stdout");
  cmd->add_flag("--strict", args->strict, "Also enforce SHOULD-level best practices (docs/validation-policy.md)");
  cmd->add_flag("--upgrade", args->upgrade, "Upgrade STIX 2.0 objects to 2.1, then validate them as 2.1");
  cmd->add_flag("--no-stix20", args->no_stix20, "Reject STIX 2.0 objects instead of validating them as 2.0");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only errors");
  cmd->add_flag("--warnings", args->warnings, "Also list SHOULD-level findings (without --strict they are warnings)");
  cmd->add_option("--max-bytes", args->max_bytes, "Largest accepted file in bytes (default 100 MiB)");
  cmd->callback([args, &exit_code] { exit_code = RunValidate(*args); });
}

}  // namespace rampart::cli
