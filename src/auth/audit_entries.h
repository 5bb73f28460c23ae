// Audit entries the serving paths append (docs/formats/audit_chain.md lists
// every action). Pure constructors; thread-safe.
#ifndef RAMPART_AUTH_AUDIT_ENTRIES_H_
#define RAMPART_AUTH_AUDIT_ENTRIES_H_

#include <string>
#include <string_view>
#include <vector>

#include "auth/policy.h"
#include "store/types.h"

namespace rampart::auth {

// One batched record for a response that served AMBER/AMBER+STRICT/RED
// objects (see NeedsReadAudit): actor = user id, action "objects.read",
// target = collection id, detail = {"org":..,"token":..,"path":..,
// "objects":[{"id":..,"version":"<µs>","tlp":"amber"},...]}.
// Call once per response with every restricted object it served, then
// Store::AppendAudit(entry).
store::AuditEntry ReadAuditEntry(const Principal& p, std::string_view collection_id,
                                 const std::vector<const store::StoredObject*>& objects,
                                 Path path = Path::kTaxiiRead);

// Convenience overload over ids only (no version / TLP detail).
store::AuditEntry ReadAuditEntry(const Principal& p, std::string_view collection_id,
                                 const std::vector<std::string>& ids,
                                 Path path = Path::kTaxiiRead);

// Audit actor for a principal: its user id, or "anonymous".
std::string AuditActor(const Principal& p);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_AUDIT_ENTRIES_H_
