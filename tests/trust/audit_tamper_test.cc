// Audit chain: verification of intact chains, and tamper detection on a real
// SQLite store file edited behind Rampart's back with the sqlite3 shell.
#include "audit/audit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace rampart::audit {
namespace {

namespace fs = std::filesystem;

std::vector<store::AuditRecord> Chain(int n) {
  auto s = store::NewMemoryStore();
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(s->AppendAudit({"user-" + std::to_string(i % 3), "token.create",
                                "tok-" + std::to_string(i), R"({"i":)" + std::to_string(i) + "}"})
                    .ok());
  }
  return s->ReadAudit(0, 1000).value();
}

VerifyReport Verify(const std::vector<store::AuditRecord>& rs, std::vector<Anchor> anchors = {},
                    bool genesis = true) {
  ChainVerifier v(anchors, genesis);
  for (const auto& r : rs) {
    if (!v.Add(r)) break;
  }
  return v.Finish();
}

TEST(ChainVerifierTest, IntactChainVerifies) {
  auto rs = Chain(10);
  VerifyReport r = Verify(rs);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.records, 10);
  EXPECT_EQ(r.head_seq, 10);
  EXPECT_EQ(r.head_hash, rs.back().hash);
  EXPECT_TRUE(Verify({}).ok);
}

TEST(ChainVerifierTest, EveryTamperIsDetected) {
  struct Case {
    const char* name;
    void (*tamper)(std::vector<store::AuditRecord>&);
    int64_t bad_seq;
  } cases[] = {
      {"edit detail", [](auto& v) { v[4].detail = R"({"i":999})"; }, 5},
      {"edit actor", [](auto& v) { v[2].actor = "someone-else"; }, 3},
      {"edit time", [](auto& v) { v[7].time += 1; }, 8},
      {"edit and rehash", [](auto& v) { v[4].detail = "{}"; v[4].hash = store::AuditChainHash(v[4]); }, 6},
      {"delete middle", [](auto& v) { v.erase(v.begin() + 3); }, 5},
      {"delete first", [](auto& v) { v.erase(v.begin()); }, 2},
      {"swap two", [](auto& v) { std::swap(v[3], v[4]); }, 5},
      {"swap contents keep seq", [](auto& v) { std::swap(v[3].detail, v[4].detail); }, 4},
      {"field boundary shift", [](auto& v) {
         // actor "a\nb", action "c" hashes like actor "a", action "b\nc".
         v[1].actor = v[1].actor + "\n" + v[1].action;
         v[1].action = v[1].target;
         v[1].target = "";
       }, 2},
  };
  for (const auto& c : cases) {
    auto rs = Chain(10);
    c.tamper(rs);
    VerifyReport r = Verify(rs);
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.first_bad_seq, c.bad_seq) << c.name << ": " << r.problem;
  }
}

TEST(ChainVerifierTest, TruncationAndRewriteNeedAnAnchor) {
  auto rs = Chain(10);
  Anchor head{10, rs.back().hash};
  auto truncated = rs;
  truncated.pop_back();
  EXPECT_TRUE(Verify(truncated).ok);  // undetectable alone
  VerifyReport r = Verify(truncated, {head});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);
  // Rewriting everything from record 6 on with fresh hashes.
  auto rewritten = rs;
  for (size_t i = 5; i < rewritten.size(); ++i) {
    rewritten[i].detail = "{}";
    rewritten[i].prev_hash = rewritten[i - 1].hash;
    rewritten[i].hash = store::AuditChainHash(rewritten[i]);
  }
  EXPECT_TRUE(Verify(rewritten).ok);
  EXPECT_FALSE(Verify(rewritten, {head}).ok);
}

TEST(ChainVerifierTest, PartialExportVerifiesFromItsFirstRecord) {
  auto rs = Chain(10);
  std::vector<store::AuditRecord> tail(rs.begin() + 4, rs.end());
  EXPECT_FALSE(Verify(tail).ok);  // not from genesis
  EXPECT_TRUE(Verify(tail, {}, false).ok);
  EXPECT_TRUE(Verify(tail, {{4, rs[3].hash}}, false).ok);
  EXPECT_FALSE(Verify(tail, {{4, std::string(64, 'a')}}, false).ok);
}

TEST(ExportTest, LinesRoundTrip) {
  auto rs = Chain(3);
  rs[1].detail = "{\"x\":\"line\\nbreak \xc3\xa9\"}";
  rs[1].hash = store::AuditChainHash(rs[1]);
  for (const auto& r : rs) {
    std::string line = ExportLine(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    store::AuditRecord back = ParseExportLine(line).value();
    EXPECT_EQ(back.seq, r.seq);
    EXPECT_EQ(back.detail, r.detail);
    EXPECT_EQ(back.hash, r.hash);
    EXPECT_EQ(store::AuditChainHash(back), r.hash);
  }
  EXPECT_FALSE(ParseExportLine("{}").ok());
  EXPECT_FALSE(ParseExportLine("not json").ok());
  EXPECT_TRUE(ParseAnchor("12:" + std::string(64, 'f')).ok());
  EXPECT_FALSE(ParseAnchor("12").ok());
  EXPECT_FALSE(ParseAnchor("x:" + std::string(64, 'f')).ok());
}

// ---- The same tampering on a real SQLite store file ----

class SqliteTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rampart-audit-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto s = store::OpenSqliteStore(dir_.string()).value();
    for (int i = 0; i < 8; ++i) {
      ASSERT_TRUE(s->AppendAudit({"user-1", "grant.put", "coll-" + std::to_string(i), "{}"}).ok());
    }
    auto ok = VerifyStore(*s).value();
    ASSERT_TRUE(ok.ok) << ok.problem;
    head_ = {ok.head_seq, ok.head_hash};
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Sql(const std::string& sql) {
    const std::string db = (dir_ / store::kSqliteDbFileName).string();
    const std::string cmd = "/usr/bin/sqlite3 '" + db + "' \"" + sql + "\"";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  VerifyReport Reverify(std::vector<Anchor> anchors = {}) {
    auto s = store::OpenSqliteStore(dir_.string()).value();
    return VerifyStore(*s, anchors).value();
  }
  fs::path dir_;
  Anchor head_;
};

TEST_F(SqliteTamperTest, EditDetected) {
  Sql("UPDATE audit SET detail='{\\\"x\\\":1}' WHERE seq=4");
  VerifyReport r = Reverify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4) << r.problem;
}

TEST_F(SqliteTamperTest, DeleteDetected) {
  Sql("DELETE FROM audit WHERE seq=5");
  VerifyReport r = Reverify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 6) << r.problem;
}

TEST_F(SqliteTamperTest, ReorderDetected) {
  // Swap records 3 and 4 (contents exchanged, seq numbers kept).
  Sql("UPDATE audit SET seq=-3 WHERE seq=3; UPDATE audit SET seq=3 WHERE seq=4; "
      "UPDATE audit SET seq=4 WHERE seq=-3");
  VerifyReport r = Reverify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3) << r.problem;
}

TEST_F(SqliteTamperTest, TailTruncationDetectedAgainstAnAnchor) {
  Sql("DELETE FROM audit WHERE seq=8");
  EXPECT_TRUE(Reverify().ok);  // the limit of any hash chain without an anchor
  VerifyReport r = Reverify({head_});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 8) << r.problem;
}

}  // namespace
}  // namespace rampart::audit
