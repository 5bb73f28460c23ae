// The store conformance suite (see conformance.h). Every test starts from a
// fresh, empty store and checks observable behaviour only.
#include "store/testing/conformance.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "store/cursor.h"
#include "testing/test_data.h"

namespace rampart::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr char kC1[] = "11111111-1111-4111-8111-111111111111";
constexpr char kC2[] = "22222222-2222-4222-8222-222222222222";
constexpr Micros kT0 = 1700000000000000;  // 2023-11-14T22:13:20Z

std::string Uuid(int n) {
  char buf[64];
  snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

NewObject Obj(const std::string& type, int n, std::optional<Micros> modified,
              const std::string& spec = "2.1") {
  NewObject o;
  o.type = type;
  o.id = type + "--" + Uuid(n);
  o.spec_version = spec;
  o.created = kT0;
  o.modified = modified;
  o.json = "{\"type\":\"" + type + "\",\"id\":\"" + o.id + "\",\"spec_version\":\"" + spec +
           "\",\"modified\":\"" + (modified ? FormatTimestampMillis(*modified) : "") + "\"}";
  return o;
}

Collection Coll(const std::string& id, const std::string& title) {
  Collection c;
  c.id = id;
  c.title = title;
  c.description = "desc of " + title;
  c.created = kT0;
  return c;
}

std::vector<std::string> Ids(const Page& p) {
  std::vector<std::string> out;
  for (const auto& o : p.objects) out.push_back(o.id);
  return out;
}
std::vector<Micros> Versions(const Page& p) {
  std::vector<Micros> out;
  for (const auto& o : p.objects) out.push_back(o.version);
  return out;
}

// Adds and asserts every object was added.
void AddAll(Store& s, const std::string& cid, const std::vector<NewObject>& objs) {
  auto r = s.AddObjects(cid, objs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), objs.size());
  for (const auto& w : *r) ASSERT_EQ(w.result, WriteResult::kAdded) << w.id << " " << w.message;
}

Page Query(Store& s, ObjectQuery q) {
  auto r = s.QueryObjects(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Page{};
}

// `s` with the character at `i` changed.
std::string Flip(std::string s, size_t i) {
  s[i] = s[i] == 'A' ? 'B' : 'A';
  return s;
}

// All pages of `q`, following `next`.
std::vector<StoredObject> QueryAll(Store& s, ObjectQuery q) {
  std::vector<StoredObject> out;
  for (int guard = 0; guard < 10000; ++guard) {
    auto r = s.QueryObjects(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) break;
    out.insert(out.end(), r->objects.begin(), r->objects.end());
    EXPECT_EQ(r->more, !r->next.empty());
    if (!r->more) break;
    q.cursor = r->next;
  }
  return out;
}

}  // namespace

const std::vector<LegacyObjectRow>& OwnerBackfillRows() {
  static const std::vector<LegacyObjectRow> rows = {
      // a: first a named local submission by o1 (upper-case id); later o2 elsewhere.
      {1, 1, "indicator--AAAA", 100, "", "o1", "", false},
      {2, 2, "indicator--aaaa", 200, "", "o2", "", false},
      // b: first relayed from a peer, created by identity--XYZ (via org o3).
      {3, 1, "indicator--bbbb", 100, "identity--XYZ", "o3", "peer-1", false},
      // c: relayed, no created_by_ref.
      {4, 1, "indicator--cccc", 100, "", "o4", "peer-1", false},
      // d: an anonymous local submission: owned by nobody.
      {5, 1, "indicator--dddd", 100, "", "o5", "", true},
      // e: no organisation (the forum itself): nobody.
      {6, 1, "indicator--eeee", 100, "", "", "", false},
      // f: the same date_added in both collections: the lower seq is earlier.
      {8, 1, "indicator--ffff", 300, "", "o8", "", false},
      {7, 2, "indicator--FFFF", 300, "", "o7", "", false},
      // g: an earlier date_added wins over a lower seq.
      {9, 1, "indicator--gggg", 500, "", "o9", "", false},
      {10, 2, "indicator--gggg", 400, "", "o10", "", false},
  };
  return rows;
}

void ExpectBackfilledOwners(Store& s, const std::string& c1) {
  const std::pair<const char*, const char*> want[] = {
      {"indicator--aaaa", "org:o1"}, {"indicator--bbbb", "creator:identity--xyz"},
      {"indicator--cccc", "relay:o4"}, {"indicator--dddd", ""}, {"indicator--eeee", ""},
      {"indicator--ffff", "org:o7"}, {"indicator--gggg", "org:o10"},
  };
  for (const auto& [id, owner] : want) {
    auto got = s.GetObjectOwner(id);
    ASSERT_TRUE(got.ok()) << id << " " << got.status().ToString();
    EXPECT_EQ(*got, owner) << id;
  }
  EXPECT_EQ(*s.GetObjectOwner("INDICATOR--AAAA"), "org:o1");
  EXPECT_TRUE(s.GetObjectOwner("indicator--zzzz").status().IsNotFound());
  auto add = [&](const char* id, const std::string& owner) {
    NewObject o = Obj("indicator", 0, kT0);
    o.id = id;
    o.owner = owner;
    auto r = s.AddObjects(c1, {o});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)[0] : WriteOutcome{};
  };
  EXPECT_EQ(add("indicator--aaaa", "org:o2").message, kIdTakenMessage);
  EXPECT_EQ(add("indicator--AAAA", "org:o1").result, WriteResult::kAdded);
  EXPECT_EQ(add("indicator--dddd", "org:o5").message, kIdTakenMessage);
  EXPECT_EQ(add("indicator--eeee", "org:anyone").message, kIdTakenMessage);
  EXPECT_EQ(add("indicator--bbbb", "creator:identity--xyz").result, WriteResult::kAdded);
}

void StoreConformanceTest::SetUp() {
  store_ = GetParam()();
  if (!store_) {
    // A factory that already reported why (a configured but unreachable
    // database) makes this a fatal failure too: gtest runs the body of a
    // test that failed non-fatally, even after GTEST_SKIP.
    if (::rampart::testing::InCi() || HasFailure()) {
      FAIL() << "store backend unavailable" << (::rampart::testing::InCi() ? " (CI=true)" : "");
    } else {
      GTEST_SKIP() << "store backend unavailable here";
    }
  }
}

void StoreConformanceTest::TearDown() { store_.reset(); }

namespace {

// ---- Collections ----

TEST_P(StoreConformanceTest, CollectionsCreateGetListConflict) {
  Collection a = Coll(kC1, "Zulu");
  a.media_types = {kStixMediaType21, "application/stix+json;version=2.0"};
  a.default_tlp = stix::Tlp::kAmber;
  a.is_public = true;
  ASSERT_TRUE(store().CreateCollection(a).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "Alpha")).ok());
  Collection other_root = Coll("33333333-3333-4333-8333-333333333333", "Alpha");
  other_root.api_root = "aaa";
  ASSERT_TRUE(store().CreateCollection(other_root).ok());

  EXPECT_EQ(store().CreateCollection(Coll(kC1, "again")).code(), StatusCode::kConflict);
  auto got = store().GetCollection(kC1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->title, "Zulu");
  EXPECT_EQ(got->description, "desc of Zulu");
  EXPECT_EQ(got->media_types, a.media_types);
  EXPECT_EQ(got->default_tlp, stix::Tlp::kAmber);
  EXPECT_TRUE(got->is_public);
  EXPECT_EQ(got->created, kT0);
  EXPECT_EQ(got->api_root, "api");
  EXPECT_TRUE(store().GetCollection("nope").status().IsNotFound());

  auto list = store().ListCollections();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].api_root, "aaa");
  EXPECT_EQ((*list)[1].title, "Alpha");
  EXPECT_EQ((*list)[2].title, "Zulu");
}

