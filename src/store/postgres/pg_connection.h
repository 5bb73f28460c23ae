// Module-private: a thin RAII layer over libpq (the C API) for the PostgreSQL
// store — owned results, one connection with a per-connection cache of
// prepared statements, and a bounded, thread-safe pool of connections.
//
// Only store/postgres includes this header (it includes libpq-fe.h, which
// tools/check_includes.py confines to this folder).
//
// Thread-safety: PgResult and PgConnection are not thread-safe (one thread
// at a time, which the pool guarantees); ConnectionPool is thread-safe.
#ifndef RAMPART_STORE_POSTGRES_PG_CONNECTION_H_
#define RAMPART_STORE_POSTGRES_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace rampart::store::postgres {

// Text-format statement parameters; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// An owned PGresult of a successful command (text format).
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}

  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view Text(int row, int col) const {
    return std::string_view(PQgetvalue(r_.get(), row, col),
                            static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  std::string Str(int row, int col) const { return std::string(Text(row, col)); }
  // Integer / boolean columns. A malformed value is a Corruption error.
  Result<int64_t> Int(int row, int col) const;
  Result<std::optional<int64_t>> OptInt(int row, int col) const;
  bool Bool(int row, int col) const { return Text(row, col) == "t"; }
  // Rows affected by INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  struct Deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Deleter> r_;
};

// One libpq connection.
class PgConnection {
 public:
  // Connects to `url` (a libpq URI) and runs `setup` statements (search_path,
  // synchronous_commit, ...). Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url,
                                                       int connect_timeout_seconds,
                                                       const std::vector<std::string>& setup);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (no parameters, possibly several statements) with the simple
  // query protocol: BEGIN, COMMIT, DDL.
  Status Exec(std::string_view sql);

  // Runs one statement with parameters. Statements are prepared on first use
  // and cached per connection (keyed by their text); past kMaxPrepared
  // distinct texts, further ones run unprepared.
  Result<PgResult> Query(const std::string& sql, const Params& params = {});

  // Runs `copy_sql` ("COPY t (cols) FROM STDIN") and streams `data`, rows in
  // COPY's text format (see CopyBuffer). Returns the rows copied.
  Result<int64_t> CopyIn(const std::string& copy_sql, std::string_view data);

  // True once the connection is unusable (the pool then discards it).
  bool broken() const;
  // SQLSTATE of the last failed command ("" if none / not from the server).
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  static constexpr size_t kMaxPrepared = 256;

 private:
  explicit PgConnection(PGconn* c) : conn_(c) {}
  // Maps a failed result (or connection failure) onto a Status whose message
  // is generic ("PostgreSQL query failed (SQLSTATE 23505); ...") and logs the
  // server's text (which names constraints, indexes, tables) to stderr: a
  // Status message may reach a client.
  Status ErrorStatus(const PGresult* r, std::string_view what);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  std::string last_sqlstate_;
};

// True for SQLSTATEs after which the whole transaction may simply be retried
// (serialization failure, deadlock detected).
bool IsRetryableSqlState(std::string_view sqlstate);

// A bounded pool of connections, created lazily.
class ConnectionPool {
 public:
  // A borrowed connection, returned to the pool on destruction (or dropped
  // when broken).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<PgConnection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *c_; }
    PgConnection* operator->() { return c_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<PgConnection> c_;
  };

  // REQUIRES: size >= 1.
  ConnectionPool(std::string url, int size, int connect_timeout_seconds,
                 std::vector<std::string> setup);
  ~ConnectionPool();

  // Borrows a connection, connecting a new one when fewer than `size` exist
  // and none is idle, else waiting for one. Unavailable when connecting fails.
  Result<Lease> Acquire();

  // Closes every idle connection. Called after a connection turned out dead
  // (server restart, failover): its idle siblings are most likely dead too.
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> c);

  const std::string url_;
  const int size_;
  const int connect_timeout_seconds_;
  const std::vector<std::string> setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                      // guarded by mu_
};

// Text-array literals for `$n::text[]` / `$n::bigint[]` / `$n::boolean[]`
// parameters (PostgreSQL array input syntax: every text element quoted, `\`
// and `"` escaped; NULL unquoted).
std::string TextArray(const std::vector<std::string>& v);
std::string TextArray(const std::vector<std::optional<std::string>>& v);
std::string IntArray(const std::vector<int64_t>& v);
std::string IntArray(const std::vector<std::optional<int64_t>>& v);
std::string BoolArray(const std::vector<bool>& v);

// Builds COPY text-format data: fields separated by tabs, rows by newlines,
// NULL as \N, and backslash, tab, newline and carriage return escaped.
class CopyBuffer {
 public:
  CopyBuffer& Text(std::string_view s);
  CopyBuffer& Int(int64_t v);
  CopyBuffer& OptInt(const std::optional<int64_t>& v);
  CopyBuffer& Bool(bool b);
  CopyBuffer& Null();
  // Appends fields already in COPY text format (e.g. another buffer's data
  // without its row end), as the next field(s) of the current row.
  CopyBuffer& Raw(std::string_view fields);
  void EndRow();
  const std::string& data() const { return data_; }

 private:
  void Sep();
  std::string data_;
  bool row_start_ = true;
};

// Quotes an SQL identifier ("..." with embedded quotes doubled).
std::string QuoteIdent(std::string_view ident);

}  // namespace rampart::store::postgres

#endif  // RAMPART_STORE_POSTGRES_PG_CONNECTION_H_
