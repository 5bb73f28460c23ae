// RedactStoreUrl / RedactStoreUrlIn: no form of a store spec leaks its password.
#include "store/store_url.h"

#include <gtest/gtest.h>

namespace rampart::store {
namespace {

TEST(StoreUrlTest, RedactsEveryPasswordForm) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"postgres://u:pw@h/db", "postgres://u:***@h/db"},
      {"postgresql://u:pw@h:5432/db?sslmode=require", "postgresql://u:***@h:5432/db?sslmode=require"},
      {"postgres://h/db?password=pw", "postgres://h/db?password=***"},
      {"postgres://h/db?sslmode=disable&password=pw&application_name=x",
       "postgres://h/db?sslmode=disable&password=***&application_name=x"},
      {"postgres://h/db?PASSWORD=pw", "postgres://h/db?PASSWORD=***"},
      {"host=h password=pw dbname=d", "host=h password=*** dbname=d"},
      {"host=h password = 'p w\\' x' dbname=d", "host=h password = '***' dbname=d"},
      {"host=h sslpassword=pw", "host=h sslpassword=***"},
      {"postgres://u:p%40ss@h/db", "postgres://u:***@h/db"},
      // An unencoded '@' or '/' in the password: more is hidden, never less.
      {"postgres://u:p@ss@h/db", "postgres://u:***@h/db"},
      {"postgres://u:p/w@h/db", "postgres://u:***@h/db"},
      {"postgres://u:pw@h/db?password=pw2", "postgres://u:***@h/db?password=***"},
      // Inside a message.
      {"opening store postgres://u:pw@h/db: refused", "opening store postgres://u:***@h/db: refused"},
      {"mysql://root:toor@h/x", "mysql://root:***@h/x"},
      // Nothing to hide.
      {"postgres://u@h/db", "postgres://u@h/db"},
      {"postgres://h:5432/db", "postgres://h:5432/db"},
      {"sqlite:/var/lib/rampart", "sqlite:/var/lib/rampart"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(RedactStoreUrl(c.in), c.want) << c.in;
}

TEST(StoreUrlTest, RedactsPasswordsEchoedByTheDriver) {
  const std::string spec = "postgres://u:s3cr%21t@h:port/db?password=other";
  std::string msg = "invalid integer value \"port\"; user u, s3cr!t, s3cr%21t and other";
  std::string got = RedactStoreUrlIn(msg, spec);
  EXPECT_EQ(got.find("s3cr"), std::string::npos) << got;
  EXPECT_EQ(got.find("other"), std::string::npos) << got;
  EXPECT_NE(got.find("user u"), std::string::npos) << got;
  EXPECT_EQ(RedactStoreUrlIn("connection refused", "postgres://u@h/db"), "connection refused");
}

}  // namespace
}  // namespace rampart::store