// ---- Writes ----

TEST_P(StoreConformanceTest, AddObjectsAssignsIncreasingDateAddedAndSeq) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  std::vector<NewObject> objs;
  for (int i = 0; i < 50; ++i) objs.push_back(Obj("indicator", i, kT0 + i));
  auto r = store().AddObjects(kC1, objs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ((*r)[i].id, objs[i].id);  // input order
    EXPECT_EQ((*r)[i].version, kT0 + i);
    EXPECT_EQ((*r)[i].result, WriteResult::kAdded);
    if (i > 0) {
      EXPECT_GT((*r)[i].date_added, (*r)[i - 1].date_added);
    }
  }
  // A second request keeps increasing.
  auto r2 = store().AddObjects(kC1, {Obj("malware", 100, kT0)});
  ASSERT_TRUE(r2.ok());
  EXPECT_GT((*r2)[0].date_added, r->back().date_added);

  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1000;
  Page p = Query(store(), q);
  ASSERT_EQ(p.objects.size(), 51u);
  EXPECT_FALSE(p.more);
  EXPECT_TRUE(p.next.empty());
  for (size_t i = 1; i < p.objects.size(); ++i) {
    EXPECT_GT(p.objects[i].date_added, p.objects[i - 1].date_added);
    EXPECT_GT(p.objects[i].seq, p.objects[i - 1].seq);
  }
  EXPECT_EQ(p.objects[0].json, objs[0].json);
  EXPECT_EQ(p.objects[0].collection_id, kC1);
  EXPECT_EQ(p.objects[0].date_added, (*r)[0].date_added);
  // date_added is close to the wall clock (microseconds, not seconds).
  EXPECT_LT(std::llabs(p.objects[0].date_added - NowMicros()), 60'000'000);
}

TEST_P(StoreConformanceTest, RepostIsIdempotentDuplicate) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  NewObject a = Obj("indicator", 1, kT0 + 5);
  auto r1 = store().AddObjects(kC1, {a});
  ASSERT_TRUE(r1.ok());
  // Same version again, alone and next to a new one, and twice in one request.
  NewObject b = Obj("indicator", 2, kT0 + 5);
  auto r2 = store().AddObjects(kC1, {a, b, b});
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->size(), 3u);
  EXPECT_EQ((*r2)[0].result, WriteResult::kDuplicate);
  EXPECT_EQ((*r2)[0].date_added, (*r1)[0].date_added);
  EXPECT_EQ((*r2)[1].result, WriteResult::kAdded);
  EXPECT_EQ((*r2)[2].result, WriteResult::kDuplicate);
  ObjectQuery q;
  q.collection_id = kC1;
  q.versions.all = true;
  EXPECT_EQ(Query(store(), q).objects.size(), 2u);
}

TEST_P(StoreConformanceTest, SameIdDifferentCollectionsAreIndependent) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "c2")).ok());
  NewObject a = Obj("indicator", 1, kT0);
  AddAll(store(), kC1, {a});
  AddAll(store(), kC2, {a});
  ObjectQuery q;
  q.collection_id = kC2;
  EXPECT_THAT(Ids(Query(store(), q)), ElementsAre(a.id));
}

TEST_P(StoreConformanceTest, AddToMissingCollectionIsNotFound) {
  auto r = store().AddObjects("missing", {Obj("indicator", 1, kT0)});
  EXPECT_TRUE(r.status().IsNotFound());
  ObjectQuery q;
  q.collection_id = "missing";
  EXPECT_TRUE(store().QueryObjects(q).status().IsNotFound());
}

TEST_P(StoreConformanceTest, InvalidObjectFailsAloneOthersStored) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  NewObject bad = Obj("indicator", 2, kT0);
  bad.id = "malware--" + Uuid(2);  // id does not match type
  NewObject empty = Obj("indicator", 3, kT0);
  empty.id.clear();
  auto r = store().AddObjects(kC1, {Obj("indicator", 1, kT0), bad, empty, Obj("indicator", 4, kT0)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kAdded);
  EXPECT_EQ((*r)[1].result, WriteResult::kFailed);
  EXPECT_FALSE((*r)[1].message.empty());
  EXPECT_EQ((*r)[2].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[3].result, WriteResult::kAdded);
  ObjectQuery q;
  q.collection_id = kC1;
  EXPECT_THAT(Ids(Query(store(), q)),
              ElementsAre("indicator--" + Uuid(1), "indicator--" + Uuid(4)));
}

TEST_P(StoreConformanceTest, VersionRuleModifiedElseCreatedElseDateAdded) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  NewObject m = Obj("indicator", 1, kT0 + 9);
  NewObject c = Obj("marking-definition", 2, std::nullopt);
  NewObject sco = Obj("ipv4-addr", 3, std::nullopt);
  sco.created.reset();
  auto r = store().AddObjects(kC1, {m, c, sco});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].version, kT0 + 9);
  EXPECT_EQ((*r)[1].version, kT0);
  EXPECT_EQ((*r)[2].version, (*r)[2].date_added);
  ObjectQuery q;
  q.collection_id = kC1;
  Page p = Query(store(), q);
  ASSERT_EQ(p.objects.size(), 3u);
  EXPECT_EQ(p.objects[2].version, p.objects[2].date_added);
  EXPECT_FALSE(p.objects[2].created.has_value());
  EXPECT_FALSE(p.objects[1].modified.has_value());
}

TEST_P(StoreConformanceTest, IndexedFieldsAndProvenanceRoundTrip) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  NewObject o = Obj("indicator", 1, kT0 + 1);
  o.created_by_ref = "identity--" + Uuid(77);
  o.revoked = true;
  o.valid_from = kT0 - 5;
  o.valid_until = kT0 + 500;
  o.marking_refs = {std::string(stix::kTlp2Amber), "marking-definition--" + Uuid(8)};
  o.provenance.org_id = "org-1";
  o.provenance.user_id = "user-1";
  o.provenance.source_peer = "peer-x";
  o.provenance.anonymous = true;
  o.provenance.sharing_groups = {"g1", "g2"};
  o.provenance.red_recipients = {"org-2"};
  o.provenance.effective_tlp = stix::Tlp::kAmber;
  o.provenance.default_marking_applied = true;
  o.observables = {{"ipv4-addr", "10.0.0.1"}, {"domain-name", "evil.example"}};
  AddAll(store(), kC1, {o});
  ObjectQuery q;
  q.collection_id = kC1;
  Page p = Query(store(), q);
  ASSERT_EQ(p.objects.size(), 1u);
  const StoredObject& s = p.objects[0];
  EXPECT_EQ(s.id, o.id);
  EXPECT_EQ(s.type, "indicator");
  EXPECT_EQ(s.spec_version, "2.1");
  EXPECT_EQ(s.created, kT0);
  EXPECT_EQ(s.modified, kT0 + 1);
  EXPECT_EQ(s.created_by_ref, o.created_by_ref);
  EXPECT_TRUE(s.revoked);
  EXPECT_EQ(s.valid_from, kT0 - 5);
  EXPECT_EQ(s.valid_until, kT0 + 500);
  EXPECT_EQ(s.marking_refs, o.marking_refs);
  EXPECT_EQ(s.json, o.json);
  EXPECT_EQ(s.provenance.org_id, "org-1");
  EXPECT_EQ(s.provenance.user_id, "user-1");
  EXPECT_EQ(s.provenance.source_peer, "peer-x");
  EXPECT_TRUE(s.provenance.anonymous);
  EXPECT_EQ(s.provenance.sharing_groups, o.provenance.sharing_groups);
  EXPECT_EQ(s.provenance.red_recipients, o.provenance.red_recipients);
  EXPECT_EQ(s.provenance.effective_tlp, stix::Tlp::kAmber);
  EXPECT_TRUE(s.provenance.default_marking_applied);
  EXPECT_EQ(s.observables, o.observables);
}

