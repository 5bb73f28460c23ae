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
        std::string id = x.get<std::string>();
        if (!stix::IsCanonicalId(id)) {
          return Status::InvalidArgument("red_recipients must be written in lower case ('" + id.substr(0, 100) +
                                         "')");
        }
        r.red_recipients.push_back(std::move(id));
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
// name a source identity (in any case: `sources` holds canonical ids) by
// `pseudonym`.
void ReplaceRefs(Json& j, const std::unordered_set<std::string>& sources,
                 const std::string& pseudonym) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      bool ref = k.size() > 4 && k.compare(k.size() - 4, 4, "_ref") == 0;
      bool refs = k.size() > 5 && k.compare(k.size() - 5, 5, "_refs") == 0;
      if (ref && it->is_string() && sources.count(stix::CanonicalId(it->get<std::string>()))) {
        *it = pseudonym;
      } else if (refs && it->is_array()) {
        for (auto& x : *it) {
          if (x.is_string() && sources.count(stix::CanonicalId(x.get<std::string>()))) x = pseudonym;
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

// The forum's own ids (docs/trust.md, "Creators"): member organisations'
// identities, the forum pseudonym, the Rampart software identity and
// extension-definition, the TLP marking-definitions and TLP 2.0's
// extension-definition. `canonical_id` is stix::CanonicalId(id).
bool IsForumReservedId(const auth::PolicySnapshot& s, std::string_view canonical_id,
                       std::string_view pseudonym) {
  return s.FindOrgByIdentity(canonical_id) != nullptr || canonical_id == pseudonym ||
         canonical_id == auth::kRampartIdentityId || canonical_id == auth::kRampartExtensionId ||
         canonical_id == stix::kTlp2ExtensionDefinition || stix::IsTlpMarkingDefinitionId(canonical_id);
}

// True when a deterministic SCO id (a UUIDv5, STIX 2.1 section 2.9) is not
// the id of the object's content: `domain-name--<id of good.example>` with
// the value evil.example. Random (v4) SCO ids claim no content.
bool ScoIdContradictsContent(const stix::ParsedObject& o, std::string* expected) {
  if (o.kind != stix::ObjectKind::kSco || o.is_stix20) return false;
  std::string_view id = o.id;
  size_t sep = id.find("--");
  // "<type>--xxxxxxxx-xxxx-Vxxx-...": V is the UUID version.
  if (sep == std::string_view::npos || id.size() < sep + 2 + 15) return false;
  if (id[sep + 2 + 14] != '5') return false;
  Result<std::string> want = stix::DeterministicScoId(o.type, o.json);
  if (!want.ok()) return true;
  if (stix::CanonicalId(*want) == stix::CanonicalId(o.id)) return false;
  *expected = *want;
  return true;
}

struct CreatorDecision {
  std::string failure;  // non-empty: refused, with the reason
  std::string owner;    // store::NewObject::owner
};

// Who may post `o`, and who owns its id if it is stored (docs/trust.md,
// "Creators"). `own_identity` is the submitter's organisation identity id.
CreatorDecision DecideCreator(const auth::PolicySnapshot& s, const auth::Principal& p,
                              const stix::ParsedObject& o, bool anonymous, std::string_view own_identity,
                              std::string_view pseudonym, const IngestOptions& options) {
  const std::string id = stix::CanonicalId(o.id);
  if (!options.as_forum && IsForumReservedId(s, id, pseudonym)) {
    return {"this id belongs to the forum (member organisations' identities, the forum pseudonym, "
            "TLP marking-definitions, Rampart's definitions) and cannot be posted",
            ""};
  }
  std::string expected;
  if (ScoIdContradictsContent(o, &expected)) {
    return {"a deterministic " + o.type + " id must be derived from its content (this content has the id " +
                expected + ")",
            ""};
  }
  // Relays carry objects created elsewhere: a sync-peer's pull or push, an
  // admin's import, the forum's own loaders.
  const bool relay = options.as_forum || p.role == store::Role::kSyncPeer || p.IsAdmin();
  const std::string cbr = stix::CanonicalId(o.created_by_ref);
  if (cbr.empty()) {
    if (options.as_forum) return {"", kForumOwner};
    if (p.role == store::Role::kSyncPeer) return {"", store::OwnerKeyForRelay("", p.org_id)};
    return {"", store::OwnerKeyForOrg(p.org_id)};
  }
  if (!own_identity.empty() && cbr == own_identity) return {"", store::OwnerKeyForOrg(p.org_id)};
  if (anonymous && !pseudonym.empty() && cbr == pseudonym) return {"", store::OwnerKeyForOrg(p.org_id)};
  const bool local_or_forum = s.FindOrgByIdentity(cbr) != nullptr || cbr == pseudonym ||
                              cbr == auth::kRampartIdentityId;
  if (options.as_forum || (relay && !anonymous && !local_or_forum)) {
    return {"", store::OwnerKeyForRelay(cbr, p.org_id)};
  }
  if (relay && !anonymous) {
    return {"created_by_ref names a member organisation or the forum: a relay may not claim a local "
            "organisation's or the forum's identity",
            ""};
  }
  return {"created_by_ref must be your organisation's identity" +
              (own_identity.empty() ? std::string() : " (" + std::string(own_identity) + ")"),
          ""};
}

struct TopLevel {
  std::vector<std::string_view> elements;  // raw JSON of each object, input order
  std::string_view array;                  // the raw array to hand to the parser ("" = body)
  std::string extensions;                  // raw "extensions" of bundle/envelope
  bool single = false;
  bool bundle = false;  // type "bundle": the parser sees the whole body
};

// True when some JSON object in `json` (valid JSON, small: a bundle's
// extensions) has a key twice, or `json` does not parse.
bool HasDuplicateKey(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return true;
  std::vector<simdjson::dom::element> todo{root};
  while (!todo.empty()) {
    simdjson::dom::element e = todo.back();
    todo.pop_back();
    simdjson::dom::object o;
    simdjson::dom::array a;
    if (!e.get_object().get(o)) {
      std::set<std::string_view> seen;
      for (auto f : o) {
        if (!seen.insert(f.key).second) return true;
        todo.push_back(f.value);
      }
    } else if (!e.get_array().get(a)) {
      for (auto x : a) todo.push_back(x);
    }
  }
  return false;
}

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
  std::set<std::string, std::less<>> keys;
  for (auto field : top) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidArgument("malformed JSON");
    // One reading for everyone: with a key twice, this scan, the STIX parser
    // and a client could each take a different one.
    if (!keys.emplace(key).second) {
      return Status::InvalidArgument("the request body has the key '" + std::string(key.substr(0, 100)) +
                                     "' twice");
    }
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
      if (HasDuplicateKey(t.extensions)) {
        return Status::InvalidArgument("the request body's 'extensions' has a key twice");
      }
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
  // The identity naming an anonymous source: its organisation's (an anonymous
  // object's created_by_ref can be nothing else, DecideCreator).
  const std::string own_identity =
      submitter_org ? stix::CanonicalId(submitter_org->identity_id) : std::string();
  std::unordered_set<std::string> sources;
  if (!own_identity.empty()) sources.insert(own_identity);
  bool any_anonymous = false;
  for (auto& po_obj : parsed.objects) {
    Pending p{&po_obj, bundle_req, "", Json(), false};
    // Decoded keys (the validator refuses escaped and duplicate keys, so this
    // is the one reading every client has too).
    if (std::find(po_obj.extension_keys.begin(), po_obj.extension_keys.end(), auth::kRampartExtensionId) !=
        po_obj.extension_keys.end()) {
      p.json = Json::parse(po_obj.json, nullptr, false);
      if (p.json.is_object() && p.json.contains("extensions") && p.json["extensions"].is_object()) {
        Json& exts = p.json["extensions"];
        auto it = exts.find(std::string(auth::kRampartExtensionId));
        if (it == exts.end()) {
          p.failure = "internal: the Rampart extension could not be re-read";
        } else {
          auth::RampartRequest obj_req;
          Status s = ReadRequest(*it, obj_req);
          if (!s.ok()) p.failure = std::string(s.message());
          p.req = auth::MergeRequests(bundle_req, obj_req);
          exts.erase(it);
          if (exts.empty()) p.json.erase("extensions");
          p.rewrite = true;
        }
      } else {
        p.failure = "internal: the Rampart extension could not be re-read";
      }
    }
    if (p.req.anonymous.value_or(false)) {
      if (!local) p.failure = "anonymous submission needs a local organisation";
      any_anonymous = true;
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
    CreatorDecision creator = DecideCreator(snapshot, principal, o, anonymous, own_identity, pseudonym, options);
    if (!creator.failure.empty()) {
      p.failure = std::move(creator.failure);
      continue;
    }
    store::NewObject n = IndexedFields(o);
    n.owner = std::move(creator.owner);

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
    id.owner = kForumOwner;
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
