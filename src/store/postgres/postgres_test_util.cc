#include "store/postgres/postgres_test_util.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "base/crypto.h"

namespace rampart::store::postgres::testing {
namespace {

std::mutex g_mu;
std::vector<std::string>& CreatedSchemas() {
  static auto* v = new std::vector<std::string>();
  return *v;
}

// Drops the schemas this process created, at the end of the test program.
class DropSchemasEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::vector<std::string> schemas;
    {
      std::lock_guard<std::mutex> l(g_mu);
      schemas.swap(CreatedSchemas());
    }
    for (const auto& s : schemas) DropSchema(s);
  }
};

[[maybe_unused]] ::testing::Environment* const g_env =
    ::testing::AddGlobalTestEnvironment(new DropSchemasEnvironment);

}  // namespace

std::string TestUrl() {
  const char* u = std::getenv("RAMPART_TEST_POSTGRES_URL");
  return u ? u : "";
}

std::string NewSchemaName() {
  static std::atomic<int> n{0};
  return "rt_" + std::to_string(getpid()) + "_" + std::to_string(n++) + "_" +
         HexEncode(RandomBytes(4));
}

std::string TestUrlWith(const std::string& key, const std::string& value) {
  std::string u = TestUrl();
  return u + (u.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
}

Result<std::unique_ptr<Store>> OpenFreshStore(PostgresOptions options, std::string* schema_out,
                                              const std::string& url) {
  options.schema = NewSchemaName();
  {
    std::lock_guard<std::mutex> l(g_mu);
    CreatedSchemas().push_back(options.schema);
  }
  if (schema_out) *schema_out = options.schema;
  return OpenPostgresStore(url.empty() ? TestUrl() : url, options);
}

void DropSchema(const std::string& schema) {
  PGconn* c = PQconnectdb(TestUrl().c_str());
  if (PQstatus(c) == CONNECTION_OK) {
    std::string sql = "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE";
    PQclear(PQexec(c, "SET client_min_messages TO warning"));
    PQclear(PQexec(c, sql.c_str()));
  }
  PQfinish(c);
}

}  // namespace rampart::store::postgres::testing
