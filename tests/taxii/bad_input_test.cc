// Hostile and broken input at the HTTP layer: huge headers, slow clients,
// oversized bodies, garbage requests, deep JSON; keep-alive; graceful
// shutdown with a request in flight. Each gets a spec-shaped error and the
// server keeps serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "test_server.h"

namespace rampart::taxii_test {
namespace {

using namespace std::chrono_literals;

TestServerOptions FastTimeouts() {
  TestServerOptions o;
  o.load_attack = false;
  o.http.header_timeout = 400ms;
  o.http.body_timeout = 400ms;
  o.http.idle_timeout = 2000ms;
  o.max_content_length = 64 * 1024;
  return o;
}

std::string StatusLine(const std::string& raw) { return raw.substr(0, raw.find("\r\n")); }

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(FastTimeouts());
    ASSERT_TRUE(server_->ok()) << server_->error();
    token_ = server_->vars().at("TOKEN");
  }
  void ExpectHealthy() {
    HttpResult r = Fetch("GET", server_->base() + "/healthz", {});
    EXPECT_EQ(r.status, 200);
  }
  std::unique_ptr<TestServer> server_;
  std::string token_;
};

TEST_F(BadInputTest, HugeHeaderIs431) {
  std::string req = "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  std::string out = RawExchange(server_->port(), {req}, 0ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_NE(out.find("\"http_status\":\"431\""), std::string::npos) << out;
  ExpectHealthy();
}

