#include "base/time.h"

#include <gtest/gtest.h>

namespace rampart {
namespace {

TEST(TimeTest, ParsesAndFormatsRoundTrip) {
  struct Case {
    const char* in;
    const char* micros;
  } cases[] = {
      {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"},
      {"2016-05-12T08:17:27.000Z", "2016-05-12T08:17:27.000000Z"},
      {"2016-05-12T08:17:27.123456789Z", "2016-05-12T08:17:27.123456Z"},
      {"2000-02-29T23:59:59.5Z", "2000-02-29T23:59:59.500000Z"},
      {"1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"},
  };
  for (const auto& c : cases) {
    Result<Micros> t = ParseTimestamp(c.in);
    ASSERT_TRUE(t.ok()) << c.in << ": " << t.status().ToString();
    EXPECT_EQ(FormatTimestampMicros(*t), c.micros) << c.in;
  }
  EXPECT_EQ(*ParseTimestamp("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(FormatTimestampMillis(1500), "1970-01-01T00:00:00.001Z");
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad : {"", "2016-05-12", "2016-05-12T08:17:27", "2016-05-12T08:17:27+00:00",
                          "2016-13-12T08:17:27Z", "2015-02-29T08:17:27Z", "2016-05-12T24:00:00Z",
                          "2016-05-12T08:17:27.Z", "2016-05-12T08:17:27.1234567890Z",
                          "2016-05-12T08:17:27ZZ", "abcd-05-12T08:17:27Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rampart
