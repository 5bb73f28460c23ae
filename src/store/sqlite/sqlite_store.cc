// SqliteStore: see sqlite_store.h. Layout of this file: open + migrations,
// the writer thread (group commit), the reader pool, then the Store methods.
#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "base/crypto.h"
#include "store/cursor.h"
#include "store/sqlite/internal/connection.h"
#include "store/sqlite/schema.h"

namespace rampart::store {
namespace {

namespace fs = std::filesystem;
using sqlite::Connection;
using sqlite::DecodeList;
using sqlite::DecodeListInto;
using sqlite::EncodeList;
using sqlite::SqliteStatus;
using sqlite::Stmt;

// Upper bounds on the IN lists of one query (hostile input).
constexpr size_t kMaxFilterValues = 1000;
constexpr size_t kMaxLimit = 100000;
// Up to this many match[type] values are merged from per-type index ranges.
constexpr size_t kMaxMergedTypes = 32;

// ---- Open: identify the file before anything may write to it ----

// Checks that `conn` (opened kRaw) is empty or a Rampart database this binary
// understands; `*is_new` tells which.
Status Identify(Connection& conn, const std::string& path, bool* is_new) {
  auto prepared = conn.Prepare("PRAGMA application_id");
  if (!prepared.ok()) {
    return Status::Corruption(path + " is not a Rampart database (not an SQLite file, or damaged): " +
                              std::string(prepared.status().message()));
  }
  Stmt app = std::move(*prepared);
  auto has = app.Next();
  if (!has.ok()) {
    return Status::Corruption(path + " is not a Rampart database (not an SQLite file, or damaged): " +
                              std::string(has.status().message()));
  }
  int64_t app_id = *has ? app.Int(0) : 0;
  RAMPART_ASSIGN_OR_RETURN(Stmt uv, conn.Prepare("PRAGMA user_version"));
  RAMPART_ASSIGN_OR_RETURN(bool uv_row, uv.Next());
  int64_t user_version = uv_row ? uv.Int(0) : 0;
  RAMPART_ASSIGN_OR_RETURN(Stmt n, conn.Prepare("SELECT count(*) FROM sqlite_master"));
  auto n_row = n.Next();
  if (!n_row.ok()) {
    return Status::Corruption(path + " is damaged: " + std::string(n_row.status().message()));
  }
  int64_t tables = n.Int(0);
  if (app_id == 0 && tables == 0 && user_version == 0) {
    *is_new = true;
    return Status::Ok();
  }
  if (app_id != sqlite::kApplicationId) {
    return Status::Corruption(path + " is a foreign SQLite database (application_id " +
                              std::to_string(app_id) + "), not a Rampart store; refusing to touch it");
  }
  if (user_version > sqlite::kSchemaVersion) {
    return Status::Unsupported(path + " has schema version " + std::to_string(user_version) +
                               ", newer than this binary's " +
                               std::to_string(sqlite::kSchemaVersion) + "; upgrade rampart");
  }
  if (user_version < 1) {
    return Status::Corruption(path + " has a Rampart application_id but no schema version");
  }
  *is_new = false;
  return Status::Ok();
}

// Runs the pending migrations in one IMMEDIATE transaction (so two processes
// opening a new data directory at once migrate it exactly once).
Status Migrate(Connection& conn, const std::string& path) {
  RAMPART_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    bool is_new = false;
    RAMPART_RETURN_IF_ERROR(Identify(conn, path, &is_new));
    int64_t current = 0;
    {
      RAMPART_ASSIGN_OR_RETURN(Stmt uv, conn.Prepare("PRAGMA user_version"));
      RAMPART_ASSIGN_OR_RETURN(bool row, uv.Next());
      current = row ? uv.Int(0) : 0;
    }
    if (is_new) {
      RAMPART_RETURN_IF_ERROR(
          conn.Exec("PRAGMA application_id=" + std::to_string(sqlite::kApplicationId)));
    }
    for (const auto& m : sqlite::kMigrations) {
      if (m.version <= current) continue;
      RAMPART_RETURN_IF_ERROR(conn.Exec(m.sql).WithContext("schema migration " +
                                                            std::to_string(m.version)));
      RAMPART_RETURN_IF_ERROR(conn.Exec("PRAGMA user_version=" + std::to_string(m.version)));
    }
    return Status::Ok();
  };
  Status s = body();
  if (!s.ok()) {
    (void)conn.Exec("ROLLBACK");
    return s;
  }
  return conn.Exec("COMMIT");
}

// ---- File modes: what is at rest is the forum's alone ----

// The data directory is 0700 and every database file 0600, whatever the
// umask (docs/trust.md "At rest").
constexpr mode_t kPrivateDirMode = 0700;
constexpr mode_t kPrivateFileMode = 0600;

std::string FixHint(const std::string& dir) {
  return "run `chmod 700 " + dir + " && chmod 600 " +
         (fs::path(dir) / kSqliteDbFileName).string() + "*`";
}

std::string OctalMode(mode_t m) {
  char buf[8];
  snprintf(buf, sizeof buf, "0%03o", static_cast<unsigned>(m & 0777));
  return buf;
}

// PermissionDenied when `p` (the data directory `dir` or one of its
// database files) exists and group or others may read, write or enter it:
// the store holds every organisation's intelligence and must be private to
// the OS user running rampart.
Status CheckPrivate(const fs::path& p, const std::string& dir) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IoError("cannot stat " + p.string() + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) == 0) return Status::Ok();
  return Status::PermissionDenied(
      p.string() + " is accessible by group or others (mode " + OctalMode(st.st_mode) +
      "); a Rampart store must be private to the user running rampart: " + FixHint(dir));
}

// The directory and the database files of data directory `dir`.
Status CheckPrivateStore(const std::string& dir) {
  RAMPART_RETURN_IF_ERROR(CheckPrivate(dir, dir));
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    RAMPART_RETURN_IF_ERROR(
        CheckPrivate(fs::path(dir) / (std::string(kSqliteDbFileName) + suffix), dir));
  }
  return Status::Ok();
}

