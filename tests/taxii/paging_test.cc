// Paging walks over the ATT&CK bundles (with `next`, and with added_after =
// X-TAXII-Date-Added-Last), and concurrent POST + paging.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "test_server.h"
#include "testing/test_data.h"

namespace rampart::taxii_test {
namespace {

using nlohmann::json;

std::set<std::string> BundleIds(const std::string& rel) {
  std::set<std::string> ids;
  json b = json::parse(testing::ReadFileOrEmpty(testing::SharedDataRoot() / rel), nullptr, false);
  for (const auto& o : b["objects"]) ids.insert(o["id"].get<std::string>());
  return ids;
}

class PagingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(testing::SharedDataRoot() / "attack/mobile-attack-17.1.json")) return;
    server_ = new TestServer();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static TestServer* server_;
};
TestServer* PagingTest::server_ = nullptr;

struct Walk {
  std::vector<std::string> ids;
  int pages = 0;
  int empty_pages = 0;
};

Walk WalkWithNext(TestServer& s, const std::string& collection, const std::string& endpoint, int limit) {
  Walk w;
  std::string token = s.vars().at("TOKEN");
  std::string next;
  for (int guard = 0; guard < 10000; ++guard) {
    std::string url = s.base() + "/api/collections/" + collection + "/" + endpoint + "/?limit=" +
                      std::to_string(limit) + (next.empty() ? "" : "&next=" + next);
    HttpResult r = Fetch("GET", url, TaxiiHeaders(token));
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    if (r.status != 200) break;
    json j = json::parse(r.body);
    ++w.pages;
    for (const auto& o : j.value("objects", json::array())) w.ids.push_back(o["id"].get<std::string>());
    EXPECT_LE(j.value("objects", json::array()).size(), static_cast<size_t>(limit));
    if (!j.value("more", false)) {
      EXPECT_FALSE(j.contains("next"));
      break;
    }
    next = j["next"].get<std::string>();
  }
  return w;
}

Walk WalkWithAddedAfter(TestServer& s, const std::string& collection, int limit) {
  Walk w;
  std::string token = s.vars().at("TOKEN");
  std::string added_after;
  for (int guard = 0; guard < 10000; ++guard) {
    std::string url = s.base() + "/api/collections/" + collection + "/objects/?limit=" + std::to_string(limit) +
                      (added_after.empty() ? "" : "&added_after=" + added_after);
    HttpResult r = Fetch("GET", url, TaxiiHeaders(token));
    EXPECT_EQ(r.status, 200);
    if (r.status != 200) break;
    json j = json::parse(r.body);
    ++w.pages;
    auto objs = j.value("objects", json::array());
    for (const auto& o : objs) w.ids.push_back(o["id"].get<std::string>());
    if (objs.empty()) {
      EXPECT_TRUE(r.Header("x-taxii-date-added-last").empty());
      break;
    }
    std::string last = r.Header("x-taxii-date-added-last");
    EXPECT_FALSE(last.empty());
    EXPECT_EQ(last.size(), std::string("2024-01-01T00:00:00.000000Z").size()) << last;  // µs precision
    added_after = last;
  }
  return w;
}

void ExpectExactlyOnce(const Walk& w, const std::set<std::string>& expected) {
  std::set<std::string> seen(w.ids.begin(), w.ids.end());
  EXPECT_EQ(seen.size(), w.ids.size()) << "an object was served twice";
  EXPECT_EQ(seen, expected);
}

TEST_F(PagingTest, NextWalkOverIcs) {
  RAMPART_REQUIRE_SHARED_DATA(f, "attack/ics-attack-18.1.json");
  ASSERT_TRUE(server_ && server_->ok()) << (server_ ? server_->error() : "");
  Walk w = WalkWithNext(*server_, kIcs, "objects", 100);
  ExpectExactlyOnce(w, BundleIds("attack/ics-attack-18.1.json"));
  EXPECT_EQ(w.pages, 19);  // 1826 objects / 100
  RecordProperty("objects", static_cast<int>(w.ids.size()));
}

TEST_F(PagingTest, NextWalkOverMobileOddLimit) {
  RAMPART_REQUIRE_SHARED_DATA(f, "attack/mobile-attack-17.1.json");
  ASSERT_TRUE(server_ && server_->ok()) << (server_ ? server_->error() : "");
  Walk w = WalkWithNext(*server_, kMobile, "objects", 37);
  ExpectExactlyOnce(w, BundleIds("attack/mobile-attack-17.1.json"));
}

