// Store selection for CLI subcommands: `--store sqlite:DIR|postgres://...`
// and `--data DIR` (short for `--store sqlite:DIR`).
//
// cli/open_store.cc is the one place that names a concrete backend (and the
// only file with `#if RAMPART_WITH_POSTGRES`). Every store-using subcommand
// calls AddStoreOptions() when it builds its CLI11 subcommand and OpenStore()
// when it runs. Thread-safety: plain functions; OpenStore may be called from
// any thread.
#ifndef RAMPART_CLI_OPEN_STORE_H_
#define RAMPART_CLI_OPEN_STORE_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "store/store.h"

namespace CLI {
class App;
}

namespace rampart::cli {

inline constexpr char kDefaultStore[] = "sqlite:./rampart-data";

struct StoreOptions {
  // "sqlite:DIR", "postgres://..." or "postgresql://...". Empty = default.
  std::string store;
  // A data directory; when non-empty it wins over `store` ("sqlite:" + data).
  std::string data;
  // SQLite only: create the data directory and an empty store when missing.
  // Read-only tools (backup, export) set it to false: NotFound instead.
  bool create_if_missing = true;
};

// Adds `--store` and `--data` to `cmd`, writing into `*o`. `o` must outlive
// the parse.
void AddStoreOptions(CLI::App* cmd, StoreOptions* o);

// The effective store spec: "sqlite:DIR" or a postgres URL. It may carry a
// password: never print it; print PrintableStoreSpec.
std::string EffectiveStoreSpec(const StoreOptions& o);

// EffectiveStoreSpec with its password redacted (store::RedactStoreUrl):
// what start-up lines, messages and logs show.
std::string PrintableStoreSpec(const StoreOptions& o);

// Opens the store `o` selects (default sqlite:./rampart-data, creating the
// data directory). InvalidArgument for an unknown scheme; Unsupported for
// postgres when built without it; otherwise the backend's open error
// (Corruption for a foreign/corrupt file, PermissionDenied for a SQLite data
// directory or file that group or others may access, Unavailable, IoError).
// No message carries the URL's password.
Result<std::unique_ptr<store::Store>> OpenStore(const StoreOptions& o);

}  // namespace rampart::cli

#endif  // RAMPART_CLI_OPEN_STORE_H_