// Creates directory `dir` (its parents as the umask says) 0700 when missing.
// An existing directory is left as it is (CheckPrivate judges it).
Status MakePrivateDir(const std::string& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  fs::path parent = fs::path(dir).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return Status::IoError("cannot create " + parent.string() + ": " + ec.message());
  }
  // mkdir(0700) is private from its first instant; chmod makes it exactly
  // 0700 under any umask. Only a directory made here is chmod-ed.
  if (::mkdir(dir.c_str(), kPrivateDirMode) != 0) {
    if (errno == EEXIST && fs::is_directory(dir, ec)) return Status::Ok();  // a racing process
    return Status::IoError("cannot create data directory " + dir + ": " + std::strerror(errno));
  }
  if (::chmod(dir.c_str(), kPrivateDirMode) != 0) {
    return Status::IoError("cannot chmod 700 " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// Creates file `p` 0600 when missing, before SQLite opens it: SQLite would
// create it 0644, and makes its -wal, -shm and journal files with the mode
// of the database file.
Status MakePrivateFile(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kPrivateFileMode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();
    return Status::IoError("cannot create " + p.string() + ": " + std::strerror(errno));
  }
  int rc = ::fchmod(fd, kPrivateFileMode);
  ::close(fd);
  if (rc != 0) return Status::IoError("cannot chmod 600 " + p.string());
  return Status::Ok();
}

// ---- The data directory lock (docs/SECURITY.md "Store limits") ----

// An flock on DIR/rampart.lock: shared while a store has DIR open, exclusive
// while a restore replaces the database. flock locks belong to the open file
// description, so two stores of one process conflict with a restore exactly
// as two processes do; the kernel drops the lock when the process dies.
class DirLock {
 public:
  DirLock() = default;
  explicit DirLock(int fd) : fd_(fd) {}
  DirLock(DirLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  DirLock& operator=(DirLock&& o) noexcept {
    if (this != &o) {
      Release();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~DirLock() { Release(); }
  void Release() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

enum class LockMode { kShared, kExclusive };

// Takes the lock on data directory `dir` (which must exist) without waiting.
// Shared: Unavailable while a restore holds it. Exclusive: Conflict while
// any store has `dir` open.
Result<DirLock> LockDataDir(const std::string& dir, LockMode mode) {
  const fs::path p = fs::path(dir) / kSqliteLockFileName;
  int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kPrivateFileMode);
  if (fd < 0) return Status::IoError("cannot open " + p.string() + ": " + std::strerror(errno));
  DirLock lock(fd);
  if (::fchmod(fd, kPrivateFileMode) != 0) {
    return Status::IoError("cannot chmod 600 " + p.string() + ": " + std::strerror(errno));
  }
  const int op = (mode == LockMode::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  int rc;
  do {
    rc = ::flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return lock;
  if (errno != EWOULDBLOCK) {
    return Status::IoError("cannot lock " + p.string() + ": " + std::strerror(errno));
  }
  if (mode == LockMode::kShared) {
    return Status::Unavailable(dir + " is being restored (`rampart restore` holds " + p.string() +
                               "); open it when the restore has finished");
  }
  return Status::Conflict(dir + " is in use: a process has this store open (`rampart serve` or "
                          "another rampart command holds a shared lock on " + p.string() +
                          "); stop it before restoring, nothing was changed");
}

// Device and inode of the file at `path`; nullopt when it is missing.
Result<std::optional<std::pair<dev_t, ino_t>>> FileIdentity(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::pair<dev_t, ino_t>>();
    return Status::IoError("cannot stat " + path + ": " + std::strerror(errno));
  }
  return std::optional<std::pair<dev_t, ino_t>>(std::make_pair(st.st_dev, st.st_ino));
}

// ---- Row decoding ----

constexpr char kObjectColumns[] =
    "o.seq, o.id, o.version, o.date_added, o.type, o.spec_version, o.created, o.modified,"
    " o.created_by_ref, o.revoked, o.valid_from, o.valid_until, o.marking_refs, o.org_id,"
    " o.user_id, o.source_peer, o.anonymous, o.sharing_groups, o.red_recipients,"
    " o.effective_tlp, o.default_marking_applied, o.observables";
// ObjectFields::kServe: what serving reads (ReadServedInto), json at 10.
constexpr char kServeColumns[] =
    "o.seq, o.id, o.version, o.date_added, o.spec_version, o.org_id, o.sharing_groups,"
    " o.red_recipients, o.effective_tlp, o.default_marking_applied";
// Both lists start with seq, id, version, date_added (the cursor reads them).
constexpr int kSeqColumn = 0, kDateAddedColumn = 3;

Status ReadTlp(const Stmt& s, int col, stix::Tlp& out) {
  int64_t tlp = s.Int(col);
  if (tlp < 0 || tlp > static_cast<int>(stix::Tlp::kRed)) {
    return Status::Corruption("effective_tlp out of range in database");
  }
  out = static_cast<stix::Tlp>(tlp);
  return Status::Ok();
}

// Reads the kServeColumns (+ json at column 10 when `with_json`) into `o`,
// in place like ReadObjectInto; the other fields are left as they are.
Status ReadServedInto(const Stmt& s, bool with_json, StoredObject& o) {
  o.seq = s.Int(0);
  o.id.assign(s.View(1));
  o.version = s.Int(2);
  o.date_added = s.Int(3);
  o.spec_version.assign(s.View(4));
  o.provenance.org_id.assign(s.View(5));
  RAMPART_RETURN_IF_ERROR(DecodeListInto(s.View(6), o.provenance.sharing_groups));
  RAMPART_RETURN_IF_ERROR(DecodeListInto(s.View(7), o.provenance.red_recipients));
  RAMPART_RETURN_IF_ERROR(ReadTlp(s, 8, o.provenance.effective_tlp));
  o.provenance.default_marking_applied = s.Int(9) != 0;
  if (with_json) {
    o.json.assign(s.View(10));
  } else {
    o.json.clear();
  }
  return Status::Ok();
}

// Reads the kObjectColumns (+ json at column 22 when `with_json`) into `o`,
// in place: every string and list reuses the storage it already has, so a
// scan that decodes each row into the same object allocates only while its
// rows grow.
Status ReadObjectInto(const Stmt& s, bool with_json, StoredObject& o) {
  o.seq = s.Int(0);
  o.id.assign(s.View(1));
  o.version = s.Int(2);
  o.date_added = s.Int(3);
  o.type.assign(s.View(4));
  o.spec_version.assign(s.View(5));
  o.created = s.OptInt(6);
  o.modified = s.OptInt(7);
  o.created_by_ref.assign(s.View(8));
  o.revoked = s.Int(9) != 0;
  o.valid_from = s.OptInt(10);
  o.valid_until = s.OptInt(11);
  RAMPART_RETURN_IF_ERROR(DecodeListInto(s.View(12), o.marking_refs));
  o.provenance.org_id.assign(s.View(13));
  o.provenance.user_id.assign(s.View(14));
  o.provenance.source_peer.assign(s.View(15));
  o.provenance.anonymous = s.Int(16) != 0;
  RAMPART_RETURN_IF_ERROR(DecodeListInto(s.View(17), o.provenance.sharing_groups));
  RAMPART_RETURN_IF_ERROR(DecodeListInto(s.View(18), o.provenance.red_recipients));
  RAMPART_RETURN_IF_ERROR(ReadTlp(s, 19, o.provenance.effective_tlp));
  o.provenance.default_marking_applied = s.Int(20) != 0;
  o.observables.clear();
  std::string_view obs = s.View(21);
  if (!obs.empty()) {
    RAMPART_ASSIGN_OR_RETURN(std::vector<std::string> flat, DecodeList(obs));
    if (flat.size() % 2 != 0) return Status::Corruption("malformed observables in database");
    o.observables.reserve(flat.size() / 2);
    for (size_t i = 0; i < flat.size(); i += 2) {
      o.observables.push_back({std::move(flat[i]), std::move(flat[i + 1])});
    }
  }
  if (with_json) {
    o.json.assign(s.View(22));
  } else {
    o.json.clear();
  }
  return Status::Ok();
}

Result<StoredObject> ReadObject(const Stmt& s, bool with_json) {
  StoredObject o;
  RAMPART_RETURN_IF_ERROR(ReadObjectInto(s, with_json, o));
  return o;
}

std::string EncodeObservables(const std::vector<Observable>& obs) {
  std::vector<std::string> flat;
  flat.reserve(obs.size() * 2);
  for (const auto& o : obs) {
    flat.push_back(o.kind);
    flat.push_back(o.value);
  }
  return EncodeList(flat);
}

std::string EncodeDetails(const std::vector<StatusDetail>& d) {
  std::vector<std::string> flat;
  for (const auto& x : d) {
    flat.push_back(x.id);
    flat.push_back(x.version);
    flat.push_back(x.message);
  }
  return EncodeList(flat);
}

Result<std::vector<StatusDetail>> DecodeDetails(std::string_view blob) {
  RAMPART_ASSIGN_OR_RETURN(std::vector<std::string> flat, DecodeList(blob));
  if (flat.size() % 3 != 0) return Status::Corruption("malformed status details in database");
  std::vector<StatusDetail> out;
  for (size_t i = 0; i < flat.size(); i += 3) out.push_back({flat[i], flat[i + 1], flat[i + 2]});
  return out;
}

// ---- Version flags (schema migration 2) ----

// One version of an object, for recomputing the latest_spec / is_first /
// is_last flags of its object's versions.
struct VersionRow {
  int64_t seq = 0;  // 0 = not yet inserted
  Micros version = 0;
  Micros date_added = 0;
  std::string spec_version;
  bool latest_spec = false, is_first = false, is_last = false;  // as stored
  bool new_latest_spec = false, new_is_first = false, new_is_last = false;
};

// latest_spec: the version has the greatest spec_version (byte order, as
// SQLite's max()) among its object's versions; is_first / is_last: the
// smallest / greatest version among those. Exactly the default selection.
void ComputeFlags(std::vector<VersionRow>& vs) {
  if (vs.empty()) return;
  const std::string* max_spec = &vs.front().spec_version;
  for (const auto& v : vs) {
    if (v.spec_version > *max_spec) max_spec = &v.spec_version;
  }
  Micros lo = std::numeric_limits<Micros>::max(), hi = std::numeric_limits<Micros>::min();
  for (const auto& v : vs) {
    if (v.spec_version != *max_spec) continue;
    lo = std::min(lo, v.version);
    hi = std::max(hi, v.version);
  }
  for (auto& v : vs) {
    v.new_latest_spec = v.spec_version == *max_spec;
    v.new_is_first = v.new_latest_spec && v.version == lo;
    v.new_is_last = v.new_latest_spec && v.version == hi;
  }
}

constexpr char kLoadVersionsSql[] =
    "SELECT seq, version, date_added, spec_version, latest_spec, is_first, is_last"
    " FROM objects INDEXED BY objects_version WHERE cid = ?1 AND id = ?2";

// The stored versions of (cid, id), with their flags. `s` is a prepared
// kLoadVersionsSql (prepared once per batch by the caller); left reset.
Result<std::vector<VersionRow>> LoadVersions(Stmt& s, int64_t cid, std::string_view id) {
  s.Bind(1, cid).Bind(2, id, true);
  std::vector<VersionRow> out;
  while (true) {
    auto next = s.Next();
    if (!next.ok()) {
      sqlite3_reset(s.raw());
      return next.status();
    }
    if (!*next) break;
    VersionRow v;
    v.seq = s.Int(0);
    v.version = s.Int(1);
    v.date_added = s.Int(2);
    v.spec_version = s.Text(3);
    v.latest_spec = s.Int(4) != 0;
    v.is_first = s.Int(5) != 0;
    v.is_last = s.Int(6) != 0;
    out.push_back(std::move(v));
  }
  sqlite3_reset(s.raw());
  return out;
}

Result<std::vector<VersionRow>> LoadVersions(Connection& w, int64_t cid, std::string_view id) {
  RAMPART_ASSIGN_OR_RETURN(Stmt s, w.Prepare(kLoadVersionsSql));
  return LoadVersions(s, cid, id);
}

// Writes the flags of the stored rows of `vs` whose flags changed.
Status StoreChangedFlags(Connection& w, const std::vector<VersionRow>& vs) {
  for (const VersionRow& v : vs) {
    if (v.seq == 0) continue;
    if (v.latest_spec == v.new_latest_spec && v.is_first == v.new_is_first &&
        v.is_last == v.new_is_last) {
      continue;
    }
    RAMPART_ASSIGN_OR_RETURN(
        Stmt u, w.Prepare("UPDATE objects SET latest_spec = ?1, is_first = ?2, is_last = ?3"
                          " WHERE seq = ?4"));
    u.Bind(1, int64_t{v.new_latest_spec}).Bind(2, int64_t{v.new_is_first});
    u.Bind(3, int64_t{v.new_is_last}).Bind(4, v.seq);
    RAMPART_RETURN_IF_ERROR(u.Run());
  }
  return Status::Ok();
}

// ---- The query builder (shared by QueryObjects and the plan test hook) ----

struct BuiltQuery {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;
};

Result<BuiltQuery> BuildObjectQuery(const ObjectQuery& q, int64_t cid, const CursorCodec& cursor) {
  if (q.limit < 1) return Status::InvalidArgument("limit must be at least 1");
  if (q.ids.size() > kMaxFilterValues || q.types.size() > kMaxFilterValues ||
      q.spec_versions.size() > kMaxFilterValues || q.versions.versions.size() > kMaxFilterValues) {
    return Status::InvalidArgument("too many match[] values (at most 1000 per field)");
  }
  BuiltQuery b;
  auto param = [&](std::variant<int64_t, std::string> v) {
    b.params.push_back(std::move(v));
    return "?" + std::to_string(b.params.size());
  };
  auto in_list = [&](const auto& values) {
    std::string s = "(";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) s += ',';
      s += param(values[i]);
    }
    return s + ")";
  };
  // The conditions every shape shares (everything except id and type).
  std::string where = " WHERE o.cid = " + param(cid);
  if (q.added_after) where += " AND o.date_added > " + param(*q.added_after);
  if (!q.cursor.empty()) {
    RAMPART_ASSIGN_OR_RETURN(CursorPosition p, cursor.Decode(q.collection_id, q.cursor));
    std::string d = param(p.date_added);
    // `date_added >= d` gives the index range; the OR resumes after (d, seq).
    where += " AND o.date_added >= " + d + " AND (o.date_added > " + d + " OR o.seq > " +
             param(p.seq) + ")";
  }
  const VersionFilter& v = q.versions;
  // The default selection (no match[spec_version]) reads the flags that the
  // writer maintains (schema migration 2); last-only walks the partial
  // indexes objects_last_date / objects_last_type.
  const bool last_only = q.spec_versions.empty() &&
                         (v.IsDefault() || (v.last && !v.all && !v.first && v.versions.empty()));
  std::string spec_inner;  // the spec_version selection, on alias x
  if (q.spec_versions.empty()) {
    if (last_only) {
      where += " AND o.is_last = 1";
    } else if (v.all) {
      where += " AND o.latest_spec = 1";
    } else {
      std::string alts;
      if (v.last) alts += "o.is_last = 1";
      if (v.first) alts += std::string(alts.empty() ? "" : " OR ") + "o.is_first = 1";
      if (!v.versions.empty()) {
        alts += std::string(alts.empty() ? "" : " OR ") + "o.version IN " + in_list(v.versions);
      }
      where += " AND o.latest_spec = 1 AND (" + alts + ")";
    }
  } else {
    std::string list = in_list(q.spec_versions);
    where += " AND o.spec_version IN " + list;
    spec_inner = "x.spec_version IN " + list;
  }
  if (!v.all && !q.spec_versions.empty()) {
    std::vector<std::string> alts;
    if (v.last || v.IsDefault()) {
      alts.push_back("o.version = (SELECT max(x.version) FROM objects x WHERE x.cid = o.cid AND"
                     " x.id = o.id AND " + spec_inner + ")");
    }
    if (v.first) {
      alts.push_back("o.version = (SELECT min(x.version) FROM objects x WHERE x.cid = o.cid AND"
                     " x.id = o.id AND " + spec_inner + ")");
    }
    if (!v.versions.empty()) alts.push_back("o.version IN " + in_list(v.versions));
    where += " AND (";
    for (size_t i = 0; i < alts.size(); ++i) {
      if (i) where += " OR ";
      where += alts[i];
    }
    where += ")";
  }
  std::string select = "SELECT ";
  select += q.fields == ObjectFields::kServe ? kServeColumns : kObjectColumns;
  select += q.include_json ? ", o.json" : ", NULL";
  select += " FROM objects o";
  std::string limit = " LIMIT " + param(static_cast<int64_t>(std::min(q.limit, kMaxLimit)) + 1);
  std::string order = " ORDER BY o.date_added, o.seq";
  // The index is chosen explicitly per shape: the planner, without
  // statistics, would rather walk objects_date in order than sort a few
  // rows, which is O(collection) for a selective match[id].
  const char* type_index = last_only ? " INDEXED BY objects_last_type" : " INDEXED BY objects_type";
  const char* date_index = last_only ? " INDEXED BY objects_last_date" : " INDEXED BY objects_date";
  std::string sql;
  if (!q.ids.empty()) {
    // The versions of a few objects, then sorted (bounded by ids x versions).
    sql = select + " INDEXED BY objects_version" + where + " AND o.id IN " + in_list(q.ids);
    if (!q.types.empty()) sql += " AND o.type IN " + in_list(q.types);
    // One object's last version is at most one row (is_last marks exactly
    // one version per object): no sorter to open (GET objects/{id}/).
    const bool single_row = q.ids.size() == 1 && last_only;
    sql += (single_row ? "" : order) + limit;
  } else if (q.types.size() == 1) {
    sql = select + type_index + where + " AND o.type = " + param(q.types[0]) + order + limit;
  } else if (!q.types.empty() && q.types.size() <= kMaxMergedTypes) {
    // One ordered index range per type, merged (MERGE (UNION ALL)): no sort,
    // stops after limit + 1 rows.
    for (size_t i = 0; i < q.types.size(); ++i) {
      if (i) sql += " UNION ALL ";
      sql += select + type_index + where + " AND o.type = " + param(q.types[i]);
    }
    sql += " ORDER BY 4, 1" + limit;
  } else if (!q.types.empty()) {
    sql = select + type_index + where + " AND o.type IN " + in_list(q.types) + order + limit;
  } else {
    sql = select + date_index + where + order + limit;
  }
  b.sql = std::move(sql);
  return b;
}

void BindAll(Stmt& s, const BuiltQuery& b) {
  for (size_t i = 0; i < b.params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    if (const auto* n = std::get_if<int64_t>(&b.params[i])) {
      s.Bind(idx, *n);
    } else {
      s.Bind(idx, std::get<std::string>(b.params[i]), /*static_lifetime=*/true);
    }
  }
}

// ---- The store ----

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string dir, std::string path, const SqliteOptions& options,
              std::unique_ptr<Connection> writer, DirLock lock, std::pair<dev_t, ino_t> identity)
      : dir_(std::move(dir)), path_(std::move(path)), options_(options), lock_(std::move(lock)),
        identity_(identity), writer_conn_(std::move(writer)) {
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  // Reads (creating on first open) the cursor key. REQUIRES: called once,
  // before the store is shared.
  Status InitCursor() {
    RAMPART_ASSIGN_OR_RETURN(std::string key, GetOrCreateSecret(kCursorKeySecret));
    if (key.size() != 32) return Status::Corruption("the cursor key in the database is not 32 bytes");
    cursor_.emplace(key);
    return Status::Ok();
  }

  ~SqliteStore() override {
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
    std::lock_guard<std::mutex> l(pool_mu_);
    idle_readers_.clear();
  }

  // ---- Collections ----
  Status CreateCollection(const Collection& c) override {
    if (c.id.empty()) return Status::InvalidArgument("collection id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT INTO collections (id, api_root, title, description, media_types,"
                            " default_tlp, is_public, created) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
                            " ON CONFLICT(id) DO NOTHING"));
      s.Bind(1, c.id).Bind(2, c.api_root).Bind(3, c.title).Bind(4, c.description);
      s.BindBlob(5, EncodeList(c.media_types));
      s.Bind(6, static_cast<int64_t>(c.default_tlp)).Bind(7, int64_t{c.is_public}).Bind(8, c.created);
      RAMPART_RETURN_IF_ERROR(s.Run());
      if (w.Changes() == 0) return Status::Conflict("collection exists: " + c.id);
      return Status::Ok();
    });
  }

  Result<Collection> GetCollection(std::string_view id) override {
    return Read<Collection>([&](Connection& r) -> Result<Collection> {
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(std::string(kCollectionSelect) + " WHERE id = ?1"));
      s.Bind(1, id);
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
      if (!row) return Status::NotFound("no such collection: " + std::string(id));
      return ReadCollection(s);
    });
  }

  Result<std::vector<Collection>> ListCollections() override {
    return Read<std::vector<Collection>>([&](Connection& r) -> Result<std::vector<Collection>> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare(std::string(kCollectionSelect) + " ORDER BY api_root, title, id"));
      std::vector<Collection> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        RAMPART_ASSIGN_OR_RETURN(Collection c, ReadCollection(s));
        out.push_back(std::move(c));
      }
      return out;
    });
  }

  // ---- Objects ----
  Result<std::vector<WriteOutcome>> AddObjects(std::string_view collection_id,
                                               const std::vector<NewObject>& objects,
                                               const WriteOptions& options) override {
    std::vector<WriteOutcome> out;
    Status s = Write([&](Connection& w) -> Status {
      out.clear();
      out.reserve(objects.size());
      return AddObjectsTx(w, collection_id, objects, options, &out);
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<Page> QueryObjects(const ObjectQuery& q) override {
    Page page;
    // A page of up to `limit`; a by-id query usually has one version.
    page.objects.reserve(std::min({q.limit, kMaxLimit, q.ids.empty() ? size_t{1000} : q.ids.size()}));
    RAMPART_ASSIGN_OR_RETURN(PageEnd end, Scan(q, [&](Stmt& s) -> Status {
      StoredObject& o = page.objects.emplace_back();
      o.collection_id = q.collection_id;
      return ReadRow(q, s, o);
    }));
    page.more = end.more;
    page.next = std::move(end.next);
    return page;
  }

  Result<PageEnd> ScanObjects(const ObjectQuery& q,
                              const std::function<void(const StoredObject&)>& visit) override {
    StoredObject o;  // every row is decoded into this one object
    o.collection_id = q.collection_id;
    return Scan(q, [&](Stmt& s) -> Status {
      RAMPART_RETURN_IF_ERROR(ReadRow(q, s, o));
      visit(o);
      return Status::Ok();
    });
  }

  static Status ReadRow(const ObjectQuery& q, const Stmt& s, StoredObject& o) {
    return q.fields == ObjectFields::kServe ? ReadServedInto(s, q.include_json, o)
                                            : ReadObjectInto(s, q.include_json, o);
  }

  // Runs `q` and hands each row of the page (at most `limit`) to `row`.
  Result<PageEnd> Scan(const ObjectQuery& q, const std::function<Status(Stmt&)>& row) {
    if (q.limit < 1) return Status::InvalidArgument("limit must be at least 1");
    if (!q.cursor.empty()) RAMPART_RETURN_IF_ERROR(cursor_->Decode(q.collection_id, q.cursor).status());
    return Read<PageEnd>([&](Connection& r) -> Result<PageEnd> {
      RAMPART_ASSIGN_OR_RETURN(int64_t cid, CachedCid(r, q.collection_id));
      RAMPART_ASSIGN_OR_RETURN(BuiltQuery b, BuildObjectQuery(q, cid, *cursor_));
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(b.sql));
      BindAll(s, b);
      PageEnd end;
      const size_t limit = std::min(q.limit, kMaxLimit);
      size_t rows = 0;
      CursorPosition last;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool more_rows, s.Next());
        if (!more_rows) break;
        if (rows == limit) {
          end.more = true;
          break;
        }
        last = {s.Int(kDateAddedColumn), s.Int(kSeqColumn)};
        RAMPART_RETURN_IF_ERROR(row(s));
        ++rows;
      }
      if (end.more) end.next = cursor_->Encode(q.collection_id, last);
      return end;
    });
  }

  Result<std::vector<std::string>> Explain(const ObjectQuery& q) {
    return Read<std::vector<std::string>>([&](Connection& r) -> Result<std::vector<std::string>> {
      RAMPART_ASSIGN_OR_RETURN(int64_t cid, LookupCid(r, q.collection_id));
      RAMPART_ASSIGN_OR_RETURN(BuiltQuery b, BuildObjectQuery(q, cid, *cursor_));
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare("EXPLAIN QUERY PLAN " + b.sql));
      BindAll(s, b);
      std::vector<std::string> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        out.push_back(s.Text(3));
      }
      return out;
    });
  }

  Result<size_t> DeleteObject(std::string_view collection_id, std::string_view id,
                              const VersionFilter& versions,
                              const std::vector<std::string>& spec_versions,
                              const WriteOptions& options) override {
    size_t deleted = 0;
    Status st = Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(int64_t cid, LookupCid(w, collection_id));
      struct Row {
        int64_t seq;
        Micros version;
        std::string spec;
        std::vector<std::string> observables;  // flattened kind, value pairs
      };
      std::vector<Row> rows;
      {
        RAMPART_ASSIGN_OR_RETURN(
            Stmt s, w.Prepare("SELECT seq, version, spec_version, observables FROM objects"
                              " WHERE cid = ?1 AND id = ?2 ORDER BY version"));
        s.Bind(1, cid).Bind(2, id);
        while (true) {
          RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
          if (!row) break;
          RAMPART_ASSIGN_OR_RETURN(std::vector<std::string> obs, DecodeList(s.View(3)));
          rows.push_back({s.Int(0), s.Int(1), s.Text(2), std::move(obs)});
        }
      }
      // TAXII DELETE: no match[spec_version] = every spec version; no
      // match[version] = every version; first/last among the selected specs.
      std::erase_if(rows, [&](const Row& r) {
        return !spec_versions.empty() &&
               std::find(spec_versions.begin(), spec_versions.end(), r.spec) == spec_versions.end();
      });
      std::vector<Row> doomed;
      for (const Row& r : rows) {
        bool pick = versions.all || versions.IsDefault() ||
                    (versions.first && r.version == rows.front().version) ||
                    (versions.last && r.version == rows.back().version) ||
                    std::find(versions.versions.begin(), versions.versions.end(), r.version) !=
                        versions.versions.end();
        if (pick) doomed.push_back(r);
      }
      if (doomed.empty()) return Status::NotFound("no matching version of " + std::string(id));
      Micros now = Now();
      RAMPART_ASSIGN_OR_RETURN(Stmt del, w.Prepare("DELETE FROM objects WHERE seq = ?1"));
      // The row lists its own observables, so their index entries are
      // deleted by primary key (no index on observables.seq needed).
      RAMPART_ASSIGN_OR_RETURN(
          Stmt del_obs,
          w.Prepare("DELETE FROM observables WHERE kind = ?1 AND value = ?2 AND seq = ?3"));
      RAMPART_ASSIGN_OR_RETURN(
          Stmt tomb, w.Prepare("INSERT INTO tombstones (cid, id, version, deleted_at)"
                               " VALUES (?1,?2,?3,?4)"));
      for (const Row& r : doomed) {
        del.Bind(1, r.seq);
        RAMPART_RETURN_IF_ERROR(del.Run());
        sqlite3_reset(del.raw());
        for (size_t i = 0; i + 1 < r.observables.size(); i += 2) {
          del_obs.Bind(1, r.observables[i]).Bind(2, r.observables[i + 1]).Bind(3, r.seq);
          RAMPART_RETURN_IF_ERROR(del_obs.Run());
          sqlite3_reset(del_obs.raw());
        }
        tomb.Bind(1, cid).Bind(2, id).Bind(3, r.version).Bind(4, now);
        RAMPART_RETURN_IF_ERROR(tomb.Run());
        sqlite3_reset(tomb.raw());
      }
      deleted = doomed.size();
      // The remaining versions' flags (a deleted version may have been the
      // last, the first, or the only one of the latest spec_version).
      RAMPART_ASSIGN_OR_RETURN(std::vector<VersionRow> rest, LoadVersions(w, cid, id));
      ComputeFlags(rest);
      RAMPART_RETURN_IF_ERROR(StoreChangedFlags(w, rest));
      if (options.audit) RAMPART_RETURN_IF_ERROR(AppendAuditTx(w, *options.audit).status());
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return deleted;
  }

  Result<std::string> GetObjectOwner(std::string_view id) override {
    const std::string canonical = stix::CanonicalId(id);
    return Read<std::string>([&](Connection& r) -> Result<std::string> {
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(kOwnerSelect));
      s.Bind(1, canonical);
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
      if (!row) return Status::NotFound("no owner recorded for " + std::string(id));
      return s.Text(0);
    });
  }

  Result<std::vector<Tombstone>> ListTombstones(std::string_view collection_id, int64_t after_seq,
                                                size_t limit) override {
    return Read<std::vector<Tombstone>>([&](Connection& r) -> Result<std::vector<Tombstone>> {
      std::vector<Tombstone> out;
      auto cid = LookupCid(r, collection_id);
      if (!cid.ok()) {
        if (cid.status().IsNotFound()) return out;
        return cid.status();
      }
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare("SELECT id, version, deleted_at, seq FROM tombstones"
                            " WHERE cid = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"));
      s.Bind(1, *cid).Bind(2, after_seq).Bind(3, static_cast<int64_t>(std::min(limit, kMaxLimit)));
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        out.push_back({std::string(collection_id), s.Text(0), s.Int(1), s.Int(2), s.Int(3)});
      }
      return out;
    });
  }

  Result<std::vector<StoredObject>> FindObservable(const Observable& o, size_t limit) override {
    return Read<std::vector<StoredObject>>([&](Connection& r) -> Result<std::vector<StoredObject>> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare(std::string("SELECT ") + kObjectColumns +
                            ", o.json, c.id FROM observables b JOIN objects o ON o.seq = b.seq"
                            " JOIN collections c ON c.cid = o.cid"
                            " WHERE b.kind = ?1 AND b.value = ?2 ORDER BY b.seq DESC LIMIT ?3"));
      s.Bind(1, o.kind).Bind(2, o.value).Bind(3, static_cast<int64_t>(std::min(limit, kMaxLimit)));
      std::vector<StoredObject> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        RAMPART_ASSIGN_OR_RETURN(StoredObject x, ReadObject(s, true));
        x.collection_id = s.Text(23);
        out.push_back(std::move(x));
      }
      return out;
    });
  }

  // ---- Status resources ----
  Status PutStatus(const StatusResource& st) override {
    if (st.id.empty()) return Status::InvalidArgument("status id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO statuses (id, api_root, owner_user_id, status,"
                            " request_timestamp, total_count, success_count, failure_count,"
                            " pending_count, successes, failures, pendings)"
                            " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"));
      s.Bind(1, st.id).Bind(2, st.api_root).Bind(3, st.owner_user_id).Bind(4, st.status);
      s.Bind(5, st.request_timestamp).Bind(6, st.total_count).Bind(7, st.success_count);
      s.Bind(8, st.failure_count).Bind(9, st.pending_count);
      s.BindBlob(10, EncodeDetails(st.successes)).BindBlob(11, EncodeDetails(st.failures));
      s.BindBlob(12, EncodeDetails(st.pendings));
      return s.Run();
    });
  }

  Result<StatusResource> GetStatus(std::string_view id) override {
    return Read<StatusResource>([&](Connection& r) -> Result<StatusResource> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare("SELECT id, api_root, owner_user_id, status, request_timestamp,"
                            " total_count, success_count, failure_count, pending_count, successes,"
                            " failures, pendings FROM statuses WHERE id = ?1"));
      s.Bind(1, id);
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
      if (!row) return Status::NotFound("no such status: " + std::string(id));
      StatusResource st;
      st.id = s.Text(0);
      st.api_root = s.Text(1);
      st.owner_user_id = s.Text(2);
      st.status = s.Text(3);
      st.request_timestamp = s.Int(4);
      st.total_count = s.Int(5);
      st.success_count = s.Int(6);
      st.failure_count = s.Int(7);
      st.pending_count = s.Int(8);
      RAMPART_ASSIGN_OR_RETURN(st.successes, DecodeDetails(s.View(9)));
      RAMPART_ASSIGN_OR_RETURN(st.failures, DecodeDetails(s.View(10)));
      RAMPART_ASSIGN_OR_RETURN(st.pendings, DecodeDetails(s.View(11)));
      return st;
    });
  }

  Result<size_t> PurgeStatuses(Micros cutoff) override {
    size_t n = 0;
    Status st = Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(Stmt s,
                               w.Prepare("DELETE FROM statuses WHERE request_timestamp < ?1"));
      s.Bind(1, cutoff);
      RAMPART_RETURN_IF_ERROR(s.Run());
      n = static_cast<size_t>(w.Changes());
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return n;
  }

  // ---- Identities ----
  Status PutOrganization(const Organization& o, const WriteOptions& options) override {
    if (o.id.empty()) return Status::InvalidArgument("organization id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO organizations (id, name, identity_id,"
                            " client_org_ids, trusted_for_amber, created) VALUES (?1,?2,?3,?4,?5,?6)"));
      s.Bind(1, o.id).Bind(2, o.name).Bind(3, o.identity_id).BindBlob(4, EncodeList(o.client_org_ids));
      s.Bind(5, int64_t{o.trusted_for_amber}).Bind(6, o.created);
      RAMPART_RETURN_IF_ERROR(s.Run());
      return MaybeAudit(w, options);
    });
  }
  Result<Organization> GetOrganization(std::string_view id) override {
    RAMPART_ASSIGN_OR_RETURN(auto v, ListOrgs(id, true));
    if (v.empty()) return Status::NotFound("no such organization: " + std::string(id));
    return v[0];
  }
  Result<std::vector<Organization>> ListOrganizations() override { return ListOrgs("", false); }

  Status PutUser(const User& u, const WriteOptions& options) override {
    if (u.id.empty()) return Status::InvalidArgument("user id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO users (id, org_id, name, role, password_hash,"
                            " disabled, created) VALUES (?1,?2,?3,?4,?5,?6,?7)"));
      s.Bind(1, u.id).Bind(2, u.org_id).Bind(3, u.name).Bind(4, static_cast<int64_t>(u.role));
      s.Bind(5, u.password_hash).Bind(6, int64_t{u.disabled}).Bind(7, u.created);
      RAMPART_RETURN_IF_ERROR(s.Run());
      return MaybeAudit(w, options);
    });
  }
  Result<User> GetUser(std::string_view id) override {
    RAMPART_ASSIGN_OR_RETURN(auto v, ListUsersWhere(id, true));
    if (v.empty()) return Status::NotFound("no such user: " + std::string(id));
    return v[0];
  }
  Result<std::vector<User>> ListUsers() override { return ListUsersWhere("", false); }

  Status PutToken(const Token& t, const WriteOptions& options) override {
    if (t.id.empty()) return Status::InvalidArgument("token id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO tokens (id, user_id, name, secret_sha256,"
                            " created, expires, revoked) VALUES (?1,?2,?3,?4,?5,?6,?7)"));
      s.Bind(1, t.id).Bind(2, t.user_id).Bind(3, t.name).Bind(4, t.secret_sha256);
      s.Bind(5, t.created).Bind(6, t.expires).Bind(7, int64_t{t.revoked});
      RAMPART_RETURN_IF_ERROR(s.Run());
      return MaybeAudit(w, options);
    });
  }
  Result<Token> FindTokenBySecretHash(std::string_view secret_sha256) override {
    RAMPART_ASSIGN_OR_RETURN(auto v, ListTokensWhere("secret_sha256", secret_sha256));
    if (v.empty()) return Status::NotFound("no token with this secret");
    return v[0];
  }
  Result<std::vector<Token>> ListTokens() override { return ListTokensWhere("", ""); }

  Status PutGrant(const Grant& g, const WriteOptions& options) override {
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO grants (collection_id, grantee_kind, grantee_id,"
                            " can_read, can_write) VALUES (?1,?2,?3,?4,?5)"));
      s.Bind(1, g.collection_id).Bind(2, static_cast<int64_t>(g.grantee_kind)).Bind(3, g.grantee_id);
      s.Bind(4, int64_t{g.can_read}).Bind(5, int64_t{g.can_write});
      RAMPART_RETURN_IF_ERROR(s.Run());
      return MaybeAudit(w, options);
    });
  }
  Result<std::vector<Grant>> ListGrants() override {
    return Read<std::vector<Grant>>([&](Connection& r) -> Result<std::vector<Grant>> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare("SELECT collection_id, grantee_kind, grantee_id, can_read, can_write"
                            " FROM grants ORDER BY collection_id, grantee_kind, grantee_id"));
      std::vector<Grant> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        Grant g;
        g.collection_id = s.Text(0);
        g.grantee_kind = s.Int(1) == 1 ? GranteeKind::kUser : GranteeKind::kOrganization;
        g.grantee_id = s.Text(2);
        g.can_read = s.Int(3) != 0;
        g.can_write = s.Int(4) != 0;
        out.push_back(std::move(g));
      }
      return out;
    });
  }

  Status PutSharingGroup(const SharingGroup& g, const WriteOptions& options) override {
    if (g.id.empty()) return Status::InvalidArgument("sharing group id is empty");
    return Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("INSERT OR REPLACE INTO sharing_groups (id, name, member_org_ids)"
                            " VALUES (?1,?2,?3)"));
      s.Bind(1, g.id).Bind(2, g.name).BindBlob(3, EncodeList(g.member_org_ids));
      RAMPART_RETURN_IF_ERROR(s.Run());
      return MaybeAudit(w, options);
    });
  }
  Result<std::vector<SharingGroup>> ListSharingGroups() override {
    return Read<std::vector<SharingGroup>>([&](Connection& r) -> Result<std::vector<SharingGroup>> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare("SELECT id, name, member_org_ids FROM sharing_groups ORDER BY id"));
      std::vector<SharingGroup> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        SharingGroup g;
        g.id = s.Text(0);
        g.name = s.Text(1);
        RAMPART_ASSIGN_OR_RETURN(g.member_org_ids, DecodeList(s.View(2)));
        out.push_back(std::move(g));
      }
      return out;
    });
  }

  // ---- Audit ----
  Result<AuditRecord> AppendAudit(const AuditEntry& e) override {
    AuditRecord rec;
    Status st = Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(rec, AppendAuditTx(w, e));
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return rec;
  }
  Result<std::vector<AuditRecord>> ReadAudit(int64_t after_seq, size_t limit) override {
    return Read<std::vector<AuditRecord>>([&](Connection& r) -> Result<std::vector<AuditRecord>> {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, r.Prepare("SELECT seq, time, actor, action, target, detail, prev_hash, hash"
                            " FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
      s.Bind(1, after_seq).Bind(2, static_cast<int64_t>(std::min(limit, kMaxLimit)));
      std::vector<AuditRecord> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        AuditRecord a;
        a.seq = s.Int(0);
        a.time = s.Int(1);
        a.actor = s.Text(2);
        a.action = s.Text(3);
        a.target = s.Text(4);
        a.detail = s.Text(5);
        a.prev_hash = s.Text(6);
        a.hash = s.Text(7);
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  // ---- Secrets ----
  // Insert-or-ignore, then read, in one write transaction: every process
  // (and every writer of the file) ends up with the first value stored.
  Result<std::string> GetOrCreateSecret(std::string_view name) override {
    std::string value;
    Status st = Write([&](Connection& w) -> Status {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt ins, w.Prepare("INSERT OR IGNORE INTO secrets (name, value) VALUES (?1, ?2)"));
      ins.Bind(1, name).BindBlob(2, RandomBytes(32));
      RAMPART_RETURN_IF_ERROR(ins.Run());
      RAMPART_ASSIGN_OR_RETURN(Stmt sel, w.Prepare("SELECT value FROM secrets WHERE name = ?1"));
      sel.Bind(1, name);
      RAMPART_ASSIGN_OR_RETURN(bool row, sel.Next());
      if (!row) return Status::Internal("secret vanished after insert");
      value = sel.Text(0);
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return value;
  }

  // ---- Backup ----
  Status Backup(const std::string& destination) override {
    std::error_code ec;
    // A backup is the whole store: the same modes as the store itself.
    RAMPART_RETURN_IF_ERROR(MakePrivateDir(destination));
    RAMPART_RETURN_IF_ERROR(CheckPrivate(destination, destination));
    fs::path target = fs::path(destination) / kSqliteDbFileName;
    if (fs::exists(target)) {
      return Status::Conflict(target.string() + " exists; back up into a new directory");
    }
    fs::path tmp = fs::path(destination) / (std::string(kSqliteDbFileName) + ".partial");
    fs::remove(tmp, ec);
    RAMPART_RETURN_IF_ERROR(MakePrivateFile(tmp));
    {
      auto lease = AcquireReader();
      if (!lease.ok()) return lease.status();
      RAMPART_ASSIGN_OR_RETURN(auto dst, Connection::Open(tmp.string(), Connection::Mode::kRaw,
                                                          options_.busy_timeout_ms, true));
      // One step copies everything inside one read transaction: a consistent
      // snapshot that never blocks the writer (WAL).
      sqlite3_backup* b = sqlite3_backup_init(dst->db(), "main", (*lease)->db(), "main");
      if (!b) return SqliteStatus(sqlite3_errcode(dst->db()), dst->db(), "backup init");
      int rc = sqlite3_backup_step(b, -1);
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) return SqliteStatus(rc, dst->db(), "backup to " + tmp.string());
      ReleaseReader(std::move(*lease));
      // Leave a self-contained file: no WAL beside it.
      RAMPART_RETURN_IF_ERROR(dst->Exec("PRAGMA journal_mode=DELETE"));
    }
    RAMPART_RETURN_IF_ERROR(FsyncPath(tmp.string()));
    fs::rename(tmp, target, ec);
    if (ec) return Status::IoError("cannot rename backup into place: " + ec.message());
    RAMPART_RETURN_IF_ERROR(FsyncPath(destination));
    // Verify that the copy opens as a Rampart store.
    SqliteOptions o;
    o.create_if_missing = false;
    auto check = OpenSqliteStore(destination, o);
    if (!check.ok()) return check.status().WithContext("backup verification failed");
    return Status::Ok();
  }

  static Status FsyncPath(const std::string& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IoError("cannot open " + p + " to fsync");
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return Status::IoError("fsync " + p + " failed");
    return Status::Ok();
  }

  SqliteWriteStats Stats() const { return {requests_.load(), transactions_.load()}; }

 private:
  static constexpr char kOwnerSelect[] = "SELECT owner FROM object_owners WHERE id = ?1";

  static constexpr char kCollectionSelect[] =
      "SELECT id, api_root, title, description, media_types, default_tlp, is_public, created"
      " FROM collections";

  static Result<Collection> ReadCollection(const Stmt& s) {
    Collection c;
    c.id = s.Text(0);
    c.api_root = s.Text(1);
    c.title = s.Text(2);
    c.description = s.Text(3);
    RAMPART_ASSIGN_OR_RETURN(c.media_types, DecodeList(s.View(4)));
    int64_t tlp = s.Int(5);
    if (tlp < 0 || tlp > static_cast<int>(stix::Tlp::kRed)) {
      return Status::Corruption("default_tlp out of range in database");
    }
    c.default_tlp = static_cast<stix::Tlp>(tlp);
    c.is_public = s.Int(6) != 0;
    c.created = s.Int(7);
    return c;
  }

  Micros Now() const { return options_.clock_for_test ? options_.clock_for_test() : NowMicros(); }

  // LookupCid, remembered: a collection's cid never changes (collections
  // are never deleted), so a hit is cached; a miss is asked again each time
  // (another process may create the collection).
  Result<int64_t> CachedCid(Connection& c, const std::string& collection_id) {
    {
      std::lock_guard<std::mutex> l(cid_mu_);
      auto it = cid_cache_.find(collection_id);
      if (it != cid_cache_.end()) return it->second;
    }
    RAMPART_ASSIGN_OR_RETURN(int64_t cid, LookupCid(c, collection_id));
    std::lock_guard<std::mutex> l(cid_mu_);
    if (cid_cache_.size() < kMaxCachedCids) cid_cache_.emplace(collection_id, cid);
    return cid;
  }

  static Result<int64_t> LookupCid(Connection& c, std::string_view collection_id) {
    RAMPART_ASSIGN_OR_RETURN(Stmt s, c.Prepare("SELECT cid FROM collections WHERE id = ?1"));
    s.Bind(1, collection_id);
    RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
    if (!row) return Status::NotFound("no such collection: " + std::string(collection_id));
    return s.Int(0);
  }

  Status AddObjectsTx(Connection& w, std::string_view collection_id,
                      const std::vector<NewObject>& objects, const WriteOptions& options,
                      std::vector<WriteOutcome>* out) {
    int64_t cid = 0;
    Micros last = 0;
    {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt s, w.Prepare("SELECT cid, last_date_added FROM collections WHERE id = ?1"));
      s.Bind(1, collection_id);
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
      if (!row) return Status::NotFound("no such collection: " + std::string(collection_id));
      cid = s.Int(0);
      last = s.Int(1);
    }
    // The previous date_added of this collection is read inside the write
    // transaction, so the max(now, last + 1) rule holds across processes.
    RAMPART_ASSIGN_OR_RETURN(
        Stmt ins,
        w.Prepare("INSERT INTO objects (cid, id, version, date_added, type, spec_version, created,"
                  " modified, created_by_ref, revoked, valid_from, valid_until, marking_refs, org_id,"
                  " user_id, source_peer, anonymous, sharing_groups, red_recipients, effective_tlp,"
                  " default_marking_applied, observables, json, latest_spec, is_first, is_last)"
                  " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
                  "?21,?22,?23,?24,?25,?26) ON CONFLICT (cid, id, version) DO NOTHING"));
    RAMPART_ASSIGN_OR_RETURN(
        Stmt obs, w.Prepare("INSERT OR IGNORE INTO observables (kind, value, seq) VALUES (?1,?2,?3)"));
    RAMPART_ASSIGN_OR_RETURN(Stmt load_versions, w.Prepare(kLoadVersionsSql));
    // Owner statements only when some object carries an owner (tests and
    // benchmarks write without); one primary-key look-up per such object.
    std::optional<Stmt> owner_sel, owner_ins;
    if (std::any_of(objects.begin(), objects.end(), [](const NewObject& o) { return !o.owner.empty(); })) {
      RAMPART_ASSIGN_OR_RETURN(Stmt sel, w.Prepare(kOwnerSelect));
      RAMPART_ASSIGN_OR_RETURN(Stmt ins_owner,
                               w.Prepare("INSERT INTO object_owners (id, owner) VALUES (?1, ?2)"));
      owner_sel.emplace(std::move(sel));
      owner_ins.emplace(std::move(ins_owner));
    }
    std::string canonical_id;
    bool added_any = false;
    for (const NewObject& o : objects) {
      WriteOutcome wo;
      wo.id = o.id;
      Status v = ValidateNewObject(o);
      if (!v.ok()) {
        wo.result = WriteResult::kFailed;
        wo.message = std::string(v.message());
        out->push_back(std::move(wo));
        continue;
      }
      // Ownership first (before the duplicate check): a version of an id
      // another owner holds is refused, re-posted or not. Inside the write
      // transaction, so no other writer can take the id meanwhile.
      bool record_owner = false;
      if (!o.owner.empty()) {
        canonical_id = stix::CanonicalId(o.id);
        owner_sel->Bind(1, canonical_id, true);
        auto row = owner_sel->Next();
        if (!row.ok()) {
          sqlite3_reset(owner_sel->raw());
          return row.status();
        }
        const bool taken = *row && owner_sel->View(0) != o.owner;
        record_owner = !*row;
        sqlite3_reset(owner_sel->raw());
        if (taken) {
          wo.result = WriteResult::kFailed;
          wo.message = kIdTakenMessage;
          out->push_back(std::move(wo));
          continue;
        }
      }
      Micros date_added = std::max(Now(), last + 1);
      Micros version = ObjectVersion(o, date_added);
      wo.version = version;
      // The object's stored versions: the duplicate check, and the flags of
      // the new version and of those it supersedes.
      RAMPART_ASSIGN_OR_RETURN(std::vector<VersionRow> versions,
                               LoadVersions(load_versions, cid, o.id));
      auto same = std::find_if(versions.begin(), versions.end(),
                               [&](const VersionRow& v) { return v.version == version; });
      if (same != versions.end()) {
        wo.result = WriteResult::kDuplicate;
        wo.date_added = same->date_added;
        out->push_back(std::move(wo));
        continue;
      }
      versions.push_back({});
      versions.back().version = version;
      versions.back().spec_version = o.spec_version;
      ComputeFlags(versions);
      const VersionRow& mine = versions.back();
      const Provenance& p = o.provenance;
      ins.Bind(1, cid).Bind(2, o.id, true).Bind(3, version).Bind(4, date_added);
      ins.Bind(5, o.type, true).Bind(6, o.spec_version, true).Bind(7, o.created).Bind(8, o.modified);
      ins.Bind(9, o.created_by_ref, true).Bind(10, int64_t{o.revoked}).Bind(11, o.valid_from);
      ins.Bind(12, o.valid_until).BindBlob(13, EncodeList(o.marking_refs));
      ins.Bind(14, p.org_id, true).Bind(15, p.user_id, true).Bind(16, p.source_peer, true);
      ins.Bind(17, int64_t{p.anonymous}).BindBlob(18, EncodeList(p.sharing_groups));
      ins.BindBlob(19, EncodeList(p.red_recipients)).Bind(20, static_cast<int64_t>(p.effective_tlp));
      ins.Bind(21, int64_t{p.default_marking_applied}).BindBlob(22, EncodeObservables(o.observables));
      ins.BindBlob(23, o.json, true);
      ins.Bind(24, int64_t{mine.new_latest_spec}).Bind(25, int64_t{mine.new_is_first});
      ins.Bind(26, int64_t{mine.new_is_last});
      int rc = ins.Step();
      sqlite3_reset(ins.raw());
      if (rc != SQLITE_DONE) return SqliteStatus(rc, w.db(), "insert object " + o.id);
      if (w.Changes() == 0) {
        // Cannot happen: the version was looked up in this transaction.
        return Status::Internal("object version appeared during insert: " + o.id);
      }
      int64_t seq = w.LastRowId();
      if (record_owner) {
        owner_ins->Bind(1, canonical_id, true).Bind(2, o.owner, true);
        rc = owner_ins->Step();
        sqlite3_reset(owner_ins->raw());
        if (rc != SQLITE_DONE) return SqliteStatus(rc, w.db(), "record owner of " + o.id);
      }
      RAMPART_RETURN_IF_ERROR(StoreChangedFlags(w, versions));
      for (const Observable& x : o.observables) {
        obs.Bind(1, x.kind, true).Bind(2, x.value, true).Bind(3, seq);
        rc = obs.Step();
        sqlite3_reset(obs.raw());
        if (rc != SQLITE_DONE) return SqliteStatus(rc, w.db(), "insert observable");
      }
      last = date_added;
      added_any = true;
      wo.result = WriteResult::kAdded;
      wo.date_added = date_added;
      out->push_back(std::move(wo));
    }
    if (added_any) {
      RAMPART_ASSIGN_OR_RETURN(
          Stmt up, w.Prepare("UPDATE collections SET last_date_added = ?1 WHERE cid = ?2"));
      up.Bind(1, last).Bind(2, cid);
      RAMPART_RETURN_IF_ERROR(up.Run());
    }
    return MaybeAudit(w, options);
  }

  Status MaybeAudit(Connection& w, const WriteOptions& options) {
    if (!options.audit) return Status::Ok();
    return AppendAuditTx(w, *options.audit).status();
  }

  Result<AuditRecord> AppendAuditTx(Connection& w, const AuditEntry& e) {
    AuditRecord r;
    static_cast<AuditEntry&>(r) = e;
    {
      RAMPART_ASSIGN_OR_RETURN(Stmt s,
                               w.Prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"));
      RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
      r.seq = row ? s.Int(0) + 1 : 1;
      r.prev_hash = row ? s.Text(1) : std::string(kAuditGenesisHash);
    }
    r.time = Now();
    r.hash = AuditChainHash(r);
    RAMPART_ASSIGN_OR_RETURN(
        Stmt ins, w.Prepare("INSERT INTO audit (seq, time, actor, action, target, detail, prev_hash,"
                            " hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"));
    ins.Bind(1, r.seq).Bind(2, r.time).Bind(3, r.actor).Bind(4, r.action).Bind(5, r.target);
    ins.Bind(6, r.detail).Bind(7, r.prev_hash).Bind(8, r.hash);
    RAMPART_RETURN_IF_ERROR(ins.Run());
    return r;
  }

  Result<std::vector<Organization>> ListOrgs(std::string_view id, bool one) {
    return Read<std::vector<Organization>>([&](Connection& r) -> Result<std::vector<Organization>> {
      std::string sql =
          "SELECT id, name, identity_id, client_org_ids, trusted_for_amber, created FROM organizations";
      sql += one ? " WHERE id = ?1" : " ORDER BY id";
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(sql));
      if (one) s.Bind(1, id);
      std::vector<Organization> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        Organization o;
        o.id = s.Text(0);
        o.name = s.Text(1);
        o.identity_id = s.Text(2);
        RAMPART_ASSIGN_OR_RETURN(o.client_org_ids, DecodeList(s.View(3)));
        o.trusted_for_amber = s.Int(4) != 0;
        o.created = s.Int(5);
        out.push_back(std::move(o));
      }
      return out;
    });
  }

  Result<std::vector<User>> ListUsersWhere(std::string_view id, bool one) {
    return Read<std::vector<User>>([&](Connection& r) -> Result<std::vector<User>> {
      std::string sql =
          "SELECT id, org_id, name, role, password_hash, disabled, created FROM users";
      sql += one ? " WHERE id = ?1" : " ORDER BY id";
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(sql));
      if (one) s.Bind(1, id);
      std::vector<User> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        User u;
        u.id = s.Text(0);
        u.org_id = s.Text(1);
        u.name = s.Text(2);
        int64_t role = s.Int(3);
        if (role < 0 || role > static_cast<int>(Role::kSyncPeer)) {
          return Status::Corruption("user role out of range in database");
        }
        u.role = static_cast<Role>(role);
        u.password_hash = s.Text(4);
        u.disabled = s.Int(5) != 0;
        u.created = s.Int(6);
        out.push_back(std::move(u));
      }
      return out;
    });
  }

  Result<std::vector<Token>> ListTokensWhere(const char* column, std::string_view value) {
    return Read<std::vector<Token>>([&](Connection& r) -> Result<std::vector<Token>> {
      std::string sql =
          "SELECT id, user_id, name, secret_sha256, created, expires, revoked FROM tokens";
      bool where = column[0] != '\0';
      sql += where ? std::string(" WHERE ") + column + " = ?1" : " ORDER BY id";
      RAMPART_ASSIGN_OR_RETURN(Stmt s, r.Prepare(sql));
      if (where) s.Bind(1, value);
      std::vector<Token> out;
      while (true) {
        RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
        if (!row) break;
        Token t;
        t.id = s.Text(0);
        t.user_id = s.Text(1);
        t.name = s.Text(2);
        t.secret_sha256 = s.Text(3);
        t.created = s.Int(4);
        t.expires = s.Int(5);
        t.revoked = s.Int(6) != 0;
        out.push_back(std::move(t));
      }
      return out;
    });
  }

  // ---- Reader pool ----
  Result<std::unique_ptr<Connection>> AcquireReader() {
    {
      std::lock_guard<std::mutex> l(pool_mu_);
      if (!idle_readers_.empty()) {
        auto c = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return c;
      }
    }
    return Connection::Open(path_, Connection::Mode::kReader, options_.busy_timeout_ms, false);
  }
  void ReleaseReader(std::unique_ptr<Connection> c) {
    if (c->InTransaction()) (void)c->Exec("ROLLBACK");
    std::lock_guard<std::mutex> l(pool_mu_);
    if (idle_readers_.size() < static_cast<size_t>(std::max(1, options_.max_idle_readers))) {
      idle_readers_.push_back(std::move(c));
    }
  }
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& fn) {
    auto c = AcquireReader();
    if (!c.ok()) return c.status();
    Result<T> r = fn(**c);
    ReleaseReader(std::move(*c));
    return r;
  }

  // ---- Writer thread: group commit ----
  struct WriteTask {
    std::function<Status(Connection&)> fn;
    std::promise<Status> done;
  };

  // Runs `fn` inside the writer's next transaction (in its own savepoint)
  // and returns once that transaction committed (or failed).
  Status Write(std::function<Status(Connection&)> fn) {
    WriteTask task{std::move(fn), {}};
    std::future<Status> f = task.done.get_future();
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      if (stopping_) return Status::Unavailable("store is closing");
      queue_.push_back(&task);
    }
    queue_cv_.notify_one();
    return f.get();
  }

  Status BeginWithRetry(Connection& w) {
    Status s;
    for (int attempt = 0; attempt <= std::max(0, options_.busy_retries); ++attempt) {
      s = w.Exec("BEGIN IMMEDIATE");
      if (s.ok() || s.code() != StatusCode::kUnavailable) return s;
    }
    return s;
  }

  // Unavailable when path_ is no longer the file this store opened (a
  // restore or a manual copy replaced or removed it): writes would land in
  // a deleted file and be lost. One stat per write transaction.
  Status CheckSameFile() {
    auto now = FileIdentity(path_);
    if (now.ok() && *now && **now == identity_) return Status::Ok();
    if (!now.ok()) return now.status();
    return Status::Unavailable("the database file " + path_ +
                               " was replaced or removed while this process had it open; "
                               "writes are refused (nothing of this one was acknowledged): "
                               "restart rampart to use the new file");
  }

  void WriterLoop() {
    Connection& w = *writer_conn_;
    while (true) {
      std::vector<WriteTask*> batch;
      {
        std::unique_lock<std::mutex> l(queue_mu_);
        queue_cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(1, options_.max_batch_requests)));
        batch.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
      }
      std::vector<Status> results(batch.size());
      requests_ += static_cast<int64_t>(batch.size());
      ++transactions_;
      Status txn = CheckSameFile();
      if (txn.ok()) txn = BeginWithRetry(w);
      if (txn.ok()) {
        for (size_t i = 0; i < batch.size(); ++i) {
          Status sp = w.Exec("SAVEPOINT request");
          if (!sp.ok()) {
            txn = sp;
            break;
          }
          results[i] = batch[i]->fn(w);
          if (!w.InTransaction()) {
            // SQLite rolled the whole transaction back (disk full, I/O error).
            txn = results[i].ok() ? Status::IoError("transaction rolled back") : results[i];
            break;
          }
          if (results[i].ok()) {
            Status rel = w.Exec("RELEASE request");
            if (!rel.ok()) {
              txn = rel;
              break;
            }
          } else {
            Status rb = w.Exec("ROLLBACK TO request; RELEASE request");
            if (!rb.ok()) {
              txn = rb;
              break;
            }
          }
        }
        if (txn.ok()) {
          txn = w.Exec("COMMIT");
          for (int i = 0; !txn.ok() && txn.code() == StatusCode::kUnavailable &&
                          i < options_.busy_retries;
               ++i) {
            txn = w.Exec("COMMIT");
          }
          // Committed into a file that is no longer rampart.db (replaced
          // meanwhile): the data is in a deleted file, so it must not be
          // acknowledged.
          if (txn.ok()) txn = CheckSameFile();
        }
        if (!txn.ok() && w.InTransaction()) (void)w.Exec("ROLLBACK");
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        // A failed transaction fails every request in it, even those whose
        // own work succeeded: nothing of them was stored.
        batch[i]->done.set_value(txn.ok() ? results[i] : txn);
      }
    }
  }

  const std::string dir_;
  const std::string path_;
  const SqliteOptions options_;
  DirLock lock_;  // shared flock on dir_/rampart.lock, held while open
  // Device and inode of path_ when it was opened (CheckSameFile).
  const std::pair<dev_t, ino_t> identity_;
  std::unique_ptr<Connection> writer_conn_;  // used by writer_thread_ only

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteTask*> queue_;  // guarded by queue_mu_
  bool stopping_ = false;         // guarded by queue_mu_
  std::thread writer_thread_;
  std::atomic<int64_t> requests_{0}, transactions_{0};  // for WriteStatsForTest

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_

  std::optional<CursorCodec> cursor_;  // set by InitCursor before use; then immutable

  static constexpr size_t kMaxCachedCids = 100000;
  std::mutex cid_mu_;
  std::unordered_map<std::string, int64_t> cid_cache_;  // guarded by cid_mu_
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir, const SqliteOptions& options) {
  // Without memory statistics every sqlite3_malloc skips a process-wide
  // mutex. Only possible before SQLite initialises; if something else in
  // the process already used SQLite this fails harmlessly (SQLITE_MISUSE).
  static std::once_flag memstatus_off;
  std::call_once(memstatus_off, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  std::error_code ec;
  fs::path path = fs::path(dir) / kSqliteDbFileName;
  if (!fs::exists(path, ec)) {
    if (!options.create_if_missing) return Status::NotFound("no Rampart database at " + path.string());
    RAMPART_RETURN_IF_ERROR(MakePrivateDir(dir));
    RAMPART_RETURN_IF_ERROR(CheckPrivate(dir, dir));
    RAMPART_RETURN_IF_ERROR(MakePrivateFile(path));
  } else if (!fs::is_regular_file(path, ec)) {
    return Status::Corruption(path.string() + " is not a regular file");
  }
  // Refused before anything is read or written: a store others can read has
  // already leaked, one others can write may be forged.
  RAMPART_RETURN_IF_ERROR(CheckPrivateStore(dir));
  // Held until the store is destroyed: a restore refuses while it is held.
  RAMPART_ASSIGN_OR_RETURN(DirLock lock, LockDataDir(dir, LockMode::kShared));
  // The file's identity before SQLite opens it: if it is replaced after
  // this, the first write notices (CheckSameFile).
  RAMPART_ASSIGN_OR_RETURN(auto identity, FileIdentity(path.string()));
  if (!identity) return Status::NotFound("no Rampart database at " + path.string());
  RAMPART_ASSIGN_OR_RETURN(auto raw, Connection::Open(path.string(), Connection::Mode::kRaw,
                                                      options.busy_timeout_ms, true));
  sqlite3_busy_timeout(raw->db(), options.busy_timeout_ms);
  // Identify before any write (journal_mode=WAL writes the header).
  bool is_new = false;
  RAMPART_RETURN_IF_ERROR(Identify(*raw, path.string(), &is_new));
  // 16 KiB pages (SQLite's default is 4 KiB): a 100-object TAXII page
  // (~70 KiB of rows) is 5 page reads instead of 18, and the B-trees are a
  // level shallower: +11-18% pages/s at 1M objects (BENCHMARKS.md). Only a
  // new file takes it; an existing database keeps its page size.
  if (is_new) RAMPART_RETURN_IF_ERROR(raw->Exec("PRAGMA page_size=16384"));
  // Switching a new file to WAL needs a lock that SQLite does not wait for
  // with the busy handler: when several processes open a new data directory
  // at once, the losers retry for up to busy_timeout_ms.
  for (int waited_ms = 0;; waited_ms += 10) {
    Status p = raw->ApplyPragmas(Connection::Mode::kWriter, options.busy_timeout_ms);
    if (p.ok()) break;
    if (p.code() != StatusCode::kUnavailable || waited_ms >= options.busy_timeout_ms) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (options.max_page_count_for_test > 0) {
    RAMPART_RETURN_IF_ERROR(
        raw->Exec("PRAGMA max_page_count=" + std::to_string(options.max_page_count_for_test)));
  }
  RAMPART_RETURN_IF_ERROR(Migrate(*raw, path.string()));
  auto store = std::make_unique<SqliteStore>(dir, path.string(), options, std::move(raw),
                                             std::move(lock), *identity);
  RAMPART_RETURN_IF_ERROR(store->InitCursor());
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::vector<std::string>> ExplainObjectQueryForTest(Store& store, const ObjectQuery& q) {
  auto* s = dynamic_cast<SqliteStore*>(&store);
  RAMPART_CHECK(s != nullptr);
  return s->Explain(q);
}

SqliteWriteStats WriteStatsForTest(Store& store) {
  auto* s = dynamic_cast<SqliteStore*>(&store);
  RAMPART_CHECK(s != nullptr);
  return s->Stats();
}

Status RestoreSqliteBackup(const std::string& backup_dir, const std::string& data_dir, bool force) {
  std::error_code ec;
  fs::path src = fs::path(backup_dir) / kSqliteDbFileName;
  if (!fs::is_regular_file(src, ec)) return Status::NotFound("no backup at " + src.string());
  {
    // Verify the backup: a Rampart database of a known schema, intact.
    RAMPART_ASSIGN_OR_RETURN(auto c, Connection::Open(src.string(), Connection::Mode::kRaw, 5000, false));
    bool is_new = false;
    RAMPART_RETURN_IF_ERROR(Identify(*c, src.string(), &is_new));
    if (is_new) return Status::Corruption(src.string() + " is an empty database, not a backup");
    RAMPART_ASSIGN_OR_RETURN(Stmt s, c->Prepare("PRAGMA integrity_check"));
    RAMPART_ASSIGN_OR_RETURN(bool row, s.Next());
    if (!row || s.Text(0) != "ok") {
      return Status::Corruption(src.string() + " fails integrity_check: " + (row ? s.Text(0) : ""));
    }
  }
  RAMPART_RETURN_IF_ERROR(MakePrivateDir(data_dir));
  RAMPART_RETURN_IF_ERROR(CheckPrivate(data_dir, data_dir));
  // Exclusive while the database is replaced: refused while any process
  // (or any store of this one) has data_dir open, and no store opens it
  // meanwhile. Released before the result is opened to verify it.
  RAMPART_ASSIGN_OR_RETURN(DirLock lock, LockDataDir(data_dir, LockMode::kExclusive));
  fs::path dst = fs::path(data_dir) / kSqliteDbFileName;
  bool empty = true;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    if (entry.path().filename() != kSqliteLockFileName) empty = false;
  }
  if (ec) return Status::IoError("cannot list " + data_dir + ": " + ec.message());
  if (!empty && !force) {
    return Status::Conflict(data_dir + " is not empty; pass --force to overwrite");
  }
  fs::path tmp = fs::path(data_dir) / (std::string(kSqliteDbFileName) + ".restoring");
  fs::remove(tmp, ec);
  RAMPART_RETURN_IF_ERROR(MakePrivateFile(tmp));
  {
    RAMPART_ASSIGN_OR_RETURN(auto from, Connection::Open(src.string(), Connection::Mode::kRaw, 5000, false));
    RAMPART_ASSIGN_OR_RETURN(auto to, Connection::Open(tmp.string(), Connection::Mode::kRaw, 5000, true));
    sqlite3_backup* b = sqlite3_backup_init(to->db(), "main", from->db(), "main");
    if (!b) return SqliteStatus(sqlite3_errcode(to->db()), to->db(), "restore init");
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return SqliteStatus(rc, to->db(), "restore copy");
    RAMPART_RETURN_IF_ERROR(to->Exec("PRAGMA journal_mode=DELETE"));
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Status::IoError("cannot fsync " + tmp.string());
  }
  ::close(fd);
  // Stale WAL/SHM of the old database must not be replayed onto the new one.
  fs::remove(fs::path(data_dir) / (std::string(kSqliteDbFileName) + "-wal"), ec);
  fs::remove(fs::path(data_dir) / (std::string(kSqliteDbFileName) + "-shm"), ec);
  fs::rename(tmp, dst, ec);
  if (ec) return Status::IoError("cannot move restored database into place: " + ec.message());
  lock.Release();
  SqliteOptions o;
  o.create_if_missing = false;
  auto check = OpenSqliteStore(data_dir, o);
  if (!check.ok()) return check.status().WithContext("restored database does not open");
  return Status::Ok();
}

}  // namespace rampart::store
