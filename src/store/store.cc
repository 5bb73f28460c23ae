#include "store/store.h"

#include "base/crypto.h"

namespace rampart::store {

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

}  // namespace rampart::store
