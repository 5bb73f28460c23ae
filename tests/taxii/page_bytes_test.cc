// Issue 11 item 3: a page ends once its list holds max_page_bytes
// (objects, manifest, versions): at least one object, `next` resuming right
// after the last one returned, every object exactly once over a walk.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_server.h"

namespace rampart::taxii_test {
namespace {

using nlohmann::json;

std::string Id(int n) {
  char buf[80];
  snprintf(buf, sizeof buf, "identity--0b000000-0000-4000-8000-%012d", n);
  return buf;
}

std::string Modified(int v) {
  char buf[64];
  snprintf(buf, sizeof buf, "2024-01-%02dT00:00:00.000Z", v);
  return buf;
}

// An identity whose description makes it about `bytes` long.
json Identity(const std::string& id, int version, size_t bytes) {
  return {{"type", "identity"},          {"spec_version", "2.1"}, {"id", id},
          {"created", Modified(1)},      {"modified", Modified(version)},
          {"name", "page bytes"},        {"description", std::string(bytes, 'x')}};
}

class PageBytesTest : public ::testing::Test {
 protected:
  void Start(size_t max_page_bytes) {
    TestServerOptions o;
    o.load_attack = false;
    o.max_content_length = 8 << 20;
    o.max_page_bytes = max_page_bytes;
    server_ = std::make_unique<TestServer>(o);
    ASSERT_TRUE(server_->ok()) << server_->error();
  }
  std::string Url(const std::string& path) const {
    return server_->base() + "/api/collections/" + kRw + "/" + path;
  }
  void Post(const std::vector<json>& objects) {
    std::vector<std::string> h = TaxiiHeaders(server_->vars().at("TOKEN"));
    h.push_back("Content-Type: application/taxii+json;version=2.1");
    HttpResult r = Fetch("POST", Url("objects/"), h, json{{"objects", json(objects)}}.dump());
    ASSERT_EQ(r.status, 202) << r.body.substr(0, 300);
    ASSERT_EQ(json::parse(r.body).value("success_count", -1), static_cast<int>(objects.size())) << r.body;
  }
  struct Page {
    size_t entries = 0;
    size_t body_bytes = 0;
    std::vector<std::string> ids;  // objects' / manifest's ids, or versions
  };
  // Walks `path` with `next`: the pages, each checked well-formed.
  std::vector<Page> Walk(const std::string& path, const std::string& list) {
    std::vector<Page> pages;
    std::string next;
    for (int guard = 0; guard < 1000; ++guard) {
      HttpResult r = Fetch("GET", Url(path) + "?limit=100" + (next.empty() ? "" : "&next=" + next),
                           TaxiiHeaders(server_->vars().at("TOKEN")));
      EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
      if (r.status != 200) break;
      json j = json::parse(r.body);
      Page& p = pages.emplace_back();
      p.body_bytes = r.body.size();
      for (const auto& e : j.value(list, json::array())) {
        p.ids.push_back(e.is_string() ? e.get<std::string>() : e["id"].get<std::string>());
      }
      p.entries = p.ids.size();
      EXPECT_GE(p.entries, 1u) << "a page ends with at least one entry";
      if (!j.value("more", false)) {
        EXPECT_FALSE(j.contains("next"));
        break;
      }
      next = j["next"].get<std::string>();
    }
    return pages;
  }
  std::unique_ptr<TestServer> server_;
};

TEST_F(PageBytesTest, ObjectPagesEndAtTheCapAndWalkEveryObjectOnce) {
  constexpr size_t kCap = 3'000'000, kObject = 1'000'000;
  Start(kCap);
  // First an object larger than the cap on its own, then ten of ~1 MB.
  std::vector<std::string> want = {Id(100)};
  Post({Identity(Id(100), 1, 2 * kCap)});
  for (int i = 0; i < 10; ++i) {
    want.push_back(Id(i));
    Post({Identity(Id(i), 1, kObject)});
  }
  std::vector<Page> pages = Walk("objects/", "objects");
  std::vector<std::string> got;
  for (const Page& p : pages) got.insert(got.end(), p.ids.begin(), p.ids.end());
  EXPECT_EQ(got, want) << "every object exactly once, in order";
  ASSERT_FALSE(pages.empty());
  EXPECT_EQ(pages[0].entries, 1u) << "the object larger than the cap comes alone";
  EXPECT_GT(pages[0].body_bytes, kCap);
  for (size_t i = 1; i < pages.size(); ++i) {
    EXPECT_LE(pages[i].entries, 3u) << "page " << i;  // the third object reaches 3 MB
    EXPECT_LT(pages[i].body_bytes, kCap + kObject + 4096) << "page " << i;
  }
  EXPECT_EQ(pages.size(), 5u);  // [big], 3, 3, 3, 1
}

TEST_F(PageBytesTest, ManifestAndVersionPagesEndAtTheCap) {
  // A manifest entry is ~150 bytes, a version ~26: 300 bytes hold two or
  // three of the former and a dozen of the latter.
  Start(300);
  std::vector<json> objects;
  std::vector<std::string> want_ids;
  for (int i = 0; i < 10; ++i) {
    objects.push_back(Identity(Id(i), 1, 10));
    want_ids.push_back(Id(i));
  }
  Post(objects);
  std::vector<Page> pages = Walk("manifest/", "objects");
  std::vector<std::string> got;
  for (const Page& p : pages) {
    got.insert(got.end(), p.ids.begin(), p.ids.end());
    EXPECT_LE(p.entries, 3u);
  }
  EXPECT_EQ(got, want_ids);
  EXPECT_GE(pages.size(), 4u);
  EXPECT_LE(pages.size(), 5u) << "a page holds as many entries as reach the cap, not one";

  std::vector<json> versions;
  std::vector<std::string> want_versions;
  for (int v = 1; v <= 28; ++v) {
    versions.push_back(Identity(Id(50), v, 10));
    want_versions.push_back(Modified(v).substr(0, 19) + ".000000Z");
  }
  Post(versions);
  pages = Walk("objects/" + Id(50) + "/versions/", "versions");
  got.clear();
  for (const Page& p : pages) {
    got.insert(got.end(), p.ids.begin(), p.ids.end());
    EXPECT_LE(p.entries, 12u);
  }
  EXPECT_EQ(got, want_versions);
  EXPECT_GE(pages.size(), 3u);
  EXPECT_LE(pages.size(), 4u);
}

}  // namespace
}  // namespace rampart::taxii_test
