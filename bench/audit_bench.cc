// The cost of trust on the hot paths (BENCHMARKS.md, "Trust"):
//   - appending audit records to a durable SQLite store (alone, and as the
//     extra record of a 1-object write vs the same write without it);
//   - an authenticated request's credential check (cached) and policy
//     decision + release of one object.
// Run by hand: build/bench/rampart_audit_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "auth/authenticator.h"
#include "auth/identity.h"
#include "auth/policy.h"
#include "base/crypto.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rampart;
namespace fs = std::filesystem;

std::unique_ptr<store::Store> Fresh(const std::string& tag) {
  fs::path dir = fs::temp_directory_path() / ("rampart-audit-bench-" + tag + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return store::OpenSqliteStore(dir.string()).value();
}

const std::string kDetail =
    R"({"org":"5b7c2f0e-8d59-4b8a-9f3e-4ad2c1b0e9f7","token":"a1b2c3d4e5f6","path":"taxii-read",)"
    R"("objects":[{"id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","version":1459972980000000,"tlp":"amber"}]})";

// One audit record per call, from `threads` threads (the store's writer thread
// group-commits concurrent requests).
void BM_AppendAudit(benchmark::State& state) {
  static std::unique_ptr<store::Store> s;
  if (state.thread_index() == 0) s = Fresh("append");
  for (auto _ : state) {
    auto r = s->AppendAudit({"user-1", "objects.read", "coll-1", kDetail});
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["records"] = benchmark::Counter(static_cast<double>(state.iterations() * state.threads()));
  }
}
BENCHMARK(BM_AppendAudit)->Threads(1)->Threads(16)->Threads(64)->UseRealTime();

// A 1-object AddObjects with and without its audit record.
void BM_AddObject(benchmark::State& state) {
  const bool audited = state.range(0) != 0;
  auto s = Fresh(audited ? "add-audited" : "add-plain");
  store::Collection c;
  c.id = "11111111-2222-4333-8444-555555555555";
  c.title = "bench";
  (void)s->CreateCollection(c);
  int64_t n = 0;
  for (auto _ : state) {
    store::NewObject o;
    o.id = "indicator--" + RandomUuid();
    o.type = "indicator";
    o.spec_version = "2.1";
    o.created = o.modified = 1'700'000'000'000'000 + n++;
    o.json = R"({"type":"indicator","spec_version":"2.1","id":")" + o.id + R"("})";
    store::WriteOptions w;
    if (audited) w.audit = store::AuditEntry{"user-1", "objects.add", c.id, kDetail};
    auto r = s->AddObjects(c.id, {o}, w);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddObject)->Arg(0)->Arg(1)->UseRealTime();

// The per-request credential check once cached (the 30k req/s path).
void BM_AuthenticateCached(benchmark::State& state) {
  auto s = Fresh("auth");
  auto local = auth::EnsureBootstrap(*s).value();
  auto u = auth::AddUser(*s, {"bench", local.id, store::Role::kReader, ""}, "bench").value();
  auto t = auth::CreateToken(*s, u.id, "bench", 0, "bench").value();
  auth::AuthenticatorOptions o;
  o.cache_ttl = 3'600'000'000;
  auth::Authenticator a(*s, o);
  const std::string header = "Bearer " + t.secret;
  for (auto _ : state) {
    auto p = a.Authenticate(header, "127.0.0.1");
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthenticateCached);

// An ATT&CK attack-pattern (ics-attack-18.1) as stored: it already carries a
// non-TLP marking (MITRE's statement), so the default TLP marking goes into
// the existing object_marking_refs array.
const char kAttackPattern[] =
    R"json({"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61","created":"2020-05-21T17:43:26.506Z","created_by_ref":"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5","revoked":false,"external_references":[{"source_name":"mitre-attack","url":"https://attack.mitre.org/techniques/T0803","external_id":"T0803"},{"source_name":"Bonnie Zhu, Anthony Joseph, Shankar Sastry 2011","description":"Bonnie Zhu, Anthony Joseph, Shankar Sastry 2011 A Taxonomy of Cyber Attacks on SCADA Systems Retrieved. 2018/01/12 ","url":"http://ieeexplore.ieee.org/stamp/stamp.jsp?tp=&arnumber=6142258"},{"source_name":"Electricity Information Sharing and Analysis Center; SANS Industrial Control Systems March 2016","description":"Electricity Information Sharing and Analysis Center; SANS Industrial Control Systems 2016, March 18 Analysis of the Cyber Attack on the Ukranian Power Grid: Defense Use Case Retrieved. 2018/03/27 ","url":"https://assets.contentstack.io/v3/assets/blt36c2e63521272fdc/blt6a77276749b76a40/607f235992f0063e5c070fff/E-ISAC_SANS_Ukraine_DUC_5%5b73%5d.pdf"}],"object_marking_refs":["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"],"modified":"2025-04-15T19:58:01.218Z","name":"Block Command Message","description":"Adversaries may block a command message from reaching its intended target to prevent command execution. In OT networks, command messages are sent to provide instructions to control system devices. A blocked command message can inhibit response functions from correcting a disruption or unsafe condition. (Citation: Bonnie Zhu, Anthony Joseph, Shankar Sastry 2011)  (Citation: Electricity Information Sharing and Analysis Center; SANS Industrial Control Systems March 2016)","kill_chain_phases":[{"kill_chain_name":"mitre-ics-attack","phase_name":"inhibit-response-function"}],"x_mitre_attack_spec_version":"3.2.0","x_mitre_deprecated":false,"x_mitre_detection":"","x_mitre_domains":["ics-attack"],"x_mitre_is_subtechnique":false,"x_mitre_modified_by_ref":"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5","x_mitre_platforms":["None"],"x_mitre_version":"1.1"})json";

// DecideCollection + ReleaseObject for one stored object. Arg 0: bytes as
// stored; 1: default marking added (object without object_marking_refs);
// 2: default marking added to an ATT&CK object's existing object_marking_refs.
void BM_ReleaseObject(benchmark::State& state) {
  auth::PolicySnapshot snap({{"org-1", "A", "identity--1", {}, false, 1}},
                            {{"c1", store::GranteeKind::kOrganization, "org-1", true, false}}, {});
  store::Collection c;
  c.id = "c1";
  store::StoredObject o;
  o.json = R"({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:00.000Z","modified":"2016-04-06T20:03:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"})";
  if (state.range(0) == 2) {
    o.json = kAttackPattern;
    o.marking_refs = {"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"};
  }
  o.provenance.effective_tlp = stix::Tlp::kGreen;
  o.provenance.default_marking_applied = state.range(0) != 0;
  auth::Principal p{"u", "org-1", store::Role::kReader, "t"};
  for (auto _ : state) {
    auto a = auth::DecideCollection(snap, p, c);
    auto out = auth::ReleaseObject(snap, p, c, o, auth::Path::kTaxiiRead);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReleaseObject)->Arg(0)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
