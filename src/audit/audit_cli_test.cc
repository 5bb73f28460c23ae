// End to end through the real `rampart` binary: identity commands write the
// audit chain; `rampart audit export` output verifies with the independent
// Python verifier printed in docs/formats/audit_chain.md (run verbatim); an
// edited export and an edited store both fail `rampart audit verify`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/test_data.h"

namespace rampart::audit {
namespace {

namespace fs = std::filesystem;

using Proc = ::rampart::testing::ShellResult;

Proc Sh(const std::string& cmd) { return ::rampart::testing::RunShell(cmd + " 2>/dev/null"); }

std::string LastLine(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("RAMPART_BINARY");
    // Tests run in the build directory, where the binary is.
    bin_ = bin ? bin : (fs::current_path() / "rampart").string();
    if (!fs::exists(bin_)) RAMPART_SKIP_OR_FAIL_IN_CI("rampart binary not built: " << bin_);
    dir_ = fs::temp_directory_path() / ("rampart-audit-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = " --data '" + (dir_ / "data").string() + "'";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  Proc R(const std::string& args) { return Sh("'" + bin_ + "' " + args); }

  std::string bin_, data_;
  fs::path dir_;
};

TEST_F(AuditCliTest, ExportVerifiesIndependentlyAndTamperIsCaught) {
  // Identity changes, each audited.
  ASSERT_EQ(R("org add --name 'Partner CERT'" + data_).code, 0);
  Proc user = R("user add --name alice --role contributor --generate-password" + data_);
  ASSERT_EQ(user.code, 0);
  EXPECT_EQ(LastLine(user.out).size(), 32u);  // the password, alone on the last line
  Proc tok = R("token create --name ci --user alice --expires 30d" + data_);
  ASSERT_EQ(tok.code, 0);
  const std::string secret = LastLine(tok.out);
  EXPECT_EQ(secret.size(), 68u) << tok.out;
  EXPECT_EQ(secret.rfind("rmp_", 0), 0u);
  Proc list = R("token list" + data_);
  ASSERT_EQ(list.code, 0);
  EXPECT_EQ(list.out.find(secret.substr(4)), std::string::npos);  // never shown again
  ASSERT_EQ(R("token revoke ci" + data_).code, 0);
  EXPECT_NE(R("token list" + data_).out.find("revoked"), std::string::npos);
  EXPECT_EQ(R("token revoke no-such-token" + data_).code, 1);
  ASSERT_EQ(R("group add --name isac --member 'Partner CERT'" + data_).code, 0);

  Proc v = R("audit verify" + data_);
  ASSERT_EQ(v.code, 0) << v.out;
  EXPECT_EQ(v.out.rfind("OK: ", 0), 0u);
  const std::string head = v.out.substr(v.out.find("head ") + 5, std::string::npos);
  const std::string anchor = head.substr(0, head.find('\n'));

  const fs::path exp = dir_ / "audit.jsonl";
  // An existing, world-readable file is narrowed: the export names the true
  // sources of anonymous submissions (docs/trust.md, "At rest").
  std::ofstream(exp) << "old\n";
  fs::permissions(exp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read);
  ASSERT_EQ(R("audit export --out '" + exp.string() + "'" + data_).code, 0);
  EXPECT_EQ(fs::status(exp).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(exp);
  int lines = 0;
  for (std::string l; std::getline(in, l);) ++lines;
  EXPECT_GE(lines, 6);  // bootstrap, org, user, token create, token revoke, group

  // The verifier exactly as printed in the docs.
  std::string doc = testing::ReadFileOrEmpty(testing::SourceRoot() / "docs/formats/audit_chain.md");
  size_t a = doc.find("```python\n");
  ASSERT_NE(a, std::string::npos);
  a += 10;
  size_t b = doc.find("```", a);
  const fs::path py = dir_ / "verify_audit.py";
  std::ofstream(py) << doc.substr(a, b - a);
  Proc pv = Sh("/usr/bin/python3 '" + py.string() + "' '" + exp.string() + "' " + anchor);
  EXPECT_EQ(pv.code, 0) << pv.out;
  EXPECT_NE(pv.out.find(anchor), std::string::npos) << pv.out;
  EXPECT_EQ(R("audit verify --file '" + exp.string() + "' --anchor " + anchor + data_).code, 0);

  // Tamper with the export: change one character of record 3's detail.
  std::ifstream in2(exp);
  std::ostringstream all;
  all << in2.rdbuf();
  std::string text = all.str();
  size_t line3 = 0;
  for (int i = 0; i < 2; ++i) line3 = text.find('\n', line3) + 1;
  size_t d = text.find("\"detail\":\"{", line3);
  ASSERT_NE(d, std::string::npos);
  text.insert(d + 11, " ");
  const fs::path bad = dir_ / "tampered.jsonl";
  std::ofstream(bad) << text;
  EXPECT_NE(Sh("/usr/bin/python3 '" + py.string() + "' '" + bad.string() + "'").code, 0);
  Proc rv = R("audit verify --file '" + bad.string() + "'" + data_);
  EXPECT_EQ(rv.code, 1) << rv.out;
  EXPECT_NE(rv.out.find("TAMPERED at record 3"), std::string::npos) << rv.out;

  // Truncated export: passes alone, fails against the anchor.
  std::ifstream in3(exp);
  std::string first_lines, l;
  for (int i = 0; i < lines - 1 && std::getline(in3, l); ++i) first_lines += l + "\n";
  const fs::path cut = dir_ / "cut.jsonl";
  std::ofstream(cut) << first_lines;
  EXPECT_EQ(Sh("/usr/bin/python3 '" + py.string() + "' '" + cut.string() + "'").code, 0);
  EXPECT_NE(Sh("/usr/bin/python3 '" + py.string() + "' '" + cut.string() + "' " + anchor).code, 0);
  EXPECT_EQ(R("audit verify --file '" + cut.string() + "' --anchor " + anchor + data_).code, 1);

  // Tamper with the store itself.
  const std::string db = (dir_ / "data" / "rampart.db").string();
  ASSERT_EQ(Sh("/usr/bin/sqlite3 '" + db + "' \"UPDATE audit SET actor='mallory' WHERE seq=2\"").code, 0);
  Proc sv = R("audit verify" + data_);
  EXPECT_EQ(sv.code, 1) << sv.out;
  EXPECT_NE(sv.out.find("TAMPERED at record 2"), std::string::npos) << sv.out;
}

TEST_F(AuditCliTest, TokenShorthandGrantsTheCollection) {
  Proc c = R("collection create --title Shared" + data_);
  // The binary is built (SetUp): a failing command is a product failure,
  // never a reason to skip.
  ASSERT_EQ(c.code, 0) << c.out;
  const std::string coll = c.out.substr(0, c.out.find_first_of("\t\n"));
  Proc tok = R("token create --name rw --collection " + coll + " --read --write" + data_);
  ASSERT_EQ(tok.code, 0) << tok.out;
  EXPECT_EQ(LastLine(tok.out).rfind("rmp_", 0), 0u);
  Proc grants = R("grant --list" + data_);
  ASSERT_EQ(grants.code, 0);
  EXPECT_NE(grants.out.find(coll + "\tuser\t"), std::string::npos) << grants.out;
  EXPECT_NE(grants.out.find("\tyes\tyes"), std::string::npos) << grants.out;
  // Usage errors exit 2; unknown entities exit 1.
  EXPECT_EQ(R("token create --name x --read" + data_).code, 2);
  EXPECT_EQ(R("token create --name x --expires 5y" + data_).code, 2);
  EXPECT_EQ(R("token create --name x --user nobody" + data_).code, 1);
  EXPECT_EQ(R("grant --collection " + coll + " --org nobody --read" + data_).code, 1);
}

}  // namespace
}  // namespace rampart::audit
