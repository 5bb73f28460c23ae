#include "taxii/error_response.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rampart::taxii {
namespace {

// A 500 names nothing internal: the PostgreSQL message of issue 11 (index and
// table names) reaches the access log's detail, never the client.
TEST(ErrorResponseTest, InternalErrorBodyCarriesNoStatusText) {
  const std::string leak =
      "index row size 3016 exceeds btree version 4 maximum 2704 for index \"observables_pkey\"";
  for (Status s : {Status::Internal(leak), Status::IoError(leak), Status::Corruption(leak)}) {
    http::Response resp;
    RespondWithStatus(resp, s);
    EXPECT_EQ(resp.status, 500);
    EXPECT_EQ(resp.body.find("observables"), std::string::npos) << resp.body;
    EXPECT_EQ(resp.body.find("btree"), std::string::npos) << resp.body;
    auto j = nlohmann::json::parse(resp.body);
    EXPECT_EQ(j.at("http_status"), "500");
    const std::string id = j.at("error_id").get<std::string>();
    ASSERT_FALSE(id.empty());
    // The operator can match the client's error_id to the cause.
    EXPECT_NE(resp.log_detail.find(id), std::string::npos) << resp.log_detail;
    EXPECT_NE(resp.log_detail.find("observables_pkey"), std::string::npos) << resp.log_detail;
  }
}

// Client errors keep their message: it tells the client what to fix.
TEST(ErrorResponseTest, ClientErrorsKeepTheirMessage) {
  http::Response resp;
  RespondWithStatus(resp, Status::InvalidArgument("limit must be a positive integer"));
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("limit must be a positive integer"), std::string::npos) << resp.body;
  EXPECT_TRUE(resp.log_detail.empty());
  http::Response busy;
  RespondWithStatus(busy, Status::Unavailable("the store is busy; retry"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_NE(busy.body.find("the store is busy"), std::string::npos) << busy.body;
}

}  // namespace
}  // namespace rampart::taxii
