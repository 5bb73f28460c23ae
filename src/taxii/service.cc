#include "taxii/service.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <thread>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "auth/audit_entries.h"
#include "auth/policy.h"
#include "base/crypto.h"
#include "base/time.h"
#include "ingest/ingest.h"
#include "taxii/error_response.h"
#include "taxii/filters.h"
#include "taxii/media_types.h"

namespace rampart::taxii {
namespace {

using nlohmann::json;

enum class Route {
  kNotFound,
  kHealth,
  kMetrics,
  kDiscovery,
  kApiRoot,
  kStatus,
  kCollections,
  kCollection,
  kManifest,
  kObjects,
  kObject,
  kVersions,
};

struct Parsed {
  Route route = Route::kNotFound;
  std::string root, status_id, collection_id, object_id;
  std::string why;  // for 404 descriptions
};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);  // leading '/'
  while (!path.empty()) {
    size_t s = path.find('/');
    out.push_back(path.substr(0, s));
    if (s == std::string_view::npos) break;
    path.remove_prefix(s + 1);
  }
  return out;
}

Parsed ParsePath(std::string_view path) {
  Parsed p;
  if (path == "/healthz" || path == "/healthz/") {
    p.route = Route::kHealth;
    return p;
  }
  if (path == "/metrics" || path == "/metrics/") {
    p.route = Route::kMetrics;
    return p;
  }
  if (path.empty() || path.front() != '/') return p;
  if (path.size() > 1 && path.back() != '/') {
    p.why = "TAXII URLs end with '/'";
    return p;
  }
  auto seg = Segments(path);
  for (auto s : seg) {
    if (s.empty()) {
      p.why = "empty path segment";
      return p;
    }
  }
  if (seg.size() == 1 && seg[0] == "taxii2") {
    p.route = Route::kDiscovery;
    return p;
  }
  if (seg.empty()) return p;
  p.root = std::string(seg[0]);
  if (seg.size() == 1) {
    p.route = Route::kApiRoot;
  } else if (seg.size() == 3 && seg[1] == "status") {
    p.route = Route::kStatus;
    p.status_id = std::string(seg[2]);
  } else if (seg[1] == "collections") {
    if (seg.size() == 2) {
      p.route = Route::kCollections;
    } else {
      p.collection_id = std::string(seg[2]);
      if (seg.size() == 3) {
        p.route = Route::kCollection;
      } else if (seg.size() == 4 && seg[3] == "manifest") {
        p.route = Route::kManifest;
      } else if (seg[3] == "objects") {
        if (seg.size() == 4) {
          p.route = Route::kObjects;
        } else {
          p.object_id = std::string(seg[4]);
          if (seg.size() == 5) {
            p.route = Route::kObject;
          } else if (seg.size() == 6 && seg[5] == "versions") {
            p.route = Route::kVersions;
          }
        }
      }
    }
  }
  return p;
}

std::string JsonString(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void SetJson(http::Response& resp, int status, std::string body) {
  resp.status = status;
  resp.body = std::move(body);
  resp.SetHeader("Content-Type", kTaxiiMediaType);
}

std::string MediaTypeFor(const store::StoredObject& o) {
  return std::string(kStixMediaTypePrefix) + (o.spec_version.empty() ? "2.1" : o.spec_version);
}

}  // namespace

struct TaxiiService::Impl {
  store::Store& store;
  auth::Authenticator& authn;
  http::Metrics* metrics;
  TaxiiOptions options;
  FilterLimits limits;
  std::atomic<int64_t>* ingested = nullptr;
  std::atomic<int64_t>* ingest_requests = nullptr;
  std::atomic<int64_t> ingested_local{0};
  std::atomic<int64_t> stored_base{-1};  // count at start; -1 until known
  std::atomic<int64_t> stored_delta{0};  // adds minus deletes since start
  std::atomic<bool> stop{false};
  std::thread counter;
  std::atomic<Micros> last_purge{0};

  // Collections, reloaded at most every collection_cache_ttl.
  struct CollectionSet {
    std::vector<store::Collection> list;
    std::unordered_map<std::string, size_t> by_id;
    Micros loaded = 0;
  };
  std::mutex collections_mu;
  std::shared_ptr<const CollectionSet> collections;

  Impl(store::Store& s, auth::Authenticator& a, http::Metrics* m, TaxiiOptions o)
      : store(s), authn(a), metrics(m), options(std::move(o)) {
    limits.default_limit = options.default_page_size;
    limits.max_limit = options.max_page_size;
    if (options.api_roots.empty()) options.api_roots.push_back(ApiRootConfig{});
    if (metrics) {
      ingested = metrics->AddCounter("rampart_objects_ingested_total",
                                     "Object versions newly stored through TAXII POST since start.");
      ingest_requests =
          metrics->AddCounter("rampart_ingest_requests_total", "TAXII POST requests accepted (202).");
      if (options.count_objects_at_start) {
        metrics->AddGauge("rampart_objects_stored",
                          "Stored object versions (counted at start, plus this process's adds and deletes; "
                          "NaN while counting).",
                          [this] {
                            int64_t base = stored_base.load();
                            if (base < 0) return std::numeric_limits<double>::quiet_NaN();
                            return static_cast<double>(base + stored_delta.load());
                          });
        counter = std::thread([this] { CountStored(); });
      }
    }
  }

