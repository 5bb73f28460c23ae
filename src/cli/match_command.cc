// `rampart match --indicators FILE|URL [--as-of now|event|TIMESTAMP]
//   [--post URL] [--json] [LOG...]`: compiles the active STIX indicators of a
// bundle file (plain/gzip/zstd, streamed) or a TAXII 2.1 collection URL into
// one matcher and scans logs (JSON lines: ECS, Zeek JSON, Suricata eve.json;
// Zeek TSV; plain/gzip/zstd; "-" or no LOG = stdin) on every core.
//
// Output: with --json one JSON object per hit on stdout (source, line,
// offset, time, indicator, path, value), else one text line per hit. On a
// terminal (stderr is a tty) a progress line (bytes, events/s, hits). At the
// end a summary on stderr: events, malformed lines skipped, events failed,
// hits per indicator, and every indicator left out because its pattern is
// invalid; with --json the summary is one JSON object {"summary":{"events",
// "malformed","events_failed","chunks_failed","bytes","seconds","hits"[,
// "first_failure"]}}. An event whose evaluation failed (see detect/engine.h)
// is skipped, counted and reported (even with --quiet), never fatal.
// Sightings (one STIX sighting per indicator hit: count, first_seen,
// last_seen, where_sighted_refs = --identity, marked --tlp, default AMBER)
// go to --sightings FILE and/or are POSTed to the TAXII collection --post.
// --reload SECONDS re-reads an indicator FILE when it changes and swaps the
// new matcher in without pausing the scan.
//
// Exit codes (as grep): 0 hits found, 1 no hits, 2 usage/I/O error.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "detect/engine.h"
#include "detect/indicators.h"
#include "detect/plan.h"
#include "detect/sightings.h"
#include "stix/markings.h"
#include "taxii_client/taxii_client.h"
#include "telemetry/field_mapping.h"
#include "telemetry/input.h"
#include "telemetry/scan.h"

