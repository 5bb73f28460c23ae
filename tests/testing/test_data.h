// Locating third-party test data (shared/data) from tests.
//
// The CMake variable RAMPART_SHARED_DATA reaches tests as an environment
// variable of the same name (set by rampart_add_test). Locally a missing file
// skips the test; with CI=true it fails, so CI can never pass vacuously.
#ifndef RAMPART_TESTS_TESTING_TEST_DATA_H_
#define RAMPART_TESTS_TESTING_TEST_DATA_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace rampart::testing {

// The root of shared/data.
std::filesystem::path SharedDataRoot();
// The root of the source tree (for tests/data and docs).
std::filesystem::path SourceRoot();
// True when running under CI (CI=true).
bool InCi();
// Reads a whole file; empty string if unreadable.
std::string ReadFileOrEmpty(const std::filesystem::path& p);

// Runs `cmd` with /bin/sh and captures its stdout (append "2>&1" for stderr
// too). `code` is the exit status, -1 when the command could not start or did
// not exit normally.
struct ShellResult {
  int code = -1;
  std::string out;
};
ShellResult RunShell(const std::string& cmd);

}  // namespace rampart::testing

// Skips the test locally and fails it under CI=true, for a prerequisite that
// a CI run always has (a built binary, shared data, a database): CI can never
// pass vacuously. Never use it (or GTEST_SKIP) for a product failure: a
// command that should work and does not is a test failure everywhere.
// `message` is streamed (`"x: " << path` works).
#define RAMPART_SKIP_OR_FAIL_IN_CI(message)                                          \
  do {                                                                               \
    if (::rampart::testing::InCi()) {                                                \
      FAIL() << message << " (CI=true: this never skips)";                           \
    } else {                                                                         \
      GTEST_SKIP() << message;                                                       \
    }                                                                                \
  } while (0)

// Resolves `rel` under shared/data into `var` (a std::filesystem::path), or
// skips the test (locally) / fails it (CI=true) when missing.
#define RAMPART_REQUIRE_SHARED_DATA(var, rel)                                        \
  std::filesystem::path var = ::rampart::testing::SharedDataRoot() / (rel);          \
  if (!std::filesystem::exists(var)) {                                               \
    RAMPART_SKIP_OR_FAIL_IN_CI("shared test data missing: " << var);                 \
  }

#endif  // RAMPART_TESTS_TESTING_TEST_DATA_H_