TEST_F(PagingTest, ManifestWalk) {
  RAMPART_REQUIRE_SHARED_DATA(f, "attack/mobile-attack-17.1.json");
  ASSERT_TRUE(server_ && server_->ok());
  Walk w = WalkWithNext(*server_, kMobile, "manifest", 500);
  ExpectExactlyOnce(w, BundleIds("attack/mobile-attack-17.1.json"));
}

TEST_F(PagingTest, AddedAfterWalkOverBoth) {
  RAMPART_REQUIRE_SHARED_DATA(f, "attack/ics-attack-18.1.json");
  ASSERT_TRUE(server_ && server_->ok());
  ExpectExactlyOnce(WalkWithAddedAfter(*server_, kIcs, 250), BundleIds("attack/ics-attack-18.1.json"));
  ExpectExactlyOnce(WalkWithAddedAfter(*server_, kMobile, 1000), BundleIds("attack/mobile-attack-17.1.json"));
}

// A writer posts batches while a reader pages with `next` (and, once a walk
// ends, resumes with added_after = X-TAXII-Date-Added-Last): the reader sees
// every posted object exactly once.
TEST(ConcurrentPagingTest, PostWhilePagingNeverSkipsOrRepeats) {
  TestServerOptions o;
  o.load_attack = false;
  TestServer s(o);
  ASSERT_TRUE(s.ok()) << s.error();
  const std::string token = s.vars().at("TOKEN");
  constexpr int kBatches = 40, kPerBatch = 15;
  std::set<std::string> posted;
  std::vector<std::string> bodies;
  for (int b = 0; b < kBatches; ++b) {
    json env;
    env["objects"] = json::array();
    for (int i = 0; i < kPerBatch; ++i) {
      char id[64];
      snprintf(id, sizeof id, "indicator--%08x-0000-4000-8000-%012x", b, i);
      posted.insert(id);
      env["objects"].push_back({{"type", "indicator"},
                                {"spec_version", "2.1"},
                                {"id", id},
                                {"created", "2024-01-01T00:00:00.000Z"},
                                {"modified", "2024-01-01T00:00:00.000Z"},
                                {"pattern", "[ipv4-addr:value = '10.0.0.1']"},
                                {"pattern_type", "stix"},
                                {"valid_from", "2024-01-01T00:00:00Z"}});
    }
    bodies.push_back(env.dump());
  }
  std::atomic<bool> writer_done{false};
  std::atomic<int> post_failures{0};
  std::thread writer([&] {
    for (const auto& body : bodies) {
      auto h = TaxiiHeaders(token);
      h.push_back("Content-Type: application/taxii+json;version=2.1");
      HttpResult r = Fetch("POST", s.base() + "/api/collections/" + std::string(kRw) + "/objects/", h, body);
      if (r.status != 202) post_failures++;
    }
    writer_done = true;
  });
  std::vector<std::string> seen;
  std::string next, added_after;
  int pages = 0;
  bool final_pass = false;
  for (int guard = 0; guard < 100000; ++guard) {
    bool done_before = writer_done.load();
    std::string url = s.base() + "/api/collections/" + std::string(kRw) + "/objects/?limit=7";
    if (!next.empty()) url += "&next=" + next;
    else if (!added_after.empty()) url += "&added_after=" + added_after;
    HttpResult r = Fetch("GET", url, TaxiiHeaders(token));
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    json j = json::parse(r.body);
    for (const auto& obj : j["objects"]) seen.push_back(obj["id"].get<std::string>());
    if (!r.Header("x-taxii-date-added-last").empty()) added_after = r.Header("x-taxii-date-added-last");
    if (j.value("more", false)) {
      next = j["next"].get<std::string>();
      continue;
    }
    next.clear();
    if (final_pass) break;
    if (done_before) final_pass = true;  // one more pass after the writer finished
  }
  writer.join();
  EXPECT_EQ(post_failures.load(), 0);
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "an object was served twice";
  EXPECT_EQ(unique, posted);
  RecordProperty("pages", pages);
}

