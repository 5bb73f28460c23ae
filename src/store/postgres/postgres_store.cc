// The PostgreSQL Store. Ordering and locking reasoning:
// docs/formats/postgres_schema.md ("Ordering across processes").
#include "store/postgres/postgres_store.h"

#include <utf8proc.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <unordered_map>
#include <unordered_set>

#include "base/crypto.h"
#include "stix/markings.h"
#include "store/cursor.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/query_sql.h"
#include "store/postgres/schema.h"
#include "store/store_url.h"

namespace rampart::store::postgres {
namespace {

// The database server's clock in µs: one clock for every node.
constexpr char kNowSql[] = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";

constexpr int kMaxTxAttempts = 5;

int64_t ClampLimit(size_t n) {
  constexpr size_t kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max() - 1);
  return static_cast<int64_t>(std::min(n, kMax));
}

bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t n = static_cast<utf8proc_ssize_t>(s.size());
  utf8proc_ssize_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      if (p[i] == 0) return false;  // PostgreSQL text cannot hold NUL
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p + i, n - i, &cp);
    if (len <= 0) return false;
    i += len;
  }
  return true;
}

Status ValidText(std::string_view s, const char* what) {
  if (!ValidUtf8(s)) return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 text");
  return Status::Ok();
}

// The per-object checks of AddObjects: the shared ones (store.h), plus what
// PostgreSQL text columns cannot hold (NUL bytes, invalid UTF-8) in the
// object's other fields.
Status ValidatePgObject(const NewObject& o) {
  RAMPART_RETURN_IF_ERROR(ValidateNewObject(o));
  RAMPART_RETURN_IF_ERROR(ValidText(o.id, "object id"));
  RAMPART_RETURN_IF_ERROR(ValidText(o.type, "object type"));
  RAMPART_RETURN_IF_ERROR(ValidText(o.spec_version, "spec_version"));
  RAMPART_RETURN_IF_ERROR(ValidText(o.created_by_ref, "created_by_ref"));
  RAMPART_RETURN_IF_ERROR(ValidText(o.json, "object JSON"));
  RAMPART_RETURN_IF_ERROR(ValidText(o.owner, "object owner"));
  for (const auto& m : o.marking_refs) RAMPART_RETURN_IF_ERROR(ValidText(m, "a marking ref"));
  const Provenance& p = o.provenance;
  RAMPART_RETURN_IF_ERROR(ValidText(p.org_id, "provenance org_id"));
  RAMPART_RETURN_IF_ERROR(ValidText(p.user_id, "provenance user_id"));
  RAMPART_RETURN_IF_ERROR(ValidText(p.source_peer, "provenance source_peer"));
  for (const auto& g : p.sharing_groups) RAMPART_RETURN_IF_ERROR(ValidText(g, "a sharing group"));
  for (const auto& r : p.red_recipients) RAMPART_RETURN_IF_ERROR(ValidText(r, "a RED recipient"));
  // Observables (UTF-8, no NUL) are checked by ValidateNewObject, for every
  // backend alike.
  return Status::Ok();
}

// One stored or about-to-be-stored version of an object, for recomputing
// the latest_spec / is_first / is_last flags of the object's versions.
struct VersionRow {
  int64_t seq = 0;  // 0 = new in this transaction
  Micros version = 0;
  Micros date_added = 0;
  std::string spec_version;
  bool latest_spec = false, is_first = false, is_last = false;  // as stored
  bool new_latest_spec = false, new_is_first = false, new_is_last = false;
  int new_index = -1;  // index into the request's objects when new
  bool doomed = false;  // being deleted
};

// latest_spec: the version has the greatest spec_version among the object's
// (remaining) versions; is_first / is_last: the smallest / greatest version
// among those. Exactly the default (no match[spec_version]) selection.
void ComputeFlags(std::vector<VersionRow>& vs) {
  const std::string* max_spec = nullptr;
  for (const auto& v : vs) {
    if (v.doomed) continue;
    if (!max_spec || v.spec_version > *max_spec) max_spec = &v.spec_version;
  }
  Micros lo = std::numeric_limits<Micros>::max(), hi = std::numeric_limits<Micros>::min();
  for (const auto& v : vs) {
    if (v.doomed || v.spec_version != *max_spec) continue;
    lo = std::min(lo, v.version);
    hi = std::max(hi, v.version);
  }
  for (auto& v : vs) {
    if (v.doomed) continue;
    v.new_latest_spec = v.spec_version == *max_spec;
    v.new_is_first = v.new_latest_spec && v.version == lo;
    v.new_is_last = v.new_latest_spec && v.version == hi;
  }
}

bool FlagsChanged(const VersionRow& v) {
  return v.latest_spec != v.new_latest_spec || v.is_first != v.new_is_first ||
         v.is_last != v.new_is_last;
}

// The COPY fields of one object version that do not depend on the
// collection lock: `middle` = type .. observables (COPY text format, tab
// separated), `observables` = one "kind<TAB>value_hash<TAB>value" per distinct
// observable (value_hash: bytea SHA-256 of the value, the index key, so a
// value of any length is indexed; docs/formats/postgres_schema.md).
struct EncodedObject {
  std::string middle;
  std::vector<std::string> observables;
};

Status Encode(const NewObject& o, EncodedObject* e) {
  const Provenance& p = o.provenance;
  RAMPART_ASSIGN_OR_RETURN(std::string marks, JsonStringArray(o.marking_refs));
  RAMPART_ASSIGN_OR_RETURN(std::string groups, JsonStringArray(p.sharing_groups));
  RAMPART_ASSIGN_OR_RETURN(std::string red, JsonStringArray(p.red_recipients));
  RAMPART_ASSIGN_OR_RETURN(std::string observables, JsonObservables(o.observables));
  CopyBuffer b;
  b.Text(o.type).Text(o.spec_version).OptInt(o.created).OptInt(o.modified);
  b.Text(o.created_by_ref).Bool(o.revoked).OptInt(o.valid_from).OptInt(o.valid_until);
  b.Text(marks).Text(o.json).Text(p.org_id).Text(p.user_id).Text(p.source_peer);
  b.Bool(p.anonymous).Text(groups).Text(red).Int(static_cast<int>(p.effective_tlp));
  b.Bool(p.default_marking_applied).Text(observables);
  e->middle = b.data();
  std::unordered_set<std::string> seen;
  for (const auto& ob : o.observables) {
    CopyBuffer kv;
    kv.Text(ob.kind).Text("\\x" + Sha256Hex(ob.value)).Text(ob.value);
    if (seen.insert(kv.data()).second) e->observables.push_back(kv.data());
  }
  return Status::Ok();
}

