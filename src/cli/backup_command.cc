// `rampart backup` and `rampart restore`: a consistent online snapshot of a
// SQLite data directory (SQLite's backup API; the server may keep running)
// and its restoration into a data directory. Both create the directory 0700
// and the database 0600, as the store itself (docs/trust.md "At rest").
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/open_store.h"
#include "store/sqlite/sqlite_store.h"

namespace rampart::cli {
namespace {

struct BackupArgs {
  StoreOptions store;
  std::string out;
};

struct RestoreArgs {
  std::string data;
  std::string in;
  bool force = false;
};

}  // namespace

void AddBackupCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "Copy the store into a new data directory OUT (consistent online snapshot)");
  AddStoreOptions(cmd, &args->store);
  cmd->add_option("OUT", args->out, "New data directory for the backup (must not hold one)")
      ->required();
  cmd->callback([args, &exit_code] {
    args->store.create_if_missing = false;  // never back up a store made just now
    auto s = OpenStore(args->store);
    if (!s.ok()) {
      std::fprintf(stderr, "rampart backup: %s\n", s.status().ToString().c_str());
      exit_code = kExitUsage;
      return;
    }
    Status st = (*s)->Backup(args->out);
    if (!st.ok()) {
      std::fprintf(stderr, "rampart backup: %s\n", st.ToString().c_str());
      exit_code = kExitUsage;
      return;
    }
    std::printf("backed up %s to %s\n", PrintableStoreSpec(args->store).c_str(), args->out.c_str());
    exit_code = kExitOk;
  });
}

void AddRestoreCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RestoreArgs>();
  CLI::App* cmd = app.add_subcommand(
      "restore",
      "Restore the backup in IN into the data directory --data (refused while a server or any "
      "other rampart process has it open)");
  cmd->add_option("--data", args->data, "Data directory to restore into")->required();
  cmd->add_option("IN", args->in, "Backup directory made by `rampart backup`")->required();
  cmd->add_flag("--force", args->force, "Overwrite a data directory that already holds data");
  cmd->callback([args, &exit_code] {
    Status st = store::RestoreSqliteBackup(args->in, args->data, args->force);
    if (!st.ok()) {
      std::fprintf(stderr, "rampart restore: %s\n", st.ToString().c_str());
      exit_code = st.code() == StatusCode::kConflict ? kExitNegative : kExitUsage;
      return;
    }
    std::printf("restored %s into %s\n", args->in.c_str(), args->data.c_str());
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
