// The one place that names a concrete store backend (see open_store.h).
// Modelled on Redis's ae.c backend selection: the choice is explicit, here.
#include "cli/open_store.h"

#include <CLI/CLI.hpp>

#include "store/sqlite/sqlite_store.h"
#include "store/store_url.h"

#if RAMPART_WITH_POSTGRES
#if __has_include("store/postgres/postgres_store.h")
#include "store/postgres/postgres_store.h"
#define RAMPART_HAVE_POSTGRES_STORE 1
#endif
#endif

namespace rampart::cli {

void AddStoreOptions(CLI::App* cmd, StoreOptions* o) {
  cmd->add_option("--store", o->store,
                  "Intel store: sqlite:DIR or postgres://... (default " + std::string(kDefaultStore) +
                      ")");
  cmd->add_option("--data", o->data, "Data directory; short for --store sqlite:DIR");
}

std::string PrintableStoreSpec(const StoreOptions& o) {
  return store::RedactStoreUrl(EffectiveStoreSpec(o));
}

std::string EffectiveStoreSpec(const StoreOptions& o) {
  if (!o.data.empty()) return "sqlite:" + o.data;
  if (!o.store.empty()) return o.store;
  return kDefaultStore;
}

Result<std::unique_ptr<store::Store>> OpenStore(const StoreOptions& o) {
  if (!o.data.empty() && !o.store.empty() && o.store != "sqlite:" + o.data) {
    return Status::InvalidArgument("give either --store or --data, not both");
  }
  std::string spec = EffectiveStoreSpec(o);
  if (spec.rfind("sqlite:", 0) == 0) {
    std::string dir = spec.substr(7);
    if (dir.empty()) return Status::InvalidArgument("--store sqlite: needs a directory (sqlite:DIR)");
    store::SqliteOptions options;
    options.create_if_missing = o.create_if_missing;
    return store::OpenSqliteStore(dir, options);
  }
  if (spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0) {
#if RAMPART_HAVE_POSTGRES_STORE
    auto s = store::postgres::OpenPostgresStore(spec, store::postgres::PostgresOptions{});
    // The backend redacts what it knows of; this covers the rest (a Status
    // is printed and logged by every caller).
    if (!s.ok()) {
      return Status(s.status().code(), store::RedactStoreUrlIn(s.status().message(), spec));
    }
    return s;
#else
    return Status::Unsupported("this rampart was built without PostgreSQL support");
#endif
  }
  return Status::InvalidArgument("unknown store '" + store::RedactStoreUrl(spec) +
                                 "': use sqlite:DIR or postgres://user@host/db");
}

}  // namespace rampart::cli
