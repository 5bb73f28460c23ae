#include "store/memory/memory_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "base/crypto.h"
#include "store/cursor.h"

namespace rampart::store {
namespace {

struct CollectionState {
  Collection meta;
  std::map<int64_t, StoredObject> rows;              // by seq == (date_added, seq) order
  std::map<std::string, std::set<int64_t>> by_id;   // object id -> seqs
  Micros last_date_added = 0;
};

template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class MemoryStore final : public Store {
 public:
  // Every instance has its own cursor key: a cursor of one store is refused
  // by another, as with the real backends.
  MemoryStore() : cursor_(SecretLocked(kCursorKeySecret)) {}

  Status CreateCollection(const Collection& c) override {
    if (c.id.empty()) return Status::InvalidArgument("collection id is empty");
    std::lock_guard<std::mutex> l(mu_);
    if (collections_.count(c.id)) return Status::Conflict("collection exists: " + c.id);
    collections_[c.id].meta = c;
    return Status::Ok();
  }

  Result<Collection> GetCollection(std::string_view id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = collections_.find(std::string(id));
    if (it == collections_.end()) return Status::NotFound("no such collection: " + std::string(id));
    return it->second.meta;
  }

  Result<std::vector<Collection>> ListCollections() override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Collection> out;
    for (auto& [id, c] : collections_) out.push_back(c.meta);
    std::sort(out.begin(), out.end(), [](const Collection& a, const Collection& b) {
      return std::tie(a.api_root, a.title, a.id) < std::tie(b.api_root, b.title, b.id);
    });
    return out;
  }

  Result<std::vector<WriteOutcome>> AddObjects(std::string_view collection_id,
                                               const std::vector<NewObject>& objects,
                                               const WriteOptions& options) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = collections_.find(std::string(collection_id));
    if (it == collections_.end()) {
      return Status::NotFound("no such collection: " + std::string(collection_id));
    }
    CollectionState& c = it->second;
    std::vector<WriteOutcome> out;
    out.reserve(objects.size());
    for (const NewObject& o : objects) {
      WriteOutcome w;
      w.id = o.id;
      Status v = ValidateNewObject(o);
      if (!v.ok()) {
        w.result = WriteResult::kFailed;
        w.message = std::string(v.message());
        out.push_back(std::move(w));
        continue;
      }
      // Ownership first (before the duplicate check): a version of an id
      // another owner holds is refused, re-posted or not.
      std::string canonical_id;
      bool record_owner = false;
      if (!o.owner.empty()) {
        canonical_id = stix::CanonicalId(o.id);
        auto own = owners_.find(canonical_id);
        if (own != owners_.end() && own->second != o.owner) {
          w.result = WriteResult::kFailed;
          w.message = kIdTakenMessage;
          out.push_back(std::move(w));
          continue;
        }
        record_owner = own == owners_.end();
      }
      Micros date_added = std::max(NowMicros(), c.last_date_added + 1);
      Micros version = ObjectVersion(o, date_added);
      w.version = version;
      const StoredObject* existing = nullptr;
      auto bi = c.by_id.find(o.id);
      if (bi != c.by_id.end()) {
        for (int64_t s : bi->second) {
          if (c.rows[s].version == version) existing = &c.rows[s];
        }
      }
      if (existing) {
        w.result = WriteResult::kDuplicate;
        w.date_added = existing->date_added;
        out.push_back(std::move(w));
        continue;
      }
      c.last_date_added = date_added;
      if (record_owner) owners_.emplace(std::move(canonical_id), o.owner);
      StoredObject s;
      static_cast<NewObject&>(s) = o;
      s.collection_id = c.meta.id;
      s.version = version;
      s.date_added = date_added;
      s.seq = ++seq_;
      c.by_id[o.id].insert(s.seq);
      c.rows.emplace(s.seq, std::move(s));
      w.result = WriteResult::kAdded;
      w.date_added = date_added;
      out.push_back(std::move(w));
    }
    if (options.audit) AppendAuditLocked(*options.audit);
    return out;
  }

  Result<Page> QueryObjects(const ObjectQuery& q) override {
    if (q.limit < 1) return Status::InvalidArgument("limit must be at least 1");
    std::optional<CursorPosition> after;
    if (!q.cursor.empty()) {
      RAMPART_ASSIGN_OR_RETURN(after, cursor_.Decode(q.collection_id, q.cursor));
    }
    std::lock_guard<std::mutex> l(mu_);
    auto it = collections_.find(q.collection_id);
    if (it == collections_.end()) return Status::NotFound("no such collection: " + q.collection_id);
    CollectionState& c = it->second;
    Page page;
    auto start = after ? c.rows.upper_bound(after->seq) : c.rows.begin();
    for (auto r = start; r != c.rows.end(); ++r) {
      const StoredObject& s = r->second;
      if (after && (s.date_added < after->date_added ||
                    (s.date_added == after->date_added && s.seq <= after->seq))) {
        continue;
      }
      if (!Selected(c, s, q)) continue;
      if (page.objects.size() == q.limit) {
        page.more = true;
        break;
      }
      page.objects.push_back(s);
      if (!q.include_json) page.objects.back().json.clear();
    }
    if (page.more) {
      const StoredObject& last = page.objects.back();
      page.next = cursor_.Encode(q.collection_id, {last.date_added, last.seq});
    }
    return page;
  }

