// The one conformance suite of store::Store, value-parameterised over a
// factory of backends.
//
// Every backend instantiates it in its own test file:
//
//   #include "store/testing/conformance.h"
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//       ::testing::Values(rampart::store::testing::StoreFactory(
//           [] { return <a fresh, empty store>; })));
//
// and links the CMake target `rampart_store_conformance` (an OBJECT library:
// its TEST_Ps register themselves, no symbol needs to be referenced).
// The factory is called once per test and must yield a FRESH, EMPTY store
// (no collections, objects, identities or audit records). The store is
// destroyed at the end of the test. Tests may call the store from several
// threads at once. A factory may return nullptr to skip (e.g. PostgreSQL not
// configured locally); the suite then GTEST_SKIP()s, or FAILs with CI=true.
//
// Covered: every query filter (added_after, limit, next, match[id|type|
// version|spec_version], combinations), manifests, versions, cursor stability
// under concurrent inserts, malformed cursors, idempotent re-posts,
// date_added/seq monotonicity, deletes + tombstones, observables, status
// retention, identities, the audit chain (standalone and WriteOptions.audit),
// ownership of ids (recorded with the first version, any case, any
// collection, kept after deletes, checked before duplicates, one winner of
// concurrent first writes), server secrets, and cursors that cannot be
// tampered with, forged, moved to another collection or store, or read.
#ifndef RAMPART_STORE_TESTING_CONFORMANCE_H_
#define RAMPART_STORE_TESTING_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.h"

namespace rampart::store::testing {

using StoreFactory = std::function<std::unique_ptr<Store>()>;

}  // namespace rampart::store::testing

namespace rampart::store {
// Found by argument-dependent lookup for StoreFactory (its return type names
// rampart::store::Store): keeps a pointer dump out of test names.
inline void PrintTo(const testing::StoreFactory&, std::ostream* os) { *os << "factory"; }
}  // namespace rampart::store

namespace rampart::store::testing {

// ---- A fixture for each backend's own owner-migration test ----

// One object version as a binary from before owners stored it.
struct LegacyObjectRow {
  int64_t seq;
  int collection;  // 1 or 2: the test's first or second collection
  const char* id;
  Micros date_added;
  const char* created_by_ref;
  const char* org_id;
  const char* source_peer;
  bool anonymous;
};

// Rows from which the owner migration must backfill owners: the owner of an
// id is derived from its earliest version by (date_added, seq), in any
// collection, whatever the case of the id.
const std::vector<LegacyObjectRow>& OwnerBackfillRows();

// After a backend migrated a store holding OwnerBackfillRows() (collection 1
// = `c1`): checks every backfilled owner, then that AddObjects into `c1`
// enforces them ("" = nobody may add versions).
void ExpectBackfilledOwners(Store& s, const std::string& c1);

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  Store& store() { return *store_; }

  std::unique_ptr<Store> store_;
};

}  // namespace rampart::store::testing

// For INSTANTIATE_TEST_SUITE_P outside the namespace.
using rampart::store::testing::StoreConformanceTest;

#endif  // RAMPART_STORE_TESTING_CONFORMANCE_H_