TEST_P(StoreConformanceTest, ConcurrentWritersGetTheirOwnOutcomes) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  constexpr int kThreads = 4, kRequests = 20, kPer = 5;
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int r = 0; r < kRequests; ++r) {
        std::vector<NewObject> objs;
        for (int i = 0; i < kPer; ++i) objs.push_back(Obj("indicator", t * 10000 + r * 100 + i, kT0));
        auto res = store().AddObjects(kC1, objs);
        if (!res.ok() || res->size() != objs.size()) {
          ++bad;
          continue;
        }
        for (int i = 0; i < kPer; ++i) {
          if ((*res)[i].id != objs[i].id || (*res)[i].result != WriteResult::kAdded) ++bad;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1000;
  auto all = QueryAll(store(), q);
  ASSERT_EQ(all.size(), size_t{kThreads * kRequests * kPer});
  std::set<Micros> dates;
  for (size_t i = 0; i < all.size(); ++i) {
    dates.insert(all[i].date_added);
    if (i > 0) {
      EXPECT_GT(all[i].date_added, all[i - 1].date_added);
    }
  }
  EXPECT_EQ(dates.size(), all.size());
}

// ---- Queries ----

class QueryFixture {
 public:
  // Three indicators, each with 3 versions; 2 malware with 1 version; one
  // object with a 2.0 and a 2.1 version.
  static void Fill(Store& s) {
    ASSERT_TRUE(s.CreateCollection(Coll(kC1, "c")).ok());
    for (int v = 0; v < 3; ++v) {
      std::vector<NewObject> batch;
      for (int i = 0; i < 3; ++i) batch.push_back(Obj("indicator", i, kT0 + v * 1000));
      AddAll(s, kC1, batch);
    }
    AddAll(s, kC1, {Obj("malware", 10, kT0), Obj("malware", 11, kT0)});
    AddAll(s, kC1, {Obj("tool", 20, kT0 + 1, "2.0")});
    AddAll(s, kC1, {Obj("tool", 20, kT0 + 2, "2.1")});
    AddAll(s, kC1, {Obj("tool", 20, kT0 + 3, "2.0")});
  }
};

std::string Ind(int i) { return "indicator--" + Uuid(i); }

TEST_P(StoreConformanceTest, DefaultReturnsLastVersionOfLatestSpecVersion) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  Page p = Query(store(), q);
  // The last versions of indicators were added last among them, then malware,
  // then tool's 2.1 version (the latest spec_version wins over the newer 2.0).
  EXPECT_THAT(Ids(p), ElementsAre(Ind(0), Ind(1), Ind(2), "malware--" + Uuid(10),
                                  "malware--" + Uuid(11), "tool--" + Uuid(20)));
  EXPECT_THAT(Versions(p), ElementsAre(kT0 + 2000, kT0 + 2000, kT0 + 2000, kT0, kT0, kT0 + 2));
}

TEST_P(StoreConformanceTest, MatchVersionFirstLastAllAndTimestamps) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {Ind(1)};
  q.versions.first = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0));
  q.versions = {};
  q.versions.last = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 2000));
  q.versions.first = true;  // first,last
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0, kT0 + 2000));
  q.versions = {};
  q.versions.all = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0, kT0 + 1000, kT0 + 2000));
  q.versions = {};
  q.versions.versions = {kT0 + 1000, kT0 + 7};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1000));
  q.versions.first = true;  // timestamp OR first
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0, kT0 + 1000));
  // all over the whole collection: every version of every spec_version? No:
  // spec_version default still selects the latest spec_version per object.
  ObjectQuery all;
  all.collection_id = kC1;
  all.versions.all = true;
  EXPECT_EQ(Query(store(), all).objects.size(), 9u + 2u + 1u);
}

TEST_P(StoreConformanceTest, MatchSpecVersion) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.types = {"tool"};
  q.versions.all = true;
  q.spec_versions = {"2.0"};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1, kT0 + 3));
  q.spec_versions = {"2.0", "2.1"};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1, kT0 + 2, kT0 + 3));
  q.versions = {};  // last among the selected spec versions
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 3));
  q.spec_versions = {"2.0"};
  q.versions.first = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1));
  q.spec_versions = {"2.1"};
  q.versions = {};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 2));
  q.spec_versions = {"3.0"};
  EXPECT_TRUE(Query(store(), q).objects.empty());
}

TEST_P(StoreConformanceTest, MatchIdAndTypeOrWithinAndAcross) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {Ind(2), Ind(0), "malware--" + Uuid(10), "nothing--x"};
  EXPECT_THAT(Ids(Query(store(), q)), ElementsAre(Ind(0), Ind(2), "malware--" + Uuid(10)));
  q.types = {"malware"};
  EXPECT_THAT(Ids(Query(store(), q)), ElementsAre("malware--" + Uuid(10)));
  q.ids.clear();
  q.types = {"malware", "tool"};
  EXPECT_THAT(Ids(Query(store(), q)),
              ElementsAre("malware--" + Uuid(10), "malware--" + Uuid(11), "tool--" + Uuid(20)));
  q.types = {"campaign"};
  EXPECT_TRUE(Query(store(), q).objects.empty());
}

TEST_P(StoreConformanceTest, AddedAfterIsStrict) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.versions.all = true;
  q.spec_versions = {"2.0", "2.1"};
  Page all = Query(store(), q);
  ASSERT_EQ(all.objects.size(), 14u);
  q.added_after = all.objects[4].date_added;
  Page p = Query(store(), q);
  ASSERT_EQ(p.objects.size(), 9u);
  EXPECT_EQ(p.objects[0].seq, all.objects[5].seq);
  // Combined with a type and version filter.
  q.types = {"indicator"};
  q.versions = {};
  q.versions.first = true;
  EXPECT_TRUE(Query(store(), q).objects.empty());  // first versions were added before
  q.versions = {};
  EXPECT_THAT(Ids(Query(store(), q)), ElementsAre(Ind(0), Ind(1), Ind(2)));
  q.added_after = all.objects.back().date_added;
  q.types.clear();
  EXPECT_TRUE(Query(store(), q).objects.empty());
}

TEST_P(StoreConformanceTest, ManifestOmitsJsonKeepsMetadata) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.include_json = false;
  Page p = Query(store(), q);
  ASSERT_EQ(p.objects.size(), 6u);
  for (const auto& o : p.objects) {
    EXPECT_TRUE(o.json.empty());
    EXPECT_FALSE(o.id.empty());
    EXPECT_GT(o.date_added, 0);
    EXPECT_GT(o.version, 0);
    EXPECT_FALSE(o.spec_version.empty());
  }
}

TEST_P(StoreConformanceTest, PagingWithLimitAndNext) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  std::vector<NewObject> objs;
  for (int i = 0; i < 25; ++i) objs.push_back(Obj("indicator", i, kT0));
  AddAll(store(), kC1, objs);
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 10;
  Page p1 = Query(store(), q);
  ASSERT_EQ(p1.objects.size(), 10u);
  EXPECT_TRUE(p1.more);
  ASSERT_FALSE(p1.next.empty());
  q.cursor = p1.next;
  Page p2 = Query(store(), q);
  ASSERT_EQ(p2.objects.size(), 10u);
  EXPECT_EQ(p2.objects[0].id, objs[10].id);
  q.cursor = p2.next;
  Page p3 = Query(store(), q);
  ASSERT_EQ(p3.objects.size(), 5u);
  EXPECT_FALSE(p3.more);
  EXPECT_TRUE(p3.next.empty());
  EXPECT_EQ(p3.objects.back().id, objs[24].id);
  // The same cursor replays the same page.
  q.cursor = p1.next;
  EXPECT_EQ(Ids(Query(store(), q)), Ids(p2));
  // Exactly limit objects left: no `more`.
  q.cursor = p1.next;
  q.limit = 15;
  Page rest = Query(store(), q);
  EXPECT_EQ(rest.objects.size(), 15u);
  EXPECT_FALSE(rest.more);
  // Cursor together with filters.
  ObjectQuery f;
  f.collection_id = kC1;
  f.ids = {objs[3].id, objs[7].id, objs[20].id};
  f.limit = 1;
  auto got = QueryAll(store(), f);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].id, objs[20].id);
}

