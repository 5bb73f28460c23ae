// Hostile and broken input at the HTTP layer: huge headers, slow clients,
// oversized bodies, garbage requests, deep JSON; keep-alive; graceful
// shutdown with a request in flight. Each gets a spec-shaped error and the
// server keeps serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

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
