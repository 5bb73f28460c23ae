#include "auth/authenticator.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "auth/identity.h"
#include "base/crypto.h"
#include "base/time.h"
#include "store/memory/memory_store.h"

namespace rampart::auth {
namespace {

Micros g_now = 0;
Micros FakeNow() { return g_now; }

std::string Base64(std::string_view s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(n);
  return out;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_now = NowMicros();
    store_ = store::NewMemoryStore();
    local_ = EnsureBootstrap(*store_).value();
    user_ = AddUser(*store_, {"alice", local_.id, store::Role::kContributor, "correct horse"}, "test").value();
    token_ = CreateToken(*store_, user_.id, "ci", 0, "test").value();
    AuthenticatorOptions o;
    o.max_failures = 5;
    o.failure_window = 60'000'000;
    auth_ = std::make_unique<Authenticator>(*store_, o);
    auth_->SetClockForTest(&FakeNow);
  }
  std::unique_ptr<store::Store> store_;
  store::Organization local_;
  store::User user_;
  CreatedToken token_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, BearerAndBasicForms) {
  struct Case {
    std::string header;
    bool ok;
  } cases[] = {
      {"Bearer " + token_.secret, true},
      {"bearer   " + token_.secret, true},
      {"Basic " + Base64("anything:" + token_.secret), true},  // user name ignored for tokens
      {"Basic " + Base64("alice:correct horse"), true},
      {"Basic " + Base64(user_.id + ":correct horse"), true},
      {"Basic " + Base64("alice:wrong"), false},
      {"Basic " + Base64("bob:correct horse"), false},
      {"Basic " + Base64("no-colon"), false},
      {"Basic !!!!", false},
      {"Bearer rmp_" + std::string(64, '0'), false},
      {"Bearer " + token_.secret.substr(0, 60), false},
      {"Digest abc", false},
      {"", false},
  };
  for (const auto& c : cases) {
    Authenticator fresh(*store_);
    Result<Principal> p = fresh.Authenticate(c.header, "");
    EXPECT_EQ(p.ok(), c.ok) << c.header;
    if (c.ok) {
      EXPECT_EQ(p->user_id, user_.id);
      EXPECT_EQ(p->org_id, local_.id);
      EXPECT_EQ(p->role, store::Role::kContributor);
    } else {
      EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated) << c.header;
    }
  }
}

TEST_F(AuthenticatorTest, TokenStoredOnlyAsSha256AndComparedInConstantTime) {
  auto tokens = store_->ListTokens().value();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].secret_sha256, Sha256Hex(token_.secret));
  EXPECT_EQ(tokens[0].secret_sha256.find(token_.secret.substr(4)), std::string::npos);
  EXPECT_TRUE(LooksLikeToken(token_.secret));
  EXPECT_EQ(token_.secret.size(), 4u + 64u);  // 256 bits
  uint64_t before = auth_->ConstantTimeComparisonsForTest();
  ASSERT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "10.0.0.1").ok());
  EXPECT_EQ(auth_->ConstantTimeComparisonsForTest(), before + 1);
  // Second call: served from the cache, no store lookup, no comparison.
  ASSERT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "10.0.0.1").ok());
  EXPECT_EQ(auth_->ConstantTimeComparisonsForTest(), before + 1);
}

TEST_F(AuthenticatorTest, ExpiredTokenRefusedEvenWhenCached) {
  auto t = CreateToken(*store_, user_.id, "short", g_now + 1'000'000, "test").value();
  EXPECT_TRUE(auth_->Authenticate("Bearer " + t.secret, "").ok());
  g_now += 1'500'000;  // past expiry, still inside the 2 s cache TTL
  Result<Principal> p = auth_->Authenticate("Bearer " + t.secret, "");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(p.status().message().find("expired"), std::string_view::npos);
}

TEST_F(AuthenticatorTest, RevokedTokenRefused) {
  EXPECT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "").ok());
  ASSERT_TRUE(RevokeToken(*store_, token_.token.id, "test").ok());
  // Another process revoked it: refused once the cache TTL (2 s) has passed.
  g_now += 2'000'001;
  Result<Principal> p = auth_->Authenticate("Bearer " + token_.secret, "");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(p.status().message().find("revoked"), std::string_view::npos);
}

