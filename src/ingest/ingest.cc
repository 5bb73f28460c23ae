#include "ingest/ingest.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "auth/audit_entries.h"
#include "auth/rampart_extension.h"
#include "base/crypto.h"
#include "base/time.h"
#include "pattern/observables.h"
#include "pattern/parser.h"
#include "stix/markings.h"
#include "stix/parser.h"
#include "stix/sco_id.h"

namespace rampart::ingest {

namespace {

using Json = nlohmann::ordered_json;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<store::Observable> Normalise(std::string_view kind, std::string_view value) {
  if (value.empty() || value.size() > 4096) return std::nullopt;
  return store::Observable{std::string(kind), pattern::NormalizeObservable(kind, value)};
}

// Hash algorithm name (as in STIX `hashes`) -> observable kind.
std::optional<std::string_view> HashKind(std::string_view algo) {
  std::string a = Lower(algo);
  a.erase(std::remove(a.begin(), a.end(), '\''), a.end());
  a.erase(std::remove(a.begin(), a.end(), '-'), a.end());
  if (a == "md5") return "file:md5";
  if (a == "sha1") return "file:sha1";
  if (a == "sha256") return "file:sha256";
  if (a == "sha512") return "file:sha512";
  return std::nullopt;
}

// Positive equality comparisons in a STIX pattern (pattern/observables.h).
void PatternObservables(std::string_view pat, std::vector<store::Observable>& out) {
  pattern::ParseLimits limits;
  Result<pattern::Pattern> parsed = pattern::ParsePattern(pat, limits);
  if (!parsed.ok()) return;  // the stix validator decides about bad patterns
  for (auto& [kind, value] : pattern::ExtractObservables(*parsed)) {
    out.push_back(store::Observable{std::move(kind), std::move(value)});
  }
}

std::string VersionText(const stix::ParsedObject& o) {
  if (!o.modified_text.empty()) return o.modified_text;
  return o.created_text;
}

// Reads a Rampart request out of a JSON extensions dictionary value.
Status ReadRequest(const Json& ext, auth::RampartRequest& r) {
  if (!ext.is_object()) return Status::InvalidArgument("Rampart extension must be a JSON object");
  r.present = true;
  for (auto it = ext.begin(); it != ext.end(); ++it) {
    const std::string& k = it.key();
    if (k == "extension_type") continue;
    if (k == "red_recipients") {
      if (!it->is_array() || it->size() > 1000) {
        return Status::InvalidArgument("red_recipients must be a list of identity ids");
      }
      for (const auto& x : *it) {
        if (!x.is_string()) return Status::InvalidArgument("red_recipients must be strings");
        r.red_recipients.push_back(x.get<std::string>());
      }
    } else if (k == "sharing_group") {
      if (!it->is_string()) return Status::InvalidArgument("sharing_group must be a string");
      r.sharing_group = it->get<std::string>();
    } else if (k == "anonymous") {
      if (!it->is_boolean()) return Status::InvalidArgument("anonymous must be true or false");
      r.anonymous = it->get<bool>();
    } else {
      return Status::InvalidArgument("unknown Rampart extension property '" + k + "'");
    }
  }
  return Status::Ok();
}

// Replaces, anywhere in `j`, string values of *_ref / *_refs properties that
// name a source identity by `pseudonym`.
void ReplaceRefs(Json& j, const std::unordered_set<std::string>& sources,
                 const std::string& pseudonym) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      bool ref = k.size() > 4 && k.compare(k.size() - 4, 4, "_ref") == 0;
      bool refs = k.size() > 5 && k.compare(k.size() - 5, 5, "_refs") == 0;
      if (ref && it->is_string() && sources.count(it->get<std::string>())) {
        *it = pseudonym;
      } else if (refs && it->is_array()) {
        for (auto& x : *it) {
          if (x.is_string() && sources.count(x.get<std::string>())) x = pseudonym;
        }
      } else {
        ReplaceRefs(*it, sources, pseudonym);
      }
    }
  } else if (j.is_array()) {
    for (auto& x : j) ReplaceRefs(x, sources, pseudonym);
  }
}

