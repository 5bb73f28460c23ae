#include "auth/audit_entries.h"

#include <nlohmann/json.hpp>

namespace rampart::auth {

namespace {

std::string_view TlpShort(stix::Tlp t) {
  switch (t) {
    case stix::Tlp::kClear: return "clear";
    case stix::Tlp::kGreen: return "green";
    case stix::Tlp::kAmber: return "amber";
    case stix::Tlp::kAmberStrict: return "amber+strict";
    case stix::Tlp::kRed: return "red";
  }
  return "red";
}

nlohmann::json Header(const Principal& p, Path path) {
  nlohmann::json d;
  d["org"] = p.org_id;
  d["token"] = p.token_id;
  d["path"] = std::string(PathName(path));
  return d;
}

}  // namespace

std::string AuditActor(const Principal& p) { return p.user_id.empty() ? "anonymous" : p.user_id; }

store::AuditEntry ReadAuditEntry(const Principal& p, std::string_view collection_id,
                                 const std::vector<const store::StoredObject*>& objects,
                                 Path path) {
  nlohmann::json d = Header(p, path);
  nlohmann::json list = nlohmann::json::array();
  for (const store::StoredObject* o : objects) {
    list.push_back({{"id", o->id},
                    {"version", o->version},
                    {"tlp", std::string(TlpShort(o->provenance.effective_tlp))}});
  }
  d["objects"] = std::move(list);
  return store::AuditEntry{AuditActor(p), "objects.read", std::string(collection_id), d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

store::AuditEntry ReadAuditEntry(const Principal& p, std::string_view collection_id,
                                 const std::vector<std::string>& ids, Path path) {
  nlohmann::json d = Header(p, path);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& id : ids) list.push_back({{"id", id}});
  d["objects"] = std::move(list);
  return store::AuditEntry{AuditActor(p), "objects.read", std::string(collection_id), d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace rampart::auth
