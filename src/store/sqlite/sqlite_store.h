// SqliteStore: the embedded default backend of store::Store.
//
// A data directory holds one database file, `rampart.db` (plus its WAL).
// WAL mode, synchronous=FULL: an acknowledged write survives kill -9 and
// power loss. All writes of this process go through one writer thread that
// batches concurrent requests into one transaction (group commit); each
// request runs in its own savepoint, so its objects commit atomically and
// its outcomes are its own. Readers use a pool of read-only connections and
// are never blocked by the writer. Other processes may write the same file:
// writers wait with a busy timeout and retry.
//
// The schema is versioned (store/sqlite/schema.h, docs/formats/
// sqlite_schema.md). A foreign or corrupt file is refused at open with
// Corruption and never written.
//
// Thread-safety: every Store method may be called concurrently.
#ifndef RAMPART_STORE_SQLITE_SQLITE_STORE_H_
#define RAMPART_STORE_SQLITE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace rampart::store {

inline constexpr char kSqliteDbFileName[] = "rampart.db";
// The lock file of a data directory (0600): every open store holds a shared
// flock on it, RestoreSqliteBackup an exclusive one.
inline constexpr char kSqliteLockFileName[] = "rampart.lock";

struct SqliteOptions {
  // Create the directory and an empty database when missing. When false, a
  // missing database is NotFound.
  bool create_if_missing = true;
  // How long a writer waits for another process's write lock per attempt
  // (SQLite busy_timeout), and how many attempts before Unavailable.
  int busy_timeout_ms = 5000;
  int busy_retries = 6;
  // Upper bound on idle pooled read connections.
  int max_idle_readers = 8;
  // Requests merged into one transaction by the writer thread.
  int max_batch_requests = 64;
  // Test hook: PRAGMA max_page_count on the writer (0 = unlimited), to
  // simulate a full disk.
  int max_page_count_for_test = 0;
  // Test hook: the wall clock used for date_added (default NowMicros).
  Micros (*clock_for_test)() = nullptr;
};

// Opens (creating if allowed) the store in data directory `dir`, migrating
// its schema to the current version. A new directory is made 0700 and the
// database 0600 whatever the umask (SQLite gives -wal/-shm the database's
// mode). Errors: PermissionDenied when the directory or a database file
// (rampart.db, -wal, -shm, -journal) is accessible by group or others --
// the message names the file and the chmod fix, nothing is read or written;
// Corruption for a file that is not a Rampart database or is damaged (the
// file is left untouched); Unsupported for a schema newer than this binary;
// NotFound when missing and !create_if_missing; IoError for file-system
// errors; Unavailable while a restore runs on `dir`. The store holds a
// shared flock on `dir`/rampart.lock until it is destroyed, and each write
// transaction first checks (and after COMMIT checks again) that
// `dir`/rampart.db is still the file it opened (device and inode): when it
// was replaced or removed, the write fails with Unavailable and is not
// acknowledged.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir,
                                               const SqliteOptions& options = {});

// Restores the backup in data directory `backup_dir` (made by Backup() or
// `rampart backup`) into data directory `data_dir` (made 0700; the database
// 0600; PermissionDenied when an existing `data_dir` is accessible by group
// or others). The backup is verified
// first (a Rampart database of a supported schema version that passes
// PRAGMA integrity_check), then copied with SQLite's backup API into a temp
// file that is fsynced and renamed into place. Refuses (Conflict) when
// `data_dir` already holds anything (but its lock file) unless `force`.
// Refuses (Conflict, nothing changed) while any store -- in any process,
// this one included -- has `data_dir` open: it takes `data_dir`/rampart.lock
// exclusively, without waiting.
Status RestoreSqliteBackup(const std::string& backup_dir, const std::string& data_dir, bool force);

// Test hook: the lines of EXPLAIN QUERY PLAN for the SQL that QueryObjects(q)
// would run on `store`. REQUIRES: `store` was made by OpenSqliteStore.
Result<std::vector<std::string>> ExplainObjectQueryForTest(Store& store, const ObjectQuery& q);

// Test hook: how many write requests the writer thread ran, in how many
// transactions (group commit makes transactions < requests under load).
struct SqliteWriteStats {
  int64_t requests = 0;
  int64_t transactions = 0;
};
SqliteWriteStats WriteStatsForTest(Store& store);

}  // namespace rampart::store

#endif  // RAMPART_STORE_SQLITE_SQLITE_STORE_H_
