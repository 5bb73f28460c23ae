// An in-process Rampart TAXII server for integration tests: a memory store
// seeded with users, tokens, grants and collections (optionally the ATT&CK
// bundles), served by the real http::Server + taxii::TaxiiService on
// 127.0.0.1:<port 0>. Plus a small libcurl client and a raw-socket helper.
#ifndef RAMPART_TESTS_TAXII_TEST_SERVER_H_
#define RAMPART_TESTS_TAXII_TEST_SERVER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/authenticator.h"
#include "http/metrics.h"
#include "http/server.h"
#include "store/store.h"
#include "taxii/service.h"

namespace rampart::taxii_test {

// Fixed collection ids used by the transcripts.
inline constexpr char kIcs[] = "11111111-1111-4111-8111-111111111111";     // ATT&CK ICS, read/write
inline constexpr char kRw[] = "22222222-2222-4222-8222-222222222222";      // empty, read/write
inline constexpr char kRo[] = "33333333-3333-4333-8333-333333333333";      // read-only grant
inline constexpr char kWo[] = "44444444-4444-4444-8444-444444444444";      // write-only grant
inline constexpr char kHidden[] = "55555555-5555-4555-8555-555555555555";  // no grant
inline constexpr char kMobile[] = "66666666-6666-4666-8666-666666666666";  // ATT&CK Mobile, read/write
// Read/write for the local organisation and for the partner organisation
// (PARTNER_TOKEN): where two organisations meet.
inline constexpr char kShared[] = "77777777-7777-4777-8777-777777777777";
// Under API root "feeds", granted to the partner organisation only.
inline constexpr char kFeeds[] = "88888888-8888-4888-8888-888888888888";

struct TestServerOptions {
  bool load_attack = true;   // ICS into kIcs, Mobile into kMobile
  std::string tls_cert, tls_key;
  http::ServerOptions http;  // address/port/threads overridden sensibly
  size_t max_content_length = 1 << 20;
  std::string public_url;  // taxii::TaxiiOptions::public_url
  size_t max_page_bytes = 16 * 1024 * 1024;  // taxii::TaxiiOptions::max_page_bytes
  // Runs after seeding, before the server starts (e.g. extra grants).
  std::function<void(store::Store&, const std::map<std::string, std::string>& vars)> extra_setup;
};

class TestServer {
 public:
  // Starts the server; check ok() / error().
  explicit TestServer(TestServerOptions o = {});
  ~TestServer();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint16_t port() const { return server_->port(); }
  std::string base() const;  // "http://127.0.0.1:<port>"
  store::Store& store() { return *store_; }
  // Variables for transcripts: TOKEN (contributor rw), ADMIN_TOKEN,
  // OTHER_TOKEN (a second contributor, other organisation, no grants),
  // PARTNER_TOKEN (a contributor of a third organisation, read/write on
  // SHARED and FEEDS only), ICS, RW, SHARED, FEEDS, ...; X_USER and X_ORG
  // for each token X.
  const std::map<std::string, std::string>& vars() const { return vars_; }
  http::Server& server() { return *server_; }
  void Shutdown() { server_->Shutdown(); }

 private:
  std::string error_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::Authenticator> authn_;
  std::unique_ptr<http::Metrics> metrics_;
  std::unique_ptr<taxii::TaxiiService> service_;
  std::unique_ptr<http::Server> server_;
  std::map<std::string, std::string> vars_;
};

struct HttpResult {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string error;  // curl error, if any
  std::string Header(const std::string& lower_name) const;
  int HeaderCount(const std::string& lower_name) const;
};

// One request with libcurl. `headers` are "Name: value" lines.
HttpResult Fetch(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
                 const std::string& body = {}, const std::string& ca_file = {});

// The usual TAXII request headers with a bearer token.
std::vector<std::string> TaxiiHeaders(const std::string& token);

// Sends raw bytes on a fresh TCP connection, optionally pausing between
// chunks, and returns everything read until the server closes or `timeout`.
std::string RawExchange(uint16_t port, const std::vector<std::string>& chunks,
                        std::chrono::milliseconds pause, std::chrono::milliseconds timeout);

}  // namespace rampart::taxii_test

#endif  // RAMPART_TESTS_TAXII_TEST_SERVER_H_
