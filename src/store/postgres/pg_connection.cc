#include "store/postgres/pg_connection.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "store/store_url.h"

namespace rampart::store::postgres {
namespace {

bool ParseInt64(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string Trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

Result<int64_t> PgResult::Int(int row, int col) const {
  int64_t v = 0;
  if (IsNull(row, col) || !ParseInt64(Text(row, col), &v)) {
    return Status::Corruption("PostgreSQL store: unexpected non-integer value in column " +
                              std::string(PQfname(r_.get(), col)));
  }
  return v;
}

Result<std::optional<int64_t>> PgResult::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::optional<int64_t>();
  RAMPART_ASSIGN_OR_RETURN(int64_t v, Int(row, col));
  return std::optional<int64_t>(v);
}

int64_t PgResult::Affected() const {
  int64_t v = 0;
  if (!r_ || !ParseInt64(PQcmdTuples(r_.get()), &v)) return 0;
  return v;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url,
                                                            int connect_timeout_seconds,
                                                            const std::vector<std::string>& setup) {
  // Keywords before "dbname" are defaults the URL may override; with
  // expand_dbname the URL's own parameters win.
  std::string timeout = std::to_string(connect_timeout_seconds > 0 ? connect_timeout_seconds : 10);
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* vals[] = {timeout.c_str(), "rampart", "UTF8", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  if (c == nullptr) return Status::ResourceExhausted("PostgreSQL: out of memory connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(c));
    PQfinish(c);
    // libpq may echo a fragment of the URL it could not use.
    return Status::Unavailable("cannot connect to PostgreSQL: " + RedactStoreUrlIn(msg, url));
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(c));
  for (const std::string& s : setup) {
    RAMPART_RETURN_IF_ERROR(conn->Exec(s));
  }
  return conn;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::ErrorStatus(const PGresult* r, std::string_view what) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string detail;
  if (r != nullptr && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
    detail = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  } else {
    detail = Trimmed(PQerrorMessage(conn_));
  }
  const std::string& s = last_sqlstate_;
  // The server's text names constraints, indexes, tables and columns (and
  // may quote stored values): it goes to the operator's log, never into a
  // Status, whose message may reach a client (a TAXII error body). The
  // Status says what failed and the SQLSTATE, enough to find the log line.
  // Serialisation failures and deadlocks are retried by the callers: not
  // worth a log line each.
  if (!IsRetryableSqlState(s)) {
    std::fprintf(stderr, "rampart: PostgreSQL %.*s (SQLSTATE %s): %s\n",
                 static_cast<int>(what.size()), what.data(), s.empty() ? "none" : s.c_str(),
                 detail.c_str());
  }
  std::string msg = "PostgreSQL " + std::string(what);
  if (!s.empty()) msg += " (SQLSTATE " + s + ")";
  msg += "; the server log has the details";
  if (broken() || s.empty() || s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" ||
      s == "57P03" || s == "53300" || s == "57014") {
    return Status::Unavailable(msg);
  }
  if (s == "53100") return Status::IoError(msg);  // disk_full
  if (s.rfind("53", 0) == 0) return Status::ResourceExhausted(msg);
  if (s == "23505") return Status::Conflict(msg);
  if (s == "42501") return Status::PermissionDenied(msg);  // insufficient_privilege
  if (s.rfind("22", 0) == 0) return Status::InvalidArgument(msg);
  if (s == "XX001" || s == "XX002") return Status::Corruption(msg);
  if (IsRetryableSqlState(s)) return Status::Unavailable(msg);
  return Status::Internal(msg);
}

Status PgConnection::Exec(std::string_view sql) {
  last_sqlstate_.clear();
  std::string text(sql);
  PGresult* raw = PQexec(conn_, text.c_str());
  ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Status s = ErrorStatus(raw, "command failed");
    PQclear(raw);
    return s;
  }
  PQclear(raw);
  return Status::Ok();
}

Result<PgResult> PgConnection::Query(const std::string& sql, const Params& params) {
  last_sqlstate_.clear();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (p && std::memchr(p->data(), '\0', p->size()) != nullptr) {
      return Status::InvalidArgument("text value contains a NUL byte");
    }
    values.push_back(p ? p->c_str() : nullptr);
  }
  const int n = static_cast<int>(params.size());
  PGresult* raw = nullptr;
  auto it = prepared_.find(sql);
  if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
    std::string name = "r" + std::to_string(prepared_.size());
    PGresult* prep = PQprepare(conn_, name.c_str(), sql.c_str(), n, nullptr);
    if (prep == nullptr || PQresultStatus(prep) != PGRES_COMMAND_OK) {
      Status s = ErrorStatus(prep, "prepare failed");
      PQclear(prep);
      return s;
    }
    PQclear(prep);
    it = prepared_.emplace(sql, name).first;
  }
  if (it != prepared_.end()) {
    raw = PQexecPrepared(conn_, it->second.c_str(), n, values.data(), nullptr, nullptr, 0);
  } else {
    raw = PQexecParams(conn_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
  }
  ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Status s = ErrorStatus(raw, "query failed");
    PQclear(raw);
    return s;
  }
  return PgResult(raw);
}

