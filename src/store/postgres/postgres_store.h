// PostgreSQL backend of store::Store, on libpq (the C API) with a pool of
// connections.
//
// Several processes (several `rampart serve` nodes, CLI subcommands) may open
// the same database at once and behave as one store: per collection, writers
// are serialised by a row lock on the collection row, date_added is assigned
// under that lock as max(now, last + 1µs), and the audit chain head is one row
// locked FOR UPDATE, so date_added order, cursors and the audit chain hold
// across processes. The schema is created or migrated at open under an
// advisory lock. Layout and reasoning: docs/formats/postgres_schema.md.
//
// Thread-safety: the returned Store may be used from any number of threads;
// each call borrows one pooled connection for its duration (callers block
// while all `pool_size` connections are busy).
#ifndef RAMPART_STORE_POSTGRES_POSTGRES_STORE_H_
#define RAMPART_STORE_POSTGRES_POSTGRES_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/time.h"
#include "store/store.h"

namespace rampart::store::postgres {

struct PostgresOptions {
  // Connections kept open (created lazily, at most this many). REQUIRES: >= 1.
  int pool_size = 8;
  // Schema (namespace) holding Rampart's tables. "" = the connection's
  // default search_path (usually `public`). A non-empty name must match
  // [a-z_][a-z0-9_]{0,62}; it is created when missing.
  std::string schema;
  // Seconds to wait for a connection to the server before Unavailable.
  int connect_timeout_seconds = 10;
  // Test hook: the clock (µs) for date_added, tombstones and audit times.
  // Empty = the database server's clock (one clock for every node).
  std::function<Micros()> clock;
};

// Opens (and creates or migrates the schema of) the PostgreSQL database at
// `url`, a libpq connection URI ("postgres://..." or "postgresql://...").
// Errors: InvalidArgument for a malformed URL or options; Unavailable when the
// server cannot be reached; Corruption for a foreign schema (tables named like
// Rampart's without its version table, or another format); Unsupported for a
// schema version newer than this binary. An existing schema is never
// overwritten. No error message carries the URL's password
// (store::RedactStoreUrlIn, docs/trust.md "At rest").
Result<std::unique_ptr<store::Store>> OpenPostgresStore(const std::string& url,
                                                         const PostgresOptions& options = {});

}  // namespace rampart::store::postgres

#endif  // RAMPART_STORE_POSTGRES_POSTGRES_STORE_H_
