// Hostile and broken input at the HTTP layer: huge headers, slow clients,
// oversized bodies, garbage requests, deep JSON; keep-alive; graceful
// shutdown with a request in flight. Each gets a spec-shaped error and the
// server keeps serving.
#include <gtest/gtest.h>

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
  std::string out = RawExchange(server_->port(), {req}, 0ms, 3000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_NE(out.find("\"http_status\":\"431\""), std::string::npos) << out;
  ExpectHealthy();
}

TEST_F(BadInputTest, SlowHeaderIs408) {
  auto start = std::chrono::steady_clock::now();
  std::string out = RawExchange(server_->port(), {"GET /taxii2/ HTTP/1.1\r\n", "Host: x\r\n"}, 1500ms, 5000ms);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 408 Request Timeout");
  EXPECT_NE(out.find("\"http_status\":\"408\""), std::string::npos);
  EXPECT_LT(took, 4000ms);
  ExpectHealthy();
}

TEST_F(BadInputTest, SlowBodyIs408) {
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     token_ + "\r\nContent-Length: 100\r\n\r\n{\"objects\"";
  std::string out = RawExchange(server_->port(), {head, ":[]}"}, 1500ms, 5000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 408 Request Timeout");
  ExpectHealthy();
}

TEST_F(BadInputTest, OversizedBodyIs413BeforeReadingIt) {
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     token_ + "\r\nContent-Length: 100000000\r\n\r\n";
  std::string out = RawExchange(server_->port(), {head}, 0ms, 3000ms);
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
  std::string out = RawExchange(server_->port(), {req}, 0ms, 3000ms);
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
  std::string out = RawExchange(server_->port(), {"BLAH BLAH\r\n\r\n"}, 0ms, 3000ms);
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 400 Bad Request");
  out = RawExchange(server_->port(), {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)}, 0ms, 1500ms);
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
                                50ms, 3000ms);
  size_t n = 0;
  for (size_t p = out.find("HTTP/1.1 200"); p != std::string::npos; p = out.find("HTTP/1.1 200", p + 1)) ++n;
  EXPECT_EQ(n, 4u) << out;
}

TEST_F(BadInputTest, GracefulShutdownFinishesInFlightRequest) {
  std::string body = "{\"objects\":[]}";
  std::string head = "POST /api/collections/" + std::string(kRw) +
                     "/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n"
                     "Content-Type: application/taxii+json;version=2.1\r\nAuthorization: Bearer " +
                     token_ + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  std::string out;
  std::thread client([&] { out = RawExchange(server_->port(), {head, body}, 250ms, 5000ms); });
  std::this_thread::sleep_for(100ms);  // the header is in, the body is not
  server_->Shutdown();
  client.join();
  EXPECT_EQ(StatusLine(out), "HTTP/1.1 202 Accepted") << out;
  // And nothing is accepted afterwards.
  HttpResult r = Fetch("GET", server_->base() + "/healthz", {});
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