  ~Impl() {
    stop = true;
    if (counter.joinable()) counter.join();
  }

  void CountStored() {
    auto all = store.ListCollections();
    if (!all.ok()) return;
    int64_t n = 0;
    for (const auto& c : *all) {
      store::ObjectQuery q;
      q.collection_id = c.id;
      q.versions.all = true;
      q.spec_versions = {"2.0", "2.1"};
      q.include_json = false;
      q.limit = 1000;
      q.fields = store::ObjectFields::kServe;
      while (!stop) {
        auto end = store.ScanObjects(q, [&](const store::StoredObject&) { ++n; });
        if (!end.ok()) return;
        if (!end->more) break;
        q.cursor = end->next;
      }
      if (stop) return;
    }
    stored_base = n;
  }

  Result<std::shared_ptr<const CollectionSet>> AllCollections(bool force = false) {
    Micros now = NowMicros();
    {
      std::lock_guard lock(collections_mu);
      if (!force && collections && now - collections->loaded < options.collection_cache_ttl) {
        return collections;
      }
    }
    RAMPART_ASSIGN_OR_RETURN(auto list, store.ListCollections());
    auto c = std::make_shared<CollectionSet>();
    c->list = std::move(list);
    for (size_t i = 0; i < c->list.size(); ++i) c->by_id[c->list[i].id] = i;
    c->loaded = now;
    std::lock_guard lock(collections_mu);
    collections = c;
    return std::shared_ptr<const CollectionSet>(c);
  }

  // The collection `id` under `root`, from the cache or (on a miss) the
  // store. NotFound when absent or under another root.
  Result<store::Collection> FindCollection(std::string_view root, const std::string& id) {
    RAMPART_ASSIGN_OR_RETURN(auto all, AllCollections());
    auto it = all->by_id.find(id);
    if (it == all->by_id.end()) {
      RAMPART_ASSIGN_OR_RETURN(all, AllCollections(/*force=*/true));
      it = all->by_id.find(id);
      if (it == all->by_id.end()) return Status::NotFound("no collection " + id.substr(0, 100));
    }
    const store::Collection& c = all->list[it->second];
    if (c.api_root != root) return Status::NotFound("no collection " + id.substr(0, 100));
    return c;
  }

  const ApiRootConfig* ConfiguredRoot(std::string_view root) const {
    for (const auto& r : options.api_roots) {
      if (r.path == root) return &r;
    }
    return nullptr;
  }

  // An API root exists for `p` only when `p` can see a collection in it
  // (DecideCollection(...).visible): a root without one answers 404 like an
  // unknown root and is not in p's discovery (TAXII 2.1 §4.1: the list "MAY
  // be filtered on a per-client basis"), so a root's existence is no oracle.
  Result<bool> RootVisible(std::string_view root, const auth::Principal& p, const auth::PolicySnapshot& snap) {
    RAMPART_ASSIGN_OR_RETURN(auto all, AllCollections());
    for (const auto& c : all->list) {
      if (c.api_root == root && auth::DecideCollection(snap, p, c).visible) return true;
    }
    return false;
  }

  // The roots `p` can see: configured ones first (in their order), then the
  // others named by collections.
  Result<std::vector<std::string>> VisibleRoots(const auth::Principal& p, const auth::PolicySnapshot& snap) {
    RAMPART_ASSIGN_OR_RETURN(auto all, AllCollections());
    std::vector<std::string> seen;
    for (const auto& c : all->list) {
      if (std::find(seen.begin(), seen.end(), c.api_root) != seen.end()) continue;
      if (auth::DecideCollection(snap, p, c).visible) seen.push_back(c.api_root);
    }
    std::vector<std::string> roots;
    for (const auto& r : options.api_roots) {
      if (std::find(seen.begin(), seen.end(), r.path) != seen.end()) roots.push_back(r.path);
    }
    for (const auto& r : seen) {
      if (!ConfiguredRoot(r)) roots.push_back(r);
    }
    return roots;
  }

  static Status NoRoot(std::string_view root) {
    return Status::NotFound("no API root '" + std::string(root.substr(0, 100)) + "'");
  }

  // The prefix of discovery links: TAXII 2.1 §4.1 allows only HTTPS absolute
  // URLs or relative ones, so "" (relative: "/api/") unless an https
  // public_url is configured. Never built from the request's Host header.
  std::string BaseUrl() const {
    if (options.public_url.rfind("https://", 0) != 0) return {};
    std::string u = options.public_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }

  // ---- Endpoints ----

  Status Discovery(const auth::Principal& p, const auth::PolicySnapshot& snap, http::Response& resp) {
    const std::string base = BaseUrl();
    RAMPART_ASSIGN_OR_RETURN(auto roots, VisibleRoots(p, snap));
    json j;
    j["title"] = options.title;
    if (!options.description.empty()) j["description"] = options.description;
    if (!options.contact.empty()) j["contact"] = options.contact;
    const std::string& def = options.api_roots.front().path;
    if (std::find(roots.begin(), roots.end(), def) != roots.end()) j["default"] = base + "/" + def + "/";
    if (!roots.empty()) {  // TAXII forbids empty lists: omitted when empty
      json list = json::array();
      for (const auto& r : roots) list.push_back(base + "/" + r + "/");
      j["api_roots"] = std::move(list);
    }
    SetJson(resp, 200, j.dump());
    return Status::Ok();
  }

