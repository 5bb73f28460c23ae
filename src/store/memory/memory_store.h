// MemoryStore: an in-memory fake of store::Store for unit tests of the
// modules above the store (taxii, auth, ingest, sync). Same semantics as the
// real backends (it passes the conformance suite), no durability.
//
// Thread-safety: every method may be called concurrently; one mutex guards
// all state (simple, not fast).
#ifndef RAMPART_STORE_MEMORY_MEMORY_STORE_H_
#define RAMPART_STORE_MEMORY_MEMORY_STORE_H_

#include <memory>

#include "store/store.h"

namespace rampart::store {

// A fresh, empty in-memory store. Backup() returns Unsupported.
std::unique_ptr<Store> NewMemoryStore();

}  // namespace rampart::store

#endif  // RAMPART_STORE_MEMORY_MEMORY_STORE_H_
