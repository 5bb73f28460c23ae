#include "cli/config_check.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace rampart::cli {
namespace {

TEST(ConfigCheckTest, RangesAreCheckedOnTheWholeValue) {
  struct Case {
    int64_t value, min, max;
    bool ok;
  };
  const Case cases[] = {
      {16384, 1024, 1048576, true},
      {1024, 1024, 1048576, true},
      {1048576, 1024, 1048576, true},
      {1023, 1024, 1048576, false},
      {1048577, 1024, 1048576, false},
      {int64_t{4294967296}, 1024, 1048576, false},  // wrapped to 0 in a uint32 before
      {int64_t{4294967296} + 16384, 1024, 1048576, false},
      {-1, 0, 256, false},
      {std::numeric_limits<int64_t>::min(), 0, 256, false},
      {std::numeric_limits<int64_t>::max(), 0, 256, false},
      {0, 0, 256, true},
  };
  for (const Case& c : cases) {
    Status s = CheckRange("max_header_bytes", c.value, c.min, c.max);
    EXPECT_EQ(s.ok(), c.ok) << c.value;
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      const std::string want = "max_header_bytes = " + std::to_string(c.value) + " is out of range: allowed " +
                               std::to_string(c.min) + ".." + std::to_string(c.max);
      EXPECT_EQ(s.message(), want);
    }
  }
}

TEST(ConfigCheckTest, ApiRootPaths) {
  struct Case {
    std::string path;
    bool ok;
    std::string why;  // a substring of the message
  };
  const Case cases[] = {
      {"api", true, ""},
      {"Public-feed_2.v1~x", true, ""},
      {"...", true, ""},
      {std::string(64, 'a'), true, ""},
      {"", false, "1 to 64 characters"},
      {std::string(65, 'a'), false, "1 to 64 characters"},
      {".", false, "'.' or '..'"},
      {"..", false, "'.' or '..'"},
      {"a?b#c", false, "one URL path segment"},
      {"a/b", false, "one URL path segment"},
      {"a b", false, "one URL path segment"},
      {"a%2Fb", false, "one URL path segment"},
      {"caf\xc3\xa9", false, "one URL path segment"},
      {std::string("a\0b", 3), false, "one URL path segment"},
      {"taxii2", false, "reserved"},
      {"healthz", false, "reserved"},
      {"metrics", false, "reserved"},
      {"rampart", false, "reserved"},
      {"ui", false, "reserved"},
      {"HealthZ", false, "reserved"},
  };
  for (const Case& c : cases) {
    Status s = CheckApiRootPath(c.path);
    EXPECT_EQ(s.ok(), c.ok) << c.path;
    if (!c.ok) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.path;
      EXPECT_NE(s.message().find("api_roots.path"), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(c.why), std::string::npos) << s.message();
    }
  }
}

TEST(ConfigCheckTest, ApiRootPathsAreUniqueAndPresent) {
  EXPECT_TRUE(CheckApiRootPaths({"api", "public"}).ok());
  Status dup = CheckApiRootPaths({"api", "public", "api"});
  EXPECT_FALSE(dup.ok());
  EXPECT_NE(dup.message().find("'api' is configured twice"), std::string::npos) << dup.message();
  EXPECT_FALSE(CheckApiRootPaths({}).ok());
  EXPECT_FALSE(CheckApiRootPaths({"api", ".."}).ok());
}

}  // namespace
}  // namespace rampart::cli
