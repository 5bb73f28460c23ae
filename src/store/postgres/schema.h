// Module-private: the PostgreSQL schema of the store and its migrations.
//
// The prose (tables, indexes, locking and ordering reasoning) is in
// docs/formats/postgres_schema.md; keep the two in step. Thread-safety:
// Migrate() runs on one connection; concurrent processes serialise on a
// transaction-level advisory lock.
#ifndef RAMPART_STORE_POSTGRES_SCHEMA_H_
#define RAMPART_STORE_POSTGRES_SCHEMA_H_

#include "base/status.h"
#include "store/postgres/pg_connection.h"

namespace rampart::store::postgres {

// DO NOT CHANGE: persisted in rampart_meta. Bump kSchemaVersion and append a
// migration to kMigrations (schema.cc) for every layout change.
inline constexpr char kSchemaFormat[] = "rampart-store";
inline constexpr int kSchemaVersion = 3;

// Creates the schema in the connection's current schema (search_path head)
// or migrates it to kSchemaVersion, inside one transaction holding an
// advisory lock, so several processes may open a fresh database at once.
// Corruption when the schema holds Rampart-named tables without the version
// table, or a version table of another format; Unsupported when its version
// is newer than this binary. Never drops or overwrites existing data.
Status Migrate(PgConnection& conn);

// Test hook: creates the schema as version `version` left it (the
// migrations up to it, nothing after), in the connection's current schema,
// so a test can write rows as an old binary did and then open the store.
Status MigrateToVersionForTest(PgConnection& conn, int version);

}  // namespace rampart::store::postgres

#endif  // RAMPART_STORE_POSTGRES_SCHEMA_H_
