// A small HTTP/1.1 server: the only Rampart interface to Boost.Beast/Asio.
//
// Callers (taxii/, the CLI) see plain Request/Response structs and a Handler
// std::function; Beast and Asio stay inside src/http/server.cc. The server
// runs `threads` event loops (one io_context per thread, connections spread
// round-robin), keeps connections alive, serves plain HTTP or TLS 1.2+/1.3,
// enforces a header-size limit, a body limit (413 before the body is read
// when Content-Length exceeds it), header and body read timeouts (slow
// clients are cut off with 408), and shuts down gracefully: Shutdown() stops
// accepting, lets in-flight requests finish and closes idle connections.
//
// Thread-safety: the Handler is called concurrently from every worker thread
// and must be thread-safe. Server methods may be called from any thread.
#ifndef RAMPART_HTTP_SERVER_H_
#define RAMPART_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace rampart::http {

// One parsed request. Header names compare case-insensitively via Header().
struct Request {
  std::string method;       // "GET", "POST", ...
  std::string target;       // raw request-target, e.g. "/api/collections/?limit=5"
  std::string path;         // percent-decoded path, no query
  std::string raw_query;    // the text after '?', undecoded
  // Query parameters, percent-decoded ('+' is NOT a space), in order.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP, without port
  bool tls = false;

  // The first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For metrics and the access log only (not sent): a low-cardinality name
  // of the endpoint ("objects", "manifest", ...) and the principal.
  std::string endpoint = "other";
  std::string user;
  // For the access log only: why a 5xx happened (the internal Status text,
  // which the client never sees), with the body's error_id to match them.
  std::string log_detail;

  void SetHeader(std::string name, std::string value);
};

using Handler = std::function<void(const Request&, Response&)>;

// Builds the body of an error the server itself produces (400 unparseable
// request, 408 timeout, 413 too large, 431 headers too large, 503 shutting
// down) so it can be shaped like the application's other errors.
using ErrorResponder = std::function<void(int http_status, std::string_view message, Response&)>;

// Called once per completed request (access log, metrics). `micros` is the
// time from the end of the header read to the response being queued.
struct RequestRecord {
  const Request* request;  // body may be empty when the request was rejected early
  const Response* response;
  int64_t micros;
  size_t bytes_out;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

// The header-phase hook: called once a request's header is in and it
// declares a body (Content-Length > 0 or chunked), before "100 Continue" is
// sent and before any body byte is read. `headers_only` is the Request with
// an empty body. A Response is sent as the answer at once, without reading
// the body, and the connection is then closed; nullopt lets the server read
// the body and call the Handler. Called concurrently from every worker.
using Admission = std::function<std::optional<Response>(const Request& headers_only)>;

struct ServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;                    // 0 = pick a free port
  int threads = 0;                      // 0 = hardware concurrency
  // TLS: both set = TLS (1.2 minimum); both empty = plain HTTP.
  std::string tls_cert_file;  // PEM certificate chain
  std::string tls_key_file;   // PEM private key
  // Plain HTTP is refused on non-loopback addresses unless this is set.
  bool allow_plain_http = false;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10000};  // first byte to end of headers
  std::chrono::milliseconds body_timeout{30000};    // end of headers to end of body
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive idle
  std::chrono::milliseconds shutdown_grace{10000};  // max wait for in-flight work
  std::string server_header = "rampart";
  // Optional; see Admission.
  Admission admission;
  // Open connections at most. At the cap the server stops accepting (new
  // clients wait in the kernel's listen backlog) and closes its idle
  // keep-alive connections to make room; it accepts again as soon as one
  // closes. 0 = automatic: min(10000, RLIMIT_NOFILE - 64). StartServer
  // refuses a value above RLIMIT_NOFILE - 32 (descriptors for the store,
  // logs and the listener).
  int64_t max_connections = 0;
  // The keep-alive idle timeout once 3/4 of max_connections are open.
  std::chrono::milliseconds pressure_idle_timeout{5000};
  // Threads that run the Handler for requests other than GET and HEAD
  // (writes, deletes), so that a long write never holds an I/O thread:
  // health checks and reads stay fast while large POSTs run. 0 = 2.
  int work_threads = 0;
  // Body bytes that admitted requests may hold in total, from "100
  // Continue" until their handler returns: each reserves its Content-Length
  // (max_body_bytes when chunked). Over it: 503 with Retry-After, body unread.
  size_t max_inflight_body_bytes = 512 * 1024 * 1024;
  // Memory the server lets connections hold before their request is
  // admitted, in total: each connection reading a header reserves
  // max_header_bytes + kHeaderReadSlack from it until its header is parsed.
  // A connection that finds it exhausted gets 503 and is closed.
  size_t max_pending_header_bytes = 64 * 1024 * 1024;
};

// Bytes beyond max_header_bytes a connection's read buffer may hold while
// reading a header (one read past the header's end).
inline constexpr size_t kHeaderReadSlack = 8 * 1024;

class Server {
 public:
  virtual ~Server() = default;
  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  virtual bool tls() const = 0;
  // Connections currently open.
  virtual int64_t open_connections() const = 0;
  // The connection cap in force (ServerOptions::max_connections resolved).
  virtual int64_t max_connections() const = 0;
  // accept() failures so far (EMFILE and the like); each is followed by a
  // back-off of 10 ms doubling to 1 s, never an immediate retry.
  virtual int64_t accept_errors() const = 0;
  // Stops accepting, finishes in-flight requests, closes idle connections,
  // waits for the worker threads (bounded by shutdown_grace). Idempotent.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed (from another thread or a signal).
  virtual void Wait() = 0;
};

// Binds, listens and starts the worker threads. InvalidArgument for a bad
// address or plain HTTP on a public address; IoError when the port cannot be
// bound or the cert/key cannot be loaded. `observer` and `error_responder`
// may be empty.
Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options, Handler handler,
                                            ErrorResponder error_responder = {},
                                            RequestObserver observer = {});

// Blocks the calling thread until SIGINT or SIGTERM arrives (installs the
// handlers for the duration of the call). Returns the signal number.
int WaitForTerminationSignal();

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(std::string_view address);

}  // namespace rampart::http

#endif  // RAMPART_HTTP_SERVER_H_
