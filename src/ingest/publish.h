// Publishing Rampart's own STIX definitions so any TAXII client can resolve
// them: the Rampart extension-definition (auth/rampart_extension.h) lives in a
// public, TLP:CLEAR collection with a fixed id in the default API root.
//
// Thread-safety: as safe as the Store; call once at server start-up (it is
// idempotent, so several nodes on one PostgreSQL store may all call it).
#ifndef RAMPART_INGEST_PUBLISH_H_
#define RAMPART_INGEST_PUBLISH_H_

#include <string_view>

#include "base/status.h"
#include "store/store.h"

namespace rampart::ingest {

// The fixed id of the public collection holding Rampart's definitions.
inline constexpr char kDefinitionsCollectionId[] = "3f6d1c2e-8a4b-4e57-9c0d-2b7a1e5f9d34";

// Creates the definitions collection under `api_root` if it is missing, and
// stores the Rampart extension-definition in it through the ingest path (as
// the local organisation; a second call stores a duplicate, i.e. nothing).
// REQUIRES: auth::EnsureBootstrap(store) has run.
Status PublishRampartDefinitions(store::Store& store, std::string_view api_root);

}  // namespace rampart::ingest

#endif  // RAMPART_INGEST_PUBLISH_H_
