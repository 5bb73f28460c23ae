#include "store/store.h"

#include "base/crypto.h"

namespace rampart::store {

Status ValidateNewObject(const NewObject& o) {
  if (o.id.empty()) return Status::InvalidArgument("object has no id");
  if (o.type.empty()) return Status::InvalidArgument("object has no type");
  if (o.id.size() <= o.type.size() + 2 || o.id.compare(0, o.type.size(), o.type) != 0 ||
      o.id.compare(o.type.size(), 2, "--") != 0) {
    return Status::InvalidArgument("object id does not start with its type followed by '--'");
  }
  if (o.spec_version.empty()) return Status::InvalidArgument("object has no spec_version");
  if (o.json.empty()) return Status::InvalidArgument("object has no JSON bytes");
  return Status::Ok();
}

Result<PageEnd> Store::ScanObjects(const ObjectQuery& q,
                                   const std::function<void(const StoredObject&)>& visit) {
  RAMPART_ASSIGN_OR_RETURN(Page page, QueryObjects(q));
  for (const StoredObject& o : page.objects) visit(o);
  return PageEnd{page.more, std::move(page.next)};
}

std::string AuditChainInput(const AuditRecord& r) {
  std::string in;
  in.reserve(r.prev_hash.size() + r.actor.size() + r.action.size() + r.target.size() +
             r.detail.size() + 64);
  in += r.prev_hash;
  in += '\n';
  in += std::to_string(r.seq);
  in += '\n';
  in += std::to_string(r.time);
  in += '\n';
  in += r.actor;
  in += '\n';
  in += r.action;
  in += '\n';
  in += r.target;
  in += '\n';
  in += r.detail;
  return in;
}

std::string AuditChainHash(const AuditRecord& r) { return Sha256Hex(AuditChainInput(r)); }

std::string OwnerKeyForOrg(std::string_view org_id) { return "org:" + std::string(org_id); }

std::string OwnerKeyForRelay(std::string_view created_by_ref, std::string_view relaying_org_id) {
  if (!created_by_ref.empty()) return "creator:" + stix::CanonicalId(created_by_ref);
  return "relay:" + std::string(relaying_org_id);
}

Result<std::string> Store::GetObjectOwner(std::string_view) {
  return Status::Unsupported("GetObjectOwner is not implemented by this backend");
}

Result<std::string> Store::GetOrCreateSecret(std::string_view) {
  return Status::Unsupported("GetOrCreateSecret is not implemented by this backend");
}

}  // namespace rampart::store
