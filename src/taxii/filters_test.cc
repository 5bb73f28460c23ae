#include "taxii/filters.h"

#include <gtest/gtest.h>

namespace rampart::taxii {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(FiltersTest, Valid) {
  auto q = ParseFilters({{"added_after", "2016-02-01T00:00:01.000Z"},
                         {"limit", "5"},
                         {"match[type]", "indicator,malware"},
                         {"match[id]", "indicator--29aba82c-5393-42a8-9edb-6a2cb1df070b"},
                         {"match[version]", "first,2016-11-03T12:30:59.000Z"},
                         {"match[spec_version]", "2.0,2.1"},
                         {"next", "abc"},
                         {"unrelated", "x"}},
                        kAllFilters, {});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->limit, 5u);
  EXPECT_EQ(*q->added_after, 1454284801000000);
  EXPECT_EQ(q->types, (std::vector<std::string>{"indicator", "malware"}));
  EXPECT_EQ(q->ids.size(), 1u);
  EXPECT_TRUE(q->versions.first);
  EXPECT_EQ(q->versions.versions.size(), 1u);
  EXPECT_EQ(q->spec_versions.size(), 2u);
  EXPECT_EQ(q->cursor, "abc");
}

TEST(FiltersTest, LimitClampedAndDefault) {
  FilterLimits lim{100, 1000};
  EXPECT_EQ(ParseFilters({}, kAllFilters, lim)->limit, 100u);
  EXPECT_EQ(ParseFilters({{"limit", "999999999999999999999999"}}, kAllFilters, lim)->limit, 1000u);
  EXPECT_EQ(ParseFilters({{"limit", "1"}}, kAllFilters, lim)->limit, 1u);
}

TEST(FiltersTest, Malformed) {
  Params bad[] = {
      {{"limit", "0"}},
      {{"limit", "-1"}},
      {{"limit", "abc"}},
      {{"limit", ""}},
      {{"limit", "1.5"}},
      {{"added_after", "yesterday"}},
      {{"added_after", "2016-02-01T00:00:01+01:00"}},
      {{"added_after", ""}},
      {{"match[version]", "all,first"}},
      {{"match[version]", "newest"}},
      {{"match[spec_version]", "3.0"}},
      {{"match[type]", "Indicator"}},
      {{"match[type]", "a"}},
      {{"match[type]", "indicator,"}},
      {{"match[id]", "indicator--nope"}},
      {{"match[id]", "indicator"}},
      {{"next", ""}},
      {{"limit", "1"}, {"limit", "2"}},
  };
  for (const auto& p : bad) {
    auto q = ParseFilters(p, kAllFilters, {});
    EXPECT_FALSE(q.ok()) << p[0].first << "=" << p[0].second;
    if (!q.ok()) {
      EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(FiltersTest, TooManyValues) {
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? ",indicator" : "indicator");
  EXPECT_FALSE(ParseFilters({{"match[type]", many}}, kAllFilters, {}).ok());
}

TEST(FiltersTest, FiltersOutsideEndpointIgnored) {
  // match[type] is not a filter of the versions endpoint: ignored, even if malformed.
  auto q = ParseFilters({{"match[type]", "!!"}}, kAddedAfter | kLimit | kNext | kMatchSpecVersion, {});
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->types.empty());
}

TEST(FiltersTest, StixIds) {
  EXPECT_TRUE(IsStixId("x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a"));
  EXPECT_FALSE(IsStixId("indicator--69da72d2-f550-41c5-ab9e-e8255707f28"));
  EXPECT_FALSE(IsStixId("--69da72d2-f550-41c5-ab9e-e8255707f28a"));
  EXPECT_FALSE(IsStixId("in--69da72d2-f550-41c5-ab9e-e8255707f28a"));
}

}  // namespace
}  // namespace rampart::taxii
