// A thin RAII layer over one sqlite3 connection: open with Rampart's pragmas,
// a per-connection cache of prepared statements, and the mapping of SQLite
// result codes onto Status. Internal to store/sqlite.
//
// Thread-safety: a Connection (and its statements) is used by one thread at
// a time (SQLITE_OPEN_NOMUTEX); the pools in sqlite_store.cc hand them out.
#ifndef RAMPART_STORE_SQLITE_INTERNAL_CONNECTION_H_
#define RAMPART_STORE_SQLITE_INTERNAL_CONNECTION_H_

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "base/time.h"

namespace rampart::store::sqlite {

// Maps a SQLite result code (and the connection's message) onto a Status:
// FULL -> IoError "disk full", IOERR/CANTOPEN/READONLY -> IoError,
// CORRUPT/NOTADB -> Corruption, BUSY/LOCKED -> Unavailable, else Internal.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

class Connection;

// A prepared statement borrowed from a Connection's cache; reset and its
// bindings cleared when destroyed. Bind indexes are 1-based.
class Stmt {
 public:
  Stmt(Stmt&& o) noexcept : s_(o.s_), conn_(o.conn_), owned_(o.owned_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int i, int64_t v);
  // The bytes are copied (SQLITE_TRANSIENT) unless `static_lifetime`.
  Stmt& Bind(int i, std::string_view v, bool static_lifetime = false);
  Stmt& BindBlob(int i, std::string_view v, bool static_lifetime = false);
  Stmt& Bind(int i, const std::optional<int64_t>& v);
  Stmt& BindNull(int i);

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int Step();
  // Steps to completion; OK or the error as a Status.
  Status Run();
  // Steps once; true for a row, false for done; error as Status.
  Result<bool> Next();

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::optional<int64_t> OptInt(int col) const;
  std::string Text(int col) const;
  std::string_view View(int col) const;
  sqlite3_stmt* raw() { return s_; }

 private:
  friend class Connection;
  Stmt(sqlite3_stmt* s, Connection* c, bool owned) : s_(s), conn_(c), owned_(owned) {}
  sqlite3_stmt* s_;
  Connection* conn_;
  bool owned_;  // finalize on destruction (not cached)
};

class Connection {
 public:
  enum class Mode { kWriter, kReader, kRaw };
  // Opens `path`. kRaw applies no pragmas (used to inspect a file before
  // anything may write to it); kWriter/kReader apply Rampart's pragmas.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                  int busy_timeout_ms, bool create);
  ~Connection();

  // Prepares (or fetches from the cache) `sql`.
  Result<Stmt> Prepare(const std::string& sql);
  // Runs one or more statements without results.
  Status Exec(const char* sql);
  Status Exec(const std::string& sql) { return Exec(sql.c_str()); }
  // Applies the writer/reader pragmas (WAL, synchronous=FULL, ...).
  Status ApplyPragmas(Mode mode, int busy_timeout_ms);

  sqlite3* db() { return db_; }
  int64_t Changes() { return sqlite3_changes64(db_); }
  int64_t LastRowId() { return sqlite3_last_insert_rowid(db_); }
  bool InTransaction() { return sqlite3_get_autocommit(db_) == 0; }

 private:
  friend class Stmt;
  explicit Connection(sqlite3* db) : db_(db) {}
  void Return(sqlite3_stmt* s);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Length-prefixed encoding of string lists stored in BLOB columns
// ("<decimal length>:<bytes>" per item; docs/formats/sqlite_schema.md).
std::string EncodeList(const std::vector<std::string>& items);
// Corruption for a malformed value.
Result<std::vector<std::string>> DecodeList(std::string_view blob);
// DecodeList into `out`, reusing its strings' storage (a scan decodes every
// row into the same object). On error `out` is unspecified.
Status DecodeListInto(std::string_view blob, std::vector<std::string>& out);

}  // namespace rampart::store::sqlite

#endif  // RAMPART_STORE_SQLITE_INTERNAL_CONNECTION_H_