TEST_F(AuthenticatorTest, RevocationImmediateAfterInvalidate) {
  EXPECT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "").ok());
  ASSERT_TRUE(RevokeToken(*store_, "ci", "test").ok());
  auth_->Invalidate();
  EXPECT_FALSE(auth_->Authenticate("Bearer " + token_.secret, "").ok());
}

TEST_F(AuthenticatorTest, DisabledUserRefused) {
  store::User u = user_;
  u.disabled = true;
  ASSERT_TRUE(store_->PutUser(u).ok());
  EXPECT_FALSE(auth_->Authenticate("Bearer " + token_.secret, "").ok());
}

TEST_F(AuthenticatorTest, LimitedAddressStillServesValidCredentials) {
  // Issue 10, item 6: failures from one address (a NAT, a shared proxy) must
  // not lock out the good credentials behind it.
  const std::string bad = "Bearer rmp_" + std::string(64, 'a');
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(auth_->Authenticate(bad, "192.0.2.7").status().code(), StatusCode::kUnauthenticated);
  }
  // The address is limited: its failures answer 429...
  EXPECT_EQ(auth_->Authenticate("Bearer rmp_" + std::string(64, 'b'), "192.0.2.7").status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(auth_->Authenticate("Digest abc", "192.0.2.7").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(auth_->Authenticate("Basic " + Base64("alice:wrong"), "192.0.2.7").status().code(),
            StatusCode::kResourceExhausted);
  // ...but a valid token, uncached, and a valid password are served.
  auth_->Invalidate();
  EXPECT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "192.0.2.7").ok());
  EXPECT_TRUE(auth_->Authenticate("Basic " + Base64("anyone:" + token_.secret), "192.0.2.7").ok());
  EXPECT_TRUE(auth_->Authenticate("Basic " + Base64("alice:correct horse"), "192.0.2.7").ok());
  // Another address is not limited at all.
  EXPECT_EQ(auth_->Authenticate("Bearer rmp_" + std::string(64, 'b'), "192.0.2.8").status().code(),
            StatusCode::kUnauthenticated);
  // The window passes.
  g_now += 60'000'001;
  EXPECT_EQ(auth_->Authenticate("Bearer rmp_" + std::string(64, 'b'), "192.0.2.7").status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, RateLimitPerToken) {
  // A revoked token hammered from many addresses: limited by its hash, then
  // refused without a store lookup.
  ASSERT_TRUE(RevokeToken(*store_, token_.token.id, "test").ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(auth_->Authenticate("Bearer " + token_.secret, "198.51.100." + std::to_string(i)).status().code(),
              StatusCode::kUnauthenticated);
  }
  uint64_t compares = auth_->ConstantTimeComparisonsForTest();
  EXPECT_EQ(auth_->Authenticate("Bearer " + token_.secret, "203.0.113.1").status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(auth_->ConstantTimeComparisonsForTest(), compares);
  // Another token of the same user is unaffected.
  auto other = CreateToken(*store_, user_.id, "other", 0, "test").value();
  EXPECT_TRUE(auth_->Authenticate("Bearer " + other.secret, "203.0.113.1").ok());
}

TEST_F(AuthenticatorTest, LimitedUserAnswers429WhateverThePasswordWithoutArgon2) {
  // A login cached before the guessing started must not answer differently
  // either (else a guess equal to the cached password would show as 200).
  ASSERT_TRUE(auth_->Authenticate("Basic " + Base64("alice:correct horse"), "203.0.113.9").ok());
  // Password guessing for alice from many addresses.
  for (int i = 0; i < 5; ++i) {
    std::string addr = "198.51.100." + std::to_string(i);
    EXPECT_EQ(auth_->Authenticate("Basic " + Base64("alice:guess" + std::to_string(i)), addr)
                  .status().code(),
              StatusCode::kUnauthenticated);
  }
  const uint64_t checks = auth_->PasswordChecksForTest();
  for (const std::string& header : {"Basic " + Base64("alice:correct horse"),  // cached
                                    "Basic " + Base64("alice:another guess"),
                                    "Basic " + Base64(user_.id + ":correct horse"),  // by id: same budget
                                    "Basic " + Base64(user_.id + ":yet another")}) {
    Result<Principal> p = auth_->Authenticate(header, "203.0.113.1");
    ASSERT_FALSE(p.ok()) << header;
    EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted) << header;
  }
  EXPECT_EQ(auth_->PasswordChecksForTest(), checks) << "argon2 ran for a limited user";
  // alice's token is another credential: still served.
  EXPECT_TRUE(auth_->Authenticate("Bearer " + token_.secret, "203.0.113.1").ok());
  g_now += 60'000'001;
  EXPECT_TRUE(auth_->Authenticate("Basic " + Base64("alice:correct horse"), "203.0.113.1").ok());
}

