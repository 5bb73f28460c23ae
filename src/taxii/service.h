// TaxiiService: every TAXII 2.1 endpoint (discovery, API roots, status,
// collections, manifest, objects GET/POST, object GET/DELETE, versions) plus
// /healthz and /metrics, as one http::Handler.
//
// Order of checks per request: route (404 unknown path, including a missing
// trailing slash) -> method (405) -> authentication (401 with
// WWW-Authenticate; 429 when rate limited) -> Accept (406) -> POST
// Content-Type (415) -> API root / collection visibility (404; a root in
// which the requester sees no collection is an unknown root) -> can_read /
// can_write (403) -> filters (400) -> for objects/{id}/, versions/ and
// DELETE, the id's visibility (404 unless a version is released to the
// requester) -> for DELETE, ownership (403 unless the requester's
// organisation created the id, or an admin).
//
// No existence oracles (docs/taxii.md): every read path asks the one
// question auth::ReadScope answers (ReleaseTo for objects, Releases for
// manifest, versions/ and DELETE), so an object withheld from a reader --
// by TLP, sharing group, or a granular marking on a required property --
// answers exactly as an absent one: not listed, `more` not set by it, 404
// on its own URLs. A page that policy thins out is refilled from the store
// (at most kMaxRefills extra queries; without limit for a query naming
// ids) and `more` is confirmed by a look-ahead past the page.
//
// Thread-safety: Handle() is called concurrently from every HTTP worker.
#ifndef RAMPART_TAXII_SERVICE_H_
#define RAMPART_TAXII_SERVICE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "http/metrics.h"
#include "http/server.h"
#include "store/store.h"

namespace rampart::taxii {

struct ApiRootConfig {
  std::string path = "api";  // URL segment: /<path>/
  std::string title = "Rampart";
  std::string description;
};

struct TaxiiOptions {
  std::string title = "Rampart TAXII 2.1 server";
  std::string description = "Rampart: a federated cyber-threat-intelligence exchange";
  std::string contact;
  // Configured roots; the first is the discovery `default`. Roots named by
  // existing collections are served too (titled after their path). A root
  // exists for a requester only when it can see a collection in it.
  std::vector<ApiRootConfig> api_roots = {ApiRootConfig{}};
  // Announced in every API root; bodies above it get 413 (the HTTP layer's
  // body limit must be set to the same value).
  size_t max_content_length = 10 * 1024 * 1024;
  size_t default_page_size = 100;
  size_t max_page_size = 1000;
  // A page (objects, manifest, versions) ends once the bytes of its list
  // reach this: the object that reaches it is the page's last, `more` and
  // `next` resume right after it. At least one object per page, however
  // large. Bounds a response to about max_page_bytes plus one object.
  size_t max_page_bytes = 16 * 1024 * 1024;
  // Base URL of absolute discovery links ("https://taxii.example.org").
  // Discovery links are relative ("/api/") when it is empty or not https://
  // (TAXII 2.1 §4.1: HTTPS absolute URLs or relative ones).
  std::string public_url;
  // Status resources are kept this long (TAXII: at least 24 h).
  Micros status_retention = int64_t{24} * 3600 * 1'000'000;
  // How long a collection looked up from the store is reused.
  Micros collection_cache_ttl = 1'000'000;
  // Count the stored object versions once at start (background thread) for
  // the rampart_objects_stored gauge, then track this process's adds and
  // deletes. Off in tests.
  bool count_objects_at_start = false;
};

class TaxiiService {
 public:
  static constexpr int kMaxRefills = 8;

  // `store` and `authenticator` must outlive the service; `metrics` may be
  // null (then /metrics answers 404).
  TaxiiService(store::Store& store, auth::Authenticator& authenticator, http::Metrics* metrics,
               TaxiiOptions options);
  ~TaxiiService();

  void Handle(const http::Request& req, http::Response& resp);

  // The server's admission hook (http::ServerOptions::admission): answers
  // from the header alone, before any body byte is read, whatever Handle
  // would answer without looking at the body -- 404 route, 405 method, 401
  // / 429 authentication, 406 / 415 media types, and for a POST to
  // objects/ 404 (collection not visible) and 403 (no write access).
  // nullopt when the body is needed. `headers_only.body` is ignored.
  std::optional<http::Response> Admit(const http::Request& headers_only);

  // Builds spec-shaped bodies for errors the HTTP layer detects itself.
  static void RespondHttpError(int http_status, std::string_view message, http::Response& resp);

  // Counters for /metrics (also readable by tests).
  int64_t objects_ingested() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rampart::taxii

#endif  // RAMPART_TAXII_SERVICE_H_