// ScanObjects streams exactly QueryObjects' page, for every query shape, and
// its reused object never carries a previous row's values into the next.
TEST_P(StoreConformanceTest, ScanObjectsStreamsTheSamePages) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  std::vector<NewObject> objs;
  for (int i = 0; i < 30; ++i) {
    NewObject o = Obj(i % 3 == 0 ? "malware" : "indicator", i, kT0 + i);
    // Rows alternate between long and empty lists and strings.
    if (i % 2 == 0) {
      o.provenance.org_id = "org-" + std::to_string(i);
      o.provenance.sharing_groups = {"g-" + std::to_string(i), "g-shared"};
      o.provenance.red_recipients = {"org-r"};
      o.provenance.effective_tlp = stix::Tlp::kRed;
      o.provenance.default_marking_applied = true;
    }
    objs.push_back(o);
  }
  AddAll(store(), kC1, objs);
  AddAll(store(), kC1, {Obj("indicator", 1, kT0 + 100)});  // a second version of object 1

  std::vector<ObjectQuery> shapes(5);
  for (auto& q : shapes) {
    q.collection_id = kC1;
    q.limit = 7;
  }
  shapes[1].types = {"malware"};
  shapes[2].ids = {objs[1].id, objs[4].id, objs[9].id};
  shapes[3].versions.all = true;
  shapes[4].include_json = false;
  size_t most_pages = 0;
  for (ObjectFields fields : {ObjectFields::kAll, ObjectFields::kServe}) {
    for (ObjectQuery q : shapes) {
      q.fields = fields;
      size_t pages = 0;
      while (true) {
        Page want = Query(store(), q);
        std::vector<StoredObject> got;
        auto end = store().ScanObjects(q, [&](const StoredObject& o) { got.push_back(o); });
        ASSERT_TRUE(end.ok()) << end.status().ToString();
        ASSERT_EQ(got.size(), want.objects.size());
        for (size_t i = 0; i < got.size(); ++i) {
          const StoredObject& a = got[i];
          const StoredObject& b = want.objects[i];
          EXPECT_EQ(a.id, b.id);
          EXPECT_EQ(a.seq, b.seq);
          EXPECT_EQ(a.version, b.version);
          EXPECT_EQ(a.date_added, b.date_added);
          EXPECT_EQ(a.spec_version, b.spec_version);
          EXPECT_EQ(a.json, b.json);
          EXPECT_EQ(a.provenance.org_id, b.provenance.org_id);
          EXPECT_EQ(a.provenance.sharing_groups, b.provenance.sharing_groups);
          EXPECT_EQ(a.provenance.red_recipients, b.provenance.red_recipients);
          EXPECT_EQ(a.provenance.effective_tlp, b.provenance.effective_tlp);
          EXPECT_EQ(a.provenance.default_marking_applied, b.provenance.default_marking_applied);
          if (q.include_json) {
            EXPECT_FALSE(a.json.empty());
          }
        }
        EXPECT_EQ(end->more, want.more);
        EXPECT_EQ(end->next, want.next);
        ++pages;
        if (!want.more) break;
        q.cursor = want.next;
      }
      most_pages = std::max(most_pages, pages);
    }
  }
  EXPECT_GT(most_pages, 1u);  // `next` was followed, not just a first page
  // kServe still fills what serving reads; kAll everything.
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {objs[0].id};
  q.fields = ObjectFields::kServe;
  std::vector<StoredObject> got;
  ASSERT_TRUE(store().ScanObjects(q, [&](const StoredObject& o) { got.push_back(o); }).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].provenance.org_id, "org-0");
  EXPECT_EQ(got[0].provenance.effective_tlp, stix::Tlp::kRed);
  EXPECT_EQ(got[0].json, objs[0].json);
}

TEST_P(StoreConformanceTest, ScanObjectsErrorsAsQueryObjects) {
  ObjectQuery q;
  q.collection_id = "no-such-collection";
  int calls = 0;
  auto missing = store().ScanObjects(q, [&](const StoredObject&) { ++calls; });
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  q.collection_id = kC1;
  q.cursor = "garbage";
  EXPECT_EQ(store().ScanObjects(q, [&](const StoredObject&) { ++calls; }).status().code(),
            StatusCode::kInvalidArgument);
  q.cursor.clear();
  q.limit = 0;
  EXPECT_EQ(store().ScanObjects(q, [&](const StoredObject&) { ++calls; }).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 0);
}

TEST_P(StoreConformanceTest, MalformedOrForeignCursorIsInvalidArgument) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "c2")).ok());
  AddAll(store(), kC1, {Obj("indicator", 1, kT0), Obj("indicator", 2, kT0)});
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1;
  Page p = Query(store(), q);
  ASSERT_TRUE(p.more);
  for (std::string bad : {std::string("garbage"), std::string("!!!"), p.next + "A",
                          p.next.substr(0, p.next.size() - 2), std::string(5000, 'A'),
                          Flip(p.next, p.next.size() / 2), Flip(p.next, 1)}) {
    q.cursor = bad;
    EXPECT_EQ(store().QueryObjects(q).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  q.collection_id = kC2;
  q.cursor = p.next;
  EXPECT_EQ(store().QueryObjects(q).status().code(), StatusCode::kInvalidArgument);
  // Another store (its own cursor key) with the same collection and rows:
  // neither takes the other's cursors.
  std::unique_ptr<Store> other = GetParam()();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->CreateCollection(Coll(kC1, "c1")).ok());
  AddAll(*other, kC1, {Obj("indicator", 1, kT0), Obj("indicator", 2, kT0)});
  q.collection_id = kC1;
  auto r = other->QueryObjects(q);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), kInvalidCursorMessage);
  q.cursor.clear();
  Page po = Query(*other, q);
  ASSERT_TRUE(po.more);
  EXPECT_NE(po.next, p.next);
  q.cursor = po.next;
  EXPECT_EQ(store().QueryObjects(q).status().code(), StatusCode::kInvalidArgument);
  q.cursor.clear();
  q.limit = 0;
  EXPECT_EQ(store().QueryObjects(q).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, CursorStableUnderConcurrentInserts) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  AddAll(store(), kC1, {Obj("indicator", 0, kT0)});
  constexpr int kTotal = 400;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i < kTotal; i += 3) {
      std::vector<NewObject> batch;
      for (int j = i; j < std::min(i + 3, kTotal); ++j) batch.push_back(Obj("indicator", j, kT0));
      auto r = store().AddObjects(kC1, batch);
      EXPECT_TRUE(r.ok());
    }
    done = true;
  });
  std::vector<std::string> seen;
  std::vector<Micros> dates;
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 7;
  // Pages until the writer has finished and the reader has caught up; the
  // deadline only guards against a hang (slow disks make the writer slow).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    bool finished = done.load();
    auto r = store().QueryObjects(q);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (const auto& o : r->objects) {
      seen.push_back(o.id);
      dates.push_back(o.date_added);
    }
    if (r->more) {
      q.cursor = r->next;
    } else {
      if (finished) break;
      // Caught up: resume the TAXII way, from the last date_added seen.
      q.cursor.clear();
      if (!dates.empty()) q.added_after = dates.back();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  writer.join();
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a version was returned twice";
  EXPECT_EQ(seen.size(), size_t{kTotal}) << "a version was skipped";
  for (size_t i = 1; i < dates.size(); ++i) EXPECT_GT(dates[i], dates[i - 1]);
}

