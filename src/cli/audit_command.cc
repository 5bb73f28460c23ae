// `rampart audit verify|export`: check the hash-chained audit log of a store
// (or an exported file), and export it as JSON lines a partner can verify
// independently (docs/formats/audit_chain.md).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>

#include "audit/audit.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("audit", "Verify or export the audit chain");
  cmd->require_subcommand(1);
  struct Args {
    StoreOptions store;
    std::vector<std::string> anchors;
    std::string file, out;
    int64_t after = 0;
  };
  auto a = std::make_shared<Args>();

  auto* verify = cmd->add_subcommand(
      "verify", "Verify the chain: exit 0 intact, 1 tampered (edit, deletion, reordering), 2 error");
  AddStoreOptions(verify, &a->store);
  verify->add_option("--anchor", a->anchors,
                     "SEQ:HASH remembered from an earlier export (detects truncation/rewrites); repeatable");
  verify->add_option("--file", a->file, "Verify this exported JSON-lines file instead of the store");
  verify->callback([a, &exit_code] {
    std::vector<audit::Anchor> anchors;
    for (const auto& t : a->anchors) {
      auto an = audit::ParseAnchor(t);
      if (!an.ok()) {
        std::cerr << "rampart audit verify: " << an.status().ToString() << "\n";
        exit_code = kExitUsage;
        return;
      }
      anchors.push_back(*an);
    }
    audit::VerifyReport r;
    if (!a->file.empty()) {
      std::ifstream in(a->file);
      if (!in) {
        std::cerr << "rampart audit verify: cannot read " << a->file << "\n";
        exit_code = kExitUsage;
        return;
      }
      std::string line;
      bool first = true;
      std::unique_ptr<audit::ChainVerifier> v;
      int64_t lineno = 0;
      while (std::getline(in, line)) {
        ++lineno;
        if (line.empty()) continue;
        auto rec = audit::ParseExportLine(line);
        if (!rec.ok()) {
          std::cout << "TAMPERED or malformed: line " << lineno << ": " << rec.status().message() << "\n";
          exit_code = kExitNegative;
          return;
        }
        if (first) {
          v = std::make_unique<audit::ChainVerifier>(anchors, rec->seq == 1);
          first = false;
        }
        if (!v->Add(*rec)) break;
      }
      r = v ? v->Finish() : audit::ChainVerifier(anchors).Finish();
    } else {
      auto s = OpenStore(a->store);
      auto rep = s.ok() ? audit::VerifyStore(**s, anchors) : Result<audit::VerifyReport>(s.status());
      if (!rep.ok()) {
        std::cerr << "rampart audit verify: " << rep.status().ToString() << "\n";
        exit_code = kExitUsage;
        return;
      }
      r = *rep;
    }
    if (!r.ok) {
      std::cout << "TAMPERED at record " << r.first_bad_seq << ": " << r.problem << "\n";
      exit_code = kExitNegative;
      return;
    }
    std::cout << "OK: " << r.records << " records, head " << r.head_seq << ":" << r.head_hash << "\n";
    exit_code = kExitOk;
  });

  auto* exp = cmd->add_subcommand("export", "Write the chain as JSON lines (one record per line)");
  AddStoreOptions(exp, &a->store);
  exp->add_option("--after", a->after, "Only records with seq > AFTER");
  exp->add_option("--out", a->out, "Write to this file instead of stdout");
  exp->callback([a, &exit_code] {
    auto s = OpenStore(a->store);
    if (!s.ok()) {
      std::cerr << "rampart audit export: " << s.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::ofstream file;
    std::ostream* os = &std::cout;
    if (!a->out.empty()) {
      // The export names the true sources of anonymous submissions: the
      // file is the forum operators' alone (0600, whatever the umask; an
      // existing file is narrowed too). docs/trust.md, "At rest".
      int fd = ::open(a->out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0 || ::fchmod(fd, 0600) != 0) {
        if (fd >= 0) ::close(fd);
        std::cerr << "rampart audit export: cannot write " << a->out << "\n";
        exit_code = kExitUsage;
        return;
      }
      ::close(fd);
      file.open(a->out, std::ios::trunc);
      if (!file) {
        std::cerr << "rampart audit export: cannot write " << a->out << "\n";
        exit_code = kExitUsage;
        return;
      }
      os = &file;
    }
    auto n = audit::ExportStore(**s, a->after, [os](const std::string& line) { *os << line << '\n'; });
    os->flush();
    if (!n.ok() || !*os) {
      std::cerr << "rampart audit export: " << (n.ok() ? "write failed" : n.status().ToString()) << "\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
