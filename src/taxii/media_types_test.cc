#include "taxii/media_types.h"

#include <gtest/gtest.h>

namespace rampart::taxii {
namespace {

TEST(MediaTypesTest, Accept) {
  struct Case {
    const char* accept;
    bool ok;
  } cases[] = {
      {"application/taxii+json;version=2.1", true},
      {"application/taxii+json", true},
      {"Application/TAXII+JSON; Version=2.1", true},
      {"application/taxii+json; version=\"2.1\"", true},
      {"text/html, application/taxii+json;version=2.1;q=0.9", true},
      {"application/taxii+json;version=2.0", false},
      {"application/taxii+json;version=2.1;q=0", false},
      {"application/taxii+json;q=0.000", false},
      {"application/json", false},
      {"*/*", false},
      {"application/*", false},
      {"", false},
      {"application/stix+json;version=2.1", false},
      {"application/taxii+jsonx", false},
  };
  for (const auto& c : cases) EXPECT_EQ(AcceptsTaxii21(c.accept), c.ok) << c.accept;
}

TEST(MediaTypesTest, ContentType) {
  struct Case {
    const char* ct;
    bool ok;
  } cases[] = {
      {"application/taxii+json;version=2.1", true},
      {"application/taxii+json; version=2.1; charset=utf-8", true},
      {"application/taxii+json", true},
      {"application/taxii+json;version=2.0", false},
      {"application/json", false},
      {"application/stix+json;version=2.1", false},
      {"", false},
      {"application/taxii+json;version=2.1, application/json", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsTaxii21ContentType(c.ct), c.ok) << c.ct;
}

}  // namespace
}  // namespace rampart::taxii