TEST_P(StoreConformanceTest, NextSurvivesNewVersionsOfReturnedObjects) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  std::vector<NewObject> objs;
  for (int i = 0; i < 6; ++i) objs.push_back(Obj("indicator", i, kT0));
  AddAll(store(), kC1, objs);
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 3;
  Page p1 = Query(store(), q);
  ASSERT_TRUE(p1.more);
  // A newer version of an object on page 1 arrives; it shows at the end.
  AddAll(store(), kC1, {Obj("indicator", 1, kT0 + 10)});
  q.cursor = p1.next;
  auto rest = QueryAll(store(), q);
  std::vector<std::string> ids;
  for (auto& o : rest) ids.push_back(o.id);
  EXPECT_THAT(ids, ElementsAre(objs[3].id, objs[4].id, objs[5].id, objs[1].id));
}

// ---- Versions endpoint ----

TEST_P(StoreConformanceTest, VersionsOfOneObject) {
  QueryFixture::Fill(store());
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {"tool--" + Uuid(20)};
  q.versions.all = true;
  q.spec_versions = {"2.0", "2.1"};
  q.include_json = false;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1, kT0 + 2, kT0 + 3));
}

// ---- Deletes and tombstones ----

TEST_P(StoreConformanceTest, DeleteVersionsLeavesTombstones) {
  QueryFixture::Fill(store());
  VersionFilter one;
  one.versions = {kT0 + 2000};
  auto d = store().DeleteObject(kC1, Ind(0), one, {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, 1u);
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {Ind(0)};
  // The last version is now the middle one.
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1000));
  // Default deletes every version (of every spec version).
  auto d2 = store().DeleteObject(kC1, "tool--" + Uuid(20), {}, {});
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(*d2, 3u);
  q.ids = {"tool--" + Uuid(20)};
  q.versions.all = true;
  q.spec_versions = {"2.0", "2.1"};
  EXPECT_TRUE(Query(store(), q).objects.empty());
  // first only.
  VersionFilter first;
  first.first = true;
  ASSERT_TRUE(store().DeleteObject(kC1, Ind(1), first, {}).ok());
  q.ids = {Ind(1)};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 1000, kT0 + 2000));
  // Nothing matches: NotFound, no tombstone.
  EXPECT_TRUE(store().DeleteObject(kC1, "nothing--" + Uuid(1), {}, {}).status().IsNotFound());
  VersionFilter absent;
  absent.versions = {kT0 + 5};
  EXPECT_TRUE(store().DeleteObject(kC1, Ind(2), absent, {}).status().IsNotFound());
  EXPECT_TRUE(store().DeleteObject("missing", Ind(2), {}, {}).status().IsNotFound());

  auto ts = store().ListTombstones(kC1, 0, 100);
  ASSERT_TRUE(ts.ok());
  ASSERT_EQ(ts->size(), 5u);
  EXPECT_EQ((*ts)[0].id, Ind(0));
  EXPECT_EQ((*ts)[0].version, kT0 + 2000);
  EXPECT_EQ((*ts)[0].collection_id, kC1);
  EXPECT_LT(std::llabs((*ts)[0].deleted_at - NowMicros()), 60'000'000);
  for (size_t i = 1; i < ts->size(); ++i) EXPECT_GT((*ts)[i].seq, (*ts)[i - 1].seq);
  EXPECT_EQ((*ts)[4].id, Ind(1));
  auto after = store().ListTombstones(kC1, (*ts)[1].seq, 2);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].seq, (*ts)[2].seq);
  EXPECT_TRUE(store().ListTombstones(kC2, 0, 100)->empty());
}

TEST_P(StoreConformanceTest, DeleteBySpecVersionAndReAdd) {
  QueryFixture::Fill(store());
  auto d = store().DeleteObject(kC1, "tool--" + Uuid(20), {}, {"2.0"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, 2u);
  ObjectQuery q;
  q.collection_id = kC1;
  q.ids = {"tool--" + Uuid(20)};
  q.versions.all = true;
  q.spec_versions = {"2.0", "2.1"};
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 2));
  // A deleted version may be posted again and is added (not a duplicate).
  auto r = store().AddObjects(kC1, {Obj("tool", 20, kT0 + 1, "2.0")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kAdded);
}

// ---- Observables ----

TEST_P(StoreConformanceTest, FindObservableNewestFirst) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "c2")).ok());
  NewObject a = Obj("indicator", 1, kT0);
  a.observables = {{"ipv4-addr", "198.51.100.7"}, {"domain-name", "bad.example"}};
  NewObject b = Obj("ipv4-addr", 2, std::nullopt);
  b.observables = {{"ipv4-addr", "198.51.100.7"}};
  NewObject c = Obj("indicator", 3, kT0);
  c.observables = {{"domain-name", "198.51.100.7"}};  // same value, other kind
  AddAll(store(), kC1, {a});
  AddAll(store(), kC2, {b, c});
  auto r = store().FindObservable({"ipv4-addr", "198.51.100.7"}, 10);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, b.id);
  EXPECT_EQ((*r)[0].collection_id, kC2);
  EXPECT_EQ((*r)[1].id, a.id);
  auto one = store().FindObservable({"ipv4-addr", "198.51.100.7"}, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_TRUE(store().FindObservable({"url", "http://x/"}, 10)->empty());
  // Deleted versions leave the index.
  ASSERT_TRUE(store().DeleteObject(kC2, b.id, {}, {}).ok());
  EXPECT_EQ(store().FindObservable({"ipv4-addr", "198.51.100.7"}, 10)->size(), 1u);
}

// Item 6 of issue 11: a long observable value (a pattern literal of a few
// KiB, past PostgreSQL's B-tree entry limit of ~2,700 bytes) is stored and
// found exactly on every backend; lookups never match by prefix or hash.
TEST_P(StoreConformanceTest, LongObservableValuesAreIndexedAndFoundExactly) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  std::string long_url = "http://example.com/" + std::string(3000, 'a');
  std::string huge_url = "http://example.com/" + std::string(200000, 'b');
  NewObject a = Obj("indicator", 1, kT0);
  a.observables = {{"url", long_url}, {"url", huge_url}};
  NewObject b = Obj("indicator", 2, kT0);
  b.observables = {{"url", long_url + "x"}};
  AddAll(store(), kC1, {a, b});
  auto r = store().FindObservable({"url", long_url}, 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, a.id);
  EXPECT_EQ((*r)[0].observables, a.observables);
  EXPECT_EQ(store().FindObservable({"url", huge_url}, 10)->size(), 1u);
  EXPECT_EQ(store().FindObservable({"url", long_url + "x"}, 10)->size(), 1u);
  EXPECT_TRUE(store().FindObservable({"url", long_url.substr(0, 2999)}, 10)->empty());
  EXPECT_TRUE(store().FindObservable({"domain-name", long_url}, 10)->empty());
  ASSERT_TRUE(store().DeleteObject(kC1, a.id, {}, {}).ok());
  EXPECT_TRUE(store().FindObservable({"url", long_url}, 10)->empty());
  EXPECT_TRUE(store().FindObservable({"url", huge_url}, 10)->empty());
  EXPECT_EQ(store().FindObservable({"url", long_url + "x"}, 10)->size(), 1u);
}