const store::Organization* LocalOrg(const auth::PolicySnapshot& s) {
  const store::Organization* best = nullptr;
  for (const auto& o : s.orgs()) {
    if (!best || o.created < best->created || (o.created == best->created && o.id < best->id)) {
      best = &o;
    }
  }
  return best;
}

struct TopLevel {
  std::vector<std::string_view> elements;  // raw JSON of each object, input order
  std::string_view array;                  // the raw array to hand to the parser ("" = body)
  std::string extensions;                  // raw "extensions" of bundle/envelope
  bool single = false;
  bool bundle = false;  // type "bundle": the parser sees the whole body
};

// Splits the body into its objects without validating them (the stix parser
// does that). Accepts a bundle, a TAXII envelope, a bare array, one object.
Result<TopLevel> ScanTopLevel(const simdjson::padded_string& body, size_t max_objects,
                              simdjson::ondemand::parser& parser) {
  TopLevel t;
  simdjson::ondemand::document doc;
  if (parser.iterate(body).get(doc)) return Status::InvalidArgument("request body is not JSON");
  simdjson::ondemand::json_type type;
  if (doc.type().get(type)) return Status::InvalidArgument("request body is not JSON");
  auto collect = [&](simdjson::ondemand::array arr) -> Status {
    for (auto el : arr) {
      simdjson::ondemand::value v;
      if (el.get(v)) return Status::InvalidArgument("malformed JSON in objects");
      if (t.elements.size() >= max_objects) {
        return Status::ResourceExhausted("too many objects in one request (max " +
                                         std::to_string(max_objects) + ")");
      }
      simdjson::ondemand::object o;
      if (v.get_object().get(o)) {
        t.elements.push_back("");  // not an object: the parser reports it
        continue;
      }
      std::string_view raw;
      if (o.raw_json().get(raw)) return Status::InvalidArgument("malformed JSON in objects");
      t.elements.push_back(raw);
    }
    return Status::Ok();
  };
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array arr;
    if (doc.get_array().get(arr)) return Status::InvalidArgument("malformed JSON");
    RAMPART_RETURN_IF_ERROR(collect(arr));
    return t;
  }
  if (type != simdjson::ondemand::json_type::object) {
    return Status::InvalidArgument("request body must be a STIX bundle, a TAXII envelope or a STIX object");
  }
  simdjson::ondemand::object top;
  if (doc.get_object().get(top)) return Status::InvalidArgument("malformed JSON");
  std::string top_type;
  bool has_objects = false;
  for (auto field : top) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidArgument("malformed JSON");
    simdjson::ondemand::value v = field.value();
    if (key == "type") {
      std::string_view s;
      if (!v.get_string().get(s)) top_type = std::string(s);
    } else if (key == "objects") {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr)) return Status::InvalidArgument("'objects' must be a list");
      std::string_view raw;
      // raw_json() of an array consumes it; collect elements first via a
      // second iteration over the same text below.
      if (arr.raw_json().get(raw)) return Status::InvalidArgument("malformed JSON in objects");
      t.array = raw;
      has_objects = true;
    } else if (key == "extensions") {
      std::string_view raw;
      simdjson::ondemand::object o;
      if (v.get_object().get(o) || o.raw_json().get(raw)) {
        return Status::InvalidArgument("bundle 'extensions' must be a JSON object");
      }
      t.extensions = std::string(raw);
    }
  }
  if (!top_type.empty() && top_type != "bundle") {
    t.single = true;
    t.extensions.clear();  // an object's own extensions are read per object
    t.elements.push_back(std::string_view(body.data(), body.size()));
    return t;
  }
  t.bundle = top_type == "bundle";
  if (!has_objects) {
    if (t.bundle) return t;  // an empty bundle
    return Status::InvalidArgument("request body must be a STIX bundle, a TAXII envelope or a STIX object");
  }
  simdjson::padded_string arr_copy(t.array);
  simdjson::ondemand::parser p2;
  simdjson::ondemand::document d2;
  simdjson::ondemand::array a2;
  if (p2.iterate(arr_copy).get(d2) || d2.get_array().get(a2)) {
    return Status::InvalidArgument("malformed JSON in objects");
  }
  // Element views must point into `body`, not into arr_copy.
  RAMPART_RETURN_IF_ERROR(collect(a2));
  const char* base = t.array.data();
  for (auto& e : t.elements) {
    if (!e.empty()) e = std::string_view(base + (e.data() - arr_copy.data()), e.size());
  }
  return t;
}

