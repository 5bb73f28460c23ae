#include "store/store.h"

#include <cstdint>

#include "base/crypto.h"

namespace rampart::store {
namespace {

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
// without a NUL: what every backend can index as text. PostgreSQL text holds
// neither NUL nor invalid UTF-8; deciding it here makes SQLite and the memory
// store refuse exactly the same observables.
bool IsIndexableText(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

Status ValidateNewObject(const NewObject& o) {
  if (o.id.empty()) return Status::InvalidArgument("object has no id");
  if (o.type.empty()) return Status::InvalidArgument("object has no type");
  if (o.id.size() <= o.type.size() + 2 || o.id.compare(0, o.type.size(), o.type) != 0 ||
      o.id.compare(o.type.size(), 2, "--") != 0) {
    return Status::InvalidArgument("object id does not start with its type followed by '--'");
  }
  if (o.spec_version.empty()) return Status::InvalidArgument("object has no spec_version");
  if (o.json.empty()) return Status::InvalidArgument("object has no JSON bytes");
  for (const Observable& ob : o.observables) {
    if (ob.kind.empty() || !IsIndexableText(ob.kind)) {
      return Status::InvalidArgument("an observable kind is empty or not UTF-8 text");
    }
    if (!IsIndexableText(ob.value)) {
      return Status::InvalidArgument(
          "an observable value contains a NUL character or is not valid UTF-8");
    }
  }
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
