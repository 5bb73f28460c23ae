#include "taxii_client/taxii_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rampart::taxii_client {
namespace {

// A tiny loopback HTTP/1.1 server (port 0): answers each request with the
// next canned response (or, for endless feeds, response(i) for the i-th of at
// most n requests) and records the request head and body.
class FakeServer {
 public:
  explicit FakeServer(std::vector<std::string> responses)
      : FakeServer(responses.size(), [responses](size_t i) { return responses[i]; }) {}
  FakeServer(size_t n, std::function<std::string(size_t)> response) : n_(n), response_(std::move(response)) {
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
    for (size_t i = 0; i < n_; ++i) {
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
      std::string resp = response_(i);
      write(c, resp.data(), resp.size());
      close(c);
    }
  }
  int fd_;
  int port_;
  std::thread thread_;
  size_t n_;
  std::function<std::string(size_t)> response_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

std::string Http(int code, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/taxii+json;version=2.1\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// gzip of head + `pad` bytes of `fill` + tail, compressed chunk by chunk so
// the test never holds the expanded text.
std::string Gzip(const std::string& head, size_t pad, char fill, const std::string& tail) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out;
  std::vector<char> buf(1 << 16);
  auto feed = [&](const std::string& in, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = static_cast<uInt>(buf.size());
      deflate(&z, flush);
      out.append(buf.data(), buf.size() - z.avail_out);
    } while (z.avail_out == 0);
  };
  feed(head, Z_NO_FLUSH);
  const std::string chunk(1 << 20, fill);
  for (size_t left = pad; left > 0; left -= std::min(left, chunk.size())) {
    feed(chunk.substr(0, std::min(left, chunk.size())), Z_NO_FLUSH);
  }
  feed(tail, Z_FINISH);
  deflateEnd(&z);
  return out;
}

void ExpectLimitError(const Status& st, const std::string& says) {
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted) << st.ToString();
  EXPECT_NE(st.ToString().find(says), std::string::npos) << st.ToString();
}

// Fetches s's /c/ collection, counting the pages handed to on_page.
Status FetchCounting(FakeServer& s, const ClientOptions& o, size_t* pages) {
  return FetchCollectionObjects(s.url("/c/"), o, [pages](std::string_view) {
    ++*pages;
    return Status::Ok();
  });
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

// Issue 11: a ~100 KB gzip reply that expands to ~80 MiB. It must stop at the
// page limit counted after decompression (default 64 MiB), never reach
// on_page, and say which limit and flag.
TEST(TaxiiClientTest, GzipBombStopsAtThePageLimit) {
  std::string bomb = Gzip(R"({"more":false,"objects":[)", size_t{80} << 20, ' ', "]}");
  ASSERT_LT(bomb.size(), size_t{200} << 10);
  FakeServer s({Http(200, bomb, "Content-Encoding: gzip\r\n")});
  ClientOptions o;
  size_t pages = 0;
  Status st = FetchCounting(s, o, &pages);
  ExpectLimitError(st, "--max-page-bytes");
  EXPECT_NE(st.ToString().find("after decompression"), std::string::npos) << st.ToString();
  EXPECT_EQ(pages, 0u);
}

// Pages that each fit the page limit but together exceed the feed limit.
TEST(TaxiiClientTest, FeedByteLimitSpansPages) {
  FakeServer s(10, [](size_t i) {
    return Http(200, Gzip(R"({"more":true,"next":"p)" + std::to_string(i) + R"(","objects":[)", 3 << 20, ' ', "]}"),
                "Content-Encoding: gzip\r\n");
  });
  ClientOptions o;
  o.max_feed_bytes = size_t{7} << 20;
  size_t pages = 0;
  Status st = FetchCounting(s, o, &pages);
  ExpectLimitError(st, "--max-feed-bytes");
  EXPECT_EQ(pages, 2u);
  EXPECT_EQ(s.requests().size(), 3u);
}

// Issue 11: a server that always says more:true with a fresh next. The client
// stops after max_pages requests, with an error naming --max-pages.
TEST(TaxiiClientTest, EndlessFreshNextStopsAtMaxPages) {
  FakeServer s(1000, [](size_t i) {
    return Http(200, R"({"more":true,"next":"fresh-)" + std::to_string(i) + R"(","objects":[{"type":"x"}]})");
  });
  ClientOptions o;
  o.max_pages = 25;
  size_t pages = 0;
  Status st = FetchCounting(s, o, &pages);
  ExpectLimitError(st, "--max-pages");
  EXPECT_EQ(pages, 25u);
  EXPECT_EQ(s.requests().size(), 25u);
  EXPECT_EQ(ClientOptions{}.max_pages, 10000u);
}

// A cursor is kept for the repeat check; a megabyte-long one is refused.
TEST(TaxiiClientTest, OverlongCursorIsRefused) {
  FakeServer s({Http(200, R"({"more":true,"next":")" + std::string(kMaxCursorBytes + 1, 'n') + R"(","objects":[]})")});
  ClientOptions o;
  Status st = FetchCollectionObjects(s.url("/c/"), o, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.ToString().find("cursor"), std::string::npos) << st.ToString();
}

// Issue 11: one page of a huge number of empty objects (300k `{}`, 900 KB).
// Refused by the SAX count before on_page sees it; no DOM is built.
TEST(TaxiiClientTest, PageOfManyEmptyObjectsIsRefused) {
  std::string body = R"({"more":false,"objects":[{})";
  for (int i = 1; i < 300000; ++i) body += ",{}";
  body += "]}";
  FakeServer s({Http(200, body)});
  ClientOptions o;
  size_t pages = 0;
  Status st = FetchCounting(s, o, &pages);
  ExpectLimitError(st, "more than 100000 objects");
  EXPECT_EQ(pages, 0u);
}

// The feed-wide object limit (--max-indicators) counts across pages.
TEST(TaxiiClientTest, FeedObjectLimitSpansPages) {
  std::string objs = "{}";
  for (int i = 1; i < 400; ++i) objs += ",{}";
  FakeServer s(10, [&objs](size_t i) {
    return Http(200, R"({"more":true,"next":"p)" + std::to_string(i) + R"(","objects":[)" + objs + "]}");
  });
  ClientOptions o;
  o.max_objects = 1000;
  size_t pages = 0;
  Status st = FetchCounting(s, o, &pages);
  ExpectLimitError(st, "--max-indicators");
  EXPECT_EQ(pages, 2u);
}

}  // namespace
}  // namespace rampart::taxii_client
