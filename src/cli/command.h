// Subcommand registration for the `rampart` binary.
//
// Each Add*Command adds one CLI11 subcommand to `app`. When the subcommand
// runs, its callback stores the process exit code in `exit_code` (0 success,
// 1 a negative answer such as "invalid input", 2 usage or I/O error).
// cli/ is the composition root: the only module that names concrete backends.
#ifndef RAMPART_CLI_COMMAND_H_
#define RAMPART_CLI_COMMAND_H_

namespace CLI {
class App;
}

namespace rampart::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitNegative = 1;
inline constexpr int kExitUsage = 2;

// One line per subcommand, kept in the order of `rampart --help`.
void AddBackupCommand(CLI::App& app, int& exit_code);
void AddRestoreCommand(CLI::App& app, int& exit_code);
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
void AddDemoCommand(CLI::App& app, int& exit_code);
void AddCollectionCommand(CLI::App& app, int& exit_code);
void AddPatternCommand(CLI::App& app, int& exit_code);
void AddOrgCommand(CLI::App& app, int& exit_code);
void AddUserCommand(CLI::App& app, int& exit_code);
void AddTokenCommand(CLI::App& app, int& exit_code);
void AddGrantCommand(CLI::App& app, int& exit_code);
void AddGroupCommand(CLI::App& app, int& exit_code);
void AddAuditCommand(CLI::App& app, int& exit_code);
void AddMatchCommand(CLI::App& app, int& exit_code);

}  // namespace rampart::cli

#endif  // RAMPART_CLI_COMMAND_H_
