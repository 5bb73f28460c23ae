#include "store/sqlite/internal/connection.h"

#include <charconv>

namespace rampart::store::sqlite {
namespace {
// Dynamic queries (IN lists of varying length) could grow the cache without
// bound; beyond this many entries new statements are not cached.
constexpr size_t kMaxCachedStatements = 256;
}  // namespace

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Status::IoError("disk full: " + msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::IoError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable("database is busy (another writer): " + msg);
    case SQLITE_CONSTRAINT:
      return Status::Conflict(msg);
    case SQLITE_TOOBIG:
      return Status::ResourceExhausted(msg);
    default:
      return Status::Internal(msg);
  }
}

Stmt::~Stmt() {
  if (!s_) return;
  if (owned_) {
    sqlite3_finalize(s_);
  } else {
    conn_->Return(s_);
  }
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v, bool static_lifetime) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()),
                    static_lifetime ? SQLITE_STATIC : SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v, bool static_lifetime) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()),
                    static_lifetime ? SQLITE_STATIC : SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::Bind(int i, const std::optional<int64_t>& v) {
  return v ? Bind(i, *v) : BindNull(i);
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

int Stmt::Step() { return sqlite3_step(s_); }

Status Stmt::Run() {
  int rc;
  while ((rc = sqlite3_step(s_)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, conn_->db(), "sqlite step");
  return Status::Ok();
}

Result<bool> Stmt::Next() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, conn_->db(), "sqlite step");
}

std::optional<int64_t> Stmt::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::string_view Stmt::View(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (!p || n <= 0) return {};
  return std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
}

std::string Stmt::Text(int col) const { return std::string(View(col)); }

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     int busy_timeout_ms, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, db, "cannot open " + path);
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> c(new Connection(db));
  if (mode != Mode::kRaw) RAMPART_RETURN_IF_ERROR(c->ApplyPragmas(mode, busy_timeout_ms));
  return c;
}

Status Connection::ApplyPragmas(Mode mode, int busy_timeout_ms) {
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (mode == Mode::kWriter) {
    // WAL: readers never block the writer nor the writer them. FULL: the WAL
    // is fsynced at every commit, so an acknowledged write survives power loss.
    RAMPART_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    RAMPART_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
                                 " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                                 " PRAGMA journal_size_limit=67108864;"));
    // Checkpoint every ~40 MiB of WAL instead of SQLite's 1000 pages: index
    // pages rewritten by many commits are copied back once. (In pages, so
    // derived from this file's page size: 4 KiB in old files, 16 KiB new.)
    int64_t page_size = 4096;
    {
      RAMPART_ASSIGN_OR_RETURN(Stmt ps, Prepare("PRAGMA page_size"));
      RAMPART_ASSIGN_OR_RETURN(bool row, ps.Next());
      if (row && ps.Int(0) > 0) page_size = ps.Int(0);
    }
    RAMPART_RETURN_IF_ERROR(
        Exec("PRAGMA wal_autocheckpoint=" + std::to_string((int64_t{40} << 20) / page_size)));
  } else if (mode == Mode::kReader) {
    RAMPART_RETURN_IF_ERROR(Exec("PRAGMA query_only=1; PRAGMA temp_store=MEMORY;"
                                 " PRAGMA cache_size=-16384;"));
  }
  return Status::Ok();
}

Connection::~Connection() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Result<Stmt> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && it->second) {
    sqlite3_stmt* s = it->second;
    it->second = nullptr;  // borrowed: a nested Prepare of the same SQL gets its own
    return Stmt(s, this, false);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "prepare");
  bool cacheable = it != cache_.end() || cache_.size() < kMaxCachedStatements;
  if (cacheable && it == cache_.end()) cache_.emplace(sql, nullptr);
  return Stmt(s, this, !cacheable);
}

void Connection::Return(sqlite3_stmt* s) {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  const char* sql = sqlite3_sql(s);
  auto it = sql ? cache_.find(sql) : cache_.end();
  if (it != cache_.end() && it->second == nullptr) {
    it->second = s;
  } else {
    sqlite3_finalize(s);
  }
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, sql);
  return Status::Ok();
}

std::string EncodeList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
  }
  return out;
}

Status DecodeListInto(std::string_view blob, std::vector<std::string>& out) {
  size_t count = 0;
  while (!blob.empty()) {
    size_t colon = blob.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 10) {
      return Status::Corruption("malformed list value in database");
    }
    size_t n = 0;
    auto [p, ec] = std::from_chars(blob.data(), blob.data() + colon, n);
    if (ec != std::errc() || p != blob.data() + colon || n > blob.size() - colon - 1) {
      return Status::Corruption("malformed list value in database");
    }
    std::string_view item = blob.substr(colon + 1, n);
    if (count < out.size()) {
      out[count].assign(item);
    } else {
      out.emplace_back(item);
    }
    ++count;
    blob.remove_prefix(colon + 1 + n);
  }
  out.resize(count);
  return Status::Ok();
}

Result<std::vector<std::string>> DecodeList(std::string_view blob) {
  std::vector<std::string> out;
  RAMPART_RETURN_IF_ERROR(DecodeListInto(blob, out));
  return out;
}

}  // namespace rampart::store::sqlite