namespace rampart::cli {
namespace {

struct MatchArgs {
  std::string indicators;
  std::string as_of = "now";
  std::string post_url;
  std::string token;
  std::string identity;
  std::string tlp = "amber";
  std::string sightings_file;
  std::string mapping_file;
  std::string format = "auto";
  std::string ca_file;
  bool json = false;
  bool quiet = false;
  int threads = 0;
  int reload_seconds = 0;
  // Limits on a TAXII feed (--indicators URL); defaults from ClientOptions.
  taxii_client::ClientOptions feed_limits;
  std::vector<std::string> logs;
};

bool IsUrl(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

Result<std::shared_ptr<const detect::MatchPlan>> LoadPlan(const MatchArgs& a, const telemetry::FieldMapping& mapping,
                                                          const detect::AsOf& as_of, detect::ReadStats* rs) {
  detect::PlanBuilder b(mapping, {as_of});
  auto add = [&](detect::Indicator&& i) { b.Add(std::move(i)); };
  if (IsUrl(a.indicators)) {
    taxii_client::ClientOptions o = a.feed_limits;
    o.token = a.token;
    o.ca_file = a.ca_file;
    o.match_type = "indicator";
    RAMPART_RETURN_IF_ERROR(taxii_client::FetchCollectionObjects(a.indicators, o, [&](std::string_view page) {
      return detect::ReadIndicators(page, add, rs);
    }));
  } else {
    RAMPART_RETURN_IF_ERROR(detect::ReadIndicatorsFile(a.indicators, add, rs));
  }
  return b.Build();
}

std::string HumanBytes(double b) {
  const char* u[] = {"B", "KB", "MB", "GB", "TB"};
  int i = 0;
  while (b >= 1000 && i < 4) b /= 1000, ++i;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", b, u[i]);
  return buf;
}

int RunMatchCommand(const MatchArgs& a) {
  if (a.indicators.empty()) {
    std::fprintf(stderr, "match: --indicators FILE|URL is required\n");
    return kExitUsage;
  }
  auto as_of = detect::ParseAsOf(a.as_of);
  if (!as_of.ok()) {
    std::fprintf(stderr, "match: %s\n", std::string(as_of.status().message()).c_str());
    return kExitUsage;
  }
  std::string marking;
  if (auto tlp = stix::ParseTlpName(a.tlp)) {
    marking = std::string(stix::TlpMarkingId(*tlp));
  } else if (a.tlp.rfind("marking-definition--", 0) == 0) {
    marking = a.tlp;
  } else {
    std::fprintf(stderr, "match: unknown --tlp '%s' (clear, green, amber, amber+strict, red)\n", a.tlp.c_str());
    return kExitUsage;
  }
  bool want_sightings = !a.post_url.empty() || !a.sightings_file.empty();
  if (want_sightings && a.identity.empty()) {
    std::fprintf(stderr, "match: --identity (the reporting organisation) is required with --post/--sightings\n");
    return kExitUsage;
  }
  telemetry::FieldMapping mapping = telemetry::DefaultFieldMapping();
  if (!a.mapping_file.empty()) {
    std::ifstream in(a.mapping_file);
    if (!in) {
      std::fprintf(stderr, "match: cannot read --mapping %s\n", a.mapping_file.c_str());
      return kExitUsage;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Status st = mapping.AddRulesFromText(text);
    if (!st.ok()) {
      std::fprintf(stderr, "match: %s: %s\n", a.mapping_file.c_str(), std::string(st.message()).c_str());
      return kExitUsage;
    }
  }
  const bool tty = isatty(STDERR_FILENO) && !a.quiet;
  auto t0 = std::chrono::steady_clock::now();
  detect::ReadStats rs;
  auto plan = LoadPlan(a, mapping, *as_of, &rs);
  if (!plan.ok()) {
    std::fprintf(stderr, "match: loading indicators: %s\n", plan.status().ToString().c_str());
    return kExitUsage;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const detect::CompileReport& cr = (*plan)->report;
  for (const std::string& e : rs.errors) std::fprintf(stderr, "match: skipped malformed object: %s\n", e.c_str());
  for (const std::string& e : cr.errors) std::fprintf(stderr, "match: invalid indicator left out: %s\n", e.c_str());
  if (!a.quiet) {
    std::fprintf(stderr,
                 "match: %llu indicators compiled in %.2f s (%llu inactive at the as-of time, %llu invalid, %llu "
                 "not STIX, %llu superseded); %llu exact values, %llu CIDRs, %llu regexes, %llu fallback leaves\n",
                 (unsigned long long)cr.compiled, load_s, (unsigned long long)cr.inactive,
                 (unsigned long long)cr.invalid, (unsigned long long)cr.not_stix, (unsigned long long)cr.superseded,
                 (unsigned long long)cr.exact_values, (unsigned long long)cr.cidr_prefixes,
                 (unsigned long long)cr.regexes, (unsigned long long)cr.fallback_leaves);
  }
  detect::PlanHolder holder(*plan);

  // Optional reloader: swaps in a new plan when the indicator file changes.
  std::atomic<bool> stop{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  std::thread reloader;
  if (a.reload_seconds > 0 && !IsUrl(a.indicators)) {
    reloader = std::thread([&] {
      struct stat st0;
      ::stat(a.indicators.c_str(), &st0);
      auto last = st0.st_mtim;
      std::unique_lock l(stop_mu);
      while (!stop_cv.wait_for(l, std::chrono::seconds(a.reload_seconds), [&] { return stop.load(); })) {
        struct stat st;
        if (::stat(a.indicators.c_str(), &st) != 0) continue;
        if (st.st_mtim.tv_sec == last.tv_sec && st.st_mtim.tv_nsec == last.tv_nsec) continue;
        last = st.st_mtim;
        detect::ReadStats rs2;
        auto p = LoadPlan(a, mapping, *as_of, &rs2);
        if (p.ok()) {
          holder.Swap(*p);
          std::fprintf(stderr, "\nmatch: indicators reloaded (%llu compiled)\n", (unsigned long long)(*p)->report.compiled);
        } else {
          std::fprintf(stderr, "\nmatch: reload failed, keeping the old indicators: %s\n", p.status().ToString().c_str());
        }
      }
    });
  }

  std::vector<std::string> logs = a.logs.empty() ? std::vector<std::string>{"-"} : a.logs;
  telemetry::ScanOptions so;
  so.threads = a.threads;
  if (a.format == "json") so.format = telemetry::LogFormat::kJsonLines;
  else if (a.format == "zeek") so.format = telemetry::LogFormat::kZeekTsv;
  uint64_t total_bytes = 0;
  for (const auto& l : logs) total_bytes += telemetry::InputSizeHint(l);
  telemetry::ScanCounters counters;
  detect::RunStats stats;
  detect::SightingAggregator agg;
  std::map<std::string, uint64_t> per_indicator;
  std::string line;
  auto scan_t0 = std::chrono::steady_clock::now();
  auto last_progress = scan_t0;
  auto progress = [&] {
    if (!tty) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress < std::chrono::milliseconds(200)) return;
    last_progress = now;
    double secs = std::chrono::duration<double>(now - scan_t0).count();
    uint64_t raw = counters.raw_bytes.load();
    char pct[16] = "";
    if (total_bytes > 0) std::snprintf(pct, sizeof pct, "%3.0f%% ", 100.0 * raw / total_bytes);
    std::fprintf(stderr, "\r%s%s read, %.0f events/s, %llu hits   ", pct, HumanBytes(raw).c_str(),
                 secs > 0 ? counters.events.load() / secs : 0.0, (unsigned long long)stats.hits);
  };
  Status st = detect::RunMatch(
      logs, holder, mapping, so,
      [&](const detect::Hit& h) {
        agg.Add(h);
        ++per_indicator[h.indicator_id];
        const std::string& src = logs[h.source];
        if (a.json) {
          line = detect::HitJson(h, src);
        } else {
          line = src + ":" + std::to_string(h.line) + ": " + h.indicator_id + " " + h.path + " = " + h.value;
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
      },
      &counters, &stats, progress);
  std::fflush(stdout);
  if (reloader.joinable()) {
    {
      std::lock_guard l(stop_mu);
      stop = true;
    }
    stop_cv.notify_all();
    reloader.join();
  }
  if (tty) std::fprintf(stderr, "\r%*s\r", 70, "");
  double scan_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - scan_t0).count();
  const uint64_t events_failed = counters.events_failed.load(), chunks_failed = counters.chunks_failed.load();
  const bool failures = events_failed != 0 || chunks_failed != 0;
  // Regexes switched off for going over their budget (a hostile MATCHES that
  // backtracks) are a blind spot too.
  const std::vector<std::string> disabled = detect::DisabledRegexReport(*holder.Load());
  // Events that could not be evaluated are a blind spot: reported even with
  // --quiet, on stderr, as JSON with --json.
  if (a.json && (!a.quiet || failures || !disabled.empty())) {
    nlohmann::json summary{{"events", counters.events.load()},
                           {"malformed", counters.malformed.load()},
                           {"events_failed", events_failed},
                           {"chunks_failed", chunks_failed},
                           {"bytes", counters.bytes.load()},
                           {"seconds", scan_s},
                           {"hits", stats.hits}};
    if (failures) summary["first_failure"] = counters.first_failure();
    if (!disabled.empty()) summary["regexes_disabled"] = disabled;
    std::string text =
        nlohmann::json{{"summary", summary}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fprintf(stderr, "%s\n", text.c_str());
  } else {
    for (const std::string& d : disabled) {
      std::fprintf(stderr, "match: WARNING: %s; it matched nothing after that, the scan went on\n", d.c_str());
    }
  }
  if (!a.json && failures) {
    std::fprintf(stderr,
                 "match: WARNING: %llu events could not be evaluated and %llu chunks' results were lost; they were "
                 "skipped (first: %s)\n",
                 (unsigned long long)events_failed, (unsigned long long)chunks_failed,
                 counters.first_failure().c_str());
  }
  if (!a.quiet && !a.json) {
    std::fprintf(stderr,
                 "match: %llu events, %llu malformed lines skipped, %llu events failed, %s in %.2f s (%.1f MB/s), "
                 "%llu hits\n",
                 (unsigned long long)counters.events.load(), (unsigned long long)counters.malformed.load(),
                 (unsigned long long)events_failed, HumanBytes(counters.bytes.load()).c_str(), scan_s,
                 scan_s > 0 ? counters.bytes.load() / scan_s / 1e6 : 0.0, (unsigned long long)stats.hits);
    // Hits per indicator, most hits first; long lists are cut at 50 lines.
    std::vector<std::pair<uint64_t, std::string>> by_count;
    for (const auto& [id, n] : per_indicator) by_count.emplace_back(n, id);
    std::sort(by_count.begin(), by_count.end(), [](auto& x, auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
    constexpr size_t kShown = 50;
    for (size_t i = 0; i < by_count.size() && i < kShown; ++i) {
      std::fprintf(stderr, "match:   %s %llu\n", by_count[i].second.c_str(), (unsigned long long)by_count[i].first);
    }
    if (by_count.size() > kShown) {
      std::fprintf(stderr, "match:   ... and %zu more indicators with hits\n", by_count.size() - kShown);
    }
  }
  if (!st.ok()) {
    std::fprintf(stderr, "match: %s\n", st.ToString().c_str());
    return kExitUsage;
  }
  if (want_sightings && agg.total() > 0) {
    detect::SightingOptions sopt;
    sopt.identity = a.identity;
    sopt.marking_ref = marking;
    sopt.now = NowMicros();
    auto bundle = detect::SightingsBundleJson(agg.Summaries(), sopt);
    if (!bundle.ok()) {
      std::fprintf(stderr, "match: %s\n", bundle.status().ToString().c_str());
      return kExitUsage;
    }
    if (!a.sightings_file.empty()) {
      std::ofstream o(a.sightings_file, std::ios::binary | std::ios::trunc);
      o << *bundle << "\n";
      if (!o) {
        std::fprintf(stderr, "match: cannot write %s\n", a.sightings_file.c_str());
        return kExitUsage;
      }
    }
    if (!a.post_url.empty()) {
      nlohmann::json b = nlohmann::json::parse(*bundle);
      nlohmann::json envelope{{"objects", b["objects"]}};
      taxii_client::ClientOptions o;
      o.token = a.token;
      o.ca_file = a.ca_file;
      auto r = taxii_client::PostObjects(a.post_url, envelope.dump(), o);
      if (!r.ok()) {
        std::fprintf(stderr, "match: posting sightings: %s\n", r.status().ToString().c_str());
        return kExitUsage;
      }
      if (!a.quiet) std::fprintf(stderr, "match: posted %zu sightings: %s\n", agg.Summaries().size(), r->c_str());
    }
  }
  return stats.hits > 0 ? kExitOk : kExitNegative;
}

}  // namespace

void AddMatchCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MatchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "match", "Scan logs with the compiled STIX indicators; report hits and sightings (exit 0 hits, 1 none, 2 error)");
  cmd->add_option("--indicators", args->indicators, "STIX bundle file (json/gz/zst, '-' = stdin) or TAXII collection URL")
      ->required();
  cmd->add_option("--as-of", args->as_of, "Which indicators are active: now (default), event, or an RFC 3339 time");
  cmd->add_option("--post", args->post_url, "TAXII 2.1 collection URL to POST the sightings to");
  cmd->add_option("--token", args->token, "Bearer token for TAXII requests (default: $RAMPART_TOKEN)");
  cmd->add_option("--identity", args->identity, "Reporting organisation: identity--<uuid> or a name (for sightings)");
  cmd->add_option("--tlp", args->tlp, "TLP of the sightings: clear, green, amber (default), amber+strict, red");
  cmd->add_option("--sightings", args->sightings_file, "Write the sightings bundle to FILE");
  cmd->add_option("--mapping", args->mapping_file, "Extra field-mapping rules (see docs/ARCHITECTURE.md, telemetry)");
  cmd->add_option("--format", args->format, "Log format: auto (default), json, zeek")
      ->check(CLI::IsMember({"auto", "json", "zeek"}));
  cmd->add_option("--ca-file", args->ca_file, "Extra CA bundle for https TAXII servers");
  cmd->add_option("--threads", args->threads, "Worker threads (default: one per core)")->check(CLI::Range(0, 64));
  cmd->add_option("--reload", args->reload_seconds, "Re-read the indicator FILE every N seconds when it changed")
      ->check(CLI::Range(0, 86400));
  // Limits on a hostile TAXII feed (docs/SECURITY.md, "Matcher and feed limits").
  taxii_client::ClientOptions& fl = args->feed_limits;
  cmd->add_option("--max-page-bytes", fl.max_response_bytes,
                  "TAXII feed: most bytes of one page after decompression (default 64 MiB)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-feed-bytes", fl.max_feed_bytes,
                  "TAXII feed: most bytes of all pages after decompression (default 2 GiB)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-indicators", fl.max_objects, "TAXII feed: most objects in all pages (default 1000000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-pages", fl.max_pages, "TAXII feed: most pages to follow (default 10000)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "One JSON object per hit on stdout");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress bar and no summary");
  cmd->add_option("logs", args->logs, "Log files (default: stdin)");
  cmd->callback([args, &exit_code] {
    if (args->token.empty()) {
      if (const char* t = std::getenv("RAMPART_TOKEN")) args->token = t;
    }
    exit_code = RunMatchCommand(*args);
  });
}

}  // namespace rampart::cli