// An observable value with a NUL (a pattern literal with "\u0000") or
// invalid UTF-8 refuses its object, with the same message, on every backend;
// the other objects of the request are stored.
TEST_P(StoreConformanceTest, ObservableWithNulOrInvalidUtf8RefusesItsObject) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  NewObject nul = Obj("indicator", 1, kT0);
  nul.observables = {{"domain-name", "ok.example"}, {"url", std::string("http://a\0b/", 12)}};
  NewObject bad_utf8 = Obj("indicator", 2, kT0);
  bad_utf8.observables = {{"domain-name", "\xff\xfe.example"}};
  NewObject surrogate = Obj("indicator", 3, kT0);
  surrogate.observables = {{"domain-name", "\xed\xa0\x80.example"}};
  NewObject good = Obj("indicator", 4, kT0);
  good.observables = {{"domain-name", "ok.example"}};
  auto r = store().AddObjects(kC1, {nul, bad_utf8, surrogate, good});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*r)[i].result, WriteResult::kFailed) << i;
    EXPECT_EQ((*r)[i].message,
              "an observable value contains a NUL character or is not valid UTF-8")
        << i;
  }
  EXPECT_EQ((*r)[3].result, WriteResult::kAdded);
  ObjectQuery q;
  q.collection_id = kC1;
  EXPECT_THAT(Ids(Query(store(), q)), ElementsAre(good.id));
  auto found = store().FindObservable({"domain-name", "ok.example"}, 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, good.id);
}

// ---- Status resources ----

TEST_P(StoreConformanceTest, StatusPutGetPurge) {
  StatusResource s;
  s.id = Uuid(1);
  s.api_root = "api";
  s.owner_user_id = "u1";
  s.status = "complete";
  s.request_timestamp = kT0;
  s.total_count = 3;
  s.success_count = 2;
  s.failure_count = 1;
  s.successes = {{"indicator--a", "2020-01-01T00:00:00.000Z", ""},
                 {"indicator--b", "2020-01-01T00:00:00.000Z", "ok"}};
  s.failures = {{"indicator--c", "2020-01-01T00:00:00.000Z", "bad pattern"}};
  ASSERT_TRUE(store().PutStatus(s).ok());
  StatusResource newer = s;
  newer.id = Uuid(2);
  newer.request_timestamp = kT0 + 48LL * 3600 * 1000000;
  newer.status = "pending";
  newer.pending_count = 1;
  newer.pendings = {{"x--1", "v", ""}};
  ASSERT_TRUE(store().PutStatus(newer).ok());
  auto g = store().GetStatus(Uuid(1));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->owner_user_id, "u1");
  EXPECT_EQ(g->api_root, "api");
  EXPECT_EQ(g->total_count, 3);
  EXPECT_EQ(g->success_count, 2);
  EXPECT_EQ(g->failure_count, 1);
  ASSERT_EQ(g->successes.size(), 2u);
  EXPECT_EQ(g->successes[1].message, "ok");
  ASSERT_EQ(g->failures.size(), 1u);
  EXPECT_EQ(g->failures[0].message, "bad pattern");
  EXPECT_EQ(g->request_timestamp, kT0);
  // Upsert.
  s.status = "pending";
  ASSERT_TRUE(store().PutStatus(s).ok());
  EXPECT_EQ(store().GetStatus(Uuid(1))->status, "pending");
  EXPECT_TRUE(store().GetStatus(Uuid(3)).status().IsNotFound());
  // Retention: purge everything older than 24 h before `newer`.
  auto n = store().PurgeStatuses(newer.request_timestamp - 24LL * 3600 * 1000000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(store().GetStatus(Uuid(1)).status().IsNotFound());
  auto kept = store().GetStatus(Uuid(2));
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->pendings.size(), 1u);
  EXPECT_EQ(kept->pendings[0].id, "x--1");
  EXPECT_EQ(*store().PurgeStatuses(newer.request_timestamp), 0u);  // strictly older
}

// ---- Identities ----

TEST_P(StoreConformanceTest, Identities) {
  Organization o;
  o.id = Uuid(1);
  o.name = "CERT-X";
  o.identity_id = "identity--" + Uuid(1);
  o.client_org_ids = {Uuid(2), Uuid(3)};
  o.trusted_for_amber = true;
  o.created = kT0;
  ASSERT_TRUE(store().PutOrganization(o).ok());
  Organization o2 = o;
  o2.id = Uuid(2);
  o2.name = "Client";
  o2.client_org_ids.clear();
  ASSERT_TRUE(store().PutOrganization(o2).ok());
  o.name = "CERT-X renamed";
  ASSERT_TRUE(store().PutOrganization(o).ok());  // upsert
  auto go = store().GetOrganization(Uuid(1));
  ASSERT_TRUE(go.ok());
  EXPECT_EQ(go->name, "CERT-X renamed");
  EXPECT_EQ(go->client_org_ids, o.client_org_ids);
  EXPECT_TRUE(go->trusted_for_amber);
  EXPECT_EQ(go->identity_id, o.identity_id);
  EXPECT_EQ(go->created, kT0);
  EXPECT_EQ(store().ListOrganizations()->size(), 2u);
  EXPECT_TRUE(store().GetOrganization(Uuid(9)).status().IsNotFound());

  User u;
  u.id = Uuid(10);
  u.org_id = Uuid(1);
  u.name = "alice";
  u.role = Role::kOrgAdmin;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.created = kT0;
  ASSERT_TRUE(store().PutUser(u).ok());
  u.disabled = true;
  ASSERT_TRUE(store().PutUser(u).ok());
  auto gu = store().GetUser(Uuid(10));
  ASSERT_TRUE(gu.ok());
  EXPECT_EQ(gu->role, Role::kOrgAdmin);
  EXPECT_TRUE(gu->disabled);
  EXPECT_EQ(gu->password_hash, u.password_hash);
  EXPECT_EQ(gu->org_id, Uuid(1));
  EXPECT_EQ(store().ListUsers()->size(), 1u);
  EXPECT_TRUE(store().GetUser("nobody").status().IsNotFound());

  Token t;
  t.id = "tok1";
  t.user_id = Uuid(10);
  t.name = "ci";
  t.secret_sha256 = std::string(64, 'a');
  t.created = kT0;
  t.expires = kT0 + 1000;
  ASSERT_TRUE(store().PutToken(t).ok());
  Token t2 = t;
  t2.id = "tok2";
  t2.secret_sha256 = std::string(64, 'b');
  ASSERT_TRUE(store().PutToken(t2).ok());
  auto ft = store().FindTokenBySecretHash(std::string(64, 'b'));
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->id, "tok2");
  EXPECT_EQ(ft->expires, kT0 + 1000);
  EXPECT_TRUE(store().FindTokenBySecretHash(std::string(64, 'c')).status().IsNotFound());
  t.revoked = true;
  ASSERT_TRUE(store().PutToken(t).ok());
  EXPECT_TRUE(store().FindTokenBySecretHash(std::string(64, 'a'))->revoked);
  EXPECT_EQ(store().ListTokens()->size(), 2u);

  Grant g;
  g.collection_id = kC1;
  g.grantee_kind = GranteeKind::kOrganization;
  g.grantee_id = Uuid(1);
  g.can_read = true;
  ASSERT_TRUE(store().PutGrant(g).ok());
  g.can_write = true;  // upsert on the key
  ASSERT_TRUE(store().PutGrant(g).ok());
  Grant gu2 = g;
  gu2.grantee_kind = GranteeKind::kUser;
  gu2.can_write = false;
  ASSERT_TRUE(store().PutGrant(gu2).ok());
  auto grants = store().ListGrants();
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 2u);
  int writes = 0;
  for (const auto& x : *grants) writes += x.can_write;
  EXPECT_EQ(writes, 1);

  SharingGroup sg;
  sg.id = "g1";
  sg.name = "energy";
  sg.member_org_ids = {Uuid(1), Uuid(2)};
  ASSERT_TRUE(store().PutSharingGroup(sg).ok());
  sg.member_org_ids.push_back(Uuid(3));
  ASSERT_TRUE(store().PutSharingGroup(sg).ok());
  auto groups = store().ListSharingGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].member_org_ids.size(), 3u);
  EXPECT_EQ((*groups)[0].name, "energy");
}

