#include "auth/policy.h"

#include <string.h>  // memmem (glibc)

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/marking_splice.h"
#include "store/store.h"

namespace rampart::auth {

namespace {

using stix::Tlp;

std::string GrantKey(store::GranteeKind kind, std::string_view grantee, std::string_view coll) {
  std::string k;
  k.reserve(grantee.size() + coll.size() + 4);
  k += kind == store::GranteeKind::kOrganization ? 'o' : 'u';
  k += '|';
  k += grantee;
  k += '|';
  k += coll;
  return k;
}

std::string PairKey(std::string_view a, std::string_view b) {
  std::string k(a);
  k += '|';
  k += b;
  return k;
}


// A sync-peer is judged as federation whatever path it arrives by.
Path EffectivePath(const Principal& p, Path path) {
  if (p.role == store::Role::kSyncPeer) return Path::kFederation;
  return path;
}

ReadTier TierOf(const PolicySnapshot& s, const Principal& p, const store::Collection& c) {
  if (p.IsAdmin()) return ReadTier::kMember;
  if (s.GrantFor(p, c.id).can_read) return ReadTier::kMember;
  if (!p.org_id.empty() && s.IsClientOfReader(p.org_id, c.id)) return ReadTier::kClient;
  if (c.is_public) return ReadTier::kPublic;
  return ReadTier::kNone;
}

bool IsRedRecipient(const store::Provenance& prov, std::string_view org_id) {
  if (org_id.empty()) return false;
  return std::find(prov.red_recipients.begin(), prov.red_recipients.end(), org_id) !=
         prov.red_recipients.end();
}

}  // namespace

std::string_view PathName(Path p) {
  switch (p) {
    case Path::kTaxiiRead: return "taxii-read";
    case Path::kStatus: return "status";
    case Path::kExport: return "export";
    case Path::kFederation: return "federation";
    case Path::kAggregate: return "aggregate";
    case Path::kStream: return "stream";
  }
  return "unknown";
}

PolicySnapshot::PolicySnapshot(std::vector<store::Organization> orgs,
                               std::vector<store::Grant> grants,
                               std::vector<store::SharingGroup> groups)
    : org_list_(std::move(orgs)) {
  for (const auto& o : org_list_) {
    orgs_[o.id] = o;
    if (!o.identity_id.empty()) org_by_identity_[o.identity_id] = o.id;
    auto& cl = clients_[o.id];
    for (const auto& c : o.client_org_ids) cl.insert(c);
  }
  for (const auto& g : grants) {
    Access& a = grants_[GrantKey(g.grantee_kind, g.grantee_id, g.collection_id)];
    a.can_read = a.can_read || g.can_read;
    a.can_write = a.can_write || g.can_write;
    if (g.grantee_kind == store::GranteeKind::kOrganization && g.can_read) {
      auto it = clients_.find(g.grantee_id);
      if (it == clients_.end()) continue;
      for (const auto& client : it->second) client_read_.insert(PairKey(client, g.collection_id));
    }
  }
  for (const auto& g : groups) {
    auto& m = group_members_[g.id];
    for (const auto& org : g.member_org_ids) m.insert(org);
    auto [it, inserted] = group_by_name_.emplace(g.name, g.id);
    if (!inserted) it->second.clear();
  }
}

const store::Organization* PolicySnapshot::FindOrg(std::string_view org_id) const {
  auto it = orgs_.find(std::string(org_id));
  return it == orgs_.end() ? nullptr : &it->second;
}

const store::Organization* PolicySnapshot::FindOrgByIdentity(std::string_view identity_id) const {
  auto it = org_by_identity_.find(std::string(identity_id));
  return it == org_by_identity_.end() ? nullptr : FindOrg(it->second);
}

bool PolicySnapshot::HasGroup(std::string_view group_id) const {
  return group_members_.count(std::string(group_id)) != 0;
}

std::optional<std::string> PolicySnapshot::FindGroup(std::string_view id_or_name) const {
  if (HasGroup(id_or_name)) return std::string(id_or_name);
  auto it = group_by_name_.find(std::string(id_or_name));
  if (it == group_by_name_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

bool PolicySnapshot::IsClientOf(std::string_view client_org, std::string_view org) const {
  auto it = clients_.find(std::string(org));
  return it != clients_.end() && it->second.count(std::string(client_org)) != 0;
}

bool PolicySnapshot::IsGroupMember(std::string_view group_id, std::string_view org_id) const {
  auto it = group_members_.find(std::string(group_id));
  return it != group_members_.end() && it->second.count(std::string(org_id)) != 0;
}

PolicySnapshot::Access PolicySnapshot::GrantFor(const Principal& p,
                                                std::string_view collection_id) const {
  Access out;
  if (!p.user_id.empty()) {
    auto it = grants_.find(GrantKey(store::GranteeKind::kUser, p.user_id, collection_id));
    if (it != grants_.end()) out = it->second;
  }
  if (!p.org_id.empty()) {
    auto it = grants_.find(GrantKey(store::GranteeKind::kOrganization, p.org_id, collection_id));
    if (it != grants_.end()) {
      out.can_read = out.can_read || it->second.can_read;
      out.can_write = out.can_write || it->second.can_write;
    }
  }
  return out;
}

bool PolicySnapshot::IsClientOfReader(std::string_view org_id,
                                      std::string_view collection_id) const {
  return client_read_.count(PairKey(org_id, collection_id)) != 0;
}

CollectionAccess DecideCollection(const PolicySnapshot& s, const Principal& p,
                                  const store::Collection& c) {
  CollectionAccess a;
  if (p.IsAdmin()) {
    a.visible = a.can_read = a.can_write = true;
    a.tier = ReadTier::kMember;
    return a;
  }
  a.tier = TierOf(s, p, c);
  a.can_read = a.tier != ReadTier::kNone;
  const bool write_grant = s.GrantFor(p, c.id).can_write;
  a.can_write = write_grant && RoleMayWrite(p.role);
  // Any grant lists the collection (a reader with a write grant gets 403s).
  a.visible = a.can_read || write_grant;
  return a;
}

ReadScope::ReadScope(const PolicySnapshot& s, const Principal& p, const store::Collection& c, Path path)
    : s_(s), p_(p), c_(c), path_(path), effective_(EffectivePath(p, path)), tier_(TierOf(s, p, c)) {}

bool ReadScope::MayReceiveAt(const store::StoredObject& o, Tlp tlp) const {
  const PolicySnapshot& s = s_;
  const Principal& p = p_;
  const Path path = effective_;
  const ReadTier tier = tier_;
  if (tier == ReadTier::kNone) return false;
  const store::Provenance& prov = o.provenance;
  const bool leaves = path == Path::kExport || path == Path::kFederation;
  const bool own = !p.org_id.empty() && !prov.org_id.empty() && p.org_id == prov.org_id;

  // Sharing groups restrict whatever the grants say.
  if (!prov.sharing_groups.empty() && !(own && !leaves)) {
    bool member = false;
    for (const auto& g : prov.sharing_groups) {
      if (s.IsGroupMember(g, p.org_id)) {
        member = true;
        break;
      }
    }
    if (!member) return false;
  }

  switch (tlp) {
    case Tlp::kRed:
      if (leaves) return false;
      if (own) return true;
      if (path == Path::kAggregate) return false;  // never counted for others
      return IsRedRecipient(prov, p.org_id) && tier == ReadTier::kMember;
    case Tlp::kAmberStrict:
      if (leaves) return false;
      return own || tier == ReadTier::kMember;
    case Tlp::kAmber:
      if (path == Path::kFederation) {
        const store::Organization* peer = s.FindOrg(p.org_id);
        if (peer == nullptr || !peer->trusted_for_amber) return false;
      }
      return (own && !leaves) || tier >= ReadTier::kClient;
    case Tlp::kGreen:
      return (own && !leaves) || tier >= ReadTier::kClient;
    case Tlp::kClear:
      return true;  // tier >= kPublic
  }
  return false;
}

bool MayReceiveLevel(const PolicySnapshot& s, const Principal& p, const store::Collection& c,
                     const store::StoredObject& o, Tlp tlp, Path path) {
  return ReadScope(s, p, c, path).MayReceiveAt(o, tlp);
}

bool MayReceive(const PolicySnapshot& s, const Principal& p, const store::Collection& c,
                const store::StoredObject& o, Path path) {
  return ReadScope(s, p, c, path).MayReceive(o);
}

std::string_view RoleName(store::Role r) {
  switch (r) {
    case store::Role::kReader: return "reader";
    case store::Role::kContributor: return "contributor";
    case store::Role::kOrgAdmin: return "org-admin";
    case store::Role::kAdmin: return "admin";
    case store::Role::kSyncPeer: return "sync-peer";
  }
  return "unknown";
}

std::optional<store::Role> ParseRole(std::string_view name) {
  for (store::Role r : {store::Role::kReader, store::Role::kContributor, store::Role::kOrgAdmin,
                        store::Role::kAdmin, store::Role::kSyncPeer}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

bool RoleMayWrite(store::Role r) { return r != store::Role::kReader; }

const std::vector<std::string_view>& RequiredProperties(std::string_view type) {
  // STIX 2.1 sections 4-7: common required properties plus each type's own.
  static const auto* table = new std::unordered_map<std::string_view, std::vector<std::string_view>>{
      {"attack-pattern", {"name"}},
      {"campaign", {"name"}},
      {"course-of-action", {"name"}},
      {"grouping", {"context", "object_refs"}},
      {"identity", {"name"}},
      {"incident", {"name"}},
      {"indicator", {"pattern", "pattern_type", "valid_from"}},
      {"infrastructure", {"name"}},
      {"intrusion-set", {"name"}},
      {"location", {}},
      {"malware", {"is_family"}},
      {"malware-analysis", {"product"}},
      {"note", {"content", "object_refs"}},
      {"observed-data", {"first_observed", "last_observed", "number_observed"}},
      {"opinion", {"opinion", "object_refs"}},
      {"report", {"name", "published", "object_refs"}},
      {"threat-actor", {"name"}},
      {"tool", {"name"}},
      {"vulnerability", {"name"}},
      {"relationship", {"relationship_type", "source_ref", "target_ref"}},
      {"sighting", {"sighting_of_ref"}},
      {"marking-definition", {"definition_type", "definition"}},
      {"language-content", {"object_ref", "object_modified", "contents"}},
      {"extension-definition", {"name", "schema", "version", "extension_types"}},
      {"domain-name", {"value"}},
      {"ipv4-addr", {"value"}},
      {"ipv6-addr", {"value"}},
      {"mac-addr", {"value"}},
      {"url", {"value"}},
      {"email-addr", {"value"}},
      {"mutex", {"name"}},
      {"autonomous-system", {"number"}},
      {"user-account", {}},
      {"x509-certificate", {}},
      {"software", {"name"}},
      {"directory", {"path"}},
      {"email-message", {"is_multipart"}},
      {"network-traffic", {"protocols"}},
  };
  // Common properties (and the markings themselves) are never redacted.
  static const auto* with_common = [] {
    auto* m = new std::unordered_map<std::string_view, std::vector<std::string_view>>();
    for (const auto& [type, props] : *table) {
      std::vector<std::string_view> v = {"type", "id", "spec_version", "created", "modified",
                                         "object_marking_refs", "granular_markings", "extensions"};
      v.insert(v.end(), props.begin(), props.end());
      (*m)[type] = std::move(v);
    }
    return m;
  }();
  static const std::vector<std::string_view> common = {
      "type", "id", "spec_version", "created", "modified", "object_marking_refs",
      "granular_markings", "extensions"};
  auto it = with_common->find(type);
  return it == with_common->end() ? common : it->second;
}

namespace {

// Top-level property name of a granular-marking selector ("a.[0].b" -> "a").
std::string_view SelectorRoot(std::string_view selector) {
  size_t dot = selector.find('.');
  return dot == std::string_view::npos ? selector : selector.substr(0, dot);
}

// Any "\u" in `s` (memchr for the backslash: glibc's memmem is slow for
// two-byte needles).
bool HasUnicodeEscape(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while ((p = static_cast<const char*>(memchr(p, '\\', end - p))) != nullptr) {
    if (end - p < 2) return false;
    if (p[1] == 'u') return true;
    p += 2;  // the escaped character is never a new escape's backslash
  }
  return false;
}

}  // namespace

namespace internal {

// The slow path: parse, inject the default marking and/or redact.
std::optional<std::string> ReleaseByReserialising(const PolicySnapshot& s, const Principal& p,
                                                  const store::Collection& c,
                                                  const store::StoredObject& o, Path path,
                                                  bool inject) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(o.json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;

  if (inject) {
    const std::string mark(stix::TlpMarkingId(o.provenance.effective_tlp));
    auto it = j.find("object_marking_refs");
    if (it == j.end() || !it->is_array()) {
      j["object_marking_refs"] = nlohmann::ordered_json::array({mark});
    } else if (std::find(it->begin(), it->end(), mark) == it->end()) {
      it->insert(it->begin(), mark);  // first, as the byte splice puts it
    }
  }

  auto gm = j.find("granular_markings");
  if (gm != j.end() && gm->is_array()) {
    std::set<std::string> redact;
    for (const auto& m : *gm) {
      if (!m.is_object()) continue;
      auto ref = m.find("marking_ref");
      if (ref == m.end() || !ref->is_string()) continue;
      std::optional<Tlp> t = stix::TlpFromMarkingId(ref->get<std::string>());
      if (!t) continue;  // not a TLP marking: no restriction
      Tlp level = stix::MostRestrictive(*t, o.provenance.effective_tlp);
      if (MayReceiveLevel(s, p, c, o, level, path)) continue;
      auto sel = m.find("selectors");
      if (sel == m.end() || !sel->is_array()) return std::nullopt;  // cannot tell what to hide
      for (const auto& x : *sel) {
        if (!x.is_string()) return std::nullopt;
        redact.insert(std::string(SelectorRoot(x.get<std::string>())));
      }
    }
    if (!redact.empty()) {
      const std::string type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
      for (std::string_view req : RequiredProperties(type)) {
        if (redact.count(std::string(req))) return std::nullopt;  // would break the object
      }
      for (const auto& prop : redact) j.erase(prop);
      // Drop the selectors that pointed at removed properties.
      nlohmann::ordered_json kept = nlohmann::ordered_json::array();
      for (auto& m : j["granular_markings"]) {
        auto sel = m.find("selectors");
        if (sel == m.end() || !sel->is_array()) continue;
        nlohmann::ordered_json left = nlohmann::ordered_json::array();
        for (const auto& x : *sel) {
          if (!x.is_string() || !redact.count(std::string(SelectorRoot(x.get<std::string>())))) {
            left.push_back(x);
          }
        }
        if (left.empty()) continue;
        m["selectors"] = std::move(left);
        kept.push_back(std::move(m));
      }
      if (kept.empty()) {
        j.erase("granular_markings");
      } else {
        j["granular_markings"] = std::move(kept);
      }
    }
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace internal

namespace {

// Whether `json` may carry granular markings: conservative, any occurrence
// (even nested) counts. (memmem, not std::string::find: find stops at every
// '"', which JSON is full of.) A key spelt with \u escapes
// ("granular\u005fmarkings") hides from a byte search, so objects with such a
// top-level key count too.
bool MayHaveGranularMarkings(std::string_view json) {
  constexpr std::string_view kGranular = "\"granular_markings\"";
  return memmem(json.data(), json.size(), kGranular.data(), kGranular.size()) != nullptr ||
         (HasUnicodeEscape(json) && internal::MayHaveEscapedTopLevelKey(json));
}

// The default TLP marking is spliced into objects stored without one, but
// never into a TLP marking-definition itself: the STIX specification defines
// those objects byte for byte, and validators (the OASIS stix2-validator)
// reject one carrying object_marking_refs.
bool InjectsDefaultMarking(const store::StoredObject& o) {
  return o.provenance.default_marking_applied && !stix::IsTlpMarkingDefinitionId(o.id);
}

}  // namespace

bool ReadScope::Releases(const store::StoredObject& o) const {
  if (!MayReceive(o)) return false;
  // Only a redaction can withhold a received object; without granular
  // markings ReleaseTo serves the bytes (maybe with the marking spliced in).
  if (!MayHaveGranularMarkings(o.json)) return true;
  thread_local std::string scratch;
  scratch.clear();
  return ReleaseTo(o, scratch);
}

bool ReadScope::ReleaseTo(const store::StoredObject& o, std::string& out) const {
  if (!MayReceive(o)) return false;
  const bool inject = InjectsDefaultMarking(o);
  const bool granular = MayHaveGranularMarkings(o.json);
  if (!inject && !granular) {  // the hot path: bytes as stored
    out += o.json;
    return true;
  }
  std::optional<std::string> released;
  if (inject && !granular) {
    // Splice the marking into the stored bytes (no re-serialising); only
    // what the splice cannot decide goes through nlohmann.
    released = internal::SpliceObjectMarking(o.json, stix::TlpMarkingId(o.provenance.effective_tlp));
  }
  if (!released) released = internal::ReleaseByReserialising(s_, p_, c_, o, path_, inject);
  if (!released) return false;
  out += *released;
  return true;
}

std::optional<std::string> ReleaseObject(const PolicySnapshot& s, const Principal& p,
                                         const store::Collection& c, const store::StoredObject& o,
                                         Path path) {
  std::string out;
  if (!ReadScope(s, p, c, path).ReleaseTo(o, out)) return std::nullopt;
  return out;
}

bool MayDelete(const Principal& p, std::string_view owner_key) {
  return p.IsAdmin() || (!p.org_id.empty() && owner_key == store::OwnerKeyForOrg(p.org_id));
}

}  // namespace rampart::auth
