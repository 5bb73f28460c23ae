#include "detect/engine.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "detect/sightings.h"
#include "pattern/evaluator.h"
#include "pattern/parser.h"

namespace rampart::detect {
namespace {

std::shared_ptr<const MatchPlan> Compile(const telemetry::FieldMapping& m,
                                         const std::vector<std::pair<std::string, std::string>>& id_pattern) {
  PlanBuilder b(m, {*ParseAsOf("now")});
  for (const auto& [id, p] : id_pattern) {
    Indicator i;
    i.id = id;
    i.pattern = p;
    i.pattern_type = "stix";
    b.Add(std::move(i));
  }
  auto plan = b.Build();
  RAMPART_CHECK(plan.ok());
  return *plan;
}

// Writes one ECS DNS event per name (name(i), i < n) to a fresh temp file.
template <typename F>
std::filesystem::path WriteDnsLog(const std::string& tag, int n, F name) {
  auto path = std::filesystem::temp_directory_path() / ("rampart_" + tag + "_" + std::to_string(getpid()) + ".ndjson");
  std::ofstream o(path);
  for (int i = 0; i < n; ++i) o << R"({"dns":{"question":{"name":")" << name(i) << R"("}}})" << "\n";
  return path;
}

TEST(EngineTest, PlanSwapTakesEffectWithoutStoppingTheScan) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto a = Compile(m, {{"A", "[domain-name:value = 'x.example']"}});
  auto b = Compile(m, {{"B", "[domain-name:value = 'x.example']"}});
  auto path = WriteDnsLog("swap", 20000, [](int) { return "x.example"; });
  PlanHolder holder(a);
  telemetry::ScanOptions opt;
  opt.threads = 2;
  opt.chunk_bytes = 16 * 1024;
  std::vector<std::string> ids;
  telemetry::ScanCounters c;
  RunStats stats;
  Status st = RunMatch({path.string()}, holder, m, opt,
                       [&](const Hit& h) {
                         ids.push_back(h.indicator_id);
                         if (ids.size() == 100) holder.Swap(b);  // mid-scan, from the consumer
                       },
                       &c, &stats);
  std::filesystem::remove(path);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(ids.size(), 20000u);  // every event matched by exactly one plan: none lost, none doubled
  size_t first_b = std::find(ids.begin(), ids.end(), "B") - ids.begin();
  EXPECT_GE(first_b, 100u);
  EXPECT_LT(first_b, ids.size());
  EXPECT_EQ(std::count(ids.begin() + first_b, ids.end(), "A"), 0);  // no going back
  EXPECT_GE(stats.plan_swaps_seen, 1u);
}

// Issue 11: catastrophic MATCHES patterns (back-references go to PCRE2).
// The scan completes, each bad pattern is disabled and reported by
// indicator id, and the other patterns (a PCRE2 one among them) still match.
TEST(EngineTest, CatastrophicRegexIsDisabledAndTheScanGoesOn) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto plan = Compile(m, {{"EVIL1", R"([domain-name:value MATCHES '(a+)+\\1b'])"},
                          {"EVIL2", R"([domain-name:value MATCHES '(a|aa)+\\1c'])"},
                          {"BACKREF", R"([domain-name:value MATCHES '^(x+)\\1y'])"},
                          {"EXACT", "[domain-name:value = 'ok.example']"}});
  ASSERT_EQ(plan->report.compiled, 4u);
  auto path = WriteDnsLog("evilregex", 300, [](int i) {
    return i % 3 == 0 ? std::string(40, 'a') + "-bc.example" : i % 3 == 1 ? std::string("xxy.example") : "ok.example";
  });
  PlanHolder holder(plan);
  telemetry::ScanOptions opt;
  opt.threads = 2;
  std::map<std::string, int> hits;
  telemetry::ScanCounters c;
  RunStats stats;
  Status st = RunMatch({path.string()}, holder, m, opt, [&](const Hit& h) { ++hits[h.indicator_id]; }, &c, &stats);
  std::filesystem::remove(path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.events.load(), 300u);
  EXPECT_EQ(hits, (std::map<std::string, int>{{"BACKREF", 100}, {"EXACT", 100}}));
  auto report = DisabledRegexReport(*plan);
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0].rfind("EVIL1: regex '(a+)+\\1b' disabled (", 0), 0u) << report[0];
  EXPECT_EQ(report[1].rfind("EVIL2: regex '(a|aa)+\\1c' disabled (", 0), 0u) << report[1];
}