// Alice posts GREEN and RED objects interleaved; Bob's organisation has a
// read grant but is no RED recipient. Bob's pages are full (the server
// refills pages the policy thinned), never contain RED, and the walk yields
// every GREEN object exactly once.
TEST(PolicyPagingTest, WithheldObjectsDoNotShortenPagesOrLeak) {
  TestServerOptions o;
  o.load_attack = false;
  o.extra_setup = [](store::Store& st, const std::map<std::string, std::string>& vars) {
    store::Grant g{kRw, store::GranteeKind::kOrganization, vars.at("OTHER_TOKEN_ORG"), true, false};
    ASSERT_TRUE(st.PutGrant(g).ok());
  };
  TestServer s(o);
  ASSERT_TRUE(s.ok()) << s.error();
  constexpr char kRed[] = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
  constexpr char kGreen[] = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
  json env;
  env["objects"] = json::array();
  std::set<std::string> green;
  for (int i = 0; i < 120; ++i) {
    char id[64];
    snprintf(id, sizeof id, "indicator--%08x-1111-4000-8000-%012x", i, i);
    bool red = (i % 4) != 0;  // 3 of 4 are RED
    if (!red) green.insert(id);
    env["objects"].push_back({{"type", "indicator"}, {"spec_version", "2.1"}, {"id", id},
                              {"created", "2024-01-01T00:00:00.000Z"}, {"modified", "2024-01-01T00:00:00.000Z"},
                              {"pattern", "[ipv4-addr:value = '10.0.0.1']"}, {"pattern_type", "stix"},
                              {"valid_from", "2024-01-01T00:00:00Z"},
                              {"object_marking_refs", json::array({red ? kRed : kGreen})}});
  }
  auto h = TaxiiHeaders(s.vars().at("TOKEN"));
  h.push_back("Content-Type: application/taxii+json;version=2.1");
  HttpResult post = Fetch("POST", s.base() + "/api/collections/" + std::string(kRw) + "/objects/", h, env.dump());
  ASSERT_EQ(post.status, 202) << post.body;
  ASSERT_EQ(json::parse(post.body)["success_count"], 120);
  // Alice (the submitter's organisation) sees all 120.
  HttpResult all = Fetch("GET", s.base() + "/api/collections/" + std::string(kRw) + "/objects/?limit=1000",
                         TaxiiHeaders(s.vars().at("TOKEN")));
  EXPECT_EQ(json::parse(all.body)["objects"].size(), 120u);
  // Bob pages with limit=5.
  std::vector<std::string> seen;
  std::string next;
  int pages = 0, short_pages_with_more = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    std::string url = s.base() + "/api/collections/" + std::string(kRw) + "/objects/?limit=5" +
                      (next.empty() ? "" : "&next=" + next);
    HttpResult r = Fetch("GET", url, TaxiiHeaders(s.vars().at("OTHER_TOKEN")));
    ASSERT_EQ(r.status, 200) << r.body;
    json j = json::parse(r.body);
    ++pages;
    for (const auto& obj : j["objects"]) {
      seen.push_back(obj["id"]);
      EXPECT_EQ(obj["object_marking_refs"][0], kGreen) << "a RED object leaked";
    }
    if (!j.value("more", false)) break;
    if (j["objects"].size() < 5) ++short_pages_with_more;
    next = j["next"];
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size());
  EXPECT_EQ(unique, green);
  EXPECT_EQ(short_pages_with_more, 0) << "pages thinned by policy were not refilled";
  EXPECT_LE(pages, 7);  // 30 visible objects / 5 per page (+1 possible empty tail)
  // The manifest agrees.
  HttpResult m = Fetch("GET", s.base() + "/api/collections/" + std::string(kRw) + "/manifest/?limit=1000",
                       TaxiiHeaders(s.vars().at("OTHER_TOKEN")));
  EXPECT_EQ(json::parse(m.body)["objects"].size(), green.size());
  // A RED object by id is 404 for Bob, and its versions too.
  std::string red_id = "indicator--00000001-1111-4000-8000-000000000001";
  EXPECT_EQ(Fetch("GET", s.base() + "/api/collections/" + std::string(kRw) + "/objects/" + red_id + "/",
                  TaxiiHeaders(s.vars().at("OTHER_TOKEN"))).status, 404);
  EXPECT_EQ(Fetch("GET", s.base() + "/api/collections/" + std::string(kRw) + "/objects/" + red_id + "/versions/",
                  TaxiiHeaders(s.vars().at("OTHER_TOKEN"))).status, 404);
  EXPECT_EQ(Fetch("GET", s.base() + "/api/collections/" + std::string(kRw) + "/objects/" + red_id + "/",
                  TaxiiHeaders(s.vars().at("TOKEN"))).status, 200);
}

}  // namespace
}  // namespace rampart::taxii_test
