// Focused tests of the PostgreSQL store beyond the shared conformance suite:
// opening (URLs, unreachable servers, foreign/newer schemas, concurrent
// first opens), clock steps, the pool, hostile text, lost connections, and
// the query plans (every query shape must use an index).
//
// Needs RAMPART_TEST_POSTGRES_URL (tools/test.sh starts a throwaway cluster);
// unset: skipped locally, FAILED with CI=true.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <set>
#include <thread>

#include "base/crypto.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/postgres_store.h"
#include "store/postgres/postgres_test_util.h"
#include "store/postgres/query_sql.h"
#include "store/postgres/schema.h"
#include "store/testing/conformance.h"

namespace rampart::store::postgres::testing {
namespace {

constexpr char kC1[] = "11111111-1111-4111-8111-111111111111";
constexpr Micros kT0 = 1700000000000000;

Collection Coll(const std::string& id) {
  Collection c;
  c.id = id;
  c.title = "t";
  return c;
}

std::string Uuid(int n) {
  char buf[64];
  snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewObject Obj(const std::string& type, int n, std::optional<Micros> modified,
              const std::string& spec = "2.1") {
  NewObject o;
  o.type = type;
  o.id = type + "--" + Uuid(n);
  o.spec_version = spec;
  o.created = kT0;
  o.modified = modified;
  o.json = "{\"type\":\"" + type + "\",\"id\":\"" + o.id + "\"}";
  return o;
}

// A raw libpq connection to the test server with search_path = `schema`.
class RawConn {
 public:
  explicit RawConn(const std::string& schema) : c_(PQconnectdb(TestUrl().c_str())) {
    EXPECT_EQ(PQstatus(c_), CONNECTION_OK) << PQerrorMessage(c_);
    if (!schema.empty()) Exec("SET search_path TO \"" + schema + "\"");
  }
  ~RawConn() { PQfinish(c_); }
  // Runs `sql`; returns all rows' first column joined by '\n'.
  std::string Exec(const std::string& sql, const Params& params = {}) {
    std::vector<const char*> v;
    for (const auto& p : params) v.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(v.size()), nullptr, v.data(),
                               nullptr, nullptr, 0);
    ExecStatusType st = PQresultStatus(r);
    EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        << sql << ": " << PQresultErrorMessage(r);
    std::string out;
    for (int i = 0; i < PQntuples(r); ++i) {
      if (i) out += '\n';
      out += PQgetvalue(r, i, 0);
    }
    PQclear(r);
    return out;
  }
  PGconn* get() { return c_; }

 private:
  PGconn* c_;
};

// Creates `schema` holding the tables as schema version `version` left them
// (nothing after it); hands the connection used to `conn` when asked.
void ConnectToNewSchema(const std::string& schema, int version,
                        std::unique_ptr<PgConnection>* conn = nullptr) {
  {
    RawConn raw("");
    raw.Exec("CREATE SCHEMA \"" + schema + "\"");
  }
  auto c = PgConnection::Connect(TestUrl(), 10, {"SET search_path TO \"" + schema + "\""});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(MigrateToVersionForTest(**c, version).ok());
  if (conn != nullptr) *conn = std::move(*c);
}

TEST(PostgresOpenTest, RejectsMalformedUrlsAndOptions) {
  // No server needed: these fail before connecting.
  EXPECT_EQ(OpenPostgresStore("mysql://x/y").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgresStore("sqlite:/tmp/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgresStore("postgresql://host/db?nosuchoption=1").status().code(),
            StatusCode::kInvalidArgument);
  PostgresOptions bad_schema;
  bad_schema.schema = "Robert'); DROP TABLE students;--";
  EXPECT_EQ(OpenPostgresStore("postgresql:///db", bad_schema).status().code(),
            StatusCode::kInvalidArgument);
  PostgresOptions bad_pool;
  bad_pool.pool_size = 0;
  EXPECT_EQ(OpenPostgresStore("postgresql:///db", bad_pool).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PostgresOpenTest, UnreachableServerIsUnavailable) {
  // A socket directory that does not exist: connecting fails at once.
  auto s = OpenPostgresStore("postgresql://nobody@/db?host=/nonexistent-rampart-dir&port=1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
}

TEST(PostgresOpenTest, ReopenKeepsDataAndVersion) {
  RAMPART_REQUIRE_POSTGRES();
  std::string schema;
  {
    auto s = OpenFreshStore({}, &schema);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->CreateCollection(Coll(kC1)).ok());
    auto r = (*s)->AddObjects(kC1, {Obj("indicator", 1, kT0)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  PostgresOptions o;
  o.schema = schema;
  auto again = OpenPostgresStore(TestUrl(), o);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ObjectQuery q;
  q.collection_id = kC1;
  auto p = (*again)->QueryObjects(q);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->objects.size(), 1u);
  RawConn raw(schema);
  EXPECT_EQ(raw.Exec("SELECT value FROM rampart_meta WHERE key = 'schema_version'"), "3");
}

TEST(PostgresOpenTest, ForeignSchemaIsRefusedAndUntouched) {
  RAMPART_REQUIRE_POSTGRES();
  std::string schema = NewSchemaName();
  {
    RawConn raw("");
    raw.Exec("CREATE SCHEMA \"" + schema + "\"");
    raw.Exec("CREATE TABLE \"" + schema + "\".objects (x int)");
    raw.Exec("INSERT INTO \"" + schema + "\".objects VALUES (42)");
  }
  PostgresOptions o;
  o.schema = schema;
  auto s = OpenPostgresStore(TestUrl(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption) << s.status().ToString();
  RawConn raw(schema);
  EXPECT_EQ(raw.Exec("SELECT x FROM objects"), "42");
  EXPECT_EQ(raw.Exec("SELECT to_regclass('rampart_meta') IS NULL"), "t");
  DropSchema(schema);
}

TEST(PostgresOpenTest, NewerOrForeignVersionTableIsRefused) {
  RAMPART_REQUIRE_POSTGRES();
  std::string schema;
  ASSERT_TRUE(OpenFreshStore({}, &schema).ok());
  RawConn raw(schema);
  PostgresOptions o;
  o.schema = schema;
  raw.Exec("UPDATE rampart_meta SET value = '99' WHERE key = 'schema_version'");
  EXPECT_EQ(OpenPostgresStore(TestUrl(), o).status().code(), StatusCode::kUnsupported);
  raw.Exec("UPDATE rampart_meta SET value = 'someone-else' WHERE key = 'format'");
  EXPECT_EQ(OpenPostgresStore(TestUrl(), o).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(raw.Exec("SELECT value FROM rampart_meta WHERE key = 'schema_version'"), "99");
}

TEST(PostgresOpenTest, LeastPrivilegeRoleInItsOwnSchema) {
  RAMPART_REQUIRE_POSTGRES();
  // A role that may not create schemas in the database, owning a schema an
  // administrator made for it: opening (and creating the tables) works.
  const std::string role = "rt_role_" + HexEncode(RandomBytes(4));
  const std::string schema = NewSchemaName();
  {
    RawConn admin("");
    admin.Exec("CREATE ROLE " + role + " LOGIN");
    // (PUBLIC has no CREATE on databases by default, so the role has none.)
    admin.Exec("CREATE SCHEMA \"" + schema + "\" AUTHORIZATION " + role);
  }
  PostgresOptions o;
  o.schema = schema;
  auto s = OpenPostgresStore(TestUrlWith("user", role), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE((*s)->CreateCollection(Coll(kC1)).ok());
  s = Result<std::unique_ptr<Store>>(Status::Internal("closed"));
  RawConn admin("");
  EXPECT_EQ(admin.Exec("SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = "
                       "'objects'",
                       {schema}),
            role);
  DropSchema(schema);
  admin.Exec("DROP ROLE " + role);
}

TEST(PostgresOpenTest, ConcurrentFirstOpensOfOneSchema) {
  RAMPART_REQUIRE_POSTGRES();
  // Several nodes starting at once against an empty database: the advisory
  // lock lets exactly one create the schema; all succeed.
  PostgresOptions o;
  o.schema = NewSchemaName();
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 6; ++i) {
    ts.emplace_back([&] {
      auto s = OpenPostgresStore(TestUrl(), o);
      if (s.ok()) {
        ++ok;
      } else {
        ADD_FAILURE() << s.status().ToString();
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 6);
  DropSchema(o.schema);
}

TEST(PostgresStoreTest, DateAddedStrictlyIncreasingWhenClockStepsBack) {
  RAMPART_REQUIRE_POSTGRES();
  std::atomic<Micros> clock{kT0 + 1'000'000};
  PostgresOptions o;
  o.clock = [&] { return clock.load(); };
  auto s = OpenFreshStore(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  std::vector<Micros> dates;
  for (int i = 0; i < 5; ++i) {
    auto r = st.AddObjects(kC1, {Obj("indicator", 2 * i, kT0), Obj("indicator", 2 * i + 1, kT0)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& w : *r) dates.push_back(w.date_added);
    clock -= 500'000;  // the wall clock steps back half a second
  }
  EXPECT_EQ(dates.front(), kT0 + 1'000'000);
  for (size_t i = 1; i < dates.size(); ++i) EXPECT_EQ(dates[i], dates[i - 1] + 1);
}

TEST(PostgresStoreTest, WritersStayReadCommittedUnderASerializableDefault) {
  RAMPART_REQUIRE_POSTGRES();
  // A DBA's default_transaction_isolation must not change the store's
  // reasoning: a delete by one connection, then an add of a new version by
  // another, must leave exactly one "last" version.
  auto s = OpenFreshStore({}, nullptr,
                          TestUrlWith("options", "-cdefault_transaction_isolation%3Dserializable"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        auto r = st.AddObjects(kC1, {Obj("indicator", 1, kT0 + t * 100 + i)});
        if (!r.ok()) ++failures;
        VersionFilter first;
        first.first = true;
        auto d = st.DeleteObject(kC1, "indicator--" + Uuid(1), first, {});
        if (!d.ok() && !d.status().IsNotFound()) ++failures;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  ObjectQuery all;
  all.collection_id = kC1;
  all.versions.all = true;
  auto versions = st.QueryObjects(all);
  ASSERT_TRUE(versions.ok());
  ObjectQuery last;
  last.collection_id = kC1;
  auto p = st.QueryObjects(last);
  ASSERT_TRUE(p.ok());
  if (versions->objects.empty()) {
    EXPECT_TRUE(p->objects.empty());
  } else {
    ASSERT_EQ(p->objects.size(), 1u);
    Micros hi = 0;
    for (const auto& o : versions->objects) hi = std::max(hi, o.version);
    EXPECT_EQ(p->objects[0].version, hi);
    ObjectQuery first;
    first.collection_id = kC1;
    first.versions.first = true;
    auto f = st.QueryObjects(first);
    ASSERT_TRUE(f.ok());
    ASSERT_EQ(f->objects.size(), 1u);
  }
}

TEST(PostgresStoreTest, BackupIsUnsupportedAndPointsAtPgDump) {
  RAMPART_REQUIRE_POSTGRES();
  auto s = OpenFreshStore();
  ASSERT_TRUE(s.ok());
  Status b = (*s)->Backup("/tmp/x");
  EXPECT_EQ(b.code(), StatusCode::kUnsupported);
  EXPECT_THAT(std::string(b.message()), ::testing::HasSubstr("pg_dump"));
}

TEST(PostgresStoreTest, MoreThreadsThanPooledConnections) {
  RAMPART_REQUIRE_POSTGRES();
  PostgresOptions o;
  o.pool_size = 2;
  auto s = OpenFreshStore(o);
  ASSERT_TRUE(s.ok());
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  std::vector<std::thread> ts;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = st.AddObjects(kC1, {Obj("indicator", t * 100 + i, kT0)});
        if (!r.ok() || (*r)[0].result != WriteResult::kAdded) ++failures;
        ObjectQuery q;
        q.collection_id = kC1;
        if (!st.QueryObjects(q).ok()) ++failures;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::string schema;
  (void)schema;
}

TEST(PostgresStoreTest, HostileTextFailsPerObject) {
  RAMPART_REQUIRE_POSTGRES();
  auto s = OpenFreshStore();
  ASSERT_TRUE(s.ok());
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  NewObject nul = Obj("indicator", 1, kT0);
  nul.json = std::string("{\"a\":\"x\0y\"}", 12);
  NewObject bad_utf8 = Obj("indicator", 2, kT0);
  bad_utf8.json = "{\"a\":\"\xc3\x28\"}";
  NewObject bad_prov = Obj("indicator", 3, kT0);
  bad_prov.provenance.sharing_groups = {"\xff"};
  NewObject good = Obj("indicator", 4, kT0);
  good.json = "{\"name\":\"Ukraïna \xe2\x9c\x93\"}";
  auto r = st.AddObjects(kC1, {nul, bad_utf8, bad_prov, good});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[1].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[2].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[3].result, WriteResult::kAdded);
  ObjectQuery q;
  q.collection_id = kC1;
  auto p = st.QueryObjects(q);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->objects.size(), 1u);
  EXPECT_EQ(p->objects[0].json, good.json);  // bytes round-trip exactly
  // Identities and statuses with bad text are refused, not crashed on.
  Organization org;
  org.id = "o\xff";
  EXPECT_EQ(st.PutOrganization(org).code(), StatusCode::kInvalidArgument);
  // Lookups of absent/hostile keys are plain misses.
  EXPECT_TRUE(st.GetCollection(std::string("a\0b", 3)).status().code() ==
                  StatusCode::kInvalidArgument ||
              st.GetCollection(std::string("a\0b", 3)).status().IsNotFound());
  EXPECT_TRUE(st.FindObservable({"ipv4-addr", "\xff"}, 10)->empty());
}

TEST(PgEncodingTest, CopyBufferEscapesTextFormat) {
  // COPY text format: tab-separated, \N is NULL, and backslash, tab,
  // newline and carriage return must be escaped inside values.
  struct Case {
    std::string in, want;
  } cases[] = {
      {"plain", "plain"},
      {"a\tb", "a\\tb"},
      {"line1\nline2\r", "line1\\nline2\\r"},
      {"back\\slash", "back\\\\slash"},
      {"\\N", "\\\\N"},  // the text "\N" is not NULL
      {"\\.", "\\\\."},  // nor the end-of-data marker
      {"quote\"'", "quote\"'"},
  };
  for (const auto& c : cases) {
    CopyBuffer b;
    b.Text(c.in);
    b.EndRow();
    EXPECT_EQ(b.data(), c.want + "\n") << c.in;
  }
  CopyBuffer row;
  row.Int(-5).Null().Bool(true).OptInt(std::nullopt).OptInt(7).Text("");
  row.EndRow();
  EXPECT_EQ(row.data(), "-5\t\\N\tt\t\\N\t7\t\n");
}

TEST(PgEncodingTest, ArrayLiterals) {
  EXPECT_EQ(TextArray(std::vector<std::string>{}), "{}");
  EXPECT_EQ(TextArray(std::vector<std::string>{"a", "b c", "q\"x", "s\\y", "NULL", ""}),
            "{\"a\",\"b c\",\"q\\\"x\",\"s\\\\y\",\"NULL\",\"\"}");
  EXPECT_EQ(TextArray(std::vector<std::optional<std::string>>{std::nullopt, "x"}),
            "{NULL,\"x\"}");
  EXPECT_EQ(IntArray(std::vector<int64_t>{1, -2}), "{1,-2}");
  EXPECT_EQ(IntArray(std::vector<std::optional<int64_t>>{std::nullopt, 3}), "{NULL,3}");
  EXPECT_EQ(BoolArray({true, false}), "{t,f}");
  EXPECT_EQ(QuoteIdent("a\"b"), "\"a\"\"b\"");
}

TEST(PostgresStoreTest, AwkwardBytesRoundTripExactly) {
  RAMPART_REQUIRE_POSTGRES();
  auto s = OpenFreshStore();
  ASSERT_TRUE(s.ok());
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  // Everything COPY and array literals must escape, in every text column.
  const std::string awkward = "tab\there\nnew\rline \\N \\. back\\slash \"q\" '{a,b}' NULL";
  NewObject o = Obj("indicator", 1, kT0);
  o.json = "{\r\n\t\"name\": \"a\\\\b\\n\\t\\\"c\\\"\",\n\"x\": \"\\\\N\"\n}";
  o.created_by_ref = "identity--" + Uuid(9);
  o.marking_refs = {awkward};
  o.provenance.org_id = awkward;
  o.provenance.user_id = awkward;
  o.provenance.source_peer = awkward;
  o.provenance.sharing_groups = {awkward, ""};
  o.provenance.red_recipients = {awkward};
  o.observables = {{"url", awkward}, {"url", awkward}, {"domain-name", "x\\y"}};
  auto r = st.AddObjects(kC1, {o});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)[0].result, WriteResult::kAdded) << (*r)[0].message;
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {o.id};
  auto p = st.QueryObjects(q);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->objects.size(), 1u);
  const StoredObject& got = p->objects[0];
  EXPECT_EQ(got.json, o.json);
  EXPECT_EQ(got.marking_refs, o.marking_refs);
  EXPECT_EQ(got.provenance.org_id, awkward);
  EXPECT_EQ(got.provenance.user_id, awkward);
  EXPECT_EQ(got.provenance.source_peer, awkward);
  EXPECT_EQ(got.provenance.sharing_groups, o.provenance.sharing_groups);
  EXPECT_EQ(got.provenance.red_recipients, o.provenance.red_recipients);
  EXPECT_EQ(got.observables, o.observables);
  auto found = st.FindObservable({"url", awkward}, 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);  // listed twice on the object, indexed once
  EXPECT_EQ((*found)[0].json, o.json);
  EXPECT_EQ(st.FindObservable({"domain-name", "x\\y"}, 10)->size(), 1u);
  EXPECT_TRUE(st.FindObservable({"domain-name", "xy"}, 10)->empty());
}

TEST(PostgresStoreTest, SurvivesServerKillingItsConnections) {
  RAMPART_REQUIRE_POSTGRES();
  // Its own application_name, so only this store's backends are killed
  // (other tests may share the server).
  const std::string app = "rt_kill_" + HexEncode(RandomBytes(4));
  auto s = OpenFreshStore({}, nullptr, TestUrlWith("application_name", app));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  ASSERT_TRUE(st.AddObjects(kC1, {Obj("indicator", 1, kT0)}).ok());
  // Several pooled connections, all idle when the server kills them.
  {
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i) {
      ts.emplace_back([&] {
        for (int k = 0; k < 5; ++k) {
          ObjectQuery q;
          q.collection_id = kC1;
          EXPECT_TRUE(st.QueryObjects(q).ok());
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  RawConn raw("");
  // How many connections the pool opened depends on how the threads
  // overlapped; at least one is there to be killed.
  EXPECT_GE(std::stoi(raw.Exec(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {app})),
            1);
  raw.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
           {app});
  // pg_terminate_backend only signals: wait until the backends are gone (the
  // deadline only catches a hang), so the store really meets dead connections.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::stoi(raw.Exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {app})) != 0) {
    ASSERT_TRUE(std::chrono::steady_clock::now() < deadline) << "killed backends never went away";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Reads and writes recover on fresh connections (a dead idle connection
  // is detected and replaced; nothing is acknowledged twice).
  ObjectQuery q;
  q.collection_id = kC1;
  auto p = st.QueryObjects(q);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->objects.size(), 1u);
  auto w = st.AddObjects(kC1, {Obj("indicator", 2, kT0)});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)[0].result, WriteResult::kAdded);
}

// ---- Query plans ----
//
// Every query shape the store issues must be answerable from an index. The
// check runs on a collection of 30,000 object versions (ANALYZEd), with the
// planner's default settings, so it is the planner's own choice that must
// avoid a sequential scan of `objects` — both for the custom plan (real
// parameter values, EXPLAIN with bound parameters) and for the generic plan
// a prepared statement may switch to (plan_cache_mode = force_generic_plan).

struct Shape {
  const char* name;
  ObjectQuery q;
};

std::vector<Shape> Shapes() {
  std::vector<Shape> out;
  auto add = [&](const char* name, auto&& tweak) {
    ObjectQuery q;
    q.collection_id = kC1;
    tweak(q);
    out.push_back({name, q});
  };
  add("default (last, latest spec)", [](ObjectQuery&) {});
  add("manifest", [](ObjectQuery& q) { q.include_json = false; });
  add("added_after", [](ObjectQuery& q) { q.added_after = kT0; });
  add("all versions", [](ObjectQuery& q) { q.versions.all = true; });
  add("first", [](ObjectQuery& q) { q.versions.first = true; });
  add("first,last", [](ObjectQuery& q) { q.versions.first = q.versions.last = true; });
  add("version timestamps", [](ObjectQuery& q) { q.versions.versions = {kT0, kT0 + 5}; });
  add("one type", [](ObjectQuery& q) { q.types = {"malware"}; });
  add("two types", [](ObjectQuery& q) { q.types = {"malware", "tool"}; });
  add("many types", [](ObjectQuery& q) {
    for (int i = 0; i < 20; ++i) q.types.push_back("x-type-" + std::to_string(i));
  });
  add("ids", [](ObjectQuery& q) { q.ids = {"indicator--" + Uuid(1005), "malware--" + Uuid(1001)}; });
  add("versions endpoint", [](ObjectQuery& q) {
    q.ids = {"indicator--" + Uuid(1005)};
    q.versions.all = true;
    q.spec_versions = {"2.0", "2.1"};
    q.include_json = false;
  });
  add("spec_version last", [](ObjectQuery& q) { q.spec_versions = {"2.0"}; });
  add("spec_version first+ts", [](ObjectQuery& q) {
    q.spec_versions = {"2.1"};
    q.versions.first = true;
    q.versions.versions = {kT0};
  });
  add("type+added_after+all", [](ObjectQuery& q) {
    q.types = {"indicator"};
    q.added_after = kT0;
    q.versions.all = true;
  });
  return out;
}

TEST(PostgresQueryPlanTest, EveryQueryShapeUsesAnIndex) {
  RAMPART_REQUIRE_POSTGRES();
  std::string schema;
  auto s = OpenFreshStore({}, &schema);
  ASSERT_TRUE(s.ok());
  Store& st = **s;
  ASSERT_TRUE(st.CreateCollection(Coll(kC1)).ok());
  ASSERT_TRUE(st.CreateCollection(Coll("22222222-2222-4222-8222-222222222222")).ok());
  const char* types[] = {"indicator", "malware", "tool", "identity", "ipv4-addr"};
  int n = 0;
  for (int batch = 0; batch < 30; ++batch) {
    std::vector<NewObject> objs;
    for (int i = 0; i < 1000; ++i, ++n) {
      // ids repeat every 10,000: three versions per object overall.
      NewObject o = Obj(types[n % 5], n % 10000, kT0 + n, n % 7 == 0 ? "2.0" : "2.1");
      o.observables = {{"ipv4-addr", "10.0." + std::to_string(n % 250) + "." +
                                         std::to_string(n % 200)}};
      objs.push_back(std::move(o));
    }
    auto r = st.AddObjects(batch % 2 ? kC1 : "22222222-2222-4222-8222-222222222222", objs);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // Objects n, n+10000, n+20000 share an id; odd batches go to kC1, so
  // indicator 1005 has three versions there. Delete one: tombstones exist.
  VersionFilter first;
  first.first = true;
  auto del = st.DeleteObject(kC1, "indicator--" + Uuid(1005), first, {});
  ASSERT_TRUE(del.ok()) << del.status().ToString();
  RawConn raw(schema);
  raw.Exec("ANALYZE");
  const std::string ckey = raw.Exec("SELECT ckey FROM collections WHERE id = $1", {kC1});

  // `small_table`: the statement reads a table too small here for the
  // planner to prefer an index (tombstones); then enable_seqscan = off only
  // checks that an index path exists at all.
  auto check = [&](const std::string& name, const std::string& sql, const Params& params,
                   bool small_table = false) {
    if (small_table) raw.Exec("SET enable_seqscan = off");
    std::string custom = raw.Exec("EXPLAIN " + sql, params);
    if (getenv("RAMPART_PRINT_PLANS")) printf("== %s\n%s\n", name.c_str(), custom.c_str());
    EXPECT_THAT(custom, ::testing::Not(::testing::HasSubstr("Seq Scan on objects")))
        << name << " (custom plan):\n" << custom;
    EXPECT_THAT(custom, ::testing::HasSubstr("Index")) << name << ":\n" << custom;
    // The generic plan, via PREPARE / EXPLAIN EXECUTE with literal values.
    raw.Exec("DEALLOCATE ALL");
    raw.Exec("SET plan_cache_mode = force_generic_plan");
    raw.Exec("PREPARE shape AS " + sql);
    std::string args;
    for (const auto& p : params) {
      if (!args.empty()) args += ", ";
      char* lit = PQescapeLiteral(raw.get(), p->c_str(), p->size());
      args += lit;
      PQfreemem(lit);
    }
    std::string generic = raw.Exec("EXPLAIN EXECUTE shape(" + args + ")");
    raw.Exec("RESET plan_cache_mode");
    raw.Exec("RESET enable_seqscan");
    EXPECT_THAT(generic, ::testing::Not(::testing::HasSubstr("Seq Scan on objects")))
        << name << " (generic plan):\n" << generic;
    if (small_table) {
      EXPECT_THAT(custom, ::testing::Not(::testing::HasSubstr("Seq Scan"))) << name << custom;
    }
  };
  for (const Shape& shape : Shapes()) {
    for (bool with_cursor : {false, true}) {
      std::optional<CursorPosition> cursor;
      if (with_cursor) cursor = CursorPosition{kT0 + 20000, 12345};
      Statement stmt = BuildPageQuery(std::stoll(ckey), shape.q, PageStart(shape.q, cursor), 101);
      check(std::string(shape.name) + (with_cursor ? " +cursor" : ""), stmt.sql, stmt.params);
    }
  }
  check("find observable", FindObservableSql(), {"ipv4-addr", "10.0.5.5", "100"});
  check("tombstones", ListTombstonesSql(), {ckey, "0", "100"}, /*small_table=*/true);
  check("existing versions (write path)", ExistingVersionsSql(),
        {ckey, "{\"indicator--" + Uuid(1005) + "\",\"tool--" + Uuid(1002) + "\"}"});
}


// Owners across nodes: two store instances (as two `rampart serve` nodes)
// on one schema race to write the first versions of the same ids, into
// different collections (so no collection lock orders them). Exactly one
// owner wins each id, and both nodes see the same owner.
TEST(PostgresStoreTest, TwoNodesRaceForOneIdOneWins) {
  RAMPART_REQUIRE_POSTGRES();
  std::string schema;
  auto a = OpenFreshStore({}, &schema);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  PostgresOptions o;
  o.schema = schema;
  auto b = OpenPostgresStore(TestUrl(), o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  constexpr char kC2[] = "22222222-2222-4222-8222-222222222222";
  ASSERT_TRUE((*a)->CreateCollection(Coll(kC1)).ok());
  ASSERT_TRUE((*b)->CreateCollection(Coll(kC2)).ok());
  constexpr int kIds = 40;
  std::atomic<int> added[kIds] = {};
  auto writer = [&](Store& s, const char* coll, const std::string& owner, Micros version,
                    bool reverse) {
    // Batches of 4 ids, in opposite orders on the two nodes: the claims of
    // two batches cross (sorted claiming keeps them from deadlocking).
    for (int k = 0; k < kIds; k += 4) {
      std::vector<NewObject> batch;
      for (int j = 0; j < 4; ++j) {
        int i = reverse ? kIds - 1 - (k + j) : k + j;
        NewObject x = Obj("indicator", i, version);
        x.owner = owner;
        batch.push_back(x);
      }
      auto r = s.AddObjects(coll, batch);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (size_t j = 0; j < batch.size(); ++j) {
        int i = reverse ? kIds - 1 - (k + static_cast<int>(j)) : k + static_cast<int>(j);
        if ((*r)[j].result == WriteResult::kAdded) {
          ++added[i];
        } else {
          EXPECT_EQ((*r)[j].message, kIdTakenMessage);
        }
      }
    }
  };
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&, t] { writer(**a, kC1, "org:a" + std::to_string(t), kT0 + t, t == 1); });
    ts.emplace_back([&, t] { writer(**b, kC2, "org:b" + std::to_string(t), kT0 + 10 + t, t == 0); });
  }
  for (auto& t : ts) t.join();
  for (int i = 0; i < kIds; ++i) {
    EXPECT_EQ(added[i].load(), 1) << i;
    auto oa = (*a)->GetObjectOwner("indicator--" + Uuid(i));
    auto ob = (*b)->GetObjectOwner("INDICATOR--" + Uuid(i));
    ASSERT_TRUE(oa.ok() && ob.ok());
    EXPECT_EQ(*oa, *ob);
  }
  // One cursor key for both nodes: a cursor from one pages on the other.
  EXPECT_EQ(*(*a)->GetOrCreateSecret("cursor-key"), *(*b)->GetOrCreateSecret("cursor-key"));
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1;
  auto p = (*a)->QueryObjects(q);
  ASSERT_TRUE(p.ok());
  if (p->more) {
    q.cursor = p->next;
    EXPECT_TRUE((*b)->QueryObjects(q).ok());
  }
}

// Schema migration 2 (owners): a schema written at version 1 gets the owner
// of every stored id from the id's earliest version (date_added, seq; any
// collection; ids compared in ASCII lower case).
TEST(PostgresOpenTest, MigratesV1SchemaBackfillingOwners) {
  RAMPART_REQUIRE_POSTGRES();
  const std::string schema = NewSchemaName();
  ASSERT_NO_FATAL_FAILURE(ConnectToNewSchema(schema, 1));
  RawConn raw(schema);
  raw.Exec("INSERT INTO collections (id, api_root, title, description, media_types, default_tlp,"
           " is_public, created) VALUES ('" + std::string(kC1) + "', 'api', 't', '', '[]', 0, false, 0),"
           " ('c2', 'api', 'u', '', '[]', 0, false, 0)");
  for (const store::testing::LegacyObjectRow& r : store::testing::OwnerBackfillRows()) {
    raw.Exec("INSERT INTO objects (seq, coll, id, version, date_added, type, spec_version,"
             " created_by_ref, revoked, marking_refs, json, org_id, user_id, source_peer, anonymous,"
             " sharing_groups, red_recipients, effective_tlp, default_marking_applied, observables,"
             " latest_spec, is_first, is_last) SELECT $1, ckey, $3, $4, $4, 'indicator', '2.1', $5,"
             " false, '[]', '{}', $6, '', $7, $8, '[]', '[]', 0, false, '[]', true, true, true"
             " FROM collections WHERE id = $2",
             {std::to_string(r.seq), std::string(r.collection == 1 ? kC1 : "c2"), std::string(r.id),
              std::to_string(r.date_added), std::string(r.created_by_ref), std::string(r.org_id),
              std::string(r.source_peer), std::string(r.anonymous ? "t" : "f")});
  }
  raw.Exec("SELECT setval('rampart_seq', 100)");
  raw.Exec("UPDATE collections SET last_date_added = 1000");
  PostgresOptions o;
  o.schema = schema;
  auto s = OpenPostgresStore(TestUrl(), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(raw.Exec("SELECT value FROM rampart_meta WHERE key = 'schema_version'"), "3");
  store::testing::ExpectBackfilledOwners(**s, kC1);
  s->reset();
  DropSchema(schema);
}

// No password reaches a Status: neither from a URL libpq cannot parse nor
// from a server it cannot reach.
TEST(PostgresOpenTest, ErrorsNeverCarryThePassword) {
  const std::string secret = "hunter2-Sekrit";
  for (const std::string& url : {
           "postgresql://u:" + secret + "@/db?host=/nonexistent-rampart-dir&port=1",
           "postgresql://u@/db?host=/nonexistent-rampart-dir&port=1&password=" + secret,
           "postgresql://u:" + secret + "@h:" + secret + "/db",
           "postgresql://u:" + secret + "@/db?nosuchoption=" + secret,
           std::string("postgresql://u@/db?host=/nonexistent-rampart-dir&port=1&password=%68unter2-Sekrit"),
       }) {
    auto s = OpenPostgresStore(url);
    ASSERT_FALSE(s.ok()) << url;
    std::string msg = s.status().ToString();
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("Sekrit"), std::string::npos) << msg;
  }
}

// Schema migration 3: observables keyed by the SHA-256 of their value. An
// entry written by schema v2 (no value_hash) is found and deleted after the
// migration, and a value too long for a B-tree entry is stored.
TEST(PostgresOpenTest, MigratesV2ObservablesToHashKeys) {
  RAMPART_REQUIRE_POSTGRES();
  const std::string schema = NewSchemaName();
  ASSERT_NO_FATAL_FAILURE(ConnectToNewSchema(schema, 2));
  RawConn raw(schema);
  const std::string id = "indicator--" + Uuid(1);
  raw.Exec("INSERT INTO collections (id, api_root, title, description, media_types, default_tlp,"
           " is_public, created, last_date_added) VALUES ($1, 'api', 't', '', '[]', 0, false, 0,"
           " 1000)",
           {std::string(kC1)});
  raw.Exec("INSERT INTO objects (seq, coll, id, version, date_added, type, spec_version,"
           " created_by_ref, revoked, marking_refs, json, org_id, user_id, source_peer, anonymous,"
           " sharing_groups, red_recipients, effective_tlp, default_marking_applied, observables,"
           " latest_spec, is_first, is_last) SELECT 1, ckey, $1, 1000, 1000, 'indicator', '2.1', '',"
           " false, '[]', '{}', '', '', '', false, '[]', '[]', 0, false,"
           " '[[\"url\", \"http://x.example/\u00e9\"]]', true, true, true FROM collections",
           {id});
  raw.Exec("INSERT INTO observables (kind, value, object_seq) VALUES ('url', $1, 1)",
           {std::string("http://x.example/\xc3\xa9")});
  raw.Exec("SELECT setval('rampart_seq', 100)");
  PostgresOptions o;
  o.schema = schema;
  auto s = OpenPostgresStore(TestUrl(), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(raw.Exec("SELECT value FROM rampart_meta WHERE key = 'schema_version'"), "3");
  auto found = (*s)->FindObservable({"url", "http://x.example/\xc3\xa9"}, 10);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, id);
  NewObject big = Obj("indicator", 2, kT0);
  big.observables = {{"url", "http://x.example/" + std::string(10000, 'z')}};
  auto w = (*s)->AddObjects(kC1, {big});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)[0].result, WriteResult::kAdded) << (*w)[0].message;
  ASSERT_TRUE((*s)->DeleteObject(kC1, id, {}, {}).ok());
  EXPECT_TRUE((*s)->FindObservable({"url", "http://x.example/\xc3\xa9"}, 10)->empty());
  EXPECT_EQ(raw.Exec("SELECT count(*) FROM observables"), "1");
  s->reset();
  DropSchema(schema);
}

// A failed statement's Status says what failed and the SQLSTATE, never the
// server's text: that names constraints, indexes and tables, and a Status
// message may become a client's error body.
TEST(PostgresOpenTest, DriverErrorsCarryNoInternalNames) {
  RAMPART_REQUIRE_POSTGRES();
  const std::string schema = NewSchemaName();
  std::unique_ptr<PgConnection> conn;
  ASSERT_NO_FATAL_FAILURE(ConnectToNewSchema(schema, kSchemaVersion, &conn));
  auto dup = conn->Query("INSERT INTO rampart_meta (key, value) VALUES ('format', 'x')", {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kConflict);
  auto missing = conn->Query("SELECT nosuchcolumn FROM observables", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInternal);
  for (const Status& st : {dup.status(), missing.status()}) {
    const std::string m(st.message());
    EXPECT_THAT(m, ::testing::HasSubstr("SQLSTATE")) << m;
    for (const char* leak : {"rampart_meta", "pkey", "duplicate", "observables", "nosuchcolumn",
                             "format"}) {
      EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr(leak))) << m;
    }
  }
  conn.reset();
  DropSchema(schema);
}

}  // namespace
}  // namespace rampart::store::postgres::testing