  void ApiRoot(const std::string& root, http::Response& resp) {
    json j;
    const ApiRootConfig* cfg = ConfiguredRoot(root);
    j["title"] = cfg ? cfg->title : root;
    if (cfg && !cfg->description.empty()) j["description"] = cfg->description;
    j["versions"] = json::array({kTaxiiMediaType});
    j["max_content_length"] = options.max_content_length;
    SetJson(resp, 200, j.dump());
  }

  json CollectionJson(const store::Collection& c, const auth::CollectionAccess& a) {
    json j;
    j["id"] = c.id;
    j["title"] = c.title;
    if (!c.description.empty()) j["description"] = c.description;
    j["can_read"] = a.can_read;
    j["can_write"] = a.can_write;
    j["media_types"] = c.media_types;
    return j;
  }

  Status Collections(const std::string& root, const auth::Principal& p, const auth::PolicySnapshot& snap,
                     http::Response& resp) {
    RAMPART_ASSIGN_OR_RETURN(auto all, AllCollections());
    json list = json::array();
    for (const auto& c : all->list) {
      if (c.api_root != root) continue;
      auto a = auth::DecideCollection(snap, p, c);
      if (!a.visible) continue;
      list.push_back(CollectionJson(c, a));
    }
    json j = json::object();
    if (!list.empty()) j["collections"] = std::move(list);  // TAXII forbids empty lists
    SetJson(resp, 200, j.dump());
    return Status::Ok();
  }

  // What Gather released, in order.
  struct Gathered {
    size_t count = 0;
    Micros first_added = 0, last_added = 0;  // date_added of the first and last released
    // The released versions that need a read audit (AMBER+), without JSON.
    std::vector<store::StoredObject> restricted;
    bool more = false;
    std::string next;
  };
  // Called with each released version and its index in the response; it
  // appends the version's entry to the response body.
  using Sink = std::function<void(const store::StoredObject&, size_t)>;

  // Rows a look-ahead reads per query once its first one-row probe found a
  // withheld version; and, for a query naming no ids, about the most it
  // reads in all (past that, `more` stays true: docs/taxii.md, "No
  // existence oracles"), so a page costs at most (kMaxRefills + 1) * limit
  // + kLookAheadChunk rows however much policy withholds.
  static constexpr size_t kLookAheadChunk = 1000;
  static constexpr size_t kLookAheadBudget = kLookAheadChunk;

  // True when `q` (from `cursor` on) selects a version `scope` releases.
  // A query naming ids is read to its end if need be (its rows are the
  // versions of at most 100 ids); any other stops after kLookAheadBudget
  // rows and then answers true.
  Result<bool> AnyReleasedFrom(const auth::ReadScope& scope, store::ObjectQuery q, std::string cursor) {
    const bool exhaustive = !q.ids.empty();
    q.include_json = true;  // ReadScope::Releases reads granular markings
    q.cursor = std::move(cursor);
    q.limit = 1;  // the usual case: the very next version is released
    size_t read = 0;
    for (;;) {
      bool found = false;
      size_t rows = 0;
      RAMPART_ASSIGN_OR_RETURN(store::PageEnd end, store.ScanObjects(q, [&](const store::StoredObject& o) {
        ++rows;
        if (!found && scope.Releases(o)) found = true;
      }));
      if (found) return true;
      if (!end.more) return false;
      read += rows;
      if (!exhaustive && read >= kLookAheadBudget) return true;
      q.cursor = std::move(end.next);
      q.limit = kLookAheadChunk;
    }
  }

  // The store cursor right after the `cut`-th row of `q` (q.cursor on), which
  // must be the version `last` (a page's last released one): re-reads those
  // rows without their JSON. A page that ended inside a store read needs it,
  // as that read's own cursor lies past rows the page left out. When the rows
  // changed in between (a deletion, a newer version), retried with the rows
  // up to `last`; Unavailable if they do not settle.
  Result<store::PageEnd> CursorAfter(store::ObjectQuery q, size_t cut, const store::StoredObject& last) {
    q.include_json = false;
    q.limit = cut;
    for (int attempt = 0; attempt < 3 && q.limit > 0; ++attempt) {
      size_t rows = 0, upto = 0;
      bool hit = false;
      RAMPART_ASSIGN_OR_RETURN(store::PageEnd end, store.ScanObjects(q, [&](const store::StoredObject& o) {
        ++rows;
        if (o.date_added < last.date_added || (o.date_added == last.date_added && o.seq <= last.seq)) ++upto;
        if (o.seq == last.seq) hit = true;
      }));
      if (hit && upto == rows) return end;
      if (upto == rows) break;  // a short read, or `last` is gone: no cut to trust
      q.limit = upto;
    }
    return Status::Unavailable("the collection changed while this page was read; retry the request");
  }

