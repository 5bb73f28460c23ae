#include "auth/identity.h"

#include <argon2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/policy.h"
#include "base/crypto.h"
#include "base/time.h"

namespace rampart::auth {

namespace {

constexpr uint32_t kArgonTime = 2;
constexpr uint32_t kArgonMemoryKiB = 19456;
constexpr uint32_t kArgonLanes = 1;
constexpr size_t kArgonHashLen = 32;
constexpr size_t kArgonSaltLen = 16;

store::WriteOptions Audited(std::string_view actor, std::string_view action,
                            std::string_view target, nlohmann::json detail) {
  store::WriteOptions w;
  w.audit = store::AuditEntry{std::string(actor), std::string(action), std::string(target),
                              detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
  return w;
}

bool OrgLess(const store::Organization& a, const store::Organization& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.id < b.id;
}

}  // namespace

Result<store::Organization> LocalOrganization(store::Store& store) {
  RAMPART_ASSIGN_OR_RETURN(auto orgs, store.ListOrganizations());
  if (orgs.empty()) return Status::NotFound("no organisation yet (run EnsureBootstrap)");
  return *std::min_element(orgs.begin(), orgs.end(), OrgLess);
}

Result<store::Organization> EnsureBootstrap(store::Store& store, std::string_view local_name) {
  Result<store::Organization> local = LocalOrganization(store);
  if (local.ok() || !local.status().IsNotFound()) return local;
  store::Organization o;
  o.id = RandomUuid();
  o.name = std::string(local_name);
  o.identity_id = "identity--" + RandomUuid();
  o.created = NowMicros();
  RAMPART_RETURN_IF_ERROR(store.PutOrganization(
      o, Audited("system", "org.bootstrap", o.id,
                 {{"name", o.name}, {"identity_id", o.identity_id}})));
  // Another process may have bootstrapped concurrently: the oldest wins.
  return LocalOrganization(store);
}

Result<store::Organization> FindOrganization(store::Store& store, std::string_view key) {
  RAMPART_ASSIGN_OR_RETURN(auto orgs, store.ListOrganizations());
  const store::Organization* by_name = nullptr;
  int name_hits = 0;
  for (const auto& o : orgs) {
    if (o.id == key || o.identity_id == key) return o;
    if (o.name == key) {
      by_name = &o;
      ++name_hits;
    }
  }
  if (name_hits > 1) return Status::InvalidArgument("organisation name is ambiguous: use its id");
  if (by_name) return *by_name;
  return Status::NotFound("no organisation '" + std::string(key) + "'");
}

Result<store::User> FindUser(store::Store& store, std::string_view key) {
  RAMPART_ASSIGN_OR_RETURN(auto users, store.ListUsers());
  const store::User* by_name = nullptr;
  int name_hits = 0;
  for (const auto& u : users) {
    if (u.id == key) return u;
    if (u.name == key) {
      by_name = &u;
      ++name_hits;
    }
  }
  if (name_hits > 1) return Status::InvalidArgument("user name is ambiguous: use its id");
  if (by_name) return *by_name;
  return Status::NotFound("no user '" + std::string(key) + "'");
}

Result<store::Organization> AddOrganization(store::Store& store, const NewOrg& n,
                                            std::string_view actor) {
  if (n.name.empty()) return Status::InvalidArgument("organisation name is empty");
  if (n.name.size() > 256) return Status::InvalidArgument("organisation name too long");
  RAMPART_ASSIGN_OR_RETURN(auto orgs, store.ListOrganizations());
  for (const auto& o : orgs) {
    if (o.name == n.name) return Status::Conflict("organisation '" + n.name + "' exists");
  }
  for (const auto& c : n.client_org_ids) {
    if (std::none_of(orgs.begin(), orgs.end(), [&](const auto& o) { return o.id == c; })) {
      return Status::NotFound("client organisation '" + c + "' does not exist");
    }
  }
  store::Organization o;
  o.id = RandomUuid();
  o.name = n.name;
  o.identity_id = n.identity_id.empty() ? "identity--" + RandomUuid() : n.identity_id;
  if (o.identity_id.rfind("identity--", 0) != 0) {
    return Status::InvalidArgument("identity id must start with identity--");
  }
  o.client_org_ids = n.client_org_ids;
  o.trusted_for_amber = n.trusted_for_amber;
  o.created = NowMicros();
  RAMPART_RETURN_IF_ERROR(store.PutOrganization(
      o, Audited(actor, "org.add", o.id,
                 {{"name", o.name},
                  {"identity_id", o.identity_id},
                  {"clients", o.client_org_ids},
                  {"trusted_for_amber", o.trusted_for_amber}})));
  return o;
}

Status UpdateOrganization(store::Store& store, const store::Organization& o,
                          std::string_view actor) {
  return store.PutOrganization(o, Audited(actor, "org.update", o.id,
                                          {{"name", o.name},
                                           {"clients", o.client_org_ids},
                                           {"trusted_for_amber", o.trusted_for_amber}}));
}

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() > 1024) return Status::InvalidArgument("password too long");
  std::string salt = RandomBytes(kArgonSaltLen);
  size_t len = argon2_encodedlen(kArgonTime, kArgonMemoryKiB, kArgonLanes, kArgonSaltLen,
                                 kArgonHashLen, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kArgonTime, kArgonMemoryKiB, kArgonLanes, password.data(),
                                 password.size(), salt.data(), salt.size(), kArgonHashLen,
                                 encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view encoded_hash, std::string_view password) {
  if (encoded_hash.rfind("$argon2id$", 0) != 0 || password.size() > 1024) return false;
  std::string enc(encoded_hash);  // argon2 wants a NUL-terminated string
  return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Result<store::User> AddUser(store::Store& store, const NewUser& n, std::string_view actor) {
  if (n.name.empty() || n.name.size() > 256 || n.name.find(':') != std::string::npos) {
    return Status::InvalidArgument("user name must be 1..256 characters without ':'");
  }
  RAMPART_RETURN_IF_ERROR(store.GetOrganization(n.org_id).status());
  RAMPART_ASSIGN_OR_RETURN(auto users, store.ListUsers());
  for (const auto& u : users) {
    if (u.name == n.name) return Status::Conflict("user '" + n.name + "' exists");
  }
  store::User u;
  u.id = RandomUuid();
  u.org_id = n.org_id;
  u.name = n.name;
  u.role = n.role;
  if (!n.password.empty()) {
    RAMPART_ASSIGN_OR_RETURN(u.password_hash, HashPassword(n.password));
  }
  u.created = NowMicros();
  RAMPART_RETURN_IF_ERROR(store.PutUser(
      u, Audited(actor, "user.add", u.id,
                 {{"name", u.name},
                  {"org", u.org_id},
                  {"role", std::string(RoleName(u.role))},
                  {"password", !u.password_hash.empty()}})));
  return u;
}

Result<CreatedToken> CreateToken(store::Store& store, std::string_view user_id,
                                 std::string_view name, Micros expires, std::string_view actor) {
  if (name.empty() || name.size() > 256) return Status::InvalidArgument("token name must be 1..256 characters");
  RAMPART_ASSIGN_OR_RETURN(store::User u, store.GetUser(user_id));
  CreatedToken out;
  out.secret = std::string(kTokenPrefix) + HexEncode(RandomBytes(32));
  out.token.id = HexEncode(RandomBytes(6));
  out.token.user_id = u.id;
  out.token.name = std::string(name);
  out.token.secret_sha256 = Sha256Hex(out.secret);
  out.token.created = NowMicros();
  out.token.expires = expires;
  RAMPART_RETURN_IF_ERROR(store.PutToken(
      out.token, Audited(actor, "token.create", out.token.id,
                         {{"name", out.token.name},
                          {"user", u.id},
                          {"expires", expires}})));
  return out;
}

Status RevokeToken(store::Store& store, std::string_view key, std::string_view actor) {
  RAMPART_ASSIGN_OR_RETURN(auto tokens, store.ListTokens());
  const store::Token* hit = nullptr;
  int name_hits = 0;
  for (const auto& t : tokens) {
    if (t.id == key) {
      hit = &t;
      name_hits = 1;
      break;
    }
    if (t.name == key) {
      hit = &t;
      ++name_hits;
    }
  }
  if (!hit) return Status::NotFound("no token '" + std::string(key) + "'");
  if (name_hits > 1) return Status::InvalidArgument("token name is ambiguous: use its id");
  store::Token t = *hit;
  t.revoked = true;
  return store.PutToken(t, Audited(actor, "token.revoke", t.id, {{"name", t.name}}));
}

Status PutGrant(store::Store& store, const store::Grant& g, std::string_view actor) {
  RAMPART_RETURN_IF_ERROR(store.GetCollection(g.collection_id).status());
  if (g.grantee_kind == store::GranteeKind::kOrganization) {
    RAMPART_RETURN_IF_ERROR(store.GetOrganization(g.grantee_id).status());
  } else {
    RAMPART_RETURN_IF_ERROR(store.GetUser(g.grantee_id).status());
  }
  return store.PutGrant(
      g, Audited(actor, "grant.put", g.collection_id,
                 {{"grantee_kind", g.grantee_kind == store::GranteeKind::kOrganization ? "org" : "user"},
                  {"grantee", g.grantee_id},
                  {"read", g.can_read},
                  {"write", g.can_write}}));
}

Result<store::SharingGroup> PutSharingGroup(store::Store& store, store::SharingGroup g,
                                            std::string_view actor) {
  if (g.name.empty()) return Status::InvalidArgument("sharing group name is empty");
  RAMPART_ASSIGN_OR_RETURN(auto groups, store.ListSharingGroups());
  if (g.id.empty()) {
    for (const auto& x : groups) {
      if (x.name == g.name) return Status::Conflict("sharing group '" + g.name + "' exists");
    }
    g.id = RandomUuid();
  }
  for (const auto& m : g.member_org_ids) RAMPART_RETURN_IF_ERROR(store.GetOrganization(m).status());
  std::sort(g.member_org_ids.begin(), g.member_org_ids.end());
  g.member_org_ids.erase(std::unique(g.member_org_ids.begin(), g.member_org_ids.end()),
                         g.member_org_ids.end());
  RAMPART_RETURN_IF_ERROR(store.PutSharingGroup(
      g, Audited(actor, "group.put", g.id, {{"name", g.name}, {"members", g.member_org_ids}})));
  return g;
}

Result<Micros> ParseDuration(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return Status::InvalidArgument("duration like 30d, 12h, 45m, 90s, 2w");
  char unit = text.back();
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || ptr != text.data() + text.size() - 1 || n <= 0) {
    return Status::InvalidArgument("duration like 30d, 12h, 45m, 90s, 2w");
  }
  int64_t mult;
  switch (unit) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    case 'w': mult = 7 * 86400; break;
    default: return Status::InvalidArgument("duration unit must be s, m, h, d or w");
  }
  if (n > int64_t{100} * 366 * 86400 / mult) return Status::InvalidArgument("duration too long");
  return n * mult * 1'000'000;
}

}  // namespace rampart::auth
