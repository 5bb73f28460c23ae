// The Rampart STIX extension: how a plain TAXII client names TLP:RED
// recipients, a sharing group, or asks for anonymity (docs/formats/
// rampart_extension.md).
//
// A submitter adds, to an object or to the bundle / TAXII envelope (then it
// applies to every object in it), a property-extension:
//   "extensions": {
//     "extension-definition--1e5a3c2d-6f4b-4f7e-9a51-7d0c2b8e4a10": {
//       "extension_type": "property-extension",
//       "red_recipients": ["identity--..."],   // organisation identity ids
//       "sharing_group": "<group id or name>",
//       "anonymous": true
//     }
//   }
// The ingest path reads it, records the decision in the object's provenance,
// and strips it from the stored bytes, so nobody else ever reads it.
// Pure functions; thread-safe.
#ifndef RAMPART_AUTH_RAMPART_EXTENSION_H_
#define RAMPART_AUTH_RAMPART_EXTENSION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::auth {

inline constexpr std::string_view kRampartExtensionId =
    "extension-definition--1e5a3c2d-6f4b-4f7e-9a51-7d0c2b8e4a10";

// The STIX identity of the Rampart software: the created_by_ref of its
// extension-definitions (STIX 2.1 requires one).
inline constexpr std::string_view kRampartIdentityId = "identity--b5a4f1e2-6c3d-4e8f-9a1b-2c3d4e5f6a7b";
// That identity object (compact JSON, stable bytes).
const std::string& RampartIdentityJson();

// The extension-definition object the server publishes (a STIX 2.1 object,
// compact JSON, stable bytes). Serve it e.g. in every collection or at a
// well-known URL so clients can resolve the id.
const std::string& RampartExtensionDefinitionJson();

// What a submitter asked for. Absent fields are unset.
struct RampartRequest {
  std::vector<std::string> red_recipients;  // identity ids as given
  std::optional<std::string> sharing_group;
  std::optional<bool> anonymous;
  bool present = false;  // the extension was there at all
};

// Merges an object-level request over a bundle-level one (object wins per
// field; recipients: object list if non-empty, else the bundle's).
RampartRequest MergeRequests(const RampartRequest& bundle, const RampartRequest& object);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_RAMPART_EXTENSION_H_
