// The shared store conformance suite (store/testing/conformance.h) on
// PostgreSQL: every test gets a fresh schema on RAMPART_TEST_POSTGRES_URL.
// Unset: the factory yields nullptr, so the suite skips locally and fails
// with CI=true.
#include "store/postgres/postgres_store.h"
#include "store/postgres/postgres_test_util.h"
#include "store/testing/conformance.h"

namespace rampart::store::postgres::testing {
namespace {

std::unique_ptr<Store> FreshPostgresStore() {
  if (TestUrl().empty()) return nullptr;
  auto s = OpenFreshStore();
  // An unreachable server configured by the environment is a failure, not
  // a skip: report it loudly.
  if (!s.ok()) {
    ADD_FAILURE() << "cannot open the PostgreSQL test store: " << s.status().ToString();
    return nullptr;
  }
  return std::move(s).value();
}

}  // namespace
}  // namespace rampart::store::postgres::testing

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(rampart::store::testing::StoreFactory(
                             rampart::store::postgres::testing::FreshPostgresStore)));
