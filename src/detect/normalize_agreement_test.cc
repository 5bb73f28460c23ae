// telemetry/normalize.h (allocation-free, used on log values and indicator
// literals) against pattern/normalize.h (the pattern module's reference
// helpers): the same input must give the same bytes where both define a
// normalisation.
#include <gtest/gtest.h>

#include "pattern/normalize.h"
#include "telemetry/normalize.h"

namespace rampart::detect {
namespace {

using telemetry::Normalized;
using telemetry::ValueKind;

TEST(NormalizeAgreementTest, DomainsIpsHashesEmails) {
  for (std::string_view d : {"WWW.Example.COM.", "evil.org", " evil.org ", "a.b.c..", "xn--bcher-kva.example",
                             "MiXeD-Case.Example"}) {
    EXPECT_EQ(Normalized(ValueKind::kDomain, d), pattern::NormalizeDomain(d)) << d;
  }
  for (std::string_view ip : {"10.1.2.3", "255.255.255.255", "0.0.0.0", "192.168.001.001"}) {
    auto ref = pattern::NormalizeIpv4(ip);
    std::string mine;
    bool ok = telemetry::NormalizeAppend(ValueKind::kIp, ip, &mine);
    EXPECT_EQ(ok, ref.has_value()) << ip;
    if (ok && ref) EXPECT_EQ(mine, *ref) << ip;
  }
  for (std::string_view ip : {"2001:DB8:0:0::1", "::1", "::ffff:10.0.0.1", "2001:db8:0:0:1:0:0:1", "FE80::A"}) {
    auto ref = pattern::NormalizeIpv6(ip);
    ASSERT_TRUE(ref.has_value()) << ip;
    EXPECT_EQ(Normalized(ValueKind::kIp, ip), *ref) << ip;
  }
  for (std::string_view h : {"D41D8CD98F00B204E9800998ECF8427E", "e3b0c442"}) {
    EXPECT_EQ(Normalized(ValueKind::kHash, h), pattern::NormalizeHash(h)) << h;
  }
  for (std::string_view e : {"Attacker@PHISH.Example", "user@example.com"}) {
    EXPECT_EQ(Normalized(ValueKind::kEmail, e), pattern::NormalizeEmail(e)) << e;
  }
}

TEST(NormalizeAgreementTest, Urls) {
  for (std::string_view u : {"HTTP://Download.Example.NET:80/payload.exe?x=1", "https://EXAMPLE.com:443",
                             "https://example.com:8443/A", "http://evil.example/gate.php"}) {
    EXPECT_EQ(Normalized(ValueKind::kUrl, u), pattern::NormalizeUrl(u)) << u;
  }
}

}  // namespace
}  // namespace rampart::detect