TEST_F(BadInputTest, SlowHeaderIs408) {
  // The header never completes, so only the server's header timeout can end
  // the exchange with a 408 (no wall-clock bound needed to prove it).
  std::string out = RawExchange(server_->port(), {"GET /taxii2/ HTTP/1.1\r\n", "Host: x\r\n"}, 1500ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 408 Request Timeout");
  EXPECT_NE(out.find("\"http_status\":\"408\""), std::string::npos);
  ExpectHealthy();
}

TEST_F(BadInputTest, SlowBodyIs408) {
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     token_ + "\r\nContent-Length: 100\r\n\r\n{\"objects\"";
  std::string out = RawExchange(server_->port(), {head, ":[]}"}, 1500ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 408 Request Timeout");
  ExpectHealthy();
}

TEST_F(BadInputTest, OversizedBodyIs413BeforeReadingIt) {
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     token_ + "\r\nContent-Length: 100000000\r\n\r\n";
  std::string out = RawExchange(server_->port(), {head}, 0ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 413 Payload Too Large");
  EXPECT_NE(out.find("\"http_status\":\"413\""), std::string::npos);
  ExpectHealthy();
}

TEST_F(BadInputTest, OversizedChunkedBodyIs413) {
  std::string chunk(32 * 1024, 'x');
  char size[16];
  snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  std::string req = "POST /api/collections/" + std::string(kRw) +
                    "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                    "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                    token_ + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += std::string(size) + chunk + "\r\n";
  std::string out = RawExchange(server_->port(), {req}, 0ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 413 Payload Too Large");
  ExpectHealthy();
}

TEST_F(BadInputTest, BodyAtTheLimitIsNot413) {
  // A body just below max_content_length must not get 413 (TAXII §4.1).
  std::string body = "{\"objects\":[]}" + std::string(64 * 1024 - 20, ' ');
  auto h = TaxiiHeaders(token_);
  h.push_back("Content-Type: application/taxii+json;version=2.1");
  HttpResult r = Fetch("POST", server_->base() + "/api/collections/" + kRw + "/objects/", h, body);
  EXPECT_NE(r.status, 413);
  EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(BadInputTest, GarbageRequestIs400) {
  std::string out = RawExchange(server_->port(), {"BLAH BLAH\r\n\r\n"}, 0ms, 60000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 400 Bad Request");
  out = RawExchange(server_->port(), {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}, 0ms, 60000ms);
  EXPECT_TRUE(out.empty() || StatusLine(out).find(" 400 ") != std::string::npos || StatusLine(out).find(" 408 ") != std::string::npos) << out;
  ExpectHealthy();
}

TEST_F(BadInputTest, DeepJsonIs400NotACrash) {
  std::string body = std::string(50000, '[') + std::string(50000, ']');
  auto h = TaxiiHeaders(token_);
  h.push_back("Content-Type: application/taxii+json;version=2.1");
  HttpResult r = Fetch("POST", server_->base() + "/api/collections/" + kRw + "/objects/", h, body);
  EXPECT_TRUE(r.status == 400 || r.status == 413) << r.status << " " << r.body;
  ExpectHealthy();
}

TEST_F(BadInputTest, AbsurdTargetAndManyParams) {
  std::string q;
  for (int i = 0; i < 500; ++i) q += "match[type]=indicator&";
  HttpResult r = Fetch("GET", server_->base() + "/api/collections/" + kRw + "/objects/?" + q, TaxiiHeaders(token_));
  EXPECT_EQ(r.status, 400);
  r = Fetch("GET", server_->base() + "/api/collections/" + std::string(5000, 'a') + "/", TaxiiHeaders(token_));
  EXPECT_EQ(r.status, 404);
  r = Fetch("GET", server_->base() + "/api/collections/%00%ff/objects/", TaxiiHeaders(token_));
  EXPECT_EQ(r.status, 404);
  ExpectHealthy();
}

TEST_F(BadInputTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string out = RawExchange(server_->port(), {one, one, one + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
                                50ms, 60000ms);
  size_t n = 0;
  for (size_t p = out.find("HTTP/1.1 200"); p != std::string::npos; p = out.find("HTTP/1.1 200", p + 1)) ++n;
  EXPECT_EQ(n, 4u) << out;
}

// A raw client connection whose steps the test sequences itself.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until `until` appears in what was read (or, with "", until the
  // server closes); the deadline only catches a hang.
  std::string ReadUntil(const std::string& until, std::chrono::milliseconds deadline = 60000ms) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + deadline;
    char buf[4096];
    while (until.empty() || out.find(until) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// Shutdown() with a request in flight: the header is in (the server said
// "100 Continue"), Shutdown() has begun (new connections are refused), and
// only then is the body sent; the request still completes. Each step waits
// for the previous one's observable effect, not for a sleep, so it runs the
// same on a loaded machine (the timeouts here are deadlines against hangs).
TEST(GracefulShutdownTest, FinishesInFlightRequest) {
  TestServerOptions o;
  o.load_attack = false;
  o.http.body_timeout = 120s;
  o.http.shutdown_grace = 120s;
  TestServer server(o);
  ASSERT_TRUE(server.ok()) << server.error();
  std::string body = "{\"objects\":[]}";
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     server.vars().at("TOKEN") + "\r\nExpect: 100-continue\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n";
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(head));
  std::string cont = client.ReadUntil("\r\n\r\n");
  ASSERT_EQ(StatusLine(cont), "HTTP/1.1 100 Continue") << cont;  // the header is in, the body is not

  std::thread shutdown([&] { server.Shutdown(); });
  auto end = std::chrono::steady_clock::now() + 60s;
  HttpResult probe;
  do {
    probe = Fetch("GET", server.base() + "/healthz", {});
  } while (probe.status == 200 && std::chrono::steady_clock::now() < end);
  EXPECT_NE(probe.status, 200) << "Shutdown() never stopped accepting";

  ASSERT_TRUE(client.Send(body));
  std::string out = client.ReadUntil("");
  shutdown.join();
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 202 Accepted") << out;
  // And nothing is accepted afterwards.
  HttpResult r = Fetch("GET", server.base() + "/healthz", {});
  EXPECT_NE(r.status, 200);
}

// ---- Request smuggling (RFC 9112 §6) ----

// Counts the status lines ("HTTP/1.1 NNN") in a raw exchange.
size_t CountResponses(const std::string& out) {
  size_t n = 0;
  for (size_t p = out.find("HTTP/1.1 "); p != std::string::npos; p = out.find("HTTP/1.1 ", p + 1)) ++n;
  return n;
}

// A server whose idle timeout is long, so a connection that ends within the
// test's deadline was closed by the server's answer, not by idleness.
TestServerOptions LongIdle() {
  TestServerOptions o;
  o.load_attack = false;
  o.http.idle_timeout = 120s;
  o.http.header_timeout = 120s;
  o.http.body_timeout = 120s;
  return o;
}

// Sends `req` on a fresh connection and reads until the server closes; the
// deadline (far below the server's timeouts) only catches a connection the
// server kept open. `closed` tells which happened.
std::string ExchangeUntilClose(uint16_t port, const std::string& req, bool& closed) {
  RawClient c(port);
  if (!c.connected() || !c.Send(req)) return {};
  auto start = std::chrono::steady_clock::now();
  std::string out = c.ReadUntil("", 20000ms);
  closed = std::chrono::steady_clock::now() - start < 19000ms;
  return out;
}

TEST(RequestSmugglingTest, AmbiguousFramingIs400AndCloses) {
  TestServer server(LongIdle());
  ASSERT_TRUE(server.ok()) << server.error();
  // Each header block is followed by bytes that would be a second request
  // if the server read the first one's body differently (as no body).
  const std::string second = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    const char* name;
    std::string head;
  } cases[] = {
      {"chunked, identity", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"},
      {"identity, chunked", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n"},
      {"xchunked", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"},
      {"identity", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"},
      {"two TE fields", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"TE chunked + CL", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                          "Content-Length: 5\r\n\r\n0\r\n\r\n"},
      {"CL + TE chunked", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"TE identity + CL", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
                           "Content-Length: 0\r\n\r\n"},
      {"two Host fields", "GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"},
      {"no Host", "GET /healthz HTTP/1.1\r\n\r\n"},
      {"lower-case method", "get /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
  for (const auto& c : cases) {
    bool closed = false;
    std::string out = ExchangeUntilClose(server.port(), c.head + second, closed);
    EXPECT_EQ(StatusLine(out), "HTTP/1.1 400 Bad Request") << c.name << "\n" << out;
    EXPECT_EQ(CountResponses(out), 1u) << c.name << ": the trailing request was served\n" << out;
    EXPECT_TRUE(closed) << c.name << ": the connection stayed open";
  }
  HttpResult r = Fetch("GET", server.base() + "/healthz", {});
  EXPECT_EQ(r.status, 200);
}

TEST(RequestSmugglingTest, HealthAndMetricsAreGetOnly) {
  TestServer server(LongIdle());
  ASSERT_TRUE(server.ok()) << server.error();
  for (const char* path : {"/healthz", "/metrics"}) {
    HttpResult r = Fetch("POST", server.base() + path, {"Content-Type: text/plain"}, "x");
    EXPECT_EQ(r.status, 405) << path;
    EXPECT_EQ(r.Header("allow"), "GET") << path;
    r = Fetch("DELETE", server.base() + path, {});
    EXPECT_EQ(r.status, 405) << path;
    r = Fetch("GET", server.base() + path, {});
    EXPECT_EQ(r.status, 200) << path;
  }
}

// The reproduction from issue 11: a token-bearing POST hidden in the body of
// `POST /healthz` with `Transfer-Encoding: chunked, identity`. Read as "no
// body", the hidden request would run on the same connection as the
// caller's own, with the victim's token.
TEST(RequestSmugglingTest, HiddenRequestInHealthzBodyIsNotExecuted) {
  TestServer server(LongIdle());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string token = server.vars().at("TOKEN");
  const std::string id = "indicator--00000000-0000-4000-8000-0000000000bb";
  std::string bundle = R"({"objects":[{"type":"indicator","spec_version":"2.1","id":")" + id +
                       R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
                       R"("pattern":"[domain-name:value = 'evil.example']","pattern_type":"stix",)"
                       R"("valid_from":"2020-01-01T00:00:00Z"}]})";
  std::string hidden = "POST /api/collections/" + std::string(kRw) +
                       "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                       "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                       token + "\r\nContent-Length: " + std::to_string(bundle.size()) + "\r\n\r\n" + bundle;
  std::string req = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n" + hidden;
  bool closed = false;
  std::string out = ExchangeUntilClose(server.port(), req, closed);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 400 Bad Request") << out;
  EXPECT_EQ(out.find(" 202 "), std::string::npos) << out;
  EXPECT_EQ(CountResponses(out), 1u) << out;
  EXPECT_TRUE(closed);

  // The object was not stored. The same request sent honestly is (so the
  // check above is not vacuous).
  const std::string url = server.base() + "/api/collections/" + kRw + "/objects/";
  HttpResult r = Fetch("GET", url, TaxiiHeaders(token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find(id), std::string::npos) << r.body;
  auto h = TaxiiHeaders(token);
  h.push_back("Content-Type: application/taxii+json;version=2.1");
  ASSERT_EQ(Fetch("POST", url, h, bundle).status, 202);
  r = Fetch("GET", url, TaxiiHeaders(token));
  EXPECT_NE(r.body.find(id), std::string::npos) << r.body;
}

// ---- Admission: answered from the header, before the body (issue 11) ----

TestServerOptions BigBodies() {
  TestServerOptions o = LongIdle();
  o.max_content_length = 16 * 1024 * 1024;
  return o;
}

std::string PostHead(const std::string& collection, const std::string& auth, size_t length,
                     bool expect_continue) {
  return "POST /api/collections/" + collection +
         "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
         "Content-Type: application/taxii+json;version=2.1\r\n" +
         (auth.empty() ? std::string() : "Authorization: " + auth + "\r\n") +
         (expect_continue ? "Expect: 100-continue\r\n" : "") +
         "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

// A client declaring a 10 MB body without a valid token, a write to a
// collection it may only read, one it cannot see, and a body sent to
// /healthz: each is answered from the header alone -- the client sends no
// body byte and reads the answer (the server's body timeout is 120 s, so
// without the admission hook the server would still be waiting for the
// body) -- with no "100 Continue", and the connection is closed.
TEST(AdmissionTest, RejectedUploadIsAnsweredBeforeTheBody) {
  TestServer server(BigBodies());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string token = "Bearer " + server.vars().at("TOKEN");
  const size_t ten_mb = 10 * 1024 * 1024;
  struct Case {
    const char* name;
    std::string head;
    const char* status_line;
  } cases[] = {
      {"no token", PostHead(kRw, "", ten_mb, false), "HTTP/1.1 401 Unauthorized"},
      {"no token, Expect", PostHead(kRw, "", ten_mb, true), "HTTP/1.1 401 Unauthorized"},
      {"bad token", PostHead(kRw, "Bearer rmp_" + std::string(64, '0'), ten_mb, true),
       "HTTP/1.1 401 Unauthorized"},
      {"read-only collection", PostHead(kRo, token, ten_mb, true), "HTTP/1.1 403 Forbidden"},
      {"invisible collection", PostHead(kHidden, token, ten_mb, true), "HTTP/1.1 404 Not Found"},
      {"POST /healthz", "POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                            std::to_string(ten_mb) + "\r\n\r\n",
       "HTTP/1.1 405 Method Not Allowed"},
      {"chunked, no token", "POST /api/collections/" + std::string(kRw) +
                                "/objects/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
       "HTTP/1.1 401 Unauthorized"},
  };
  for (const auto& c : cases) {
    RawClient client(server.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(c.head));
    std::string head = client.ReadUntil("\r\n\r\n", 20000ms);
    EXPECT_EQ(StatusLine(head), c.status_line) << c.name << "\n" << head;
    auto start = std::chrono::steady_clock::now();
    std::string rest = client.ReadUntil("", 20000ms);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 19000ms) << c.name << ": connection left open";
    EXPECT_EQ((head + rest).find("100 Continue"), std::string::npos) << c.name;
  }
  HttpResult r = Fetch("GET", server.base() + "/healthz", {});
  EXPECT_EQ(r.status, 200);
}

// An admitted upload still gets "100 Continue" and is read and stored.
TEST(AdmissionTest, AdmittedUploadIsRead) {
  TestServer server(BigBodies());
  ASSERT_TRUE(server.ok()) << server.error();
  std::string body = "{\"objects\":[]}";
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(PostHead(kRw, "Bearer " + server.vars().at("TOKEN"), body.size(), true)));
  std::string cont = client.ReadUntil("\r\n\r\n", 20000ms);
  ASSERT_EQ(StatusLine(cont), "HTTP/1.1 100 Continue") << cont;
  ASSERT_TRUE(client.Send(body));
  std::string out = client.ReadUntil("\"status\"", 20000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 202 Accepted") << out;
}

// Connections still reading a header share max_pending_header_bytes: with
// room for two, a third connection gets 503 while two clients dribble
// their headers, and is served once one of them finishes.
TEST(AdmissionTest, PendingHeaderMemoryIsBounded) {
  TestServerOptions o = LongIdle();
  o.http.max_pending_header_bytes = 2 * (o.http.max_header_bytes + http::kHeaderReadSlack);
  TestServer server(o);
  ASSERT_TRUE(server.ok()) << server.error();
  RawClient a(server.port()), b(server.port());
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(a.Send("GET /healthz HTTP/1.1\r\n"));
  ASSERT_TRUE(b.Send("GET /healthz HTTP/1.1\r\n"));
  // The two partial headers reach the header phase at some point; until
  // then a third client may still be served.
  auto end = std::chrono::steady_clock::now() + 20s;
  HttpResult r;
  do {
    r = Fetch("GET", server.base() + "/healthz", {});
  } while (r.status == 200 && std::chrono::steady_clock::now() < end);
  EXPECT_EQ(r.status, 503) << r.body;
  ASSERT_TRUE(a.Send("Host: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(StatusLine(a.ReadUntil("")), "HTTP/1.1 200 OK");
  r = Fetch("GET", server.base() + "/healthz", {});
  EXPECT_EQ(r.status, 200) << r.body;
}

// ---- Connections, descriptors, work off the I/O threads (issue 11) ----

// Waits until `pred` holds (a deadline against hangs only).
template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds deadline = 20000ms) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The table is full of clients busy sending their header: a new client is
// not served (it waits in the listen backlog) until one of them finishes,
// and then it is.
TEST(ConnectionCapTest, NewClientIsServedOnceASlotFrees) {
  TestServerOptions o = LongIdle();
  o.http.max_connections = 4;
  TestServer server(o);
  ASSERT_TRUE(server.ok()) << server.error();
  EXPECT_EQ(server.server().max_connections(), 4);
  std::vector<std::unique_ptr<RawClient>> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(busy.back()->connected());
    ASSERT_TRUE(busy.back()->Send("GET /healthz HTTP/1.1\r\n"));
  }
  ASSERT_TRUE(WaitFor([&] { return server.server().open_connections() == 4; }));
  RawClient late(server.port());  // completes in the kernel's backlog
  ASSERT_TRUE(late.connected());
  ASSERT_TRUE(late.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(late.ReadUntil("\r\n\r\n", 500ms), "") << "served beyond max_connections";
  EXPECT_EQ(server.server().open_connections(), 4);
  ASSERT_TRUE(busy[0]->Send("Host: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(StatusLine(busy[0]->ReadUntil("")), "HTTP/1.1 200 OK");
  EXPECT_EQ(StatusLine(late.ReadUntil("", 20000ms)), "HTTP/1.1 200 OK");
}

// At the cap, idle connections (here: connected, nothing sent) are closed to
// make room once idle for a second: a new client is served then, not after
// the idle timeout (120 s here, under pressure too).
TEST(ConnectionCapTest, IdleConnectionsMakeRoom) {
  TestServerOptions o = LongIdle();
  o.http.pressure_idle_timeout = 120s;
  o.http.max_connections = 4;
  TestServer server(o);
  ASSERT_TRUE(server.ok()) << server.error();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  ASSERT_TRUE(WaitFor([&] { return server.server().open_connections() == 4; }));
  auto start = std::chrono::steady_clock::now();
  HttpResult r = Fetch("GET", server.base() + "/healthz", {});
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 60s) << "served only after the idle timeout";
  // Some idle client was closed by the server (read returns at once).
  size_t closed = 0;
  for (auto& c : idle) closed += c->ReadUntil("", 100ms).empty() ? 1 : 0;
  EXPECT_GE(closed, 1u);
}

// The reproduction of issue 11: the descriptor table is full (the test
// process's own clients and the server's sockets share it), so accept()
// fails with EMFILE while clients wait. The acceptor backs off instead of
// spinning (little CPU, few attempts), and once descriptors are free again
// a new client is served.
TEST(ConnectionCapTest, OutOfDescriptorsBacksOffAndRecovers) {
  TestServer server(LongIdle());
  ASSERT_TRUE(server.ok()) << server.error();
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  size_t in_use = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd"); it != std::filesystem::directory_iterator(); ++it) {
    ++in_use;
  }
  rlimit low = saved;
  low.rlim_cur = in_use + 40;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  // Clients busy sending a header (so none is idle and none can be closed to
  // make room) until no descriptor is left for another.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 200; ++i) {
    auto c = std::make_unique<RawClient>(server.port());
    if (!c->connected()) break;
    c->Send("GET /healthz HTTP/1.1\r\n");
    clients.push_back(std::move(c));
  }
  ASSERT_TRUE(WaitFor([&] { return server.server().accept_errors() > 0; }))
      << "accept() never failed: the descriptor table was not full";
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const int64_t errors_before = server.server().accept_errors();
  std::this_thread::sleep_for(1000ms);
  getrusage(RUSAGE_SELF, &after);
  const int64_t errors = server.server().accept_errors() - errors_before;
  auto cpu_us = [](const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000LL + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
  };
  EXPECT_LT(cpu_us(after) - cpu_us(before), 300000) << "the acceptor spins on EMFILE";
  EXPECT_LT(errors, 20) << "accept() retried without backing off";
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  clients.clear();
  HttpResult r;
  ASSERT_TRUE(WaitFor([&] {
    r = Fetch("GET", server.base() + "/healthz", {});
    return r.status == 200;
  })) << r.status << " " << r.error << " " << r.body << " open=" << server.server().open_connections() << " accept_errors=" << server.server().accept_errors();
}

// A StartServer with a handler that blocks every POST until released.
struct BlockingServer {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int in_handler = 0;
  std::unique_ptr<http::Server> server;

  explicit BlockingServer(http::ServerOptions o) {
    auto s = http::StartServer(o, [this](const http::Request& q, http::Response& r) {
      if (q.method == "POST") {
        std::unique_lock lock(mu);
        ++in_handler;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
      }
      r.status = 200;
      r.body = q.method + " " + std::to_string(q.body.size()) + "\n";
    });
    if (s.ok()) server = std::move(*s);
  }
  ~BlockingServer() { Release(); }
  void Release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

// With a single I/O thread, requests other than GET run on the work
// threads: while two POSTs are held in their handler, GETs are answered.
TEST(WorkThreadsTest, GetsAreServedWhileWritesRun) {
  http::ServerOptions o;
  o.threads = 1;
  o.work_threads = 2;
  BlockingServer bs(o);
  ASSERT_TRUE(bs.server);
  HttpResult p1, p2;
  std::thread t1([&] { p1 = Fetch("POST", bs.base() + "/w", {}, "one"); });
  std::thread t2([&] { p2 = Fetch("POST", bs.base() + "/w", {}, "two"); });
  {
    std::unique_lock lock(bs.mu);
    ASSERT_TRUE(bs.cv.wait_for(lock, 20s, [&] { return bs.in_handler == 2; }));
  }
  for (int i = 0; i < 5; ++i) {
    HttpResult g = Fetch("GET", bs.base() + "/healthz", {});
    EXPECT_EQ(g.status, 200) << g.error;
    EXPECT_EQ(g.body, "GET 0\n");
  }
  bs.Release();
  t1.join();
  t2.join();
  EXPECT_EQ(p1.status, 200);
  EXPECT_EQ(p1.body, "POST 3\n");
  EXPECT_EQ(p2.body, "POST 3\n");
}

// Bodies held at once are bounded in total: with room for one, a second
// upload gets 503 + Retry-After before its body is read; after the first
// is answered, uploads are accepted again.
TEST(WorkThreadsTest, InflightBodyBytesAreBounded) {
  http::ServerOptions o;
  o.max_inflight_body_bytes = 1500;
  o.max_body_bytes = 1500;
  BlockingServer bs(o);
  ASSERT_TRUE(bs.server);
  const std::string body(1000, 'x');
  HttpResult first;
  std::thread t([&] { first = Fetch("POST", bs.base() + "/w", {}, body); });
  {
    std::unique_lock lock(bs.mu);
    ASSERT_TRUE(bs.cv.wait_for(lock, 20s, [&] { return bs.in_handler == 1; }));
  }
  RawClient second(bs.server->port());
  ASSERT_TRUE(second.connected());
  ASSERT_TRUE(second.Send("POST /w HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n"));
  std::string out = second.ReadUntil("");
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 503 Service Unavailable") << out;
  EXPECT_NE(out.find("Retry-After: 5"), std::string::npos) << out;
  EXPECT_EQ(out.find("100 Continue"), std::string::npos) << out;
  bs.Release();
  t.join();
  EXPECT_EQ(first.status, 200);
  HttpResult again = Fetch("POST", bs.base() + "/w", {}, body);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, "POST 1000\n");
}

// A client that sends its whole (rejected) body without waiting for "100
// Continue" still reads the 401: the server stops sending and drains
// before it closes, instead of resetting the connection.
TEST(AdmissionTest, ClientSendingTheBodyAnywayReadsTheAnswer) {
  TestServer server(BigBodies());
  ASSERT_TRUE(server.ok()) << server.error();
  const size_t size = 512 * 1024;
  for (int i = 0; i < 5; ++i) {
    RawClient client(server.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(PostHead(kRw, "", size, false)));
    client.Send(std::string(size, 'x'));  // may fail part way: the server has answered
    std::string out = client.ReadUntil("\r\n\r\n", 20000ms);
    EXPECT_EQ(StatusLine(out), "HTTP/1.1 401 Unauthorized") << i;
  }
}

TEST(PlainHttpPolicyTest, RefusesPlainHttpOnPublicAddress) {
  http::ServerOptions o;
  o.address = "0.0.0.0";
  auto s = http::StartServer(o, [](const http::Request&, http::Response&) {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http::IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(http::IsLoopbackAddress("::1"));
  EXPECT_FALSE(http::IsLoopbackAddress("10.1.2.3"));
}

}  // namespace
}  // namespace rampart::taxii_test