  // Runs `q` (refilling pages thinned by policy), streaming the store's rows.
  // A version counts when `p` would be released it (ReadScope::ReleaseTo /
  // Releases: withheld objects are simply absent, on every read path alike).
  // Each is appended to `out`: by `sink` when given, else as its released
  // bytes, separated by commas (the body of an envelope's "objects" array).
  // The page ends early once it appended options.max_page_bytes (the
  // version that reaches it is its last; at least one version per page).
  // `more` is true only when a released version follows the page (a
  // look-ahead past it): a withheld version never makes `more` true, so a
  // page reads as if withheld objects were absent. A query
  // naming ids refills until its page is full or its versions are exhausted;
  // any other stops refilling after kMaxRefills and may answer a short page
  // with `more` true.
  Result<Gathered> Gather(const store::Collection& c, const auth::Principal& p,
                          const auth::PolicySnapshot& snap, store::ObjectQuery q, std::string& out,
                          const Sink& sink) {
    Gathered g;
    q.collection_id = c.id;
    // Releases needs the bytes too: only they show granular markings.
    q.include_json = true;
    q.fields = store::ObjectFields::kServe;
    const size_t want = q.limit;
    const bool exhaustive = !q.ids.empty();
    const auth::ReadScope scope(snap, p, c, auth::Path::kTaxiiRead);
    const size_t start = out.size();
    // The page is full: rows after `last` in this store read are left for
    // the next page (`seen` counts this read's rows, `cut` those up to last).
    bool full = false;
    size_t seen = 0, cut = 0;
    store::StoredObject last;
    auto visit = [&](const store::StoredObject& o) {
      ++seen;
      if (full) return;
      if (!sink) {
        const size_t mark = out.size();
        if (g.count) out.push_back(',');
        if (!scope.ReleaseTo(o, out)) {
          out.resize(mark);
          return;
        }
      } else if (!scope.Releases(o)) {
        return;
      }
      if (g.count == 0) g.first_added = o.date_added;
      g.last_added = o.date_added;
      if (auth::NeedsReadAudit(o)) {
        store::StoredObject& r = g.restricted.emplace_back();
        r.id = o.id;
        r.version = o.version;
        r.provenance.effective_tlp = o.provenance.effective_tlp;
      }
      if (sink) sink(o, g.count);
      ++g.count;
      if (out.size() - start >= options.max_page_bytes) {
        full = true;
        cut = seen;
        last.date_added = o.date_added;
        last.seq = o.seq;
      }
    };
    for (int round = 0;; ++round) {
      seen = 0;
      RAMPART_ASSIGN_OR_RETURN(store::PageEnd end, store.ScanObjects(q, visit));
      if (full && cut < seen) {
        // The read went on past the page's last version: resume after that one.
        RAMPART_ASSIGN_OR_RETURN(end, CursorAfter(q, cut, last));
      }
      g.more = end.more;
      g.next = end.more ? std::move(end.next) : std::string();
      if (!g.more || g.count >= want || full) break;
      if (round >= kMaxRefills) {
        if (!exhaustive) break;
        // Still nothing to fill the page with: unless a released version is
        // left at all, this is the end (checked once, in large reads).
        if (round == kMaxRefills) {
          RAMPART_ASSIGN_OR_RETURN(bool left, AnyReleasedFrom(scope, q, g.next));
          if (!left) {
            g.more = false;
            g.next.clear();
            return g;
          }
        }
      }
      q.cursor = g.next;
      q.limit = want - g.count;
      // Read about as many rows as the bytes left in the page hold (by the
      // mean size so far), not a whole page that would end after a few.
      if (const size_t bytes = out.size() - start; g.count > 0 && bytes > 0) {
        const size_t fit = (options.max_page_bytes - std::min(bytes, options.max_page_bytes)) /
                               std::max<size_t>(1, bytes / g.count) + 1;
        q.limit = std::min(q.limit, fit);
      }
    }
    if (g.more) {
      RAMPART_ASSIGN_OR_RETURN(bool left, AnyReleasedFrom(scope, q, g.next));
      if (!left) {
        g.more = false;
        g.next.clear();
      }
    }
    return g;
  }

  // X-TAXII-Date-Added-First/Last for what `g` released (none when empty).
  static void DateHeaders(http::Response& resp, const Gathered& g) {
    if (g.count == 0) return;
    resp.SetHeader("X-TAXII-Date-Added-First", FormatTimestampMicros(g.first_added));
    resp.SetHeader("X-TAXII-Date-Added-Last", FormatTimestampMicros(g.last_added));
  }

  // One batched audit record for AMBER+ objects served in this response.
  Status AuditReads(const auth::Principal& p, const store::Collection& c, const Gathered& g) {
    if (g.restricted.empty()) return Status::Ok();
    std::vector<const store::StoredObject*> restricted;
    for (const auto& o : g.restricted) restricted.push_back(&o);
    auto r = store.AppendAudit(auth::ReadAuditEntry(p, c.id, restricted, auth::Path::kTaxiiRead));
    return r.status();
  }