TEST(EngineTest, SightingsAggregateCountAndTimes) {
  SightingAggregator agg;
  Hit h;
  h.indicator_id = "indicator--a";
  h.has_time = true;
  for (Micros t : {300, 100, 200}) {
    h.time = t * 1000000LL;
    agg.Add(h);
  }
  auto s = agg.Summaries();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].count, 3u);
  EXPECT_EQ(s[0].first_seen, 100000000);
  EXPECT_EQ(s[0].last_seen, 300000000);
  SightingOptions o;
  o.identity = "ACME";
  o.now = 1000;
  auto bundle = SightingsBundleJson(s, o);
  ASSERT_TRUE(bundle.ok());
  EXPECT_NE(bundle->find(R"("sighting_of_ref":"indicator--a")"), std::string::npos);
  EXPECT_NE(bundle->find(R"("count":3)"), std::string::npos);
  EXPECT_NE(bundle->find("1970-01-01T00:01:40.000Z"), std::string::npos);  // first_seen
  EXPECT_NE(bundle->find("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"), std::string::npos);  // AMBER
  EXPECT_EQ(*IdentityIdFor("ACME"), *IdentityIdFor("ACME"));
  EXPECT_FALSE(IdentityIdFor("identity--nope").ok());
  EXPECT_FALSE(SightingsBundleJson(s, SightingOptions{}).ok());  // no identity
}

// The compiled fast path agrees with the reference evaluator: random
// single-observation patterns over a small vocabulary, random events built
// from the same vocabulary (already normalised, since = in the reference
// evaluator compares exact code points).
TEST(EngineTest, CompiledMatcherAgreesWithReferenceEvaluator) {
  const std::vector<std::string> domains = {"a.example", "b.example", "evil.org", "x.evil.org"};
  const std::vector<std::string> ips = {"10.0.0.1", "10.1.2.3", "192.168.1.5", "8.8.8.8"};
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto gen_cmp = [&]() -> rc::Gen<std::string> {
    return rc::gen::oneOf(
        rc::gen::map(rc::gen::elementOf(domains), [](std::string d) { return "domain-name:value = '" + d + "'"; }),
        rc::gen::map(rc::gen::elementOf(ips), [](std::string d) { return "ipv4-addr:value = '" + d + "'"; }),
        rc::gen::map(rc::gen::pair(rc::gen::elementOf(domains), rc::gen::elementOf(domains)),
                     [](auto p) { return "domain-name:value IN ('" + p.first + "', '" + p.second + "')"; }),
        rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16"}),
                     [](std::string c) { return "ipv4-addr:value ISSUBSET '" + c + "'"; }),
        rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"%.example", "evil%", "_.example", "%evil.org"}),
                     [](std::string l) { return "domain-name:value LIKE '" + l + "'"; }),
        rc::gen::map(rc::gen::elementOf(std::vector<std::string>{"^a\\\\.", "evil\\\\.org$", "^[ab]\\\\.", "(.)\\\\1"}),
                     [](std::string r) { return "domain-name:value MATCHES '" + r + "'"; }));
  };
  bool ok = rc::check([&]() {
    auto a = *gen_cmp();
    auto b = *gen_cmp();
    auto op = *rc::gen::elementOf(std::vector<std::string>{"", " AND ", " OR "});
    std::string pat = "[" + a + (op.empty() ? "" : op + b) + "]";
    auto parsed = pattern::ParsePattern(pat);
    RC_ASSERT(parsed.ok());
    auto plan = Compile(m, {{"P", pat}});
    RC_ASSERT(plan->report.compiled == 1u);
    // Mixed-type or same-property ANDs go to the fallback; the rest is fast.
    RC_ASSERT(plan->report.fast_leaves + plan->report.fallback_leaves == 1u);
    telemetry::Event ev;
    ev.has_time = true;
    ev.time_micros = 1700000000000000;
    int nd = *rc::gen::inRange(0, 3);
    for (int i = 0; i < nd; ++i) ev.Add(telemetry::kPathDomain, *rc::gen::elementOf(domains));
    int ni = *rc::gen::inRange(0, 3);
    for (int i = 0; i < ni; ++i) ev.Add(telemetry::kPathIpv4, *rc::gen::elementOf(ips));
    EventEvaluator eval(plan);
    std::vector<Hit> hits;
    std::vector<LeafHit> lh;
    eval.Evaluate(ev, &hits, &lh);
    auto ref = pattern::Evaluate(*parsed, EventToObservedDataJson(ev, m));
    RC_ASSERT(ref.ok());
    RC_ASSERT((hits.size() == 1) == ref->matched);
  });
  EXPECT_TRUE(ok);
}

