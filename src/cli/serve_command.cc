// `rampart serve`: the TAXII 2.1 server. Reads an optional TOML config
// (docs/formats/config.md), applies command-line flags over it, opens the
// store, optionally loads the demo dataset, serves until SIGINT/SIGTERM and
// shuts down gracefully (stop accepting, finish in-flight requests, flush
// the access log).
#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <sys/resource.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include "auth/authenticator.h"
#include "auth/identity.h"
#include "cli/command.h"
#include "cli/config_check.h"
#include "cli/demo.h"
#include "cli/open_store.h"
#include "http/access_log.h"
#include "http/metrics.h"
#include "http/server.h"
#include "ingest/publish.h"
#include "taxii/service.h"

namespace rampart::cli {
namespace {

inline constexpr char kDefaultListen[] = "127.0.0.1:9443";

struct ServeConfig {
  StoreOptions store;
  std::string listen = kDefaultListen;
  std::string config_file;
  bool demo = false;
  std::string shared_data;
  // Integers stay 64-bit until ValidateServeConfig has range-checked them.
  int64_t threads = 0;
  std::string tls_cert, tls_key;
  bool allow_plain_http = false;
  int64_t max_content_length = 10 * 1024 * 1024;
  int64_t max_header_bytes = 16 * 1024;
  int64_t header_timeout_ms = 10000, body_timeout_ms = 30000, idle_timeout_ms = 60000;
  int64_t pressure_idle_timeout_ms = 5000;
  int64_t max_connections = 0;  // 0 = min(10000, ulimit -n - 64)
  int64_t work_threads = 2;
  int64_t max_pending_header_bytes = 64 * 1024 * 1024;
  int64_t max_inflight_body_bytes = 512 * 1024 * 1024;
  std::string access_log = "stderr";
  std::string log_format = "json";
  std::string public_url;
  int64_t default_page_size = 100, max_page_size = 1000;
  int64_t max_page_bytes = 16 * 1024 * 1024;
  taxii::TaxiiOptions taxii;
};

// Raises the soft descriptor limit to the hard one, so the default
// connection cap (ulimit -n - 64, at most 10000) is as high as the host allows.
void RaiseDescriptorLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

// Splits "ADDR:PORT" / "[v6]:PORT" / ":PORT".
Status ParseListen(const std::string& s, std::string& addr, uint16_t& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen must be ADDR:PORT, got '" + s + "'");
  addr = s.substr(0, colon);
  std::string p = s.substr(colon + 1);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  if (addr.empty()) addr = "127.0.0.1";
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("bad port in --listen '" + s + "'");
  }
  int n = std::stoi(p);
  if (n > 65535) return Status::InvalidArgument("bad port in --listen '" + s + "'");
  port = static_cast<uint16_t>(n);
  return Status::Ok();
}

// Applies the TOML file to `c` for every key not given on the command line
// (`given(name)` says whether the flag was given).
Status LoadConfig(const std::string& file, ServeConfig& c, const std::function<bool(const char*)>& given) {
  toml::table t;
  try {
    t = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << e.description() << " at line " << e.source().begin.line;
    return Status::InvalidArgument("config " + file + ": " + os.str());
  }
  auto str = [&](const char* flag, std::optional<std::string> v, std::string& out) {
    if (v && !given(flag)) out = *v;
  };
  str("--listen", t["listen"].value<std::string>(), c.listen);
  str("--store", t["store"].value<std::string>(), c.store.store);
  str("--data", t["data"].value<std::string>(), c.store.data);
  str("--tls-cert", t["tls"]["cert"].value<std::string>(), c.tls_cert);
  str("--tls-key", t["tls"]["key"].value<std::string>(), c.tls_key);
  str("--access-log", t["log"]["access_log"].value<std::string>(), c.access_log);
  str("--log-format", t["log"]["format"].value<std::string>(), c.log_format);
  str("--public-url", t["public_url"].value<std::string>(), c.public_url);
  str("--shared-data", t["demo"]["shared_data"].value<std::string>(), c.shared_data);
  // Integers are read whole (64-bit) and range-checked by ValidateServeConfig;
  // a value of another type is an error, not ignored.
  Status bad;
  auto integer = [&](const char* key, const char* flag, toml::node_view<toml::node> n, int64_t& out) {
    if (!n || !bad.ok() || (flag && given(flag))) return;
    if (auto v = n.value_exact<int64_t>()) {
      out = *v;
    } else {
      bad = Status::InvalidArgument("config " + file + ": " + key + " must be an integer");
    }
  };
  integer("threads", "--threads", t["threads"], c.threads);
  integer("max_content_length", "--max-content-length", t["max_content_length"], c.max_content_length);
  integer("max_header_bytes", nullptr, t["max_header_bytes"], c.max_header_bytes);
  integer("timeouts.header_ms", nullptr, t["timeouts"]["header_ms"], c.header_timeout_ms);
  integer("timeouts.body_ms", nullptr, t["timeouts"]["body_ms"], c.body_timeout_ms);
  integer("timeouts.idle_ms", nullptr, t["timeouts"]["idle_ms"], c.idle_timeout_ms);
  integer("timeouts.pressure_idle_ms", nullptr, t["timeouts"]["pressure_idle_ms"], c.pressure_idle_timeout_ms);
  integer("max_connections", "--max-connections", t["max_connections"], c.max_connections);
  integer("work_threads", nullptr, t["work_threads"], c.work_threads);
  integer("max_pending_header_bytes", nullptr, t["max_pending_header_bytes"], c.max_pending_header_bytes);
  integer("max_inflight_body_bytes", nullptr, t["max_inflight_body_bytes"], c.max_inflight_body_bytes);
  integer("paging.default_limit", nullptr, t["paging"]["default_limit"], c.default_page_size);
  integer("paging.max_limit", nullptr, t["paging"]["max_limit"], c.max_page_size);
  integer("paging.max_page_bytes", "--max-page-bytes", t["paging"]["max_page_bytes"], c.max_page_bytes);
  RAMPART_RETURN_IF_ERROR(bad);
  if (auto v = t["allow_plain_http"].value<bool>(); v && !given("--allow-plain-http")) c.allow_plain_http = *v;
  if (auto v = t["demo"]["load"].value<bool>(); v && !given("--demo")) c.demo = *v;
  if (auto v = t["discovery"]["title"].value<std::string>()) c.taxii.title = *v;
  if (auto v = t["discovery"]["description"].value<std::string>()) c.taxii.description = *v;
  if (auto v = t["discovery"]["contact"].value<std::string>()) c.taxii.contact = *v;
  if (auto* roots = t["api_roots"].as_array()) {
    c.taxii.api_roots.clear();
    for (auto& node : *roots) {
      auto* r = node.as_table();
      if (!r) return Status::InvalidArgument("config: api_roots entries must be tables");
      taxii::ApiRootConfig rc;
      rc.path = (*r)["path"].value_or(std::string());
      rc.title = (*r)["title"].value_or(rc.path);
      rc.description = (*r)["description"].value_or(std::string());
      c.taxii.api_roots.push_back(std::move(rc));
    }
  }
  return Status::Ok();
}

// Range-checks every integer setting (from the file or a flag) on its 64-bit
// value, before anything narrows it, and the API-root paths. The ranges are
// documented in docs/formats/config.md.
Status ValidateServeConfig(const ServeConfig& c) {
  constexpr int64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;
  constexpr int64_t kHourMs = 3600 * 1000;
  RAMPART_RETURN_IF_ERROR(CheckRange("threads (--threads)", c.threads, 0, 256));
  RAMPART_RETURN_IF_ERROR(
      CheckRange("max_content_length (--max-content-length)", c.max_content_length, kKiB, kGiB));
  RAMPART_RETURN_IF_ERROR(CheckRange("max_header_bytes", c.max_header_bytes, kKiB, kMiB));
  RAMPART_RETURN_IF_ERROR(CheckRange("timeouts.header_ms", c.header_timeout_ms, 100, kHourMs));
  RAMPART_RETURN_IF_ERROR(CheckRange("timeouts.body_ms", c.body_timeout_ms, 100, kHourMs));
  RAMPART_RETURN_IF_ERROR(CheckRange("timeouts.idle_ms", c.idle_timeout_ms, 100, kHourMs));
  RAMPART_RETURN_IF_ERROR(CheckRange("timeouts.pressure_idle_ms", c.pressure_idle_timeout_ms, 100, kHourMs));
  RAMPART_RETURN_IF_ERROR(CheckRange("max_connections (--max-connections)", c.max_connections, 0, 1000000));
  RAMPART_RETURN_IF_ERROR(CheckRange("work_threads", c.work_threads, 1, 256));
  RAMPART_RETURN_IF_ERROR(CheckRange("max_pending_header_bytes", c.max_pending_header_bytes,
                                     c.max_header_bytes + 8 * kKiB, 64 * kGiB));
  RAMPART_RETURN_IF_ERROR(CheckRange("max_inflight_body_bytes", c.max_inflight_body_bytes,
                                     c.max_content_length, 1024 * kGiB));
  RAMPART_RETURN_IF_ERROR(CheckRange("paging.max_limit", c.max_page_size, 1, 10000));
  RAMPART_RETURN_IF_ERROR(CheckRange("paging.default_limit", c.default_page_size, 1, c.max_page_size));
  RAMPART_RETURN_IF_ERROR(
      CheckRange("paging.max_page_bytes (--max-page-bytes)", c.max_page_bytes, 64 * kKiB, kGiB));
  std::vector<std::string> roots;
  for (const auto& r : c.taxii.api_roots) roots.push_back(r.path);
  return CheckApiRootPaths(roots);
}

int RunServe(ServeConfig c, CLI::App* cmd) {
  auto given = [cmd](const char* flag) { return cmd->count(flag) > 0; };
  if (!c.config_file.empty()) {
    Status s = LoadConfig(c.config_file, c, given);
    if (!s.ok()) {
      std::cerr << "rampart serve: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  if (Status v = ValidateServeConfig(c); !v.ok()) {
    std::cerr << "rampart serve: " << v.message() << "\n";
    return kExitUsage;
  }
  if (!c.public_url.empty() && c.public_url.rfind("https://", 0) != 0) {
    // TAXII 2.1 §4.1: API-root URLs are HTTPS absolute URLs or relative ones.
    std::cerr << "rampart serve: --public-url must be an https:// URL (without it, discovery uses "
                 "relative URLs)\n";
    return kExitUsage;
  }
  http::ServerOptions so;
  Status s = ParseListen(c.listen, so.address, so.port);
  if (!s.ok()) {
    std::cerr << "rampart serve: " << s.message() << "\n";
    return kExitUsage;
  }
  if (c.log_format != "json" && c.log_format != "text") {
    std::cerr << "rampart serve: --log-format must be json or text\n";
    return kExitUsage;
  }
  so.threads = static_cast<int>(c.threads);
  so.tls_cert_file = c.tls_cert;
  so.tls_key_file = c.tls_key;
  so.allow_plain_http = c.allow_plain_http;
  so.max_body_bytes = static_cast<size_t>(c.max_content_length);
  so.max_header_bytes = static_cast<size_t>(c.max_header_bytes);
  so.header_timeout = std::chrono::milliseconds(c.header_timeout_ms);
  so.body_timeout = std::chrono::milliseconds(c.body_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
  so.pressure_idle_timeout = std::chrono::milliseconds(c.pressure_idle_timeout_ms);
  so.max_connections = c.max_connections;
  so.work_threads = static_cast<int>(c.work_threads);
  so.max_pending_header_bytes = static_cast<size_t>(c.max_pending_header_bytes);
  so.max_inflight_body_bytes = static_cast<size_t>(c.max_inflight_body_bytes);
  RaiseDescriptorLimit();

  auto store = OpenStore(c.store);
  if (!store.ok()) {
    std::cerr << "rampart serve: opening store " << PrintableStoreSpec(c.store) << ": "
              << store.status().ToString() << "\n";
    return kExitUsage;
  }
  if (auto b = auth::EnsureBootstrap(**store); !b.ok()) {
    std::cerr << "rampart serve: bootstrap: " << b.status().ToString() << "\n";
    return kExitUsage;
  }
  // Publish the Rampart extension-definition so clients can resolve it.
  if (Status s = ingest::PublishRampartDefinitions(**store, c.taxii.api_roots.front().path); !s.ok()) {
    std::cerr << "rampart serve: publishing the Rampart definitions: " << s.ToString() << "\n";
    return kExitUsage;
  }
  std::string demo_token;
  if (c.demo) {
    std::string shared = c.shared_data.empty() ? DefaultSharedDataDir() : c.shared_data;
    auto demo = LoadDemo(**store, shared, std::cerr);
    if (!demo.ok()) {
      std::cerr << "rampart serve: demo: " << demo.status().ToString() << "\n";
      return kExitUsage;
    }
    demo_token = demo->token;
  }

  auto access_log = http::OpenAccessLog(
      c.access_log, c.log_format == "text" ? http::AccessLog::Format::kText : http::AccessLog::Format::kJson);
  if (!access_log.ok()) {
    std::cerr << "rampart serve: " << access_log.status().message() << "\n";
    return kExitUsage;
  }
  auth::Authenticator authenticator(**store);
  http::Metrics metrics;
  c.taxii.max_content_length = static_cast<size_t>(c.max_content_length);
  c.taxii.public_url = c.public_url;
  c.taxii.default_page_size = static_cast<size_t>(c.default_page_size);
  c.taxii.max_page_size = static_cast<size_t>(c.max_page_size);
  c.taxii.max_page_bytes = static_cast<size_t>(c.max_page_bytes);
  c.taxii.count_objects_at_start = true;
  taxii::TaxiiService service(**store, authenticator, &metrics, c.taxii);
  http::AccessLog* log = access_log->get();
  so.admission = [&service](const http::Request& headers) { return service.Admit(headers); };
  auto server = http::StartServer(
      so, [&service](const http::Request& req, http::Response& resp) { service.Handle(req, resp); },
      &taxii::TaxiiService::RespondHttpError,
      [log, &metrics](const http::RequestRecord& r) {
        metrics.Observe(r.response->endpoint, r.response->status, r.micros);
        if (log) log->Log(r);
      });
  if (!server.ok()) {
    std::cerr << "rampart serve: " << server.status().message() << "\n";
    return kExitUsage;
  }
  http::Server* srv = server->get();
  metrics.AddGauge("rampart_http_open_connections", "Open client connections.",
                   [srv] { return static_cast<double>(srv->open_connections()); });
  metrics.AddGauge("rampart_http_max_connections", "The connection cap in force.",
                   [srv] { return static_cast<double>(srv->max_connections()); });
  metrics.AddGauge("rampart_http_accept_errors", "accept() failures (out of descriptors), each backed off.",
                   [srv] { return static_cast<double>(srv->accept_errors()); });
  std::string host = so.address.find(':') != std::string::npos ? "[" + so.address + "]" : so.address;
  std::string url = std::string(srv->tls() ? "https" : "http") + "://" + host + ":" +
                    std::to_string(srv->port()) + "/taxii2/";
  std::cout << "rampart: serving TAXII 2.1 on " << url << " (store " << PrintableStoreSpec(c.store)
            << ", " << (so.threads > 0 ? so.threads : static_cast<int>(std::thread::hardware_concurrency()))
            << " threads, at most " << srv->max_connections() << " connections)" << std::endl;
  if (!demo_token.empty()) {
    std::cout << "rampart: demo user 'demo' (read/write); use the token below as\n"
              << "  Authorization: Bearer <token>   or HTTP Basic with any user name and the token as password\n"
              << "  e.g. curl -H 'Accept: application/taxii+json;version=2.1' -H \"Authorization: Bearer $TOKEN\" "
              << url << "\n";
    std::cout << demo_token << std::endl;
  }
  int sig = http::WaitForTerminationSignal();
  std::cerr << "rampart: signal " << sig << ", shutting down (finishing in-flight requests)\n";
  srv->Shutdown();
  if (log) log->Flush();
  std::cerr << "rampart: stopped\n";
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the TAXII 2.1 server");
  auto c = std::make_shared<ServeConfig>();
  AddStoreOptions(cmd, &c->store);
  cmd->add_option("--listen", c->listen, "ADDR:PORT to listen on")->capture_default_str();
  cmd->add_option("--config", c->config_file, "TOML config file (docs/formats/config.md)");
  cmd->add_flag("--demo", c->demo, "Load the demo dataset and print a read/write token");
  cmd->add_option("--shared-data", c->shared_data, "The shared/data folder for --demo (default ../shared/data)");
  cmd->add_option("--threads", c->threads, "Worker threads (0 = one per core)");
  cmd->add_option("--max-connections", c->max_connections,
                  "Open connections at most (0 = min(10000, ulimit -n - 64))");
  cmd->add_option("--tls-cert", c->tls_cert, "PEM certificate chain (enables TLS)");
  cmd->add_option("--tls-key", c->tls_key, "PEM private key");
  cmd->add_flag("--allow-plain-http", c->allow_plain_http, "Allow plain HTTP on a non-loopback address");
  cmd->add_option("--max-content-length", c->max_content_length, "Largest accepted request body in bytes");
  cmd->add_option("--max-page-bytes", c->max_page_bytes,
                  "Bytes after which a TAXII page ends (objects/manifest/versions; at least one object)");
  cmd->add_option("--access-log", c->access_log, "stderr, stdout, off, or a file path")->capture_default_str();
  cmd->add_option("--log-format", c->log_format, "json or text")->capture_default_str();
  cmd->add_option("--public-url", c->public_url, "https:// base URL of absolute discovery links (default: relative links)");
  cmd->callback([c, cmd, &exit_code] { exit_code = RunServe(*c, cmd); });
}

}  // namespace rampart::cli
