#include "pattern/normalize.h"

#include <gtest/gtest.h>

#include "pattern/observables.h"
#include "pattern/parser.h"

namespace rampart::pattern {
namespace {

TEST(NormalizeTest, NfcComposes) {
  // d + combining dot below + combining dot above -> U+1E0D U+0307 (NFC).
  const std::string nfd = "d\xCC\xA3\xCC\x87";
  const std::string nfc = "\xE1\xB8\x8D\xCC\x87";
  // d + dot above + dot below (another order, canonically equivalent).
  const std::string alt = "d\xCC\x87\xCC\xA3";
  struct Case {
    std::string in, want;
  } cases[] = {{nfd, nfc}, {nfc, nfc}, {alt, nfc}, {"plain ascii", "plain ascii"},
               {"e\xCC\x81", "\xC3\xA9"}, {"", ""}};
  for (const Case& c : cases) {
    Result<std::string> r = NfcNormalize(c.in);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, c.want);
  }
  EXPECT_FALSE(NfcNormalize("\xFF\xFE").ok());
  EXPECT_FALSE(NfcNormalize("a\xC3").ok());
}

TEST(NormalizeTest, Values) {
  EXPECT_EQ(NormalizeDomain("WWW.Example.COM."), "www.example.com");
  EXPECT_EQ(NormalizeDomain(" a.b.. "), "a.b");
  EXPECT_EQ(NormalizeIpv4("010.1.1.1"), "10.1.1.1");
  EXPECT_EQ(NormalizeIpv4("1.2.3"), std::nullopt);
  EXPECT_EQ(NormalizeIpv4("256.1.1.1"), std::nullopt);
  EXPECT_EQ(NormalizeIpv6("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(NormalizeIpv6("[::FFFF:1.2.3.4]"), "::ffff:1.2.3.4");
  EXPECT_EQ(NormalizeIpv6("1.2.3.4"), std::nullopt);
  EXPECT_EQ(NormalizeUrl("HTTP://Example.COM:80/a/./b/../c?q=%7e"), "http://example.com/a/c?q=~");
  EXPECT_EQ(NormalizeUrl("https://x.org:443/"), "https://x.org/");
  EXPECT_EQ(NormalizeUrl("https://x.org:8443/"), "https://x.org:8443/");
  EXPECT_EQ(NormalizeUrl("not a url"), "not a url");
  EXPECT_EQ(NormalizeEmail("Bob.Smith@Example.COM"), "Bob.Smith@example.com");
  EXPECT_EQ(NormalizeHash("ABCDEF01"), "abcdef01");
  EXPECT_EQ(Refang("hxxps://avsvmcloud[.]com/a"), "https://avsvmcloud.com/a");
  EXPECT_EQ(Refang("evil(.)example[.]org"), "evil.example.org");
  EXPECT_EQ(Refang("bob[@]example[.]com"), "bob@example.com");
  EXPECT_EQ(Refang("10[.]0[.]0[.]1"), "10.0.0.1");
}

TEST(NormalizeTest, IpPrefixes) {
  struct Case {
    const char* outer;
    const char* inner;
    bool contains;
  } cases[] = {
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"10.0.0.0/8", "10.0.0.0/16", true},
      {"10.0.0.0/16", "10.0.0.0/8", false},
      {"11.22.41.123/20", "11.22.33.44", true},
      {"2001:db8::/32", "2001:db8:1::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"2001:db8::/32", "10.0.0.1", false},  // families differ
      {"::/1", "::1", true},
  };
  for (const Case& c : cases) {
    Result<IpPrefix> o = ParseIpPrefix(c.outer), i = ParseIpPrefix(c.inner);
    ASSERT_TRUE(o.ok() && i.ok()) << c.outer << " " << c.inner;
    EXPECT_EQ(o->Contains(*i), c.contains) << c.outer << " " << c.inner;
  }
  EXPECT_FALSE(ParseIpPrefix("10.0.0.0/0").ok());
  EXPECT_FALSE(ParseIpPrefix("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseIpPrefix("10.0.0.0/x").ok());
  EXPECT_FALSE(ParseIpPrefix("::/129").ok());
  EXPECT_FALSE(ParseIpPrefix("127.1").ok());
  EXPECT_TRUE(ParseIpPrefix("127.1", /*lenient_ipv4=*/true).ok());  // inet_aton, as OASIS
}

TEST(ObservablesTest, ExtractsNormalisedValues) {
  struct Case {
    const char* pattern;
    std::vector<std::pair<std::string, std::string>> want;
  } cases[] = {
      {"[ipv4-addr:value = '010.0.0.1']", {{"ipv4-addr", "10.0.0.1"}}},
      {"[ipv4-addr:value = '10.0.0.0/8']", {}},
      {"[ipv6-addr:value = '2001:DB8::0:1']", {{"ipv6-addr", "2001:db8::1"}}},
      {"[domain-name:value = 'Evil.COM.'] OR [domain-name:value IN ('a.org', 'B.org')]",
       {{"domain-name", "evil.com"}, {"domain-name", "a.org"}, {"domain-name", "b.org"}}},
      {"[url:value = 'HTTP://X.org:80/a']", {{"url", "http://x.org/a"}}},
      {"[email-addr:value = 'Bob@X.ORG']", {{"email-addr", "Bob@x.org"}}},
      {"[email-message:from_ref.value = 'a@b.c' AND email-message:to_refs[*].value = 'd@e.f']",
       {{"email-addr", "a@b.c"}, {"email-addr", "d@e.f"}}},
      {"[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' OR file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' OR "
       "file:hashes.sha1 = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709' OR "
       "file:hashes.'SHA-512' = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e']",
       {{"file:sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"file:md5", "d41d8cd98f00b204e9800998ecf8427e"},
        {"file:sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"file:sha512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"}}},
      {"[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:src_ref.value = '::1']",
       {{"ipv4-addr", "1.2.3.4"}, {"ipv6-addr", "::1"}}},
      // negated, non-equality and unknown paths contribute nothing; duplicates once
      {"[domain-name:value != 'x.org' OR domain-name:value NOT = 'y.org' OR domain-name:value LIKE '%z' OR "
       "file:name = 'a.exe' OR domain-name:value = 'D.org' OR domain-name:value = 'd.org']",
       {{"domain-name", "d.org"}}},
  };
  for (const Case& c : cases) {
    Result<Pattern> p = ParsePattern(c.pattern);
    ASSERT_TRUE(p.ok()) << c.pattern << p.status().ToString();
    EXPECT_EQ(ExtractObservables(*p), c.want) << c.pattern;
  }
}

}  // namespace
}  // namespace rampart::pattern