TEST_F(AuthenticatorTest, UnknownUserNamesAreLimitedLikeKnownOnes) {
  // Same answers and the same argon2 work for a user that does not exist, so
  // the limiter tells nothing about which names exist.
  for (const std::string name : {"alice", "mallory"}) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(auth_->Authenticate("Basic " + Base64(name + ":guess"), "198.51.100." + std::to_string(i))
                    .status().code(),
                StatusCode::kUnauthenticated)
          << name;
    }
    const uint64_t checks = auth_->PasswordChecksForTest();
    EXPECT_EQ(auth_->Authenticate("Basic " + Base64(name + ":guess"), "203.0.113.1").status().code(),
              StatusCode::kResourceExhausted)
        << name;
    EXPECT_EQ(auth_->PasswordChecksForTest(), checks) << name;
  }
}

TEST_F(AuthenticatorTest, FailuresOfOneUserDoNotLimitAnother) {
  AddUser(*store_, {"carol", local_.id, store::Role::kReader, "carol's secret"}, "test").value();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(auth_->Authenticate("Basic " + Base64("alice:guess"), "").ok());
  }
  EXPECT_TRUE(auth_->Authenticate("Basic " + Base64("carol:carol's secret"), "").ok());
}

TEST_F(AuthenticatorTest, SnapshotFollowsIdentityChanges) {
  store::Collection c;
  c.id = "11111111-2222-4333-8444-555555555555";
  c.title = "t";
  ASSERT_TRUE(store_->CreateCollection(c).ok());
  Principal p = auth_->Authenticate("Bearer " + token_.secret, "").value();
  EXPECT_FALSE(DecideCollection(*auth_->Snapshot(), p, c).can_read);
  ASSERT_TRUE(PutGrant(*store_, {c.id, store::GranteeKind::kOrganization, local_.id, true, true}, "test").ok());
  // Stale until the TTL passes or Invalidate().
  EXPECT_FALSE(DecideCollection(*auth_->Snapshot(), p, c).can_read);
  g_now += 2'000'001;
  EXPECT_TRUE(DecideCollection(*auth_->Snapshot(), p, c).can_write);
}

TEST(IdentityTest, BootstrapIsIdempotentAndAudited) {
  auto s = store::NewMemoryStore();
  auto a = EnsureBootstrap(*s).value();
  auto b = EnsureBootstrap(*s).value();
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(s->ListOrganizations().value().size(), 1u);
  EXPECT_EQ(a.identity_id.rfind("identity--", 0), 0u);
  auto audit = s->ReadAudit(0, 100).value();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "org.bootstrap");
}

TEST(IdentityTest, PasswordsAreArgon2id) {
  std::string h = HashPassword("s3cret").value();
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(h, "s3cret"));
  EXPECT_FALSE(VerifyPassword(h, "s3cret "));
  EXPECT_FALSE(VerifyPassword("plain", "plain"));
}

TEST(IdentityTest, ParseDuration) {
  struct {
    const char* in;
    Micros want;  // -1 = error
  } cases[] = {{"90s", 90'000'000}, {"45m", 2'700'000'000}, {"12h", 43'200'000'000},
               {"30d", 2'592'000'000'000}, {"2w", 1'209'600'000'000}, {"0d", -1},
               {"d", -1}, {"10y", -1}, {"-5d", -1}, {"99999999999d", -1}};
  for (const auto& c : cases) {
    Result<Micros> r = ParseDuration(c.in);
    if (c.want < 0) {
      EXPECT_FALSE(r.ok()) << c.in;
    } else {
      ASSERT_TRUE(r.ok()) << c.in;
      EXPECT_EQ(*r, c.want);
    }
  }
}

}  // namespace
}  // namespace rampart::auth
