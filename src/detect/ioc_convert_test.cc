#include "detect/ioc_convert.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "detect/engine.h"
#include "detect/plan.h"
#include "testing/test_data.h"

namespace rampart::detect {
namespace {

TEST(IocConvertTest, Classify) {
  struct Case {
    std::string_view token;
    IocKind want;
  };
  const Case cases[] = {
      {"13.59.205.66", IocKind::kIpv4},
      {"2001:db8::1", IocKind::kIpv6},
      {"10.0.0.0/8", IocKind::kCidr},
      {"http://evil.example.com/a", IocKind::kUrl},
      {"bad@evil.com", IocKind::kEmail},
      {"02af7cec58b9a5da1c542b5a32151ba1", IocKind::kMd5},
      {"1b476f58ca366b54f34d714ffce3fd73cc30db1a", IocKind::kSha1},
      {"d0d626deb3f9484e649294a8dfa814c5568f846d5aa02d4cdad5d041a29d5600", IocKind::kSha256},
      {"avsvmcloud.com", IocKind::kDomain},
      {"SolarWinds.Orion.Core.BusinessLayer.dll", IocKind::kNone},
      {"2020-06-13", IocKind::kNone},
      {"SUNBURST", IocKind::kNone},
      {"abc", IocKind::kNone},
  };
  for (const Case& c : cases) EXPECT_EQ(ClassifyIoc(c.token), c.want) << c.token;
}

TEST(IocConvertTest, DefangedValuesAndQuotes) {
  auto inds = ConvertIocList("hxxp://evil[.]example[.]com/x, avsvmcloud[.]com\nbad[@]phish[.]org 'it''s'", {});
  std::set<std::string> pats;
  for (const auto& i : inds) pats.insert(i.pattern);
  EXPECT_EQ(pats, (std::set<std::string>{"[url:value = 'http://evil.example.com/x']",
                                         "[domain-name:value = 'avsvmcloud.com']",
                                         "[email-addr:value = 'bad@phish.org']"}));
  // Idempotent ids.
  auto again = ConvertIocList("avsvmcloud[.]com", {});
  ASSERT_EQ(again.size(), 1u);
  for (const auto& i : inds) {
    if (i.pattern == again[0].pattern) EXPECT_EQ(i.id, again[0].id);
  }
}

std::vector<std::string> CsvColumn(const std::filesystem::path& p, int col) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::string> out;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    for (int i = 0; i <= col && std::getline(ss, cell, ','); ++i) {
    }
    out.push_back(cell);
  }
  return out;
}

std::string Refang(std::string s) {
  for (size_t p; (p = s.find("[.]")) != std::string::npos;) s.replace(p, 3, ".");
  return s;
}

TEST(IocConvertTest, MandiantSunburstNetworkIndicators) {
  RAMPART_REQUIRE_SHARED_DATA(nbi, "iocs/mandiant-sunburst/Indicator_Release_NBIs.csv");
  // Independent expectation: FQDN (col 2), IP (col 3) and Target (col 4)
  // values, refanged by hand, distinct, non-empty.
  std::set<std::string> domains, ips;
  for (int col : {2, 4}) {
    for (auto& v : CsvColumn(nbi, col)) {
      if (!v.empty()) domains.insert(Refang(v));
    }
  }
  for (auto& v : CsvColumn(nbi, 3)) {
    if (!v.empty()) ips.insert(v);
  }
  ASSERT_FALSE(domains.empty());
  ASSERT_TRUE(domains.count("avsvmcloud.com") || std::any_of(domains.begin(), domains.end(), [](auto& d) {
                return d.ends_with(".avsvmcloud.com");
              }));
  auto inds = ConvertIocList(testing::ReadFileOrEmpty(nbi), {.source_name = "mandiant-sunburst"});
  std::set<std::string> got_domains, got_ips;
  for (const auto& i : inds) {
    std::string v = i.pattern.substr(i.pattern.find('\'') + 1);
    v.resize(v.size() - 2);
    if (i.pattern.starts_with("[domain-name:")) got_domains.insert(v);
    else if (i.pattern.starts_with("[ipv4-addr:")) got_ips.insert(v);
    else ADD_FAILURE() << "unexpected indicator " << i.pattern;
  }
  EXPECT_EQ(got_domains, domains);
  EXPECT_EQ(got_ips, ips);

  // The converted indicators compile and match a DNS query for a SUNBURST
  // subdomain in eve.json shape.
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  PlanBuilder b(m, {*ParseAsOf("now")});
  for (auto i : inds) b.Add(std::move(i));
  auto plan = b.Build();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)->report.compiled, domains.size() + ips.size());
  std::string d = *domains.begin();
  telemetry::Event ev;
  ev.Add(telemetry::kPathDomain, d);
  EventEvaluator eval(*plan);
  std::vector<Hit> hits;
  std::vector<LeafHit> lh;
  eval.Evaluate(ev, &hits, &lh);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].value, d);
}

TEST(IocConvertTest, MandiantHashesAndEsetSampleLists) {
  RAMPART_REQUIRE_SHARED_DATA(hashes, "iocs/mandiant-sunburst/Indicator_Release_Hashes.csv");
  RAMPART_REQUIRE_SHARED_DATA(dukes, "iocs/eset-malware-ioc/dukes");
  std::set<std::string> want;
  for (int col : {0, 1, 2}) {
    for (auto& v : CsvColumn(hashes, col)) {
      if (!v.empty()) want.insert(v);
    }
  }
  auto inds = ConvertIocList(testing::ReadFileOrEmpty(hashes), {});
  std::set<std::string> got;
  for (const auto& i : inds) {
    if (i.pattern.starts_with("[file:hashes.")) {
      std::string v = i.pattern.substr(i.pattern.find("= '") + 3);
      v.resize(v.size() - 2);
      got.insert(v);
    }
  }
  EXPECT_EQ(got, want);
  // ESET: one hash per line; every line becomes one indicator.
  for (const char* f : {"samples.md5", "samples.sha1", "samples.sha256"}) {
    std::string text = testing::ReadFileOrEmpty(dukes / f);
    std::set<std::string> lines;
    std::istringstream ss(text);
    for (std::string l; std::getline(ss, l);) {
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
      if (!l.empty()) lines.insert(l);
    }
    auto conv = ConvertIocList(text, {});
    EXPECT_EQ(conv.size(), lines.size()) << f;
    EXPECT_GT(conv.size(), 0u) << f;
  }
}

}  // namespace
}  // namespace rampart::detect