// ---- Audit chain ----

void ExpectValidChain(const std::vector<AuditRecord>& recs) {
  std::string prev = kAuditGenesisHash;
  for (size_t i = 0; i < recs.size(); ++i) {
    EXPECT_EQ(recs[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(recs[i].prev_hash, prev);
    EXPECT_EQ(recs[i].hash, AuditChainHash(recs[i]));
    prev = recs[i].hash;
  }
}

TEST_P(StoreConformanceTest, AuditChainAppendAndWithWrites) {
  auto a1 = store().AppendAudit({"system", "store.open", "", "{}"});
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(a1->seq, 1);
  EXPECT_EQ(a1->prev_hash, kAuditGenesisHash);
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  WriteOptions w;
  w.audit = AuditEntry{"u1", "objects.add", kC1, "{\"count\":1}"};
  auto r = store().AddObjects(kC1, {Obj("indicator", 1, kT0)}, w);
  ASSERT_TRUE(r.ok());
  Organization o;
  o.id = "org";
  o.name = "n";
  w.audit = AuditEntry{"admin", "org.put", "org", "{}"};
  ASSERT_TRUE(store().PutOrganization(o, w).ok());
  w.audit = AuditEntry{"admin", "objects.delete", kC1, "{}"};
  ASSERT_TRUE(store().DeleteObject(kC1, "indicator--" + Uuid(1), {}, {}, w).ok());
  auto recs = store().ReadAudit(0, 100);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 4u);
  EXPECT_EQ((*recs)[1].action, "objects.add");
  EXPECT_EQ((*recs)[1].detail, "{\"count\":1}");
  EXPECT_EQ((*recs)[2].actor, "admin");
  EXPECT_EQ((*recs)[3].target, kC1);
  ExpectValidChain(*recs);
  auto tail = store().ReadAudit(2, 1);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].seq, 3);
  EXPECT_EQ((*tail)[0].hash, (*recs)[2].hash);
}

TEST_P(StoreConformanceTest, AuditChainConcurrentAppendsStayChained) {
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = store().AppendAudit({"t" + std::to_string(t), "x", "", std::to_string(i)});
        EXPECT_TRUE(r.ok());
      }
    });
  }
  for (auto& t : ts) t.join();
  auto recs = store().ReadAudit(0, 1000);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 100u);
  ExpectValidChain(*recs);
}

TEST_P(StoreConformanceTest, FailedWriteRecordsNoAudit) {
  WriteOptions w;
  w.audit = AuditEntry{"u1", "objects.add", "missing", "{}"};
  EXPECT_FALSE(store().AddObjects("missing", {Obj("indicator", 1, kT0)}, w).ok());
  EXPECT_TRUE(store().ReadAudit(0, 10)->empty());
}


// ---- Ownership of ids (NewObject::owner, Store::GetObjectOwner) ----

NewObject Owned(const std::string& type, int n, Micros modified, const std::string& owner) {
  NewObject o = Obj(type, n, modified);
  o.owner = owner;
  return o;
}

TEST_P(StoreConformanceTest, OwnerIsRecordedWithTheFirstVersionAndKeptAfterDelete) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  EXPECT_TRUE(store().GetObjectOwner("indicator--" + Uuid(1)).status().IsNotFound());
  AddAll(store(), kC1, {Owned("indicator", 1, kT0, "org:a")});
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(1)), "org:a");
  // Compared by stix::CanonicalId: any case of the id is the same id.
  std::string upper = "INDICATOR--" + Uuid(1);
  EXPECT_EQ(*store().GetObjectOwner(upper), "org:a");
  // The owner adds versions; another owner cannot.
  AddAll(store(), kC1, {Owned("indicator", 1, kT0 + 1, "org:a")});
  auto r = store().AddObjects(kC1, {Owned("indicator", 1, kT0 + 2, "org:b")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[0].message, kIdTakenMessage);
  // Deleting every version keeps the owner: the id cannot be re-taken.
  ASSERT_EQ(*store().DeleteObject(kC1, "indicator--" + Uuid(1), VersionFilter{}, {}), 2u);
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(1)), "org:a");
  r = store().AddObjects(kC1, {Owned("indicator", 1, kT0 + 3, "org:b")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[0].message, kIdTakenMessage);
  AddAll(store(), kC1, {Owned("indicator", 1, kT0 + 3, "org:a")});
  ObjectQuery q;
  q.collection_id = kC1;
  q.versions.all = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0 + 3));
}

TEST_P(StoreConformanceTest, OwnerHoldsTheIdInEveryCollectionAndCase) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "c2")).ok());
  NewObject first = Owned("indicator", 1, kT0, "org:a");
  first.id = "indicator--abcdef01-0000-4000-8000-00000000abcd";
  AddAll(store(), kC1, {first});
  // The same id in upper case, in another collection, by another owner.
  NewObject other = Owned("indicator", 1, kT0 + 1, "org:b");
  other.id = "indicator--ABCDEF01-0000-4000-8000-00000000ABCD";
  EXPECT_EQ(*store().GetObjectOwner(other.id), "org:a");
  auto r = store().AddObjects(kC2, {other});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[0].message, kIdTakenMessage);
  ObjectQuery q;
  q.collection_id = kC2;
  EXPECT_TRUE(Query(store(), q).objects.empty());
  // The owner may put it in the other collection.
  other.owner = "org:a";
  AddAll(store(), kC2, {other});
}

TEST_P(StoreConformanceTest, OwnerCheckComesBeforeTheDuplicateCheck) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  NewObject a = Owned("indicator", 1, kT0, "org:a");
  AddAll(store(), kC1, {a});
  NewObject b = a;
  b.owner = "org:b";
  auto r = store().AddObjects(kC1, {b, a});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].result, WriteResult::kFailed);  // not kDuplicate
  EXPECT_EQ((*r)[0].message, kIdTakenMessage);
  EXPECT_EQ((*r)[1].result, WriteResult::kDuplicate);
}

TEST_P(StoreConformanceTest, EmptyOwnerChecksNothingAndRecordsNothing) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  AddAll(store(), kC1, {Obj("indicator", 1, kT0)});
  EXPECT_TRUE(store().GetObjectOwner("indicator--" + Uuid(1)).status().IsNotFound());
  // The first version that carries an owner records it...
  AddAll(store(), kC1, {Owned("indicator", 1, kT0 + 1, "org:a")});
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(1)), "org:a");
  // ...and a version without one is not checked.
  AddAll(store(), kC1, {Obj("indicator", 1, kT0 + 2)});
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(1)), "org:a");
}

TEST_P(StoreConformanceTest, OwnersWithinOneRequest) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  auto r = store().AddObjects(
      kC1, {Owned("indicator", 1, kT0, "org:a"), Owned("indicator", 1, kT0 + 1, "org:b"),
            Owned("indicator", 2, kT0, "org:b"), Owned("indicator", 1, kT0 + 2, "org:a")});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].result, WriteResult::kAdded);
  EXPECT_EQ((*r)[1].result, WriteResult::kFailed);
  EXPECT_EQ((*r)[1].message, kIdTakenMessage);
  EXPECT_EQ((*r)[2].result, WriteResult::kAdded);
  EXPECT_EQ((*r)[3].result, WriteResult::kAdded);
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(1)), "org:a");
  EXPECT_EQ(*store().GetObjectOwner("indicator--" + Uuid(2)), "org:b");
  ObjectQuery q;
  q.collection_id = kC1;
  q.versions.all = true;
  EXPECT_THAT(Versions(Query(store(), q)), ElementsAre(kT0, kT0, kT0 + 2));
}