  Status Objects(const http::Request& req, const store::Collection& c, const auth::Principal& p,
                 const auth::PolicySnapshot& snap, http::Response& resp) {
    RAMPART_ASSIGN_OR_RETURN(auto q, ParseFilters(req.query, kAllFilters, limits));
    return ServeObjects(c, p, snap, std::move(q), resp);
  }

  // The one 404 of objects/{id}/, versions/ and DELETE: an unknown id and
  // one whose every version is withheld from the reader answer alike.
  static Status NoObject(std::string_view object_id) {
    return Status::NotFound("no object " + std::string(object_id.substr(0, 100)) + " in this collection");
  }

  // The objects envelope {"objects":[...],"more":...,"next":...} for `q`
  // (objects first: they stream before `more` is known); objects/ and
  // objects/{id}/ share it. For objects/{id}/ (`object_id` set), releasing
  // nothing is NotFound when no version of the id is released to `p` at all
  // (the same answer as for an unknown object), and an empty envelope when
  // the filters just selected none of its versions (TAXII 2.1 §5.6).
  Status ServeObjects(const store::Collection& c, const auth::Principal& p, const auth::PolicySnapshot& snap,
                      store::ObjectQuery q, http::Response& resp, std::string_view object_id = {}) {
    // Filled in place: the released bytes go straight into the response body.
    std::string out;
    out.reserve(std::min<size_t>(q.limit, 1000) * 512 + 256);
    out += "{\"objects\":[";
    RAMPART_ASSIGN_OR_RETURN(auto g, Gather(c, p, snap, std::move(q), out, nullptr));
    if (!object_id.empty() && g.count == 0) {
      // Gather reads a query naming an id to its end: !g.more here.
      RAMPART_ASSIGN_OR_RETURN(bool visible, ObjectVisible(c, std::string(object_id), p, snap));
      if (!visible) return NoObject(object_id);
    }
    RAMPART_RETURN_IF_ERROR(AuditReads(p, c, g));
    CloseEnvelope(g, out);
    SetJson(resp, 200, std::move(out));
    DateHeaders(resp, g);
    return Status::Ok();
  }

  Status Object(const http::Request& req, const store::Collection& c, const std::string& object_id,
                const auth::Principal& p, const auth::PolicySnapshot& snap, http::Response& resp) {
    if (!IsStixId(object_id)) return NoObject(object_id);
    RAMPART_ASSIGN_OR_RETURN(auto q, ParseFilters(req.query,
                                                  kAddedAfter | kLimit | kNext | kMatchVersion | kMatchSpecVersion,
                                                  limits));
    q.ids = {object_id};
    return ServeObjects(c, p, snap, std::move(q), resp, object_id);
  }

  // True when `c` holds a version of `object_id` (any version, any
  // spec_version) that would be released to `p`: whether the object exists
  // for `p` at all.
  Result<bool> ObjectVisible(const store::Collection& c, const std::string& object_id, const auth::Principal& p,
                             const auth::PolicySnapshot& snap) {
    store::ObjectQuery q;
    q.ids = {object_id};
    q.versions.all = true;
    q.spec_versions = {"2.0", "2.1"};
    return AnyVisible(c, p, snap, std::move(q));
  }

  // True when `q` (ids set) selects a version of `c` released to `p`.
  Result<bool> AnyVisible(const store::Collection& c, const auth::Principal& p, const auth::PolicySnapshot& snap,
                          store::ObjectQuery q) {
    q.collection_id = c.id;
    q.fields = store::ObjectFields::kServe;
    const auth::ReadScope scope(snap, p, c, auth::Path::kTaxiiRead);
    return AnyReleasedFrom(scope, std::move(q), {});
  }

  Status Manifest(const http::Request& req, const store::Collection& c, const auth::Principal& p,
                  const auth::PolicySnapshot& snap, http::Response& resp) {
    RAMPART_ASSIGN_OR_RETURN(auto q, ParseFilters(req.query, kAllFilters, limits));
    std::string out = "{\"objects\":[";
    RAMPART_ASSIGN_OR_RETURN(auto g, Gather(c, p, snap, std::move(q), out, [&](const store::StoredObject& o, size_t i) {
      if (i) out.push_back(',');
      out += "{\"id\":" + JsonString(o.id) + ",\"date_added\":\"" + FormatTimestampMicros(o.date_added) +
             "\",\"version\":\"" + FormatTimestampMicros(o.version) + "\",\"media_type\":\"" +
             MediaTypeFor(o) + "\"}";
    }));
    CloseEnvelope(g, out);
    SetJson(resp, 200, std::move(out));
    DateHeaders(resp, g);
    return Status::Ok();
  }

  // Ends an envelope begun as {"<list>":[ with ],"more":...,"next":...}.
  // TAXII forbids empty lists: with nothing released the list is dropped,
  // leaving {} (or {"more":true,"next":...}).
  static void CloseEnvelope(const Gathered& g, std::string& out) {
    if (g.count == 0) {
      out.resize(1);  // "{"
      if (g.more) {
        out += "\"more\":true,\"next\":";
        out += JsonString(g.next);
      }
      out += '}';
      return;
    }
    out += "],\"more\":";
    out += g.more ? "true" : "false";
    if (g.more) {
      out += ",\"next\":";
      out += JsonString(g.next);
    }
    out += '}';
  }