  Result<size_t> DeleteObject(std::string_view collection_id, std::string_view id,
                              const VersionFilter& versions,
                              const std::vector<std::string>& spec_versions,
                              const WriteOptions& options) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = collections_.find(std::string(collection_id));
    if (it == collections_.end()) {
      return Status::NotFound("no such collection: " + std::string(collection_id));
    }
    CollectionState& c = it->second;
    auto bi = c.by_id.find(std::string(id));
    if (bi == c.by_id.end()) return Status::NotFound("no such object: " + std::string(id));
    ObjectQuery q;
    q.spec_versions = spec_versions;
    q.versions = versions;
    if (versions.IsDefault()) q.versions.all = true;
    if (spec_versions.empty()) {
      // DELETE without match[spec_version] removes every spec version.
      for (int64_t s : bi->second) {
        if (!Contains(q.spec_versions, c.rows[s].spec_version)) {
          q.spec_versions.push_back(c.rows[s].spec_version);
        }
      }
    }
    std::vector<int64_t> doomed;
    for (int64_t s : bi->second) {
      if (SelectVersion(c, c.rows[s], q)) doomed.push_back(s);
    }
    if (doomed.empty()) return Status::NotFound("no matching version of " + std::string(id));
    Micros now = NowMicros();
    for (int64_t s : doomed) {
      Tombstone t;
      t.collection_id = c.meta.id;
      t.id = std::string(id);
      t.version = c.rows[s].version;
      t.deleted_at = now;
      t.seq = ++tombstone_seq_;
      tombstones_.push_back(t);
      bi->second.erase(s);
      c.rows.erase(s);
    }
    if (bi->second.empty()) c.by_id.erase(bi);
    if (options.audit) AppendAuditLocked(*options.audit);
    return doomed.size();
  }

  Result<std::string> GetObjectOwner(std::string_view id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = owners_.find(stix::CanonicalId(id));
    if (it == owners_.end()) return Status::NotFound("no owner recorded for " + std::string(id));
    return it->second;
  }

  Result<std::vector<Tombstone>> ListTombstones(std::string_view collection_id, int64_t after_seq,
                                                size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Tombstone> out;
    for (const Tombstone& t : tombstones_) {
      if (out.size() >= limit) break;
      if (t.collection_id == collection_id && t.seq > after_seq) out.push_back(t);
    }
    return out;
  }

  Result<std::vector<StoredObject>> FindObservable(const Observable& o, size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<StoredObject> out;
    for (auto& [cid, c] : collections_) {
      for (auto& [seq, s] : c.rows) {
        if (Contains(s.observables, o)) out.push_back(s);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const StoredObject& a, const StoredObject& b) { return a.seq > b.seq; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  Status PutStatus(const StatusResource& s) override {
    if (s.id.empty()) return Status::InvalidArgument("status id is empty");
    std::lock_guard<std::mutex> l(mu_);
    statuses_[s.id] = s;
    return Status::Ok();
  }
  Result<StatusResource> GetStatus(std::string_view id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = statuses_.find(std::string(id));
    if (it == statuses_.end()) return Status::NotFound("no such status: " + std::string(id));
    return it->second;
  }
  Result<size_t> PurgeStatuses(Micros cutoff) override {
    std::lock_guard<std::mutex> l(mu_);
    size_t n = std::erase_if(statuses_, [&](const auto& kv) {
      return kv.second.request_timestamp < cutoff;
    });
    return n;
  }

  Status PutOrganization(const Organization& o, const WriteOptions& options) override {
    return Put(orgs_, o.id, o, options);
  }
  Result<Organization> GetOrganization(std::string_view id) override {
    return Get(orgs_, id, "organization");
  }
  Result<std::vector<Organization>> ListOrganizations() override { return List(orgs_); }
  Status PutUser(const User& u, const WriteOptions& options) override {
    return Put(users_, u.id, u, options);
  }
  Result<User> GetUser(std::string_view id) override { return Get(users_, id, "user"); }
  Result<std::vector<User>> ListUsers() override { return List(users_); }
  Status PutToken(const Token& t, const WriteOptions& options) override {
    return Put(tokens_, t.id, t, options);
  }
  Result<Token> FindTokenBySecretHash(std::string_view secret_sha256) override {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [id, t] : tokens_) {
      if (t.secret_sha256 == secret_sha256) return t;
    }
    return Status::NotFound("no token with this secret");
  }
  Result<std::vector<Token>> ListTokens() override { return List(tokens_); }
  Status PutGrant(const Grant& g, const WriteOptions& options) override {
    std::lock_guard<std::mutex> l(mu_);
    grants_[std::make_tuple(g.collection_id, static_cast<int>(g.grantee_kind), g.grantee_id)] = g;
    if (options.audit) AppendAuditLocked(*options.audit);
    return Status::Ok();
  }
  Result<std::vector<Grant>> ListGrants() override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<Grant> out;
    for (auto& [k, g] : grants_) out.push_back(g);
    return out;
  }
  Status PutSharingGroup(const SharingGroup& g, const WriteOptions& options) override {
    return Put(groups_, g.id, g, options);
  }
  Result<std::vector<SharingGroup>> ListSharingGroups() override { return List(groups_); }

  Result<AuditRecord> AppendAudit(const AuditEntry& e) override {
    std::lock_guard<std::mutex> l(mu_);
    return AppendAuditLocked(e);
  }
  Result<std::vector<AuditRecord>> ReadAudit(int64_t after_seq, size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<AuditRecord> out;
    for (const AuditRecord& r : audit_) {
      if (out.size() >= limit) break;
      if (r.seq > after_seq) out.push_back(r);
    }
    return out;
  }

  Result<std::string> GetOrCreateSecret(std::string_view name) override {
    std::lock_guard<std::mutex> l(mu_);
    return SecretLocked(name);
  }

  Status Backup(const std::string& destination) override {
    return Status::Unsupported("the in-memory store has no backup");
  }

 private:
  std::string SecretLocked(std::string_view name) {
    auto [it, inserted] = secrets_.try_emplace(std::string(name));
    if (inserted) it->second = RandomBytes(32);
    return it->second;
  }

  // Whether `s` passes the spec_version selection of `q` (default: the
  // latest spec_version among the object's versions).
  bool SpecSelected(CollectionState& c, const StoredObject& s, const ObjectQuery& q) {
    if (!q.spec_versions.empty()) return Contains(q.spec_versions, s.spec_version);
    for (int64_t o : c.by_id[s.id]) {
      if (c.rows[o].spec_version > s.spec_version) return false;
    }
    return true;
  }

  // spec_version selection plus match[version] (first/last computed among the
  // spec-selected versions of the object).
  bool SelectVersion(CollectionState& c, const StoredObject& s, const ObjectQuery& q) {
    if (!SpecSelected(c, s, q)) return false;
    const VersionFilter& v = q.versions;
    if (v.all) return true;
    bool want_last = v.last || v.IsDefault();
    if (!v.versions.empty() && Contains(v.versions, s.version)) return true;
    if (!want_last && !v.first) return false;
    Micros lo = s.version, hi = s.version;
    for (int64_t o : c.by_id[s.id]) {
      const StoredObject& other = c.rows[o];
      if (!SpecSelected(c, other, q)) continue;
      lo = std::min(lo, other.version);
      hi = std::max(hi, other.version);
    }
    return (want_last && s.version == hi) || (v.first && s.version == lo);
  }

  bool Selected(CollectionState& c, const StoredObject& s, const ObjectQuery& q) {
    if (q.added_after && s.date_added <= *q.added_after) return false;
    if (!q.ids.empty() && !Contains(q.ids, s.id)) return false;
    if (!q.types.empty() && !Contains(q.types, s.type)) return false;
    return SelectVersion(c, s, q);
  }

  AuditRecord AppendAuditLocked(const AuditEntry& e) {
    AuditRecord r;
    static_cast<AuditEntry&>(r) = e;
    r.seq = static_cast<int64_t>(audit_.size()) + 1;
    r.time = NowMicros();
    r.prev_hash = audit_.empty() ? kAuditGenesisHash : audit_.back().hash;
    r.hash = AuditChainHash(r);
    audit_.push_back(r);
    return r;
  }

  template <typename T>
  Status Put(std::map<std::string, T>& m, const std::string& id, const T& v,
             const WriteOptions& options) {
    if (id.empty()) return Status::InvalidArgument("id is empty");
    std::lock_guard<std::mutex> l(mu_);
    m[id] = v;
    if (options.audit) AppendAuditLocked(*options.audit);
    return Status::Ok();
  }
  template <typename T>
  Result<T> Get(std::map<std::string, T>& m, std::string_view id, const char* what) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = m.find(std::string(id));
    if (it == m.end()) return Status::NotFound(std::string("no such ") + what + ": " + std::string(id));
    return it->second;
  }
  template <typename T>
  Result<std::vector<T>> List(std::map<std::string, T>& m) {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<T> out;
    for (auto& [id, v] : m) out.push_back(v);
    return out;
  }

  std::mutex mu_;
  std::map<std::string, CollectionState> collections_;
  int64_t seq_ = 0;
  int64_t tombstone_seq_ = 0;
  std::vector<Tombstone> tombstones_;
  std::map<std::string, StatusResource> statuses_;
  std::map<std::string, Organization> orgs_;
  std::map<std::string, User> users_;
  std::map<std::string, Token> tokens_;
  std::map<std::tuple<std::string, int, std::string>, Grant> grants_;
  std::map<std::string, SharingGroup> groups_;
  std::vector<AuditRecord> audit_;
  std::map<std::string, std::string> owners_;   // stix::CanonicalId -> owner key
  std::map<std::string, std::string> secrets_;  // name -> 32 random bytes
  const CursorCodec cursor_;  // after secrets_: initialised from it
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace rampart::store
