// The conformance suite on the in-memory store, plus FaultyStore checks.
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include "store/testing/conformance.h"
#include "store/testing/faulty_store.h"

namespace rampart::store {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(testing::StoreFactory([] { return NewMemoryStore(); })));

TEST(FaultyStoreTest, FailsExactlyTheNthWrite) {
  testing::FaultyStore s(NewMemoryStore(), 2);
  Collection c;
  c.id = "c";
  EXPECT_TRUE(s.CreateCollection(c).ok());  // write 1
  NewObject o;
  o.id = "indicator--1";
  o.type = "indicator";
  o.spec_version = "2.1";
  o.json = "{}";
  auto r = s.AddObjects("c", {o}, {});  // write 2 fails
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  ObjectQuery q;
  q.collection_id = "c";
  EXPECT_TRUE(s.QueryObjects(q)->objects.empty());  // nothing reached the base
  EXPECT_TRUE(s.AddObjects("c", {o}, {}).ok());     // write 3 passes
  EXPECT_EQ(s.writes(), 3);
}

TEST(FaultyStoreTest, StickyFailsEveryLaterWrite) {
  testing::FaultyStore s(NewMemoryStore(), 1, Status::Unavailable("down"), /*sticky=*/true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.AppendAudit({"a", "b", "c", "d"}).status().code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(s.ReadAudit(0, 10)->empty());
}

}  // namespace
}  // namespace rampart::store
