#include "taxii_client/taxii_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace rampart::taxii_client {
namespace {

// A tiny loopback HTTP/1.1 server (port 0): answers each request with the
// next canned response and records the request head and body.
class FakeServer {
 public:
  explicit FakeServer(std::vector<std::string> responses) : responses_(std::move(responses)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 8);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<std::string> requests() {
    std::lock_guard l(mu_);
    return requests_;
  }

 private:
  void Loop() {
    for (size_t i = 0; i < responses_.size(); ++i) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t want = std::string::npos;
      while (true) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        size_t he = req.find("\r\n\r\n");
        if (he != std::string::npos && want == std::string::npos) {
          size_t cl = req.find("Content-Length: ");
          want = he + 4 + (cl != std::string::npos && cl < he ? std::stoul(req.substr(cl + 16)) : 0);
        }
        if (want != std::string::npos && req.size() >= want) break;
      }
      {
        std::lock_guard l(mu_);
        requests_.push_back(req);
      }
      std::string resp = responses_[i];
      write(c, resp.data(), resp.size());
      close(c);
    }
  }
  int fd_;
  int port_;
  std::thread thread_;
  std::vector<std::string> responses_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

std::string Http(int code, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/taxii+json;version=2.1\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(TaxiiClientTest, ObjectsUrl) {
  EXPECT_EQ(ObjectsUrl("https://h/api1/collections/abc"), "https://h/api1/collections/abc/objects/");
  EXPECT_EQ(ObjectsUrl("https://h/api1/collections/abc/"), "https://h/api1/collections/abc/objects/");
  EXPECT_EQ(ObjectsUrl("https://h/api1/collections/abc/objects/?x=1"), "https://h/api1/collections/abc/objects/");
}

TEST(TaxiiClientTest, FollowsNextThenAddedAfter) {
  FakeServer s({Http(200, R"({"more":true,"next":"cur2","objects":[{"type":"indicator","id":"a"}]})"),
                Http(200, R"({"more":true,"objects":[{"type":"indicator","id":"b"}]})",
                     "X-TAXII-Date-Added-Last: 2024-01-01T00:00:00.000000Z\r\n"),
                Http(200, R"({"more":false,"objects":[{"type":"indicator","id":"c"}]})")});
  ClientOptions o;
  o.token = "secret-token";
  o.match_type = "indicator";
  std::vector<std::string> pages;
  Status st = FetchCollectionObjects(s.url("/api1/collections/c1/"), o, [&](std::string_view p) {
    pages.emplace_back(p);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(pages.size(), 3u);
  auto reqs = s.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(reqs[0].find("GET /api1/collections/c1/objects/?limit=1000&match%5Btype%5D=indicator HTTP/1.1"),
            std::string::npos);
  EXPECT_NE(reqs[0].find("Authorization: Bearer secret-token"), std::string::npos);
  EXPECT_NE(reqs[0].find("Accept: application/taxii+json;version=2.1"), std::string::npos);
  EXPECT_NE(reqs[1].find("&next=cur2 "), std::string::npos);
  EXPECT_NE(reqs[2].find("&added_after=2024-01-01T00%3A00%3A00.000000Z "), std::string::npos);
}

TEST(TaxiiClientTest, ErrorsMapToStatus) {
  FakeServer s({Http(401, "{}"), Http(404, "{}"), Http(200, "not json")});
  ClientOptions o;
  auto noop = [](std::string_view) { return Status::Ok(); };
  EXPECT_EQ(FetchCollectionObjects(s.url("/c/"), o, noop).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(FetchCollectionObjects(s.url("/c/"), o, noop).code(), StatusCode::kNotFound);
  EXPECT_EQ(FetchCollectionObjects(s.url("/c/"), o, noop).code(), StatusCode::kInvalidArgument);
}

TEST(TaxiiClientTest, PostsEnvelope) {
  FakeServer s({Http(202, R"({"id":"s1","status":"complete","success_count":1})")});
  ClientOptions o;
  o.token = "t";
  auto r = PostObjects(s.url("/api1/collections/c1"), R"({"objects":[{"type":"sighting"}]})", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->find("complete"), std::string::npos);
  auto reqs = s.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].find("POST /api1/collections/c1/objects/ HTTP/1.1"), std::string::npos);
  EXPECT_NE(reqs[0].find("Content-Type: application/taxii+json;version=2.1"), std::string::npos);
  EXPECT_NE(reqs[0].find(R"({"objects":[{"type":"sighting"}]})"), std::string::npos);
}

TEST(TaxiiClientTest, UnreachableIsUnavailable) {
  ClientOptions o;
  o.timeout_seconds = 5;
  auto r = PostObjects("http://127.0.0.1:1/c/", "{}", o);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace rampart::taxii_client