TEST_P(StoreConformanceTest, ConcurrentFirstWritesOfOneIdHaveOneWinner) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c1")).ok());
  ASSERT_TRUE(store().CreateCollection(Coll(kC2, "c2")).ok());
  constexpr int kIds = 20, kWriters = 4;
  std::atomic<int> added[kIds] = {};
  std::vector<std::thread> ts;
  for (int t = 0; t < kWriters; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kIds; ++i) {
        // Writers race on every id, in both collections, each its own version.
        auto r = store().AddObjects(t % 2 ? kC1 : kC2,
                                    {Owned("indicator", i, kT0 + t, "org:" + std::to_string(t))});
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        if ((*r)[0].result == WriteResult::kAdded) {
          ++added[i];
        } else {
          EXPECT_EQ((*r)[0].message, kIdTakenMessage);
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  for (int i = 0; i < kIds; ++i) {
    EXPECT_EQ(added[i].load(), 1) << i;
    auto owner = store().GetObjectOwner("indicator--" + Uuid(i));
    ASSERT_TRUE(owner.ok());
    // The only stored version is the winner's.
    size_t versions = 0;
    for (const char* c : {kC1, kC2}) {
      ObjectQuery q;
      q.collection_id = c;
      q.ids = {"indicator--" + Uuid(i)};
      q.versions.all = true;
      for (const auto& o : Query(store(), q).objects) {
        ++versions;
        EXPECT_EQ("org:" + std::to_string(o.version - kT0), *owner);
      }
    }
    EXPECT_EQ(versions, 1u) << i;
  }
}

// ---- Server secrets ----

TEST_P(StoreConformanceTest, SecretsAreRandomCreatedOnceAndStable) {
  auto a = store().GetOrCreateSecret("test-a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(*store().GetOrCreateSecret("test-a"), *a);
  auto b = store().GetOrCreateSecret("test-b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, std::string(32, '\0'));
  // The cursor key exists (made at open) and is not any other secret.
  auto cursor_key = store().GetOrCreateSecret(kCursorKeySecret);
  ASSERT_TRUE(cursor_key.ok());
  EXPECT_NE(*cursor_key, *a);
  // Concurrent first uses agree.
  std::vector<std::string> got(8);
  std::vector<std::thread> ts;
  for (size_t t = 0; t < got.size(); ++t) {
    ts.emplace_back([&, t] {
      auto r = store().GetOrCreateSecret("test-c");
      ASSERT_TRUE(r.ok());
      got[t] = *r;
    });
  }
  for (auto& t : ts) t.join();
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  // Another store has other secrets.
  std::unique_ptr<Store> other = GetParam()();
  ASSERT_TRUE(other);
  EXPECT_NE(*other->GetOrCreateSecret("test-a"), *a);
}

// ---- Cursors: authenticated, encrypted ----

// Strict base64url (no padding) to bytes, for looking inside a cursor.
std::string Base64UrlBytes(const std::string& s) {
  auto v = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int x = v(c);
    if (x < 0) return "";
    acc = (acc << 6) | static_cast<uint32_t>(x);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

bool ContainsInteger(const std::string& bytes, int64_t v) {
  std::string be(8, '\0'), le(8, '\0');
  for (int i = 0; i < 8; ++i) {
    be[7 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
    le[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
  // In decimal only when long enough not to turn up by chance.
  const std::string dec = std::to_string(v);
  return bytes.find(be) != std::string::npos || bytes.find(le) != std::string::npos ||
         (dec.size() >= 6 && bytes.find(dec) != std::string::npos);
}

TEST_P(StoreConformanceTest, CursorRefusesEveryTamperedOrForgedValue) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  AddAll(store(), kC1, {Obj("indicator", 1, kT0), Obj("indicator", 2, kT0), Obj("indicator", 3, kT0)});
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1;
  Page p = Query(store(), q);
  ASSERT_TRUE(p.more);
  const std::string good = p.next;
  auto refused = [&](const std::string& cursor) {
    ObjectQuery bad = q;
    bad.cursor = cursor;
    auto r = store().QueryObjects(bad);
    if (r.ok()) return false;
    int calls = 0;
    auto scan = store().ScanObjects(bad, [&](const StoredObject&) { ++calls; });
    return r.status().code() == StatusCode::kInvalidArgument &&
           r.status().message() == kInvalidCursorMessage &&
           scan.status().code() == StatusCode::kInvalidArgument && calls == 0;
  };
  // Every character (each byte class: format byte, nonce, ciphertext, tag),
  // changed to each of a few other characters.
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'A', 'f', '0', '-', '_'}) {
      if (good[i] == c) continue;
      std::string t = good;
      t[i] = c;
      EXPECT_TRUE(refused(t)) << "char " << i << " -> " << c;
    }
  }
  // Truncated at every length, extended, padded, empty, garbage, huge.
  for (size_t n = 1; n < good.size(); ++n) EXPECT_TRUE(refused(good.substr(0, n))) << n;
  for (const std::string& bad :
       {good + "A", good + "AAAA", good + "=", "=" + good, std::string("garbage"), std::string("!!"),
        std::string(good.size(), 'A'), std::string(5000, 'A'), good.substr(1) + good[0],
        std::string(good.size(), '\0')}) {
    EXPECT_TRUE(refused(bad)) << bad;
  }
  // The old plain-text format (base64 of "1.<date_added>.<seq>.<check>").
  EXPECT_TRUE(refused("MS4xNzAwMDAwMDAwMDAwMDAwLjEuMDAwMDAwMDAwMDAw"));
  // The good one still works, and the same position always gives the same cursor.
  q.cursor = good;
  Page p2 = Query(store(), q);
  ASSERT_EQ(p2.objects.size(), 1u);
  EXPECT_EQ(p2.objects[0].id, "indicator--" + Uuid(2));
  q.cursor.clear();
  EXPECT_EQ(Query(store(), q).next, good);
}

TEST_P(StoreConformanceTest, CursorRevealsNothingAboutTheRows) {
  ASSERT_TRUE(store().CreateCollection(Coll(kC1, "c")).ok());
  std::vector<NewObject> objs;
  for (int i = 0; i < 6; ++i) objs.push_back(Obj("indicator", i, kT0 + i));
  AddAll(store(), kC1, objs);
  ObjectQuery q;
  q.collection_id = kC1;
  q.limit = 1;
  std::set<std::string> cursors;
  for (int page = 0; page < 5; ++page) {
    Page p = Query(store(), q);
    ASSERT_TRUE(p.more);
    ASSERT_EQ(p.objects.size(), 1u);
    const StoredObject& last = p.objects[0];
    const std::string bytes = Base64UrlBytes(p.next);
    ASSERT_FALSE(bytes.empty()) << p.next;
    for (int64_t v : {last.date_added, last.seq, last.version}) {
      EXPECT_FALSE(ContainsInteger(bytes, v)) << v;
      EXPECT_FALSE(ContainsInteger(p.next, v)) << v;
    }
    // Same length for every position; distinct positions, distinct cursors.
    if (!cursors.empty()) EXPECT_EQ(p.next.size(), cursors.begin()->size());
    EXPECT_TRUE(cursors.insert(p.next).second);
    q.cursor = p.next;
  }
  // Neighbouring positions share no long run of bytes (no readable counter).
  std::vector<std::string> v(cursors.begin(), cursors.end());
  std::string a = Base64UrlBytes(v[0]), b = Base64UrlBytes(v[1]);
  size_t same = 0;
  for (size_t i = 1; i < a.size() && i < b.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, a.size() / 4);
}

}  // namespace
}  // namespace rampart::store::testing