// Hex digits to bytes; false for anything else.
bool HexDecode(std::string_view hex, std::string* out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string B(bool b) { return b ? "t" : "f"; }
std::string I(int64_t v) { return std::to_string(v); }

class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<ConnectionPool> pool, PostgresOptions options)
      : pool_(std::move(pool)), options_(std::move(options)) {}

  // Reads (creating on first open) the cursor key. REQUIRES: called once,
  // before the store is shared.
  Status InitCursor() {
    RAMPART_ASSIGN_OR_RETURN(std::string key, GetOrCreateSecret(kCursorKeySecret));
    cursor_.emplace(key);
    return Status::Ok();
  }

  // ---- Collections ----

  Status CreateCollection(const Collection& c) override {
    if (c.id.empty()) return Status::InvalidArgument("collection id is empty");
    for (const std::string* s : {&c.id, &c.api_root, &c.title, &c.description}) {
      RAMPART_RETURN_IF_ERROR(ValidText(*s, "a collection field"));
    }
    RAMPART_ASSIGN_OR_RETURN(std::string media, JsonStringArray(c.media_types));
    auto r = Run<int64_t>([&](PgConnection& conn) -> Result<int64_t> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult res,
          conn.Query("INSERT INTO collections (id, api_root, title, description, media_types, "
                     "default_tlp, is_public, created) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) "
                     "ON CONFLICT (id) DO NOTHING",
                     {c.id, c.api_root, c.title, c.description, media,
                      I(static_cast<int>(c.default_tlp)), B(c.is_public), I(c.created)}));
      return res.Affected();
    });
    if (!r.ok()) return r.status();
    if (*r == 0) return Status::Conflict("collection exists: " + c.id);
    return Status::Ok();
  }

  Result<Collection> GetCollection(std::string_view id) override {
    RAMPART_ASSIGN_OR_RETURN(
        std::vector<Collection> v,
        ReadCollections(" WHERE id = $1", {std::string(id)}));
    if (v.empty()) return Status::NotFound("no such collection: " + std::string(id));
    return std::move(v[0]);
  }

  Result<std::vector<Collection>> ListCollections() override {
    return ReadCollections(" ORDER BY api_root, title, id", {});
  }

  // ---- Objects ----

  Result<std::vector<WriteOutcome>> AddObjects(std::string_view collection_id,
                                               const std::vector<NewObject>& objects,
                                               const WriteOptions& options) override {
    std::vector<WriteOutcome> checked(objects.size());
    std::vector<bool> valid(objects.size(), false);
    // The COPY fields that do not depend on the lock are encoded before the
    // transaction, so the collection lock is held for less time.
    std::vector<EncodedObject> encoded(objects.size());
    for (size_t i = 0; i < objects.size(); ++i) {
      checked[i].id = objects[i].id;
      Status v = ValidatePgObject(objects[i]);
      if (v.ok()) v = Encode(objects[i], &encoded[i]);
      if (v.ok()) {
        valid[i] = true;
      } else {
        checked[i].result = WriteResult::kFailed;
        checked[i].message = std::string(v.message());
      }
    }
    const std::string cid(collection_id);
    return InTx<std::vector<WriteOutcome>>([&](PgConnection& conn)
                                               -> Result<std::vector<WriteOutcome>> {
      std::vector<WriteOutcome> out = checked;
      // The collection row lock serialises every writer of this collection,
      // in every process, until COMMIT: date_added and seq are assigned
      // under it, so commit order = (date_added, seq) order.
      RAMPART_ASSIGN_OR_RETURN(
          PgResult lock,
          conn.Query(std::string("SELECT ckey, last_date_added, ") + kNowSql +
                         " FROM collections WHERE id = $1 FOR UPDATE",
                     {cid}));
      if (lock.rows() == 0) return Status::NotFound("no such collection: " + cid);
      RAMPART_ASSIGN_OR_RETURN(int64_t ckey, lock.Int(0, 0));
      RAMPART_ASSIGN_OR_RETURN(Micros last, lock.Int(0, 1));
      RAMPART_ASSIGN_OR_RETURN(Micros now, lock.Int(0, 2));
      if (options_.clock) now = options_.clock();

      // Existing versions of the objects named in the request.
      std::unordered_map<std::string, std::vector<VersionRow>> by_id;
      {
        std::vector<std::string> ids;
        std::unordered_set<std::string> seen;
        for (size_t i = 0; i < objects.size(); ++i) {
          if (valid[i] && seen.insert(objects[i].id).second) ids.push_back(objects[i].id);
        }
        if (!ids.empty()) {
          RAMPART_ASSIGN_OR_RETURN(
              PgResult ex,
              conn.Query(ExistingVersionsSql(), {I(ckey), TextArray(ids)}));
          for (int r = 0; r < ex.rows(); ++r) {
            VersionRow v;
            RAMPART_ASSIGN_OR_RETURN(v.seq, ex.Int(r, 1));
            RAMPART_ASSIGN_OR_RETURN(v.version, ex.Int(r, 2));
            RAMPART_ASSIGN_OR_RETURN(v.date_added, ex.Int(r, 3));
            v.spec_version = ex.Str(r, 4);
            v.latest_spec = ex.Bool(r, 5);
            v.is_first = ex.Bool(r, 6);
            v.is_last = ex.Bool(r, 7);
            by_id[ex.Str(r, 0)].push_back(std::move(v));
          }
        }
      }
      RAMPART_ASSIGN_OR_RETURN(auto owners, ClaimOwners(conn, objects, valid, by_id, now, last));
      // date_added = max(now, last + 1µs): strictly increasing per
      // collection even when a clock steps back or nodes' clocks differ.
      std::vector<size_t> added;
      for (size_t i = 0; i < objects.size(); ++i) {
        if (!valid[i]) continue;
        const NewObject& o = objects[i];
        // Ownership first (before the duplicate check): a version of an id
        // another owner holds is refused, re-posted or not.
        if (!o.owner.empty()) {
          auto own = owners.find(stix::CanonicalId(o.id));
          if (own == owners.end()) {
            return Status::Internal("PostgreSQL store: no owner claimed for " + o.id);
          }
          if (own->second != o.owner) {
            out[i].result = WriteResult::kFailed;
            out[i].message = kIdTakenMessage;
            continue;
          }
        }
        Micros date_added = std::max(now, last + 1);
        Micros version = ObjectVersion(o, date_added);
        out[i].version = version;
        auto& vs = by_id[o.id];
        auto dup = std::find_if(vs.begin(), vs.end(),
                                [&](const VersionRow& v) { return v.version == version; });
        if (dup != vs.end()) {
          out[i].result = WriteResult::kDuplicate;
          out[i].date_added = dup->date_added;
          continue;
        }
        last = date_added;
        VersionRow v;
        v.version = version;
        v.date_added = date_added;
        v.spec_version = o.spec_version;
        v.new_index = static_cast<int>(i);
        vs.push_back(std::move(v));
        out[i].result = WriteResult::kAdded;
        out[i].date_added = date_added;
        added.push_back(i);
      }

      if (!added.empty()) {
        std::vector<int64_t> upd_seq;
        std::vector<bool> upd_ls, upd_f, upd_l;
        std::unordered_map<int, const VersionRow*> new_rows;
        for (auto& [id, vs] : by_id) {
          ComputeFlags(vs);
          for (const auto& v : vs) {
            if (v.new_index >= 0) {
              new_rows[v.new_index] = &v;
            } else if (FlagsChanged(v)) {
              upd_seq.push_back(v.seq);
              upd_ls.push_back(v.new_latest_spec);
              upd_f.push_back(v.new_is_first);
              upd_l.push_back(v.new_is_last);
            }
          }
        }
        RAMPART_RETURN_IF_ERROR(InsertObjects(conn, ckey, objects, encoded, added, out, new_rows));
        if (!upd_seq.empty()) {
          RAMPART_RETURN_IF_ERROR(UpdateFlags(conn, upd_seq, upd_ls, upd_f, upd_l));
        }
        RAMPART_RETURN_IF_ERROR(
            conn.Query("UPDATE collections SET last_date_added = $2 WHERE ckey = $1",
                       {I(ckey), I(last)})
                .status());
      }
      if (options.audit) RAMPART_RETURN_IF_ERROR(AppendAuditTx(conn, *options.audit).status());
      return out;
    });
  }

  Result<Page> QueryObjects(const ObjectQuery& q) override {
    if (q.limit < 1) return Status::InvalidArgument("limit must be at least 1");
    std::optional<CursorPosition> cursor;
    if (!q.cursor.empty()) {
      RAMPART_ASSIGN_OR_RETURN(cursor, cursor_->Decode(q.collection_id, q.cursor));
    }
    const CursorPosition after = PageStart(q, cursor);
    const int64_t fetch = ClampLimit(q.limit) + 1;
    return Run<Page>([&](PgConnection& conn) -> Result<Page> {
      RAMPART_ASSIGN_OR_RETURN(int64_t ckey, CollectionKey(conn, q.collection_id));
      Statement st = BuildPageQuery(ckey, q, after, fetch);
      RAMPART_ASSIGN_OR_RETURN(PgResult r, conn.Query(st.sql, st.params));
      Page page;
      int n = r.rows();
      page.more = n >= fetch;
      if (page.more) n = static_cast<int>(fetch - 1);
      page.objects.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        RAMPART_ASSIGN_OR_RETURN(StoredObject s, ReadObjectRow(r, i, 0));
        s.collection_id = q.collection_id;
        page.objects.push_back(std::move(s));
      }
      if (page.more) {
        const StoredObject& l = page.objects.back();
        page.next = cursor_->Encode(q.collection_id, {l.date_added, l.seq});
      }
      return page;
    });
  }

  Result<size_t> DeleteObject(std::string_view collection_id, std::string_view id,
                              const VersionFilter& versions,
                              const std::vector<std::string>& spec_versions,
                              const WriteOptions& options) override {
    const std::string cid(collection_id), oid(id);
    return InTx<size_t>([&](PgConnection& conn) -> Result<size_t> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult lock, conn.Query(std::string("SELECT ckey, ") + kNowSql +
                                        " FROM collections WHERE id = $1 FOR UPDATE",
                                    {cid}));
      if (lock.rows() == 0) return Status::NotFound("no such collection: " + cid);
      RAMPART_ASSIGN_OR_RETURN(int64_t ckey, lock.Int(0, 0));
      RAMPART_ASSIGN_OR_RETURN(Micros now, lock.Int(0, 1));
      if (options_.clock) now = options_.clock();
      RAMPART_ASSIGN_OR_RETURN(
          PgResult rows,
          conn.Query("SELECT seq, version, date_added, spec_version, latest_spec, is_first, "
                     "is_last, observables FROM objects WHERE coll = $1 AND id = $2",
                     {I(ckey), oid}));
      if (rows.rows() == 0) return Status::NotFound("no such object: " + oid);
      std::vector<VersionRow> vs;
      std::vector<std::vector<Observable>> obs;
      for (int r = 0; r < rows.rows(); ++r) {
        VersionRow v;
        RAMPART_ASSIGN_OR_RETURN(v.seq, rows.Int(r, 0));
        RAMPART_ASSIGN_OR_RETURN(v.version, rows.Int(r, 1));
        RAMPART_ASSIGN_OR_RETURN(v.date_added, rows.Int(r, 2));
        v.spec_version = rows.Str(r, 3);
        v.latest_spec = rows.Bool(r, 4);
        v.is_first = rows.Bool(r, 5);
        v.is_last = rows.Bool(r, 6);
        RAMPART_ASSIGN_OR_RETURN(auto o, ParseJsonObservables(rows.Text(r, 7)));
        vs.push_back(std::move(v));
        obs.push_back(std::move(o));
      }
      // TAXII DELETE: no match[version] = every version; no
      // match[spec_version] = every spec version; first/last among the
      // versions whose spec_version is selected.
      auto spec_ok = [&](const VersionRow& v) {
        return spec_versions.empty() || std::find(spec_versions.begin(), spec_versions.end(),
                                                  v.spec_version) != spec_versions.end();
      };
      Micros lo = std::numeric_limits<Micros>::max(), hi = std::numeric_limits<Micros>::min();
      for (const auto& v : vs) {
        if (!spec_ok(v)) continue;
        lo = std::min(lo, v.version);
        hi = std::max(hi, v.version);
      }
      const bool all = versions.all || versions.IsDefault();
      std::vector<int64_t> doomed_seq, doomed_version;
      std::vector<std::string> ob_kind, ob_value;
      std::vector<int64_t> ob_seq;
      for (size_t k = 0; k < vs.size(); ++k) {
        VersionRow& v = vs[k];
        if (!spec_ok(v)) continue;
        bool hit = all || (versions.first && v.version == lo) ||
                   (versions.last && v.version == hi) ||
                   std::find(versions.versions.begin(), versions.versions.end(), v.version) !=
                       versions.versions.end();
        if (!hit) continue;
        v.doomed = true;
        doomed_seq.push_back(v.seq);
        doomed_version.push_back(v.version);
        for (const auto& o : obs[k]) {
          ob_kind.push_back(o.kind);
          ob_value.push_back(o.value);
          ob_seq.push_back(v.seq);
        }
      }
      if (doomed_seq.empty()) return Status::NotFound("no matching version of " + oid);
      RAMPART_RETURN_IF_ERROR(
          conn.Query("DELETE FROM objects WHERE seq = ANY($1::bigint[])", {IntArray(doomed_seq)})
              .status());
      if (!ob_seq.empty()) {
        RAMPART_RETURN_IF_ERROR(
            conn.Query("DELETE FROM observables WHERE (kind, value_hash, object_seq) IN "
                       "(SELECT u.k, sha256(convert_to(u.v, 'UTF8')), u.s "
                       "FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(k, v, s))",
                       {TextArray(ob_kind), TextArray(ob_value), IntArray(ob_seq)})
                .status());
      }
      RAMPART_RETURN_IF_ERROR(
          conn.Query("INSERT INTO tombstones (seq, coll, id, version, deleted_at) "
                     "SELECT nextval('rampart_seq'), $1, $2, u.version, $4 "
                     "FROM unnest($3::bigint[]) WITH ORDINALITY AS u(version, ord) ORDER BY u.ord",
                     {I(ckey), oid, IntArray(doomed_version), I(now)})
              .status());
      ComputeFlags(vs);
      std::vector<int64_t> upd_seq;
      std::vector<bool> upd_ls, upd_f, upd_l;
      for (const auto& v : vs) {
        if (v.doomed || !FlagsChanged(v)) continue;
        upd_seq.push_back(v.seq);
        upd_ls.push_back(v.new_latest_spec);
        upd_f.push_back(v.new_is_first);
        upd_l.push_back(v.new_is_last);
      }
      if (!upd_seq.empty()) {
        RAMPART_RETURN_IF_ERROR(UpdateFlags(conn, upd_seq, upd_ls, upd_f, upd_l));
      }
      if (options.audit) RAMPART_RETURN_IF_ERROR(AppendAuditTx(conn, *options.audit).status());
      return doomed_seq.size();
    });
  }

  Result<std::string> GetObjectOwner(std::string_view id) override {
    const std::string canonical = stix::CanonicalId(id);
    if (!ValidUtf8(canonical)) return Status::NotFound("no owner recorded for this id");
    return Run<std::string>([&](PgConnection& conn) -> Result<std::string> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r, conn.Query("SELECT owner FROM object_owners WHERE id = $1", {canonical}));
      if (r.rows() == 0) return Status::NotFound("no owner recorded for " + std::string(id));
      return r.Str(0, 0);
    });
  }

  Result<std::vector<Tombstone>> ListTombstones(std::string_view collection_id, int64_t after_seq,
                                                size_t limit) override {
    const std::string cid(collection_id);
    return Run<std::vector<Tombstone>>([&](PgConnection& conn) -> Result<std::vector<Tombstone>> {
      std::vector<Tombstone> out;
      auto ckey = CollectionKey(conn, cid);
      if (!ckey.ok()) {
        if (ckey.status().IsNotFound()) return out;
        return ckey.status();
      }
      if (limit == 0) return out;
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r,
          conn.Query(ListTombstonesSql(), {I(*ckey), I(after_seq), I(ClampLimit(limit))}));
      for (int i = 0; i < r.rows(); ++i) {
        Tombstone t;
        t.collection_id = cid;
        t.id = r.Str(i, 0);
        RAMPART_ASSIGN_OR_RETURN(t.version, r.Int(i, 1));
        RAMPART_ASSIGN_OR_RETURN(t.deleted_at, r.Int(i, 2));
        RAMPART_ASSIGN_OR_RETURN(t.seq, r.Int(i, 3));
        out.push_back(std::move(t));
      }
      return out;
    });
  }

  Result<std::vector<StoredObject>> FindObservable(const Observable& o, size_t limit) override {
    if (limit == 0 || !ValidUtf8(o.kind) || !ValidUtf8(o.value)) {
      return std::vector<StoredObject>();
    }
    return Run<std::vector<StoredObject>>(
        [&](PgConnection& conn) -> Result<std::vector<StoredObject>> {
          std::vector<StoredObject> out;
          RAMPART_ASSIGN_OR_RETURN(
              PgResult r,
              conn.Query(FindObservableSql(), {o.kind, o.value, I(ClampLimit(limit))}));
          for (int i = 0; i < r.rows(); ++i) {
            RAMPART_ASSIGN_OR_RETURN(StoredObject s, ReadObjectRow(r, i, 1));
            s.collection_id = r.Str(i, 0);
            out.push_back(std::move(s));
          }
          return out;
        });
  }

  // ---- Status resources ----

  Status PutStatus(const StatusResource& s) override {
    if (s.id.empty()) return Status::InvalidArgument("status id is empty");
    nlohmann::json d;
    auto list = [](const std::vector<StatusDetail>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& x : v) {
        a.push_back({{"id", x.id}, {"version", x.version}, {"message", x.message}});
      }
      return a;
    };
    d["successes"] = list(s.successes);
    d["failures"] = list(s.failures);
    d["pendings"] = list(s.pendings);
    std::string details;
    try {
      details = d.dump();
    } catch (const nlohmann::json::exception&) {
      return Status::InvalidArgument("status details are not valid UTF-8");
    }
    for (const std::string* f : {&s.id, &s.api_root, &s.owner_user_id, &s.status}) {
      RAMPART_RETURN_IF_ERROR(ValidText(*f, "a status field"));
    }
    return Run<bool>([&](PgConnection& conn) -> Result<bool> {
             RAMPART_RETURN_IF_ERROR(
                 conn.Query("INSERT INTO statuses (id, api_root, owner_user_id, status, "
                            "request_timestamp, total_count, success_count, failure_count, "
                            "pending_count, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb) "
                            "ON CONFLICT (id) DO UPDATE SET api_root = excluded.api_root, "
                            "owner_user_id = excluded.owner_user_id, status = excluded.status, "
                            "request_timestamp = excluded.request_timestamp, "
                            "total_count = excluded.total_count, "
                            "success_count = excluded.success_count, "
                            "failure_count = excluded.failure_count, "
                            "pending_count = excluded.pending_count, details = excluded.details",
                            {s.id, s.api_root, s.owner_user_id, s.status, I(s.request_timestamp),
                             I(s.total_count), I(s.success_count), I(s.failure_count),
                             I(s.pending_count), details})
                     .status());
             return true;
           })
        .status();
  }

  Result<StatusResource> GetStatus(std::string_view id) override {
    const std::string sid(id);
    return Run<StatusResource>([&](PgConnection& conn) -> Result<StatusResource> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r,
          conn.Query("SELECT id, api_root, owner_user_id, status, request_timestamp, total_count, "
                     "success_count, failure_count, pending_count, details FROM statuses "
                     "WHERE id = $1",
                     {sid}));
      if (r.rows() == 0) return Status::NotFound("no such status: " + sid);
      StatusResource s;
      s.id = r.Str(0, 0);
      s.api_root = r.Str(0, 1);
      s.owner_user_id = r.Str(0, 2);
      s.status = r.Str(0, 3);
      RAMPART_ASSIGN_OR_RETURN(s.request_timestamp, r.Int(0, 4));
      RAMPART_ASSIGN_OR_RETURN(s.total_count, r.Int(0, 5));
      RAMPART_ASSIGN_OR_RETURN(s.success_count, r.Int(0, 6));
      RAMPART_ASSIGN_OR_RETURN(s.failure_count, r.Int(0, 7));
      RAMPART_ASSIGN_OR_RETURN(s.pending_count, r.Int(0, 8));
      auto d = nlohmann::json::parse(r.Text(0, 9), nullptr, false);
      const Status bad = Status::Corruption("PostgreSQL store: malformed status details");
      if (!d.is_object()) return bad;
      auto read = [&](const char* key, std::vector<StatusDetail>* v) -> bool {
        auto it = d.find(key);
        if (it == d.end() || !it->is_array()) return false;
        for (const auto& e : *it) {
          if (!e.is_object() || !e.value("id", nlohmann::json()).is_string() ||
              !e.value("version", nlohmann::json()).is_string() ||
              !e.value("message", nlohmann::json()).is_string()) {
            return false;
          }
          v->push_back({e["id"].get<std::string>(), e["version"].get<std::string>(),
                        e["message"].get<std::string>()});
        }
        return true;
      };
      if (!read("successes", &s.successes) || !read("failures", &s.failures) ||
          !read("pendings", &s.pendings)) {
        return bad;
      }
      return s;
    });
  }

  Result<size_t> PurgeStatuses(Micros cutoff) override {
    return Run<size_t>([&](PgConnection& conn) -> Result<size_t> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r, conn.Query("DELETE FROM statuses WHERE request_timestamp < $1", {I(cutoff)}));
      return static_cast<size_t>(r.Affected());
    });
  }

  // ---- Identities ----

  Status PutOrganization(const Organization& o, const WriteOptions& options) override {
    if (o.id.empty()) return Status::InvalidArgument("id is empty");
    RAMPART_ASSIGN_OR_RETURN(std::string clients, JsonStringArray(o.client_org_ids));
    return Upsert(
        "INSERT INTO organizations (id, name, identity_id, client_org_ids, trusted_for_amber, "
        "created) VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT (id) DO UPDATE SET "
        "name = excluded.name, identity_id = excluded.identity_id, "
        "client_org_ids = excluded.client_org_ids, "
        "trusted_for_amber = excluded.trusted_for_amber, created = excluded.created",
        {o.id, o.name, o.identity_id, clients, B(o.trusted_for_amber), I(o.created)}, options);
  }

  Result<Organization> GetOrganization(std::string_view id) override {
    RAMPART_ASSIGN_OR_RETURN(auto v, ReadOrganizations(" WHERE id = $1", {std::string(id)}));
    if (v.empty()) return Status::NotFound("no such organization: " + std::string(id));
    return std::move(v[0]);
  }
  Result<std::vector<Organization>> ListOrganizations() override {
    return ReadOrganizations(" ORDER BY id", {});
  }

  Status PutUser(const User& u, const WriteOptions& options) override {
    if (u.id.empty()) return Status::InvalidArgument("id is empty");
    return Upsert(
        "INSERT INTO users (id, org_id, name, role, password_hash, disabled, created) VALUES "
        "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, "
        "name = excluded.name, role = excluded.role, password_hash = excluded.password_hash, "
        "disabled = excluded.disabled, created = excluded.created",
        {u.id, u.org_id, u.name, I(static_cast<int>(u.role)), u.password_hash, B(u.disabled),
         I(u.created)},
        options);
  }
  Result<User> GetUser(std::string_view id) override {
    RAMPART_ASSIGN_OR_RETURN(auto v, ReadUsers(" WHERE id = $1", {std::string(id)}));
    if (v.empty()) return Status::NotFound("no such user: " + std::string(id));
    return std::move(v[0]);
  }
  Result<std::vector<User>> ListUsers() override { return ReadUsers(" ORDER BY id", {}); }

  Status PutToken(const Token& t, const WriteOptions& options) override {
    if (t.id.empty()) return Status::InvalidArgument("id is empty");
    return Upsert(
        "INSERT INTO tokens (id, user_id, name, secret_sha256, created, expires, revoked) VALUES "
        "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, "
        "name = excluded.name, secret_sha256 = excluded.secret_sha256, "
        "created = excluded.created, expires = excluded.expires, revoked = excluded.revoked",
        {t.id, t.user_id, t.name, t.secret_sha256, I(t.created), I(t.expires), B(t.revoked)},
        options);
  }
  Result<Token> FindTokenBySecretHash(std::string_view secret_sha256) override {
    RAMPART_ASSIGN_OR_RETURN(
        auto v, ReadTokens(" WHERE secret_sha256 = $1 ORDER BY id LIMIT 1",
                           {std::string(secret_sha256)}));
    if (v.empty()) return Status::NotFound("no token with this secret");
    return std::move(v[0]);
  }
  Result<std::vector<Token>> ListTokens() override { return ReadTokens(" ORDER BY id", {}); }

  Status PutGrant(const Grant& g, const WriteOptions& options) override {
    return Upsert(
        "INSERT INTO grants (collection_id, grantee_kind, grantee_id, can_read, can_write) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collection_id, grantee_kind, grantee_id) "
        "DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
        {g.collection_id, I(static_cast<int>(g.grantee_kind)), g.grantee_id, B(g.can_read),
         B(g.can_write)},
        options);
  }
  Result<std::vector<Grant>> ListGrants() override {
    return Run<std::vector<Grant>>([&](PgConnection& conn) -> Result<std::vector<Grant>> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r,
          conn.Query("SELECT collection_id, grantee_kind, grantee_id, can_read, can_write "
                     "FROM grants ORDER BY collection_id, grantee_kind, grantee_id"));
      std::vector<Grant> out;
      for (int i = 0; i < r.rows(); ++i) {
        Grant g;
        g.collection_id = r.Str(i, 0);
        RAMPART_ASSIGN_OR_RETURN(int64_t kind, r.Int(i, 1));
        if (kind != 0 && kind != 1) return Status::Corruption("PostgreSQL store: bad grantee_kind");
        g.grantee_kind = static_cast<GranteeKind>(kind);
        g.grantee_id = r.Str(i, 2);
        g.can_read = r.Bool(i, 3);
        g.can_write = r.Bool(i, 4);
        out.push_back(std::move(g));
      }
      return out;
    });
  }

  Status PutSharingGroup(const SharingGroup& g, const WriteOptions& options) override {
    if (g.id.empty()) return Status::InvalidArgument("id is empty");
    RAMPART_ASSIGN_OR_RETURN(std::string members, JsonStringArray(g.member_org_ids));
    return Upsert(
        "INSERT INTO sharing_groups (id, name, member_org_ids) VALUES ($1, $2, $3::jsonb) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
        "member_org_ids = excluded.member_org_ids",
        {g.id, g.name, members}, options);
  }
  Result<std::vector<SharingGroup>> ListSharingGroups() override {
    return Run<std::vector<SharingGroup>>(
        [&](PgConnection& conn) -> Result<std::vector<SharingGroup>> {
          RAMPART_ASSIGN_OR_RETURN(
              PgResult r,
              conn.Query("SELECT id, name, member_org_ids FROM sharing_groups ORDER BY id"));
          std::vector<SharingGroup> out;
          for (int i = 0; i < r.rows(); ++i) {
            SharingGroup g;
            g.id = r.Str(i, 0);
            g.name = r.Str(i, 1);
            RAMPART_ASSIGN_OR_RETURN(g.member_org_ids, ParseJsonStringArray(r.Text(i, 2)));
            out.push_back(std::move(g));
          }
          return out;
        });
  }

  // ---- Audit chain ----

  Result<AuditRecord> AppendAudit(const AuditEntry& e) override {
    return InTx<AuditRecord>([&](PgConnection& conn) { return AppendAuditTx(conn, e); });
  }

  Result<std::vector<AuditRecord>> ReadAudit(int64_t after_seq, size_t limit) override {
    std::vector<AuditRecord> out;
    if (limit == 0) return out;
    return Run<std::vector<AuditRecord>>(
        [&](PgConnection& conn) -> Result<std::vector<AuditRecord>> {
          RAMPART_ASSIGN_OR_RETURN(
              PgResult r,
              conn.Query("SELECT seq, time, actor, action, target, detail, prev_hash, hash "
                         "FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                         {I(after_seq), I(ClampLimit(limit))}));
          for (int i = 0; i < r.rows(); ++i) {
            AuditRecord a;
            RAMPART_ASSIGN_OR_RETURN(a.seq, r.Int(i, 0));
            RAMPART_ASSIGN_OR_RETURN(a.time, r.Int(i, 1));
            a.actor = r.Str(i, 2);
            a.action = r.Str(i, 3);
            a.target = r.Str(i, 4);
            a.detail = r.Str(i, 5);
            a.prev_hash = r.Str(i, 6);
            a.hash = r.Str(i, 7);
            out.push_back(std::move(a));
          }
          return out;
        });
  }

  // Insert-or-ignore, then read: every process and every node agrees on the
  // first value committed (a racing INSERT waits for the other's commit).
  Result<std::string> GetOrCreateSecret(std::string_view name) override {
    const std::string n(name);
    RAMPART_RETURN_IF_ERROR(ValidText(n, "a secret name"));
    return Run<std::string>([&](PgConnection& conn) -> Result<std::string> {
      RAMPART_RETURN_IF_ERROR(
          conn.Query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                     {n, HexEncode(RandomBytes(32))})
              .status());
      RAMPART_ASSIGN_OR_RETURN(PgResult r,
                               conn.Query("SELECT value FROM secrets WHERE name = $1", {n}));
      std::string value;
      if (r.rows() != 1 || !HexDecode(r.Str(0, 0), &value) || value.size() != 32) {
        return Status::Corruption("PostgreSQL store: secret \"" + n + "\" is missing or malformed");
      }
      return value;
    });
  }

  Status Backup(const std::string& destination) override {
    return Status::Unsupported(
        "the PostgreSQL store is backed up with PostgreSQL's own tools: pg_dump (logical, e.g. "
        "`pg_dump -Fc -n <schema> <db>`) or pg_basebackup/WAL archiving for point-in-time "
        "recovery; see docs/formats/postgres_schema.md");
  }

 private:
  // Runs `f` on a pooled connection (autocommit: one statement, one
  // snapshot). A read that fails because an idle pooled connection had died
  // is retried once on a fresh connection.
  template <typename T, typename F>
  Result<T> Run(F&& f) {
    for (int attempt = 0;; ++attempt) {
      RAMPART_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_->Acquire());
      Result<T> r = f(*lease);
      if (r.ok() || attempt > 0 || !lease->broken()) return r;
      pool_->DropIdle();
    }
  }

  // Runs `f` inside BEGIN ... COMMIT on one connection; rolls back on error.
  // Retries the whole transaction on serialization failures / deadlocks.
  template <typename T, typename F>
  Result<T> InTx(F&& f) {
    for (int attempt = 1;; ++attempt) {
      RAMPART_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_->Acquire());
      PgConnection& conn = *lease;
      // READ COMMITTED whatever the server default: every statement after the
      // collection lock must see the commits of the writer it waited for
      // (docs/formats/postgres_schema.md, "Ordering across processes").
      Status begin = conn.Exec("BEGIN ISOLATION LEVEL READ COMMITTED");
      if (!begin.ok()) {
        if (conn.broken() && attempt == 1) {  // a dead idle connection
          pool_->DropIdle();
          continue;
        }
        return begin;
      }
      Result<T> r = f(conn);
      Status s = r.status();
      if (s.ok()) {
        s = conn.Exec("COMMIT");
        if (s.ok()) return r;
        // A COMMIT that failed with the connection lost has an unknown
        // outcome: report Unavailable, never success.
      }
      std::string state = conn.last_sqlstate();
      if (!conn.broken()) (void)conn.Exec("ROLLBACK");
      if (!IsRetryableSqlState(state) || attempt >= kMaxTxAttempts) return s;
    }
  }

  Status Upsert(const std::string& sql, const Params& params, const WriteOptions& options) {
    for (const auto& p : params) {
      if (p) RAMPART_RETURN_IF_ERROR(ValidText(*p, "a text field"));
    }
    if (!options.audit) {
      return Run<bool>([&](PgConnection& conn) -> Result<bool> {
               RAMPART_RETURN_IF_ERROR(conn.Query(sql, params).status());
               return true;
             })
          .status();
    }
    return InTx<bool>([&](PgConnection& conn) -> Result<bool> {
             RAMPART_RETURN_IF_ERROR(conn.Query(sql, params).status());
             RAMPART_RETURN_IF_ERROR(AppendAuditTx(conn, *options.audit).status());
             return true;
           })
        .status();
  }

  // Appends one audit record inside the caller's transaction. The chain
  // head row, locked FOR UPDATE until COMMIT, orders appends of every
  // process: the chain order is the commit order. Always locked last (after
  // any collection row), so lock order is acyclic.
  Result<AuditRecord> AppendAuditTx(PgConnection& conn, const AuditEntry& e) {
    for (const std::string* s : {&e.actor, &e.action, &e.target, &e.detail}) {
      RAMPART_RETURN_IF_ERROR(ValidText(*s, "an audit field"));
    }
    RAMPART_ASSIGN_OR_RETURN(
        PgResult head, conn.Query(std::string("SELECT seq, hash, ") + kNowSql +
                                  " FROM audit_head WHERE one = 1 FOR UPDATE"));
    if (head.rows() != 1) return Status::Corruption("PostgreSQL store: audit_head row missing");
    AuditRecord rec;
    static_cast<AuditEntry&>(rec) = e;
    RAMPART_ASSIGN_OR_RETURN(int64_t seq, head.Int(0, 0));
    rec.seq = seq + 1;
    rec.prev_hash = head.Str(0, 1);
    RAMPART_ASSIGN_OR_RETURN(rec.time, head.Int(0, 2));
    if (options_.clock) rec.time = options_.clock();
    rec.hash = AuditChainHash(rec);
    RAMPART_RETURN_IF_ERROR(
        conn.Query("WITH ins AS (INSERT INTO audit_log (seq, time, actor, action, target, detail, "
                   "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)) "
                   "UPDATE audit_head SET seq = $1, hash = $8 WHERE one = 1",
                   {I(rec.seq), I(rec.time), rec.actor, rec.action, rec.target, rec.detail,
                    rec.prev_hash, rec.hash})
            .status());
    return rec;
  }

  // The owners of the batch's ids (by stix::CanonicalId) that carry an
  // owner, after claiming each id no one owns for the first object (in input
  // order) that adds a version of it. The claim is INSERT .. ON CONFLICT DO
  // NOTHING on the primary key: a concurrent transaction (any collection,
  // any process) claiming the same id makes ours wait for its outcome, so of
  // two first writers exactly one wins; ids are claimed in sorted order so
  // two batches never wait on each other in a cycle. `by_id` and
  // `now`/`last` are as AddObjects will use them (the claim predicts exactly
  // which objects it adds: an owner refusal only removes versions of an id
  // that already has an owner).
  Result<std::unordered_map<std::string, std::string>> ClaimOwners(
      PgConnection& conn, const std::vector<NewObject>& objects, const std::vector<bool>& valid,
      const std::unordered_map<std::string, std::vector<VersionRow>>& by_id, Micros now,
      Micros last) {
    std::unordered_map<std::string, std::string> owners;
    // Nothing to claim or check (tests, benchmarks): no work at all.
    if (std::none_of(objects.begin(), objects.end(),
                     [](const NewObject& o) { return !o.owner.empty(); })) {
      return owners;
    }
    std::vector<std::string> ids;  // canonical, distinct
    std::unordered_map<std::string, std::string> claims;
    std::unordered_set<std::string> seen_version;  // "id\nversion" added so far
    for (size_t i = 0; i < objects.size(); ++i) {
      if (!valid[i]) continue;
      const NewObject& o = objects[i];
      Micros version = ObjectVersion(o, std::max(now, last + 1));
      bool dup = !seen_version.insert(o.id + "\n" + std::to_string(version)).second;
      if (!dup) {
        auto it = by_id.find(o.id);
        dup = it != by_id.end() && std::any_of(it->second.begin(), it->second.end(),
                                               [&](const VersionRow& v) { return v.version == version; });
      }
      if (!dup) last = std::max(now, last + 1);
      if (o.owner.empty()) continue;
      std::string canonical = stix::CanonicalId(o.id);
      if (owners.emplace(canonical, "").second) ids.push_back(canonical);
      if (!dup) claims.emplace(canonical, o.owner);  // the first adder's
    }
    if (ids.empty()) return owners;
    if (!claims.empty()) {
      std::vector<std::string> claim_ids, claim_owners;
      for (const auto& [id, owner] : claims) {
        claim_ids.push_back(id);
        claim_owners.push_back(owner);
      }
      RAMPART_RETURN_IF_ERROR(
          conn.Query("INSERT INTO object_owners (id, owner) SELECT u.id, u.owner FROM "
                     "unnest($1::text[], $2::text[]) AS u(id, owner) ORDER BY u.id "
                     "ON CONFLICT (id) DO NOTHING",
                     {TextArray(claim_ids), TextArray(claim_owners)})
              .status());
    }
    owners.clear();
    RAMPART_ASSIGN_OR_RETURN(
        PgResult r,
        conn.Query("SELECT id, owner FROM object_owners WHERE id = ANY($1::text[])", {TextArray(ids)}));
    for (int i = 0; i < r.rows(); ++i) owners[r.Str(i, 0)] = r.Str(i, 1);
    return owners;
  }

  // Bulk insert of the batch's new versions with COPY (the fastest path into
  // PostgreSQL): seqs are drawn from the store-wide sequence first, in input
  // order, while the collection lock is held.
  Status InsertObjects(PgConnection& conn, int64_t ckey, const std::vector<NewObject>& objects,
                       const std::vector<EncodedObject>& encoded,
                       const std::vector<size_t>& added, const std::vector<WriteOutcome>& out,
                       const std::unordered_map<int, const VersionRow*>& rows) {
    RAMPART_ASSIGN_OR_RETURN(
        PgResult seqs, conn.Query("SELECT nextval('rampart_seq') FROM generate_series(1, $1)",
                                  {I(static_cast<int64_t>(added.size()))}));
    if (seqs.rows() != static_cast<int>(added.size())) {
      return Status::Internal("PostgreSQL store: sequence returned too few values");
    }
    std::vector<int64_t> seq(added.size());
    for (int i = 0; i < seqs.rows(); ++i) {
      RAMPART_ASSIGN_OR_RETURN(seq[static_cast<size_t>(i)], seqs.Int(i, 0));
    }
    std::sort(seq.begin(), seq.end());
    CopyBuffer obj, obs;
    for (size_t k = 0; k < added.size(); ++k) {
      const size_t i = added[k];
      const VersionRow& v = *rows.at(static_cast<int>(i));
      obj.Int(seq[k]).Int(ckey).Text(objects[i].id).Int(out[i].version).Int(out[i].date_added);
      obj.Raw(encoded[i].middle);
      obj.Bool(v.new_latest_spec).Bool(v.new_is_first).Bool(v.new_is_last);
      obj.EndRow();
      for (const std::string& kv : encoded[i].observables) {
        obs.Raw(kv).Int(seq[k]);
        obs.EndRow();
      }
    }
    RAMPART_RETURN_IF_ERROR(
        conn.CopyIn("COPY objects (seq, coll, id, version, date_added, type, spec_version, "
                    "created, modified, created_by_ref, revoked, valid_from, valid_until, "
                    "marking_refs, json, org_id, user_id, source_peer, anonymous, sharing_groups, "
                    "red_recipients, effective_tlp, default_marking_applied, observables, "
                    "latest_spec, is_first, is_last) FROM STDIN",
                    obj.data())
            .status());
    if (!obs.data().empty()) {
      RAMPART_RETURN_IF_ERROR(
          conn.CopyIn("COPY observables (kind, value_hash, value, object_seq) FROM STDIN", obs.data()).status());
    }
    return Status::Ok();
  }

  Status UpdateFlags(PgConnection& conn, const std::vector<int64_t>& seq,
                     const std::vector<bool>& ls, const std::vector<bool>& first,
                     const std::vector<bool>& last) {
    return conn
        .Query("UPDATE objects o SET latest_spec = u.ls, is_first = u.f, is_last = u.l "
               "FROM unnest($1::bigint[], $2::boolean[], $3::boolean[], $4::boolean[]) "
               "AS u(seq, ls, f, l) WHERE o.seq = u.seq",
               {IntArray(seq), BoolArray(ls), BoolArray(first), BoolArray(last)})
        .status();
  }

  // Collection ids map to small integer keys once and forever (collections
  // are never deleted), so the mapping is cached per process.
  Result<int64_t> CollectionKey(PgConnection& conn, const std::string& id) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = ckeys_.find(id);
      if (it != ckeys_.end()) return it->second;
    }
    RAMPART_ASSIGN_OR_RETURN(PgResult r,
                             conn.Query("SELECT ckey FROM collections WHERE id = $1", {id}));
    if (r.rows() == 0) return Status::NotFound("no such collection: " + id);
    RAMPART_ASSIGN_OR_RETURN(int64_t k, r.Int(0, 0));
    std::lock_guard<std::mutex> l(mu_);
    ckeys_[id] = k;
    return k;
  }

  Result<std::vector<Collection>> ReadCollections(const std::string& tail, const Params& params) {
    return Run<std::vector<Collection>>(
        [&](PgConnection& conn) -> Result<std::vector<Collection>> {
          RAMPART_ASSIGN_OR_RETURN(
              PgResult r, conn.Query("SELECT id, api_root, title, description, media_types, "
                                     "default_tlp, is_public, created FROM collections" +
                                         tail,
                                     params));
          std::vector<Collection> out;
          for (int i = 0; i < r.rows(); ++i) {
            Collection c;
            c.id = r.Str(i, 0);
            c.api_root = r.Str(i, 1);
            c.title = r.Str(i, 2);
            c.description = r.Str(i, 3);
            RAMPART_ASSIGN_OR_RETURN(c.media_types, ParseJsonStringArray(r.Text(i, 4)));
            RAMPART_ASSIGN_OR_RETURN(int64_t tlp, r.Int(i, 5));
            if (tlp < 0 || tlp > static_cast<int64_t>(stix::Tlp::kRed)) {
              return Status::Corruption("PostgreSQL store: default_tlp out of range");
            }
            c.default_tlp = static_cast<stix::Tlp>(tlp);
            c.is_public = r.Bool(i, 6);
            RAMPART_ASSIGN_OR_RETURN(c.created, r.Int(i, 7));
            out.push_back(std::move(c));
          }
          return out;
        });
  }

  Result<std::vector<Organization>> ReadOrganizations(const std::string& tail,
                                                      const Params& params) {
    return Run<std::vector<Organization>>(
        [&](PgConnection& conn) -> Result<std::vector<Organization>> {
          RAMPART_ASSIGN_OR_RETURN(
              PgResult r, conn.Query("SELECT id, name, identity_id, client_org_ids, "
                                     "trusted_for_amber, created FROM organizations" +
                                         tail,
                                     params));
          std::vector<Organization> out;
          for (int i = 0; i < r.rows(); ++i) {
            Organization o;
            o.id = r.Str(i, 0);
            o.name = r.Str(i, 1);
            o.identity_id = r.Str(i, 2);
            RAMPART_ASSIGN_OR_RETURN(o.client_org_ids, ParseJsonStringArray(r.Text(i, 3)));
            o.trusted_for_amber = r.Bool(i, 4);
            RAMPART_ASSIGN_OR_RETURN(o.created, r.Int(i, 5));
            out.push_back(std::move(o));
          }
          return out;
        });
  }

  Result<std::vector<User>> ReadUsers(const std::string& tail, const Params& params) {
    return Run<std::vector<User>>([&](PgConnection& conn) -> Result<std::vector<User>> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r, conn.Query("SELECT id, org_id, name, role, password_hash, disabled, created "
                                 "FROM users" +
                                     tail,
                                 params));
      std::vector<User> out;
      for (int i = 0; i < r.rows(); ++i) {
        User u;
        u.id = r.Str(i, 0);
        u.org_id = r.Str(i, 1);
        u.name = r.Str(i, 2);
        RAMPART_ASSIGN_OR_RETURN(int64_t role, r.Int(i, 3));
        if (role < 0 || role > static_cast<int64_t>(Role::kSyncPeer)) {
          return Status::Corruption("PostgreSQL store: role out of range");
        }
        u.role = static_cast<Role>(role);
        u.password_hash = r.Str(i, 4);
        u.disabled = r.Bool(i, 5);
        RAMPART_ASSIGN_OR_RETURN(u.created, r.Int(i, 6));
        out.push_back(std::move(u));
      }
      return out;
    });
  }

  Result<std::vector<Token>> ReadTokens(const std::string& tail, const Params& params) {
    return Run<std::vector<Token>>([&](PgConnection& conn) -> Result<std::vector<Token>> {
      RAMPART_ASSIGN_OR_RETURN(
          PgResult r, conn.Query("SELECT id, user_id, name, secret_sha256, created, expires, "
                                 "revoked FROM tokens" +
                                     tail,
                                 params));
      std::vector<Token> out;
      for (int i = 0; i < r.rows(); ++i) {
        Token t;
        t.id = r.Str(i, 0);
        t.user_id = r.Str(i, 1);
        t.name = r.Str(i, 2);
        t.secret_sha256 = r.Str(i, 3);
        RAMPART_ASSIGN_OR_RETURN(t.created, r.Int(i, 4));
        RAMPART_ASSIGN_OR_RETURN(t.expires, r.Int(i, 5));
        t.revoked = r.Bool(i, 6);
        out.push_back(std::move(t));
      }
      return out;
    });
  }

  std::unique_ptr<ConnectionPool> pool_;
  const PostgresOptions options_;
  std::optional<CursorCodec> cursor_;  // set by InitCursor before use; then immutable
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> ckeys_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<store::Store>> OpenPostgresStore(const std::string& url,
                                                         const PostgresOptions& options) {
  if (url.rfind("postgres://", 0) != 0 && url.rfind("postgresql://", 0) != 0) {
    return Status::InvalidArgument("a PostgreSQL store URL starts with postgres:// or postgresql://");
  }
  if (options.pool_size < 1) return Status::InvalidArgument("pool_size must be at least 1");
  {
    char* err = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
    if (parsed == nullptr) {
      std::string msg = err ? err : "malformed connection URL";
      PQfreemem(err);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Status::InvalidArgument("malformed PostgreSQL URL: " + RedactStoreUrlIn(msg, url));
    }
    PQconninfoFree(parsed);
  }
  std::vector<std::string> setup = {
      // Acknowledged = flushed to the server's WAL, whatever the cluster default.
      "SET synchronous_commit TO on",
      "SET client_min_messages TO warning",
  };
  if (!options.schema.empty()) {
    static const std::regex kSchemaName("[a-z_][a-z0-9_]{0,62}");
    if (!std::regex_match(options.schema, kSchemaName)) {
      return Status::InvalidArgument("schema name must match [a-z_][a-z0-9_]{0,62}");
    }
    setup.push_back("SET search_path TO " + QuoteIdent(options.schema));
  }
  auto pool = std::make_unique<ConnectionPool>(url, options.pool_size,
                                               options.connect_timeout_seconds, setup);
  {
    RAMPART_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool->Acquire());
    if (!options.schema.empty()) {
      // Created under the same advisory lock as the tables, so racing
      // processes do not trip over each other's CREATE SCHEMA.
      RAMPART_RETURN_IF_ERROR(lease->Exec("BEGIN"));
      Status s = lease->Query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                              {"rampart-schema:" + options.schema})
                     .status();
      // Only when missing: CREATE SCHEMA needs the CREATE privilege on the
      // database even with IF NOT EXISTS, which a least-privilege role lacks.
      auto exists = lease->Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", {options.schema});
      if (!exists.ok()) s = exists.status();
      if (s.ok() && exists->rows() == 0) {
        s = lease->Exec("CREATE SCHEMA " + QuoteIdent(options.schema));
      }
      if (s.ok()) s = lease->Exec("COMMIT");
      if (!s.ok()) {
        (void)lease->Exec("ROLLBACK");
        return s;
      }
    }
    RAMPART_RETURN_IF_ERROR(Migrate(*lease));
  }
  auto store = std::make_unique<PostgresStore>(std::move(pool), options);
  RAMPART_RETURN_IF_ERROR(store->InitCursor());
  return std::unique_ptr<store::Store>(std::move(store));
}

}  // namespace rampart::store::postgres
