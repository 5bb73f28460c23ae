// rampart's matcher on the real Zeek logs in shared/data/logs, with
// indicators built from values that occur in them (and some that do not).
// Expected counts are computed independently from the raw TSV in this file
// (no Rampart code), e.g. for the DNS query column:
//   awk -F'\t' '!/^#/ && $10=="videosearch.ubuntu.com"' dns.first5000lines.log | wc -l   -> 114
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "detect/engine.h"
#include "detect/plan.h"
#include "testing/test_data.h"

namespace rampart::detect {
namespace {

// Counts data lines of a Zeek TSV log where pred(fields by name) holds.
template <typename F>
uint64_t CountTsv(const std::filesystem::path& p, F pred) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::string> names;
  uint64_t n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("#fields\t", 0) == 0) {
      names.clear();
      std::stringstream ss(line.substr(8));
      for (std::string f; std::getline(ss, f, '\t');) names.push_back(f);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::map<std::string, std::string> row;
    std::stringstream ss(line);
    size_t i = 0;
    for (std::string f; std::getline(ss, f, '\t') && i < names.size(); ++i) row[names[i]] = f;
    n += pred(row) ? 1 : 0;
  }
  return n;
}

bool HasItem(const std::string& set, const std::string& v) {
  std::stringstream ss(set);
  for (std::string x; std::getline(ss, x, ',');) {
    if (x == v) return true;
  }
  return false;
}

std::map<std::string, uint64_t> Scan(const std::vector<std::string>& files, const std::string& as_of) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  PlanBuilder b(m, {*ParseAsOf(as_of)});
  auto add = [&](std::string id, std::string pattern) {
    Indicator i;
    i.id = std::move(id);
    i.pattern = std::move(pattern);
    i.pattern_type = "stix";
    i.valid_from = *ParseTimestamp("2018-01-01T00:00:00Z");
    i.valid_until = *ParseTimestamp("2019-01-01T00:00:00Z");
    b.Add(std::move(i));
  };
  add("dns-query", "[domain-name:value = 'videosearch.ubuntu.com']");
  add("ip-any", "[ipv4-addr:value = '10.47.3.200']");
  add("ip-dst", "[network-traffic:dst_ref.value = '10.47.3.200']");
  add("cert", "[x509-certificate:hashes.'SHA-256' = 'b2dafbcdbc75210672f137f27ce882ccb799887631655d4f11191d5a678e44fe']");
  add("absent-domain", "[domain-name:value = 'avsvmcloud.com']");
  add("absent-ip", "[ipv4-addr:value = '13.59.205.66']");
  auto plan = b.Build();
  RAMPART_CHECK(plan.ok());
  PlanHolder holder(*plan);
  std::map<std::string, uint64_t> counts;
  telemetry::ScanCounters c;
  RunStats stats;
  Status st = RunMatch(files, holder, m, {}, [&](const Hit& h) { ++counts[h.indicator_id]; }, &c, &stats);
  RAMPART_CHECK(st.ok());
  counts["#malformed"] = c.malformed;
  return counts;
}

TEST(ZeekLogsTest, PlantedValuesFoundExactlyInTsvAndJson) {
  RAMPART_REQUIRE_SHARED_DATA(dns, "logs/zeek-default/dns.first5000lines.log");
  RAMPART_REQUIRE_SHARED_DATA(ssl, "logs/zeek-default/ssl.first3000lines.log");
  RAMPART_REQUIRE_SHARED_DATA(x509, "logs/zeek-default/x509.log");
  RAMPART_REQUIRE_SHARED_DATA(dns_json, "logs/zeek-json/dns.first5000lines.ndjson");
  RAMPART_REQUIRE_SHARED_DATA(x509_json, "logs/zeek-json/x509.ndjson");
  const std::string ip = "10.47.3.200";
  const std::string fp = "b2dafbcdbc75210672f137f27ce882ccb799887631655d4f11191d5a678e44fe";
  auto any_ip = [&](auto& r) {
    return r["id.orig_h"] == ip || r["id.resp_h"] == ip || (r.count("answers") && HasItem(r["answers"], ip));
  };
  uint64_t want_query = CountTsv(dns, [](auto& r) { return r["query"] == "videosearch.ubuntu.com"; });
  uint64_t want_ip = CountTsv(dns, any_ip) + CountTsv(ssl, any_ip);
  uint64_t want_dst = CountTsv(dns, [&](auto& r) { return r["id.resp_h"] == ip; }) +
                      CountTsv(ssl, [&](auto& r) { return r["id.resp_h"] == ip; });
  // The certificate: its x509 record, and ssl sessions whose chain holds it.
  uint64_t want_cert = CountTsv(x509, [&](auto& r) { return r["fingerprint"] == fp; }) +
                       CountTsv(ssl, [&](auto& r) { return HasItem(r["cert_chain_fps"], fp); });
  ASSERT_EQ(want_query, 114u);  // also by awk, see the header comment
  ASSERT_GT(want_ip, 0u);
  ASSERT_GT(want_cert, 0u);

  auto got = Scan({dns.string(), ssl.string(), x509.string()}, "2018-06-01T00:00:00Z");
  EXPECT_EQ(got["dns-query"], want_query);
  EXPECT_EQ(got["ip-any"], want_ip);
  EXPECT_EQ(got["ip-dst"], want_dst);
  EXPECT_EQ(got["cert"], want_cert);
  EXPECT_EQ(got["absent-domain"], 0u);
  EXPECT_EQ(got["absent-ip"], 0u);
  EXPECT_EQ(got["#malformed"], 0u);

  // Zeek JSON: the same dns and x509 events give the same counts.
  auto got_json = Scan({dns_json.string(), x509_json.string()}, "2018-06-01T00:00:00Z");
  EXPECT_EQ(got_json["dns-query"], want_query);
  EXPECT_EQ(got_json["ip-any"], CountTsv(dns, any_ip));
  EXPECT_EQ(got_json["cert"], CountTsv(x509, [&](auto& r) { return r["fingerprint"] == fp; }));

  // --as-of now: the indicators expired in 2019, nothing matches; --as-of
  // event: the 2018 logs fall inside the validity window.
  auto now = Scan({dns.string()}, "now");
  EXPECT_EQ(now["dns-query"], 0u);
  auto ev = Scan({dns.string()}, "event");
  EXPECT_EQ(ev["dns-query"], want_query);
}

}  // namespace
}  // namespace rampart::detect