// The index of the input object a validation error belongs to, parsed from
// its path ("$[3]...", "$.objects[3]..."), or -1.
long ErrorIndex(std::string_view path) {
  size_t b = path.find('[');
  if (b == std::string_view::npos) return -1;
  std::string_view head = path.substr(0, b);
  if (head != "$" && head != "$.objects") return -1;
  size_t e = path.find(']', b);
  if (e == std::string_view::npos) return -1;
  long n = 0;
  for (size_t i = b + 1; i < e; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(path[i]))) return -1;
    n = n * 10 + (path[i] - '0');
    if (n > 100'000'000) return -1;
  }
  return n;
}

// id and version of a raw (possibly invalid) object, best effort.
std::pair<std::string, std::string> IdVersionOf(std::string_view raw) {
  Json j = Json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {"", ""};
  std::string id = j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
  std::string v;
  for (const char* k : {"modified", "created"}) {
    if (j.contains(k) && j[k].is_string()) {
      v = j[k].get<std::string>();
      break;
    }
  }
  return {id, v};
}

}  // namespace

std::vector<store::Observable> ExtractObservables(std::string_view type, std::string_view json,
                                                  std::string_view pattern) {
  std::vector<store::Observable> out;
  if (type == "indicator") {
    PatternObservables(pattern, out);
  } else if (type == "ipv4-addr" || type == "ipv6-addr" || type == "domain-name" ||
             type == "url" || type == "email-addr") {
    Json j = Json::parse(json, nullptr, false);
    if (j.is_object() && j.contains("value") && j["value"].is_string()) {
      if (auto o = Normalise(type, j["value"].get<std::string>())) out.push_back(std::move(*o));
    }
  } else if (type == "file") {
    Json j = Json::parse(json, nullptr, false);
    if (j.is_object() && j.contains("hashes") && j["hashes"].is_object()) {
      for (auto it = j["hashes"].begin(); it != j["hashes"].end(); ++it) {
        auto k = HashKind(it.key());
        if (k && it->is_string()) {
          if (auto o = Normalise(*k, it->get<std::string>())) out.push_back(std::move(*o));
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.value) < std::tie(b.kind, b.value);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string PseudonymIdentityId(const store::Organization& local_org) {
  return "identity--" + stix::Uuid5(stix::kScoIdNamespace, "rampart-pseudonym:" + local_org.id);
}

std::string PseudonymIdentityJson(const store::Organization& local_org) {
  Json j;
  j["type"] = "identity";
  j["spec_version"] = "2.1";
  j["id"] = PseudonymIdentityId(local_org);
  const std::string t = FormatTimestampMillis(local_org.created);
  j["created"] = t;
  j["modified"] = t;
  j["name"] = "Anonymous contributor via " + local_org.name;
  j["identity_class"] = "unspecified";
  j["object_marking_refs"] = Json::array({std::string(stix::kTlp2Clear)});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void FillStatus(const IngestReport& report, store::StatusResource& status) {
  status.status = "complete";
  status.total_count = static_cast<int64_t>(report.items.size());
  status.success_count = static_cast<int64_t>(report.success_count);
  status.failure_count = static_cast<int64_t>(report.failure_count);
  status.pending_count = 0;
  status.successes.clear();
  status.failures.clear();
  status.pendings.clear();
  for (const auto& it : report.items) {
    store::StatusDetail d{it.id, it.version, it.message};
    (it.success ? status.successes : status.failures).push_back(std::move(d));
  }
}

store::NewObject IndexedFields(const stix::ParsedObject& o) {
  store::NewObject n;
  n.id = o.id;
  n.type = o.type;
  n.spec_version = o.spec_version.empty() ? "2.1" : o.spec_version;
  n.created = o.created;
  n.modified = o.modified;
  n.created_by_ref = o.created_by_ref;
  n.revoked = o.revoked;
  n.valid_from = o.valid_from;
  n.valid_until = o.valid_until;
  n.marking_refs = o.object_marking_refs;
  return n;
}

Result<IngestReport> Ingest(store::Store& store, const auth::PolicySnapshot& snapshot,
                            const store::Collection& collection, const auth::Principal& principal,
                            std::string_view body, const IngestOptions& options) {
  if (!auth::DecideCollection(snapshot, principal, collection).can_write) {
    return Status::PermissionDenied("no write access to collection " + collection.id);
  }
  if (body.size() > options.max_bytes) {
    return Status::ResourceExhausted("request body larger than " + std::to_string(options.max_bytes) + " bytes");
  }

  // 1. Split the body; read a bundle/envelope-level Rampart extension.
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser top_parser;
  RAMPART_ASSIGN_OR_RETURN(TopLevel top, ScanTopLevel(padded, options.max_objects, top_parser));
  // Views into `padded` -> views into `body` (same offsets).
  auto rebase = [&](std::string_view v) {
    if (v.empty()) return v;
    return std::string_view(body.data() + (v.data() - padded.data()), v.size());
  };
  for (auto& e : top.elements) e = rebase(e);
  top.array = rebase(top.array);

  auth::RampartRequest bundle_req;
  if (!top.extensions.empty()) {
    Json ext = Json::parse(top.extensions, nullptr, false);
    if (ext.is_discarded() || !ext.is_object()) {
      return Status::InvalidArgument("bundle 'extensions' is not a JSON object");
    }
    auto it = ext.find(std::string(auth::kRampartExtensionId));
    if (it != ext.end()) {
      RAMPART_RETURN_IF_ERROR(ReadRequest(*it, bundle_req).WithContext("bundle Rampart extension"));
    }
  }

  // 2. Parse + validate.
  stix::ParseOptions po;
  po.strict = options.strict;
  po.upgrade_20 = options.upgrade_20;
  po.accept_20 = options.accept_20;
  po.max_bytes = options.max_bytes;
  po.max_objects = options.max_objects;
  // A bundle goes whole (its own spec_version matters to the parser); a
  // TAXII envelope's objects go as a bare array.
  std::string_view to_parse = top.single || top.bundle || top.array.empty() ? body : top.array;
  IngestReport report;
  if (!top.single && top.array.empty() && top.elements.empty()) return report;  // empty
  RAMPART_ASSIGN_OR_RETURN(stix::ParseResult parsed, stix::ParseBundleOrObject(to_parse, po));

  // Group errors by input index.
  std::map<long, std::vector<const stix::ValidationError*>> errors_at;
  std::vector<const stix::ValidationError*> unplaced;
  for (const auto& e : parsed.errors) {
    if (top.bundle && e.path.rfind("$.objects[", 0) != 0) {
      // About the bundle itself. Its "extensions" carrying only the Rampart
      // extension is our documented convention (consumed above); anything
      // else wrong with the bundle rejects the request.
      if (e.path.rfind("$.extensions", 0) == 0 && bundle_req.present) {
        Json ext = Json::parse(top.extensions, nullptr, false);
        if (ext.is_object() && ext.size() == 1) continue;
      }
      return Status::InvalidArgument("invalid bundle: " + stix::FormatError(e));
    }
    long idx = top.single ? 0 : ErrorIndex(e.path);
    if (idx >= 0 && static_cast<size_t>(idx) < top.elements.size()) {
      errors_at[idx].push_back(&e);
    } else {
      unplaced.push_back(&e);
    }
  }
  const size_t n_inputs = top.single ? 1 : top.elements.size();
  const bool placed = unplaced.empty() && n_inputs == errors_at.size() + parsed.objects.size();

  // 3. Per valid object: Rampart extension, provenance.
  const store::Organization* local = LocalOrg(snapshot);
  const std::string pseudonym = local ? PseudonymIdentityId(*local) : "";
  const store::Organization* submitter_org = snapshot.FindOrg(principal.org_id);

  struct Pending {
    stix::ParsedObject* parsed;
    auth::RampartRequest req;
    std::string failure;  // non-empty: not stored
    Json json;            // parsed when it must be rewritten
    bool rewrite = false;
  };
  std::vector<Pending> pending;
  pending.reserve(parsed.objects.size());
  std::unordered_set<std::string> sources;  // identities naming an anonymous source
  if (submitter_org && !submitter_org->identity_id.empty()) sources.insert(submitter_org->identity_id);
  bool any_anonymous = false;
  for (auto& po_obj : parsed.objects) {
    Pending p{&po_obj, bundle_req, "", Json(), false};
    if (po_obj.json.find(auth::kRampartExtensionId) != std::string::npos) {
      p.json = Json::parse(po_obj.json, nullptr, false);
      if (p.json.is_object() && p.json.contains("extensions") && p.json["extensions"].is_object()) {
        Json& exts = p.json["extensions"];
        auto it = exts.find(std::string(auth::kRampartExtensionId));
        if (it != exts.end()) {
          auth::RampartRequest obj_req;
          Status s = ReadRequest(*it, obj_req);
          if (!s.ok()) p.failure = std::string(s.message());
          p.req = auth::MergeRequests(bundle_req, obj_req);
          exts.erase(it);
          if (exts.empty()) p.json.erase("extensions");
          p.rewrite = true;
        }
      }
    }
    if (p.req.anonymous.value_or(false)) {
      if (!local) p.failure = "anonymous submission needs a local organisation";
      any_anonymous = true;
      if (!po_obj.created_by_ref.empty()) sources.insert(po_obj.created_by_ref);
    }
    pending.push_back(std::move(p));
  }

  std::vector<store::NewObject> to_store;
  std::vector<size_t> store_index;  // pending index of each to_store entry
  nlohmann::json anon_audit = nlohmann::json::array();
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    if (!p.failure.empty()) continue;
    const stix::ParsedObject& o = *p.parsed;
    const bool anonymous = p.req.anonymous.value_or(false);
    store::NewObject n = IndexedFields(o);

    // Provenance.
    store::Provenance& prov = n.provenance;
    std::optional<stix::Tlp> tlp;
    for (const auto& m : o.object_marking_refs) {
      if (auto t = stix::TlpFromMarkingId(m)) tlp = tlp ? stix::MostRestrictive(*tlp, *t) : *t;
    }
    if (tlp) {
      prov.effective_tlp = *tlp;
    } else {
      prov.effective_tlp = collection.default_tlp;
      prov.default_marking_applied = true;
    }
    for (const auto& r : p.req.red_recipients) {
      const store::Organization* org = snapshot.FindOrgByIdentity(r);
      if (!org) org = snapshot.FindOrg(r);
      if (!org) {
        p.failure = "unknown TLP:RED recipient '" + r + "' (use an organisation identity id)";
        break;
      }
      prov.red_recipients.push_back(org->id);
    }
    if (!p.failure.empty()) continue;
    if (p.req.sharing_group) {
      std::optional<std::string> gid = snapshot.FindGroup(*p.req.sharing_group);
      if (!gid) {
        p.failure = "unknown sharing group '" + *p.req.sharing_group + "'";
        continue;
      }
      if (!principal.IsAdmin() && !snapshot.IsGroupMember(*gid, principal.org_id)) {
        p.failure = "submitter is not a member of sharing group '" + *p.req.sharing_group + "'";
        continue;
      }
      prov.sharing_groups.push_back(*gid);
    }
    prov.source_peer = options.source_peer;
    prov.anonymous = anonymous;
    if (anonymous) {
      if (o.type == "identity" && sources.count(o.id)) {
        p.failure = "not stored: this identity names the anonymous submitter";
        continue;
      }
      if (!p.rewrite) p.json = Json::parse(o.json, nullptr, false);
      if (!p.json.is_object()) {
        p.failure = "internal: object could not be re-read";
        continue;
      }
      ReplaceRefs(p.json, sources, pseudonym);
      p.rewrite = true;
      n.created_by_ref = p.json.value("created_by_ref", "");
      anon_audit.push_back({{"id", o.id}, {"version", VersionText(o)},
                            {"org", principal.org_id}, {"user", principal.user_id}});
    } else {
      prov.org_id = principal.org_id;
      prov.user_id = principal.user_id;
    }
    if (!anonymous && any_anonymous && o.type == "identity" && sources.count(o.id)) {
      // A non-anonymous object in the same request must not re-publish the
      // identity of the anonymous source either.
      p.failure = "not stored: this identity names an anonymous submitter of this request";
      continue;
    }
    n.json = p.rewrite ? p.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : o.json;
    n.observables = ExtractObservables(o.type, n.json, o.pattern_type == "stix" ? o.pattern : "");
    to_store.push_back(std::move(n));
    store_index.push_back(i);
  }
  if (any_anonymous && local) {
    store::NewObject id;
    id.id = pseudonym;
    id.type = "identity";
    id.spec_version = "2.1";
    id.created = local->created / 1000 * 1000;
    id.modified = id.created;
    id.marking_refs = {std::string(stix::kTlp2Clear)};
    id.json = PseudonymIdentityJson(*local);
    id.provenance.effective_tlp = stix::Tlp::kClear;
    to_store.push_back(std::move(id));
  }

  // 4. One write, one audit record.
  std::vector<store::WriteOutcome> outcomes;
  if (!to_store.empty()) {
    nlohmann::json detail;
    detail["org"] = principal.org_id;
    detail["token"] = principal.token_id;
    detail["count"] = to_store.size();
    std::string digest_input;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& n : to_store) {
      digest_input += n.id;
      digest_input += '\n';
      if (to_store.size() <= 1000) ids.push_back(n.id);
    }
    detail["ids_sha256"] = Sha256Hex(digest_input);
    if (to_store.size() <= 1000) detail["ids"] = std::move(ids);
    if (!anon_audit.empty()) detail["anonymous_sources"] = std::move(anon_audit);
    if (!options.source_peer.empty()) detail["source_peer"] = options.source_peer;
    store::WriteOptions w;
    w.audit = store::AuditEntry{auth::AuditActor(principal), options.audit_action, collection.id,
                                detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    RAMPART_ASSIGN_OR_RETURN(outcomes, store.AddObjects(collection.id, to_store, w));
  }

  // 5. The report, in input order.
  std::vector<IngestItem> valid_items(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    const Pending& p = pending[i];
    IngestItem& it = valid_items[i];
    it.id = p.parsed->id;
    it.version = VersionText(*p.parsed);
    if (!p.failure.empty()) {
      it.message = p.failure;
    }
  }
  for (size_t k = 0; k < store_index.size() && k < outcomes.size(); ++k) {
    IngestItem& it = valid_items[store_index[k]];
    const store::WriteOutcome& w = outcomes[k];
    switch (w.result) {
      case store::WriteResult::kAdded:
        it.success = true;
        it.message = "added";
        ++report.added;
        break;
      case store::WriteResult::kDuplicate:
        it.success = true;
        it.message = "duplicate";
        ++report.duplicates;
        break;
      case store::WriteResult::kFailed:
        it.message = w.message.empty() ? "not stored" : w.message;
        break;
    }
  }
  auto failure_item = [&](long idx, const std::vector<const stix::ValidationError*>& errs) {
    IngestItem it;
    if (idx >= 0 && static_cast<size_t>(idx) < top.elements.size() && !top.elements[idx].empty()) {
      auto [id, v] = IdVersionOf(top.elements[idx]);
      it.id = id;
      it.version = v;
    }
    if (it.id.empty() && !errs.empty()) it.id = errs.front()->object_id;
    std::string msg;
    for (const auto* e : errs) {
      if (!msg.empty()) msg += "; ";
      msg += stix::FormatError(*e);
      if (msg.size() > 2000) break;
    }
    it.message = msg;
    return it;
  };
  if (placed) {
    size_t v = 0;
    for (size_t i = 0; i < n_inputs; ++i) {
      auto e = errors_at.find(static_cast<long>(i));
      if (e != errors_at.end()) {
        report.items.push_back(failure_item(static_cast<long>(i), e->second));
      } else if (v < valid_items.size()) {
        report.items.push_back(std::move(valid_items[v++]));
      }
    }
  } else {
    // Could not tie every error to an input position: valid objects first,
    // then one failure per object id / position.
    for (auto& it : valid_items) report.items.push_back(std::move(it));
    for (const auto& [idx, errs] : errors_at) report.items.push_back(failure_item(idx, errs));
    std::map<std::string, std::vector<const stix::ValidationError*>> by_id;
    for (const auto* e : unplaced) by_id[e->object_id].push_back(e);
    for (const auto& [id, errs] : by_id) report.items.push_back(failure_item(-1, errs));
  }
  for (const auto& it : report.items) (it.success ? report.success_count : report.failure_count)++;
  return report;
}

}  // namespace rampart::ingest
