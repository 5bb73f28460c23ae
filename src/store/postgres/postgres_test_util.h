// Test helpers of the PostgreSQL store: the test server's URL
// (RAMPART_TEST_POSTGRES_URL), fresh per-test schemas, and their cleanup.
//
// Every OpenFreshStore() call creates a new schema "rt_<pid>_<n>_<random>",
// so tests never see each other's data; the schemas this process created
// are dropped when the test program ends (a gtest global environment).
// Thread-safety: OpenFreshStore may be called from several threads.
#ifndef RAMPART_STORE_POSTGRES_POSTGRES_TEST_UTIL_H_
#define RAMPART_STORE_POSTGRES_POSTGRES_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "store/postgres/postgres_store.h"
#include "testing/test_data.h"

namespace rampart::store::postgres::testing {

// RAMPART_TEST_POSTGRES_URL, or "" when unset.
std::string TestUrl();

// A new, unique schema name (not yet created).
std::string NewSchemaName();

// Opens a store on a fresh schema of the test server (created and recorded
// for cleanup). `options.schema` is overwritten.
// `url` defaults to TestUrl().
Result<std::unique_ptr<Store>> OpenFreshStore(PostgresOptions options = {},
                                              std::string* schema_out = nullptr,
                                              const std::string& url = "");

// TestUrl() with one more URI query parameter `key=value`.
std::string TestUrlWith(const std::string& key, const std::string& value);

// Drops `schema` (CASCADE) on the test server.
void DropSchema(const std::string& schema);

}  // namespace rampart::store::postgres::testing

// Skips the test (locally) or fails it (CI=true) when no test server is set.
#define RAMPART_REQUIRE_POSTGRES()                                                   \
  if (::rampart::store::postgres::testing::TestUrl().empty()) {                      \
    if (::rampart::testing::InCi()) {                                                \
      FAIL() << "RAMPART_TEST_POSTGRES_URL is not set (CI=true: PostgreSQL tests "   \
                "never skip)";                                                       \
    } else {                                                                         \
      GTEST_SKIP() << "RAMPART_TEST_POSTGRES_URL is not set";                        \
    }                                                                                \
  }

#endif  // RAMPART_STORE_POSTGRES_POSTGRES_TEST_UTIL_H_