  Status Versions(const http::Request& req, const store::Collection& c, const std::string& object_id,
                  const auth::Principal& p, const auth::PolicySnapshot& snap, http::Response& resp) {
    // An unknown or invisible object is 404 even when a filter leaves nothing.
    if (!IsStixId(object_id)) return NoObject(object_id);
    RAMPART_ASSIGN_OR_RETURN(auto q, ParseFilters(req.query, kAddedAfter | kLimit | kNext | kMatchSpecVersion, limits));
    q.ids = {object_id};
    q.versions = store::VersionFilter{};
    q.versions.all = true;
    std::string out = "{\"versions\":[";
    RAMPART_ASSIGN_OR_RETURN(auto g, Gather(c, p, snap, std::move(q), out, [&](const store::StoredObject& o, size_t i) {
      if (i) out.push_back(',');
      out += "\"" + FormatTimestampMicros(o.version) + "\"";
    }));
    if (g.count == 0) {
      RAMPART_ASSIGN_OR_RETURN(bool visible, ObjectVisible(c, object_id, p, snap));
      if (!visible) return NoObject(object_id);
    }
    CloseEnvelope(g, out);
    SetJson(resp, 200, std::move(out));
    DateHeaders(resp, g);
    return Status::Ok();
  }

  Status Delete(const http::Request& req, const store::Collection& c, const std::string& object_id,
                const auth::Principal& p, const auth::PolicySnapshot& snap, http::Response& resp) {
    if (!IsStixId(object_id)) return NoObject(object_id);
    RAMPART_ASSIGN_OR_RETURN(auto q, ParseFilters(req.query, kMatchVersion | kMatchSpecVersion, limits));
    store::VersionFilter vf = q.versions;
    if (vf.IsDefault()) vf.all = true;  // DELETE without match[version]: every version
    // Never reveal versions the requester cannot read: unless a version this
    // request selects is one GET objects/{id}/ would release to it, the id
    // answers as an unknown one. (DELETE without match[spec_version] selects
    // every spec version: Store::DeleteObject.)
    store::ObjectQuery selected;
    selected.ids = {object_id};
    selected.versions = vf;
    selected.spec_versions = q.spec_versions.empty() ? std::vector<std::string>{"2.0", "2.1"} : q.spec_versions;
    RAMPART_ASSIGN_OR_RETURN(bool visible, AnyVisible(c, p, snap, std::move(selected)));
    if (!visible) return NoObject(object_id);
    // Only the organisation that created the id (its owner key) or an admin
    // deletes. A store that records no owner leaves DELETE to admins.
    std::string owner;
    if (auto o = store.GetObjectOwner(object_id); o.ok()) {
      owner = std::move(*o);
    } else if (!o.status().IsNotFound() && o.status().code() != StatusCode::kUnsupported) {
      return o.status();
    }
    if (!auth::MayDelete(p, owner)) {
      return Status::PermissionDenied("only the organisation that created " + object_id +
                                      " may delete it");
    }
    store::WriteOptions wo;
    wo.audit = store::AuditEntry{auth::AuditActor(p), "objects.delete", c.id,
                                 json({{"id", object_id}}).dump()};
    RAMPART_ASSIGN_OR_RETURN(size_t n, store.DeleteObject(c.id, object_id, vf, q.spec_versions, wo));
    stored_delta.fetch_sub(static_cast<int64_t>(n));
    SetJson(resp, 200, std::string());  // TAXII 2.1 §5.7: the TAXII media type, no body
    return Status::Ok();
  }

  Status Post(const http::Request& req, const std::string& root, const store::Collection& c,
              const auth::Principal& p, const auth::PolicySnapshot& snap, http::Response& resp) {
    Micros now = NowMicros();
    ingest::IngestOptions io;
    io.max_bytes = options.max_content_length;
    RAMPART_ASSIGN_OR_RETURN(auto report, ingest::Ingest(store, snap, c, p, req.body, io));
    store::StatusResource s;
    s.id = RandomUuid();
    s.api_root = root;
    s.owner_user_id = p.user_id;
    s.status = "complete";
    s.request_timestamp = now;
    ingest::FillStatus(report, s);
    RAMPART_RETURN_IF_ERROR(store.PutStatus(s));
    if (ingested) ingested->fetch_add(static_cast<int64_t>(report.added));
    if (ingest_requests) ingest_requests->fetch_add(1);
    ingested_local.fetch_add(static_cast<int64_t>(report.added));
    stored_delta.fetch_add(static_cast<int64_t>(report.added));
    SetJson(resp, 202, StatusJson(s));
    MaybePurgeStatuses(now);
    return Status::Ok();
  }

  void MaybePurgeStatuses(Micros now) {
    Micros last = last_purge.load();
    if (now - last < int64_t{3600} * 1'000'000) return;
    if (!last_purge.compare_exchange_strong(last, now)) return;
    (void)store.PurgeStatuses(now - options.status_retention);
  }

