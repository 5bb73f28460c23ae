#include "auth/authenticator.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <semaphore>
#include <vector>

#include "auth/identity.h"
#include "base/crypto.h"
#include "base/time.h"

namespace rampart::auth {

namespace {

bool IEqualsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Status BadCredentials() { return Status::Unauthenticated("invalid credentials"); }

// The limiter key of a known user (by id: its name and id share one budget).
std::string UserKey(std::string_view user_id) { return "u|" + std::string(user_id); }

}  // namespace

bool LooksLikeToken(std::string_view secret) {
  if (secret.size() != kTokenPrefix.size() + 64) return false;
  if (secret.substr(0, kTokenPrefix.size()) != kTokenPrefix) return false;
  for (char c : secret.substr(kTokenPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Authenticator::Authenticator(store::Store& store, AuthenticatorOptions options)
    : store_(store), options_(options) {}

Authenticator::~Authenticator() = default;

void Authenticator::SetClockForTest(Micros (*now)()) { now_ = now; }

Micros Authenticator::Now() const { return now_ ? now_() : NowMicros(); }

bool Authenticator::Limited(const std::string& key, Micros now) {
  std::lock_guard<std::mutex> l(limiter_mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  if (now - it->second.window_start >= options_.failure_window) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= options_.max_failures;
}

void Authenticator::RecordFailure(const std::string& key, Micros now) {
  std::lock_guard<std::mutex> l(limiter_mu_);
  if (failures_.size() >= options_.limiter_max_keys && !failures_.count(key)) {
    // Bounded memory under a flood of distinct keys: drop expired windows;
    // if still full, drop keys below the limit (blocked keys stay blocked).
    for (auto it = failures_.begin(); it != failures_.end();) {
      bool expired = now - it->second.window_start >= options_.failure_window;
      if (expired) it = failures_.erase(it); else ++it;
    }
    if (failures_.size() >= options_.limiter_max_keys) {
      for (auto it = failures_.begin(); it != failures_.end();) {
        if (it->second.count < options_.max_failures) it = failures_.erase(it); else ++it;
      }
    }
  }
  Failures& f = failures_[key];
  if (f.count == 0 || now - f.window_start >= options_.failure_window) {
    f.window_start = now;
    f.count = 0;
  }
  ++f.count;
}

void Authenticator::ClearFailures(const std::string& key) {
  std::lock_guard<std::mutex> l(limiter_mu_);
  failures_.erase(key);
}

Result<Principal> Authenticator::PrincipalForUser(const store::User& u,
                                                  std::string_view token_id) {
  if (u.disabled) return Status::Unauthenticated("user disabled");
  Principal p;
  p.user_id = u.id;
  p.org_id = u.org_id;
  p.role = u.role;
  p.token_id = std::string(token_id);
  return p;
}

Result<Principal> Authenticator::AuthenticateToken(std::string_view secret) {
  if (!LooksLikeToken(secret)) return BadCredentials();
  const std::string hash = Sha256Hex(secret);
  Result<store::Token> t = store_.FindTokenBySecretHash(hash);
  if (!t.ok()) {
    if (t.status().IsNotFound()) return BadCredentials();
    return t.status();
  }
  ct_compares_.fetch_add(1, std::memory_order_relaxed);
  if (!ConstantTimeEquals(t->secret_sha256, hash)) return BadCredentials();
  if (t->revoked) return Status::Unauthenticated("token revoked");
  if (t->expires != 0 && t->expires <= Now()) return Status::Unauthenticated("token expired");
  Result<store::User> u = store_.GetUser(t->user_id);
  if (!u.ok()) {
    if (u.status().IsNotFound()) return BadCredentials();
    return u.status();
  }
  return PrincipalForUser(*u, t->id);
}

Result<Principal> Authenticator::AuthenticatePassword(const Result<store::User>& u,
                                                      std::string_view password) {
  // argon2id uses 19 MiB per check: at most 4 run at once, so a burst of
  // password guesses cannot exhaust memory.
  static std::counting_semaphore<4> slots(4);
  slots.acquire();
  struct Release {
    ~Release() { slots.release(); }
  } release;
  password_checks_.fetch_add(1, std::memory_order_relaxed);
  if (!u.ok()) {
    // Spend the same time as a real check, so user names cannot be probed.
    static const std::string dummy = HashPassword("rampart-dummy-password").value();
    (void)VerifyPassword(dummy, password);
    return BadCredentials();
  }
  if (u->password_hash.empty() || !VerifyPassword(u->password_hash, password)) {
    return BadCredentials();
  }
  return PrincipalForUser(*u, "");
}

Result<Principal> Authenticator::Authenticate(std::string_view header,
                                              std::string_view remote_address) {
  // The rules (docs/trust.md, "Authentication"): a valid credential is
  // served from any address; failures count per presented credential (token
  // hash; user, by id when the name is known) and per address. A limited
  // credential answers 429 before any work on it -- for a user name,
  // whatever the password and before the cache, so neither a cached login
  // nor argon2 tells a guesser anything once the name is limited. A limited
  // address only turns its failures' 401 into 429.
  const Micros now = Now();
  const std::string addr_key = remote_address.empty() ? std::string() : "a|" + std::string(remote_address);
  const bool addr_limited = !addr_key.empty() && Limited(addr_key, now);
  auto fail = [&](Status s, const std::string& cred_key) -> Status {
    if (!addr_key.empty()) RecordFailure(addr_key, now);
    if (!cred_key.empty()) RecordFailure(cred_key, now);
    if (addr_limited) {
      return Status::ResourceExhausted("too many failed authentication attempts from this address");
    }
    return s;
  };
  auto limited = [] {
    return Status::ResourceExhausted("too many failed authentication attempts for this credential");
  };
  header = Trim(header);
  if (header.empty()) return Status::Unauthenticated("authentication required");
  if (header.size() > 8192) return fail(Status::Unauthenticated("authorization header too long"), {});

  std::string token_secret, user, password;
  bool is_token = false;
  if (IEqualsPrefix(header, "bearer ")) {
    token_secret = std::string(Trim(header.substr(7)));
    is_token = true;
  } else if (IEqualsPrefix(header, "basic ")) {
    std::optional<std::string> dec = Base64Decode(Trim(header.substr(6)));
    size_t colon = dec ? dec->find(':') : std::string::npos;
    if (colon == std::string::npos) return fail(Status::Unauthenticated("malformed Basic credentials"), {});
    user = dec->substr(0, colon);
    password = dec->substr(colon + 1);
    if (password.substr(0, kTokenPrefix.size()) == kTokenPrefix) {
      token_secret = password;  // the user name is ignored for tokens
      is_token = true;
    }
  } else {
    return fail(Status::Unauthenticated("unsupported authorization scheme (use Bearer or Basic)"), {});
  }

  // Cache lookup by a hash of the whole credential (only valid ones are
  // cached). A cached password login still yields to its user's limit.
  const std::string cache_key = Sha256Hex(header);
  std::optional<Principal> cached;
  {
    std::shared_lock<std::shared_mutex> l(cache_mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.valid_until > now) cached = it->second.principal;
  }
  if (cached) {
    if (is_token || !Limited(UserKey(cached->user_id), now)) return *std::move(cached);
    return limited();
  }

  std::string cred_key;  // per-token / per-user limiter key
  Result<store::User> found = Status::NotFound("");
  if (is_token) {
    cred_key = "t|" + Sha256Hex(token_secret);
  } else {
    // By id when the name is known (so its name and its id share one
    // budget), else by the name presented; both take the same time.
    found = FindUser(store_, user);
    if (!found.ok() && !found.status().IsNotFound() && !found.status().IsInvalidArgument()) {
      return found.status();
    }
    cred_key = found.ok() ? UserKey(found->id) : "n|" + user;
  }
  if (Limited(cred_key, now)) return limited();

  Result<Principal> p = is_token ? AuthenticateToken(token_secret) : AuthenticatePassword(found, password);
  if (!p.ok()) {
    if (p.status().code() == StatusCode::kUnauthenticated) return fail(p.status(), cred_key);
    return p;
  }
  ClearFailures(cred_key);

  Micros valid_until = now + options_.cache_ttl;
  if (is_token) {
    // Never cache past the token's expiry.
    Result<store::Token> t = store_.FindTokenBySecretHash(Sha256Hex(token_secret));
    if (t.ok() && t->expires != 0) valid_until = std::min(valid_until, t->expires);
  }
  {
    std::unique_lock<std::shared_mutex> l(cache_mu_);
    if (cache_.size() >= options_.cache_max_entries) {
      for (auto it = cache_.begin(); it != cache_.end();) {
        if (it->second.valid_until <= now) it = cache_.erase(it); else ++it;
      }
      if (cache_.size() >= options_.cache_max_entries) cache_.clear();
    }
    cache_[cache_key] = CacheEntry{*p, valid_until};
  }
  return p;
}

std::shared_ptr<const PolicySnapshot> Authenticator::Rebuild() {
  auto orgs = store_.ListOrganizations();
  auto grants = store_.ListGrants();
  auto groups = store_.ListSharingGroups();
  if (!orgs.ok() || !grants.ok() || !groups.ok()) return nullptr;
  return std::make_shared<const PolicySnapshot>(std::move(orgs).value(), std::move(grants).value(),
                                                std::move(groups).value());
}

std::shared_ptr<const PolicySnapshot> Authenticator::Snapshot() {
  const Micros now = Now();
  std::shared_ptr<const PolicySnapshot> current;
  bool stale;
  {
    std::lock_guard<std::mutex> l(snapshot_mu_);
    current = snapshot_;
    stale = !current || now - snapshot_built_ >= options_.snapshot_ttl;
  }
  if (!stale) return current;
  // One thread rebuilds; the others keep the previous snapshot meanwhile.
  bool expected = false;
  if (current && !rebuilding_.compare_exchange_strong(expected, true)) return current;
  if (!current) rebuilding_.store(true);
  std::shared_ptr<const PolicySnapshot> fresh = Rebuild();
  std::lock_guard<std::mutex> l(snapshot_mu_);
  if (fresh) {
    snapshot_ = fresh;
    snapshot_built_ = now;
  } else if (!snapshot_) {
    snapshot_ = std::make_shared<const PolicySnapshot>(std::vector<store::Organization>{},
                                                       std::vector<store::Grant>{},
                                                       std::vector<store::SharingGroup>{});
    snapshot_built_ = 0;
  }
  rebuilding_.store(false);
  return snapshot_;
}

void Authenticator::Invalidate() {
  {
    std::unique_lock<std::shared_mutex> l(cache_mu_);
    cache_.clear();
  }
  std::lock_guard<std::mutex> l(snapshot_mu_);
  snapshot_built_ = INT64_MIN / 2;
}

}  // namespace rampart::auth
