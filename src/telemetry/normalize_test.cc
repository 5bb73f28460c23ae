#include "telemetry/normalize.h"

#include <gtest/gtest.h>

namespace rampart::telemetry {
namespace {

TEST(NormalizeTest, Table) {
  struct Case {
    ValueKind kind;
    std::string_view in;
    std::string_view want;
  };
  const Case cases[] = {
      {ValueKind::kDomain, "WWW.Example.COM.", "www.example.com"},
      {ValueKind::kDomain, " evil.org ", "evil.org"},
      {ValueKind::kIp, "2001:DB8:0:0::1", "2001:db8::1"},
      {ValueKind::kIp, "10.1.2.3", "10.1.2.3"},
      {ValueKind::kIp, "fe80::1%eth0", "fe80::1"},
      {ValueKind::kUrl, "HTTP://Download.Example.NET:80/payload.exe?x=1", "http://download.example.net/payload.exe?x=1"},
      {ValueKind::kUrl, "https://EXAMPLE.com:443", "https://example.com"},
      {ValueKind::kIp, "010.001.1.1", "10.1.1.1"},
      {ValueKind::kUrl, "https://example.com:8443/A", "https://example.com:8443/A"},
      {ValueKind::kUrl, "not a url", "not a url"},
      {ValueKind::kHash, "AA:BB:cc", "aabbcc"},
      {ValueKind::kEmail, "<Attacker@Phish.EXAMPLE>", "Attacker@phish.example"},
      {ValueKind::kString, "e\xcc\x81", "\xc3\xa9"},  // NFC composes e + combining acute
  };
  for (const Case& c : cases) EXPECT_EQ(Normalized(c.kind, c.in), c.want) << c.in;
}

TEST(NormalizeTest, NonAddressIsReported) {
  std::string out;
  EXPECT_FALSE(NormalizeAppend(ValueKind::kIp, "not-an-ip", &out));
  EXPECT_TRUE(NormalizeAppend(ValueKind::kIp, "::1", &out));
}

TEST(NormalizeTest, EventTimes) {
  struct Case {
    std::string_view in;
    int64_t want;
  };
  const Case cases[] = {
      {"1521911720.615923", 1521911720615923},
      {"1521911720", 1521911720000000},
      {"2018-03-24T17:15:20.624556Z", 1521911720624556},
      {"2024-05-01T12:00:01.000000+0200", 1714557601000000},
      {"2024-05-01T10:00:01.000000+0000", 1714557601000000},
      {"2024-05-01T12:00:01+02:00", 1714557601000000},
  };
  for (const Case& c : cases) {
    auto t = ParseEventTime(c.in);
    ASSERT_TRUE(t.ok()) << c.in << " " << t.status().ToString();
    EXPECT_EQ(*t, c.want) << c.in;
  }
  EXPECT_FALSE(ParseEventTime("yesterday").ok());
  EXPECT_FALSE(ParseEventTime("").ok());
  EXPECT_FALSE(ParseEventTime("12.5x").ok());
}

TEST(NormalizeTest, KindForPath) {
  EXPECT_EQ(KindForPath("domain-name:value"), ValueKind::kDomain);
  EXPECT_EQ(KindForPath("file:hashes.SHA-256"), ValueKind::kHash);
  EXPECT_EQ(KindForPath("network-traffic:dst_ref.value"), ValueKind::kIp);
  EXPECT_EQ(KindForPath("file:name"), ValueKind::kString);
}

}  // namespace
}  // namespace rampart::telemetry
