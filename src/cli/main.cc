// The `rampart` binary: one executable for the server and every tool.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"Rampart: a federated cyber-threat-intelligence exchange (STIX 2.1 / TAXII 2.1)"};
  app.set_version_flag("--version", "rampart 0.1.0");
  app.require_subcommand(1);
  int exit_code = rampart::cli::kExitOk;
  // Subcommands (keep in the order of `rampart --help`):
  rampart::cli::AddBackupCommand(app, exit_code);
  rampart::cli::AddRestoreCommand(app, exit_code);
  rampart::cli::AddValidateCommand(app, exit_code);
  rampart::cli::AddServeCommand(app, exit_code);
  rampart::cli::AddDemoCommand(app, exit_code);
  rampart::cli::AddCollectionCommand(app, exit_code);
  rampart::cli::AddPatternCommand(app, exit_code);
  rampart::cli::AddOrgCommand(app, exit_code);
  rampart::cli::AddUserCommand(app, exit_code);
  rampart::cli::AddTokenCommand(app, exit_code);
  rampart::cli::AddGrantCommand(app, exit_code);
  rampart::cli::AddGroupCommand(app, exit_code);
  rampart::cli::AddAuditCommand(app, exit_code);
  rampart::cli::AddMatchCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return rampart::cli::kExitUsage;
  }
  return exit_code;
}