Result<int64_t> PgConnection::CopyIn(const std::string& copy_sql, std::string_view data) {
  last_sqlstate_.clear();
  PGresult* start = PQexec(conn_, copy_sql.c_str());
  if (start == nullptr || PQresultStatus(start) != PGRES_COPY_IN) {
    Status s = ErrorStatus(start, "COPY failed");
    PQclear(start);
    return s;
  }
  PQclear(start);
  // Blocking connection: PQputCopyData returns 1 or -1 (never 0).
  constexpr size_t kChunk = size_t{1} << 20;
  bool ok = true;
  for (size_t off = 0; off < data.size() && ok; off += kChunk) {
    size_t n = std::min(kChunk, data.size() - off);
    ok = PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, ok ? nullptr : "client error") != 1) ok = false;
  PGresult* end = PQgetResult(conn_);
  Status s;
  int64_t rows = 0;
  if (end == nullptr || PQresultStatus(end) != PGRES_COMMAND_OK) {
    s = ErrorStatus(end, "COPY failed");
  } else {
    rows = PgResult(end).Affected();
    end = nullptr;  // owned and freed by the temporary above
  }
  PQclear(end);
  // Drain: a COPY yields one result, then nullptr.
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  if (!s.ok()) return s;
  if (!ok) return Status::Unavailable("PostgreSQL COPY: sending data failed");
  return rows;
}

void CopyBuffer::Sep() {
  if (!row_start_) data_.push_back('\t');
  row_start_ = false;
}

CopyBuffer& CopyBuffer::Text(std::string_view s) {
  Sep();
  for (char c : s) {
    switch (c) {
      case '\\': data_ += "\\\\"; break;
      case '\t': data_ += "\\t"; break;
      case '\n': data_ += "\\n"; break;
      case '\r': data_ += "\\r"; break;
      default: data_.push_back(c);
    }
  }
  return *this;
}

CopyBuffer& CopyBuffer::Int(int64_t v) {
  Sep();
  data_ += std::to_string(v);
  return *this;
}

CopyBuffer& CopyBuffer::OptInt(const std::optional<int64_t>& v) {
  if (!v) return Null();
  return Int(*v);
}

CopyBuffer& CopyBuffer::Bool(bool b) {
  Sep();
  data_.push_back(b ? 't' : 'f');
  return *this;
}

CopyBuffer& CopyBuffer::Null() {
  Sep();
  data_ += "\\N";
  return *this;
}

CopyBuffer& CopyBuffer::Raw(std::string_view fields) {
  Sep();
  data_ += fields;
  return *this;
}

void CopyBuffer::EndRow() {
  data_.push_back('\n');
  row_start_ = true;
}

bool IsRetryableSqlState(std::string_view s) { return s == "40001" || s == "40P01"; }

ConnectionPool::Lease::~Lease() {
  if (c_ && pool_) pool_->Release(std::move(c_));
}

ConnectionPool::ConnectionPool(std::string url, int size, int connect_timeout_seconds,
                               std::vector<std::string> setup)
    : url_(std::move(url)),
      size_(size < 1 ? 1 : size),
      connect_timeout_seconds_(connect_timeout_seconds),
      setup_(std::move(setup)) {}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> l(mu_);
  idle_.clear();
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->broken()) return Lease(this, std::move(c));
      c.reset();  // dropped; replace it below
    } else {
      ++open_;
    }
  }
  // Connect outside the lock: it may take up to the connect timeout.
  auto c = PgConnection::Connect(url_, connect_timeout_seconds_, setup_);
  if (!c.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    --open_;
    cv_.notify_one();
    return c.status();
  }
  return Lease(this, std::move(c).value());
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> dead;
  {
    std::lock_guard<std::mutex> l(mu_);
    dead.swap(idle_);
    open_ -= static_cast<int>(dead.size());
    cv_.notify_all();
  }
  // PQfinish outside the lock.
}

void ConnectionPool::Release(std::unique_ptr<PgConnection> c) {
  std::lock_guard<std::mutex> l(mu_);
  if (c->broken()) {
    --open_;
  } else {
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

std::string TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    AppendQuoted(&out, v[i]);
  }
  out.push_back('}');
  return out;
}

std::string TextArray(const std::vector<std::optional<std::string>>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    if (v[i]) {
      AppendQuoted(&out, *v[i]);
    } else {
      out += "NULL";
    }
  }
  out.push_back('}');
  return out;
}

std::string IntArray(const std::vector<int64_t>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(v[i]);
  }
  out.push_back('}');
  return out;
}

std::string IntArray(const std::vector<std::optional<int64_t>>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    out += v[i] ? std::to_string(*v[i]) : "NULL";
  }
  out.push_back('}');
  return out;
}

std::string BoolArray(const std::vector<bool>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back(v[i] ? 't' : 'f');
  }
  out.push_back('}');
  return out;
}

std::string QuoteIdent(std::string_view ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace rampart::store::postgres