// Issue 10 item 8: values from a log are data, never internal notation. The
// reference evaluator's input once marked references with "__ref__N" strings
// and resolved every such string, so a DNS name "__ref__x" aborted the scan
// (std::stoul) and "__ref__0" was rewritten into an id. Each value goes
// through fallback leaves (!=, NOT, an AND over one property).
TEST(EngineTest, LogValuesCannotPoseAsReferences) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto plan = Compile(m, {{"neq", "[domain-name:value != 'good.example']"},
                          {"not", "[domain-name:value NOT = 'good.example']"},
                          {"same", "[domain-name:value = '__ref__0' AND domain-name:value != 'good.example']"},
                          {"dst", "[network-traffic:dst_ref.value != '192.0.2.1']"}});
  ASSERT_EQ(plan->report.compiled, 4u);
  ASSERT_EQ(plan->report.fallback_leaves, 4u);
  for (const std::string value : {"__ref__x", "__ref__", "__ref__-1", "__ref__99999999999999999999", "__ref__0",
                                  "__ref__1", "__ref__7", "__ref__18446744073709551615", "x__ref__0"}) {
    SCOPED_TRACE(value);
    telemetry::Event ev;
    ev.Add(telemetry::kPathDomain, value);
    std::vector<Hit> hits;
    std::vector<LeafHit> leaf_hits;
    EventEvaluator eval(plan);
    ASSERT_NO_THROW(eval.Evaluate(ev, &hits, &leaf_hits));
    std::set<std::string> ids;
    for (const Hit& h : hits) ids.insert(h.indicator_id);
    std::set<std::string> want = {"neq", "not"};
    if (value == "__ref__0") want.insert("same");
    EXPECT_EQ(ids, want);
    // The rendered event carries the value verbatim.
    auto j = nlohmann::json::parse(EventToObservedDataJson(ev, m));
    EXPECT_EQ(j[0]["objects"][1]["value"], value);
  }
}

