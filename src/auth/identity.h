// Identity administration: the local organisation (bootstrap), users with
// argon2id passwords, API tokens, grants, sharing groups. Every change is
// written together with its audit record (store WriteOptions::audit).
//
// Used by the CLI (`rampart org|user|token|grant|group`) and by the server at
// start-up (EnsureBootstrap). Functions are thread-safe to the extent the
// Store is (they hold no state).
#ifndef RAMPART_AUTH_IDENTITY_H_
#define RAMPART_AUTH_IDENTITY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace rampart::auth {

// The token secret prefix ("rmp_" + 64 hex digits = 256 random bits).
inline constexpr std::string_view kTokenPrefix = "rmp_";

// Makes sure the store has a local organisation: when the store holds no
// organisation at all, creates one named `local_name` with a fresh STIX
// identity id. Returns the local organisation, which is by definition the
// oldest one (smallest `created`, then smallest id). Idempotent.
Result<store::Organization> EnsureBootstrap(store::Store& store,
                                            std::string_view local_name = "Local organisation");

// The local organisation, NotFound before EnsureBootstrap.
Result<store::Organization> LocalOrganization(store::Store& store);

// Finds an organisation by id, name or identity id. NotFound otherwise;
// InvalidArgument when a name is ambiguous.
Result<store::Organization> FindOrganization(store::Store& store, std::string_view key);
// Finds a user by id or name. NotFound / InvalidArgument (ambiguous).
Result<store::User> FindUser(store::Store& store, std::string_view key);

// Adds an organisation (fresh UUID and identity id unless given).
// Conflict when the name is taken.
struct NewOrg {
  std::string name;
  std::string identity_id;  // "" = "identity--<random uuid>"
  std::vector<std::string> client_org_ids;
  bool trusted_for_amber = false;
};
Result<store::Organization> AddOrganization(store::Store& store, const NewOrg& o,
                                            std::string_view actor);
// Updates clients / amber trust of an existing organisation.
Status UpdateOrganization(store::Store& store, const store::Organization& o,
                          std::string_view actor);

// argon2id (libargon2; t=2, m=19 MiB, p=1: the OWASP baseline) encoded hash.
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view encoded_hash, std::string_view password);

// Adds a user. Conflict when the name is taken; NotFound for an unknown org.
struct NewUser {
  std::string name;
  std::string org_id;
  store::Role role = store::Role::kReader;
  std::string password;  // "" = token-only user
};
Result<store::User> AddUser(store::Store& store, const NewUser& u, std::string_view actor);

// Creates a token for `user_id`. The secret is returned once and never stored
// (only its SHA-256). expires: 0 = never.
struct CreatedToken {
  store::Token token;
  std::string secret;
};
Result<CreatedToken> CreateToken(store::Store& store, std::string_view user_id,
                                 std::string_view name, Micros expires, std::string_view actor);
// Revokes a token by id (or name when unique). NotFound otherwise.
Status RevokeToken(store::Store& store, std::string_view token_id_or_name, std::string_view actor);

// Upserts a grant; audited as grant.put.
Status PutGrant(store::Store& store, const store::Grant& g, std::string_view actor);

// Adds or replaces a sharing group; members are org ids.
Result<store::SharingGroup> PutSharingGroup(store::Store& store, store::SharingGroup g,
                                            std::string_view actor);

// Parses "30d", "12h", "45m", "90s", "2w" into microseconds. InvalidArgument.
Result<Micros> ParseDuration(std::string_view text);

}  // namespace rampart::auth

#endif  // RAMPART_AUTH_IDENTITY_H_
