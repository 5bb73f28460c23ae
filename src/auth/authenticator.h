// Authenticator: turns an HTTP Authorization header into a Principal, and
// hands out the current PolicySnapshot.
//
// Credentials (docs/trust.md, "Authentication"):
//   - `Authorization: Bearer <token>`: an API token ("rmp_" + 64 hex digits,
//     256 random bits). Only its SHA-256 is stored; the lookup is by that
//     hash and the stored hash is compared again with ConstantTimeEquals.
//   - `Authorization: Basic base64(user:password)`: if the password is an API
//     token (starts with "rmp_"), the user name is IGNORED and the token
//     authenticates (so clients that only speak Basic, e.g. taxii2-client,
//     can use tokens). Otherwise `user` is a user name (or user id) and the
//     password is checked against its argon2id hash.
// Expired or revoked tokens, disabled users, unknown users and wrong
// passwords are Unauthenticated (-> 401). A missing or unparsable header is
// Unauthenticated too.
//
// Rate limiting (ResourceExhausted -> 429 until the window passes): failed
// attempts are counted per presented credential (a token's hash; a user by
// id when the name is known, else the name) and per remote address.
//   - A valid credential is always served, from any address: a limited
//     address only turns its failures' 401 into 429 (its malformed headers
//     are refused at once).
//   - A limited credential answers 429 before any work on it: no token
//     lookup; for a user, whatever the password, before the cache and
//     without running argon2 -- so the answer to a limited user name tells a
//     guesser nothing about the password.
// A failure is recorded after the check, so the first `max_failures`
// failures answer 401 and later attempts 429.
//
// Caching: successful authentications are cached by SHA-256 of the
// credential for `cache_ttl` (default 2 s) and never beyond a token's expiry,
// so a token check on the hot path is one hash + one shared-lock map lookup.
// Revocation by another process (the CLI while the server runs) therefore
// takes effect within cache_ttl; Invalidate() makes it immediate in-process.
// The PolicySnapshot is rebuilt from the store when older than
// `snapshot_ttl` (default 2 s) or after Invalidate(); a rebuild failure keeps
// serving the previous snapshot.
//
// Thread-safety: all methods may be called concurrently.
#ifndef RAMPART_AUTH_AUTHENTICATOR_H_
#define RAMPART_AUTH_AUTHENTICATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/policy.h"
#include "base/result.h"
#include "store/store.h"

namespace rampart::auth {

struct AuthenticatorOptions {
  Micros cache_ttl = 2'000'000;     // principal cache entry lifetime
  Micros snapshot_ttl = 2'000'000;  // PolicySnapshot lifetime
  size_t cache_max_entries = 100'000;
  // Failed attempts allowed per key (remote address; token hash; user)
  // within `failure_window` before ResourceExhausted.
  int max_failures = 20;
  Micros failure_window = 60'000'000;
  size_t limiter_max_keys = 100'000;
};

class Authenticator {
 public:
  // `store` must outlive the Authenticator.
  explicit Authenticator(store::Store& store, AuthenticatorOptions options = {});
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Authenticates the value of an Authorization header (may be empty).
  // `remote_address` is the peer IP (for rate limiting; may be empty).
  // Errors: Unauthenticated (401), ResourceExhausted (429), Unavailable /
  // IoError when the store fails (503/500).
  Result<Principal> Authenticate(std::string_view authorization_header,
                                 std::string_view remote_address);

  // The current identity snapshot (never null once constructed: an empty
  // snapshot if the store could not be read at all).
  std::shared_ptr<const PolicySnapshot> Snapshot();

  // Drops every cached principal and the snapshot (call after changing
  // identities through this process).
  void Invalidate();

  // Test hook: overrides the clock used for TTLs and rate limiting.
  void SetClockForTest(Micros (*now)());
  // Test hook: number of constant-time hash comparisons performed.
  uint64_t ConstantTimeComparisonsForTest() const { return ct_compares_.load(); }
  // Test hook: number of argon2 password checks run (dummy ones included).
  uint64_t PasswordChecksForTest() const { return password_checks_.load(); }

 private:
  struct CacheEntry {
    Principal principal;
    Micros valid_until = 0;
  };
  struct Failures {
    Micros window_start = 0;
    int count = 0;
  };

  Micros Now() const;
  Result<Principal> AuthenticateToken(std::string_view secret);
  // `u` is the user the name named (or its NotFound / ambiguity error).
  Result<Principal> AuthenticatePassword(const Result<store::User>& u, std::string_view password);
  Result<Principal> PrincipalForUser(const store::User& u, std::string_view token_id);
  bool Limited(const std::string& key, Micros now);
  void RecordFailure(const std::string& key, Micros now);
  void ClearFailures(const std::string& key);
  std::shared_ptr<const PolicySnapshot> Rebuild();

  store::Store& store_;
  const AuthenticatorOptions options_;
  Micros (*now_)() = nullptr;

  mutable std::shared_mutex cache_mu_;
  std::unordered_map<std::string, CacheEntry> cache_;  // GUARDED_BY(cache_mu_)

  std::mutex limiter_mu_;
  std::unordered_map<std::string, Failures> failures_;  // GUARDED_BY(limiter_mu_)

  std::mutex snapshot_mu_;
  std::shared_ptr<const PolicySnapshot> snapshot_;  // GUARDED_BY(snapshot_mu_)
  Micros snapshot_built_ = 0;                        // GUARDED_BY(snapshot_mu_)
  std::atomic<bool> rebuilding_{false};

  std::atomic<uint64_t> ct_compares_{0};
  std::atomic<uint64_t> password_checks_{0};
};

// Parses a token secret's shape ("rmp_" + 64 lower-case hex digits).
bool LooksLikeToken(std::string_view secret);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_AUTHENTICATOR_H_