// References still resolve, by position: dst_ref names the address object,
// whatever the other values in the event look like.
TEST(EngineTest, ReferencesResolveToTheAddressObject) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  telemetry::Event ev;
  ev.Add(telemetry::kPathDomain, "__ref__0");
  ev.Add(m.InternPath("network-traffic:dst_ref.value"), "198.51.100.1");
  ev.Add(m.InternPath("network-traffic:src_ref.value"), "__ref__1");
  auto j = nlohmann::json::parse(EventToObservedDataJson(ev, m));
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& o : j[0]["objects"]) by_id[o["id"]] = o;
  const nlohmann::json* traffic = nullptr;
  for (const auto& [id, o] : by_id) {
    if (o["type"] == "network-traffic") traffic = &o;
  }
  ASSERT_NE(traffic, nullptr) << j.dump();
  ASSERT_TRUE(by_id.count((*traffic)["dst_ref"])) << j.dump();
  EXPECT_EQ(by_id[(*traffic)["dst_ref"]]["value"], "198.51.100.1");
  EXPECT_EQ(by_id[(*traffic)["dst_ref"]]["type"], "ipv4-addr");
  ASSERT_TRUE(by_id.count((*traffic)["src_ref"])) << j.dump();
  EXPECT_EQ(by_id[(*traffic)["src_ref"]]["value"], "__ref__1");
  bool domain_kept = false;
  for (const auto& [id, o] : by_id) domain_kept |= o["type"] == "domain-name" && o["value"] == "__ref__0";
  EXPECT_TRUE(domain_kept) << j.dump();
}

// Values that are not UTF-8 (Zeek TSV unescapes \xHH) reach the fallback
// without making the JSON rendering throw.
TEST(EngineTest, NonUtf8ValuesDoNotThrowInTheFallback) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto plan = Compile(m, {{"neq", "[domain-name:value != 'good.example']"}});
  telemetry::Event ev;
  ev.Add(telemetry::kPathDomain, std::string("\xff\xfe.example"));
  EventEvaluator eval(plan);
  std::vector<Hit> hits;
  std::vector<LeafHit> leaf_hits;
  ASSERT_NO_THROW(eval.Evaluate(ev, &hits, &leaf_hits));
  EXPECT_EQ(hits.size(), 1u);
}

// A throwing evaluation step fails its event, not the scan: the other
// events' hits all arrive, the failed event reports none (not even the
// compiled hits made before the throw), and the counters say what happened.
void ThrowOnBoom(const telemetry::Event& ev) {
  for (const telemetry::Observable& o : ev.observables) {
    if (ev.value(o) == "boom.example") throw std::runtime_error("injected failure");
    if (ev.value(o) == "int.example") throw 42;  // not even a std::exception
  }
}

TEST(EngineTest, AThrowingEventIsContainedAndCounted) {
  telemetry::FieldMapping m = telemetry::DefaultFieldMapping();
  auto plan = Compile(m, {{"any", "[domain-name:value LIKE '%.example']"},
                          {"neq", "[domain-name:value != 'good.example']"}});
  const uint64_t booms = 2 * 30;
  auto path = WriteDnsLog("contain", 3000, [](int i) {
    return i % 100 == 7 ? "boom.example" : i % 100 == 8 ? "int.example" : "x.example";
  });
  SetEvaluateHookForTest(&ThrowOnBoom);
  PlanHolder holder(plan);
  telemetry::ScanOptions opt;
  opt.threads = 2;
  opt.chunk_bytes = 4 * 1024;
  std::vector<std::string> values;
  telemetry::ScanCounters c;
  RunStats stats;
  Status st = RunMatch({path.string()}, holder, m, opt, [&](const Hit& h) { values.push_back(h.value); }, &c, &stats);
  SetEvaluateHookForTest(nullptr);
  std::filesystem::remove(path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(c.events.load(), 3000u);
  EXPECT_EQ(c.events_failed.load(), booms);
  EXPECT_EQ(c.chunks_failed.load(), 0u);
  EXPECT_NE(c.first_failure().find("injected failure"), std::string::npos) << c.first_failure();
  EXPECT_EQ(values.size(), 2 * (3000 - booms));  // "any" and "neq" for every other event
  EXPECT_EQ(std::count(values.begin(), values.end(), "boom.example"), 0);
  EXPECT_EQ(std::count(values.begin(), values.end(), "int.example"), 0);
}

}  // namespace
}  // namespace rampart::detect