  static std::string StatusJson(const store::StatusResource& s) {
    // TAXII forbids empty lists: successes/failures/pendings are omitted
    // when empty.
    auto details = [](const std::vector<store::StatusDetail>& v) {
      json a = json::array();
      for (const auto& d : v) {
        json e;
        e["id"] = d.id;
        e["version"] = d.version;
        if (!d.message.empty()) e["message"] = d.message;
        a.push_back(std::move(e));
      }
      return a;
    };
    json j;
    j["id"] = s.id;
    j["status"] = s.status;
    j["request_timestamp"] = FormatTimestampMicros(s.request_timestamp);
    j["total_count"] = s.total_count;
    j["success_count"] = s.success_count;
    if (!s.successes.empty()) j["successes"] = details(s.successes);
    j["failure_count"] = s.failure_count;
    if (!s.failures.empty()) j["failures"] = details(s.failures);
    j["pending_count"] = s.pending_count;
    if (!s.pendings.empty()) j["pendings"] = details(s.pendings);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  Status GetStatus(const std::string& root, const std::string& id, const auth::Principal& p,
                   http::Response& resp) {
    if (id.size() > 100) return Status::NotFound("no status " + id.substr(0, 100));
    auto s = store.GetStatus(id);
    if (!s.ok()) {
      if (s.status().IsNotFound()) return Status::NotFound("no status " + id);
      return s.status();
    }
    if (s->api_root != root || (s->owner_user_id != p.user_id && !p.IsAdmin())) {
      return Status::NotFound("no status " + id);
    }
    if (s->request_timestamp < NowMicros() - options.status_retention) {
      return Status::NotFound("status " + id + " has expired");
    }
    SetJson(resp, 200, StatusJson(*s));
    return Status::Ok();
  }

  // ---- Dispatch ----

  static const char* EndpointName(Route r, const std::string& method) {
    switch (r) {
      case Route::kHealth: return "healthz";
      case Route::kMetrics: return "metrics";
      case Route::kDiscovery: return "discovery";
      case Route::kApiRoot: return "api_root";
      case Route::kStatus: return "status";
      case Route::kCollections: return "collections";
      case Route::kCollection: return "collection";
      case Route::kManifest: return "manifest";
      case Route::kObjects: return method == "POST" ? "objects_post" : "objects_get";
      case Route::kObject: return method == "DELETE" ? "object_delete" : "object_get";
      case Route::kVersions: return "versions";
      case Route::kNotFound: return "not_found";
    }
    return "other";
  }

  // The checks a request's header alone decides: route (404), method (405),
  // authentication (401/429), media types (406/415). True when `resp` is the
  // whole answer (an error, or /healthz and /metrics); otherwise `principal`
  // is set.
  bool Precheck(const http::Request& req, const Parsed& route, http::Response& resp,
                std::optional<auth::Principal>& principal) {
    resp.endpoint = EndpointName(route.route, req.method);
    if (route.route == Route::kNotFound) {
      WriteError(resp, 404, route.why.empty() ? "no such endpoint" : route.why);
      return true;
    }
    if ((route.route == Route::kHealth || route.route == Route::kMetrics) && req.method != "GET") {
      // Not even POST: a body sent to them would never be read as one.
      resp.SetHeader("Allow", "GET");
      WriteError(resp, 405, "method " + req.method.substr(0, 20) + " is not allowed here (allowed: GET)");
      return true;
    }
    if (route.route == Route::kHealth) {
      resp.status = 200;
      resp.SetHeader("Content-Type", "text/plain; charset=utf-8");
      resp.body = "ok\n";
      return true;
    }
    if (route.route == Route::kMetrics) {
      if (!metrics) {
        WriteError(resp, 404, "metrics are disabled");
        return true;
      }
      resp.status = 200;
      resp.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      resp.body = metrics->Render();
      return true;
    }
    // Methods.
    const std::string& m = req.method;
    std::string allow = "GET";
    if (route.route == Route::kObjects) allow = "GET, POST";
    if (route.route == Route::kObject) allow = "GET, DELETE";
    bool allowed = m == "GET" || (m == "POST" && route.route == Route::kObjects) ||
                   (m == "DELETE" && route.route == Route::kObject);
    if (!allowed) {
      resp.SetHeader("Allow", allow);
      WriteError(resp, 405, "method " + m.substr(0, 20) + " is not allowed here (allowed: " + allow + ")");
      return true;
    }
    // Authentication.
    auto p = authn.Authenticate(req.Header("Authorization"), req.remote_address);
    if (!p.ok()) {
      const Status& s = p.error();
      if (s.code() == StatusCode::kResourceExhausted) {
        resp.SetHeader("Retry-After", "60");
        WriteError(resp, 429, s.message());
      } else if (s.code() == StatusCode::kUnauthenticated) {
        WriteError(resp, 401, s.message());
      } else {
        RespondWithStatus(resp, s);
      }
      return true;
    }
    resp.user = p->user_id;
    // Media types.
    if (!AcceptsTaxii21(req.Header("Accept"))) {
      WriteError(resp, 406, "the Accept header must include application/taxii+json;version=2.1");
      return true;
    }
    if (m == "POST" && !IsTaxii21ContentType(req.Header("Content-Type"))) {
      WriteError(resp, 415, "the Content-Type must be application/taxii+json;version=2.1");
      return true;
    }
    principal = std::move(*p);
    return false;
  }

  void Handle(const http::Request& req, http::Response& resp) {
    Parsed route = ParsePath(req.path);
    std::optional<auth::Principal> p;
    if (Precheck(req, route, resp, p)) return;
    Status s = Dispatch(req, route, *p, resp);
    if (!s.ok()) RespondWithStatus(resp, s);
  }

  // Precheck, plus for a POST to objects/ the collection's visibility (404)
  // and write permission (403): everything but the body.
  std::optional<http::Response> Admit(const http::Request& req) {
    http::Response resp;
    Parsed route = ParsePath(req.path);
    std::optional<auth::Principal> p;
    if (Precheck(req, route, resp, p)) return resp;
    if (route.route != Route::kObjects || req.method != "POST") return std::nullopt;
    auto snap = authn.Snapshot();
    auto c = VisibleCollection(route, *p, *snap);
    Status s = c.ok() ? Status::Ok() : c.status();
    if (s.ok() && !c->second.can_write) s = Status::PermissionDenied("no write access to collection " + c->first.id);
    if (s.ok()) return std::nullopt;
    RespondWithStatus(resp, s);
    return resp;
  }

  // The collection `route` names, with p's access to it; NotFound (for an
  // unknown root when p sees no collection in it) unless p can see it.
  Result<std::pair<store::Collection, auth::CollectionAccess>> VisibleCollection(
      const Parsed& route, const auth::Principal& p, const auth::PolicySnapshot& snap) {
    auto c = FindCollection(route.root, route.collection_id);
    if (!c.ok() && !c.status().IsNotFound()) return c.status();
    auth::CollectionAccess access;
    if (c.ok()) access = auth::DecideCollection(snap, p, *c);
    if (!access.visible) {
      // The collection route of a root p cannot see answers as an unknown root's.
      RAMPART_ASSIGN_OR_RETURN(bool root_visible, RootVisible(route.root, p, snap));
      if (!root_visible) return NoRoot(route.root);
      return Status::NotFound("no collection " + route.collection_id.substr(0, 100));
    }
    return std::pair{std::move(*c), access};
  }

  Status Dispatch(const http::Request& req, const Parsed& route, const auth::Principal& p,
                  http::Response& resp) {
    auto snap = authn.Snapshot();
    if (route.route == Route::kDiscovery) return Discovery(p, *snap, resp);
    if (route.route == Route::kApiRoot || route.route == Route::kStatus || route.route == Route::kCollections) {
      RAMPART_ASSIGN_OR_RETURN(bool root_visible, RootVisible(route.root, p, *snap));
      if (!root_visible) return NoRoot(route.root);
    }
    if (route.route == Route::kApiRoot) {
      ApiRoot(route.root, resp);
      return Status::Ok();
    }
    if (route.route == Route::kStatus) return GetStatus(route.root, route.status_id, p, resp);
    if (route.route == Route::kCollections) return Collections(route.root, p, *snap, resp);
    RAMPART_ASSIGN_OR_RETURN(auto found, VisibleCollection(route, p, *snap));
    const store::Collection* c = &found.first;
    const auth::CollectionAccess& access = found.second;
    if (route.route == Route::kCollection) {
      SetJson(resp, 200, CollectionJson(*c, access).dump());
      return Status::Ok();
    }
    if (req.method == "POST") {
      if (!access.can_write) return Status::PermissionDenied("no write access to collection " + c->id);
      return Post(req, route.root, *c, p, *snap, resp);
    }
    if (!access.can_read) return Status::PermissionDenied("no read access to collection " + c->id);
    switch (route.route) {
      case Route::kManifest: return Manifest(req, *c, p, *snap, resp);
      case Route::kObjects: return Objects(req, *c, p, *snap, resp);
      case Route::kObject:
        if (req.method == "DELETE") {
          if (!access.can_write) return Status::PermissionDenied("no write access to collection " + c->id);
          return Delete(req, *c, route.object_id, p, *snap, resp);
        }
        return Object(req, *c, route.object_id, p, *snap, resp);
      case Route::kVersions: return Versions(req, *c, route.object_id, p, *snap, resp);
      default: return Status::NotFound("no such endpoint");
    }
  }
};

TaxiiService::TaxiiService(store::Store& store, auth::Authenticator& authenticator, http::Metrics* metrics,
                           TaxiiOptions options)
    : impl_(std::make_unique<Impl>(store, authenticator, metrics, std::move(options))) {}

TaxiiService::~TaxiiService() = default;

void TaxiiService::Handle(const http::Request& req, http::Response& resp) { impl_->Handle(req, resp); }

std::optional<http::Response> TaxiiService::Admit(const http::Request& headers_only) {
  return impl_->Admit(headers_only);
}

void TaxiiService::RespondHttpError(int http_status, std::string_view message, http::Response& resp) {
  WriteError(resp, http_status, message);
}

int64_t TaxiiService::objects_ingested() const { return impl_->ingested_local.load(); }

}  // namespace rampart::taxii
