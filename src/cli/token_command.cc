// `rampart token create|revoke|list`: API tokens. A token is 256 random bits
// shown once (alone on the last stdout line) and stored only as SHA-256.
// `--collection ID --read --write` is shorthand for a grant to the token's
// user. Audited; works while the server runs (revocation takes effect within
// the server's 2 s credential cache TTL).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "auth/identity.h"
#include "auth/policy.h"
#include "base/crypto.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

namespace {

std::string Time(Micros t) { return t == 0 ? "never" : FormatTimestampMicros(t); }

}  // namespace

void AddTokenCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("token", "Manage API tokens");
  cmd->require_subcommand(1);
  struct Args {
    StoreOptions store;
    std::string name, user, org, role, collection, expires, which;
    bool read = false, write = false;
  };
  auto a = std::make_shared<Args>();

  auto* create = cmd->add_subcommand(
      "create", "Create a token; prints the secret once, alone on the last line of stdout");
  AddStoreOptions(create, &a->store);
  create->add_option("--name", a->name, "Token name")->required();
  auto* u = create->add_option("--user", a->user, "For this existing user (id or name)");
  create->add_option("--org", a->org, "For a new service user in this organisation (default: the local one)")
      ->excludes(u);
  create->add_option("--role", a->role,
                     "Role of the new service user: admin|org-admin|contributor|reader|sync-peer "
                     "(default: contributor with --write, else reader)")
      ->excludes(u);
  create->add_option("--collection", a->collection, "Also grant the token's user access to this collection");
  create->add_flag("--read", a->read, "With --collection: read access (the default)");
  create->add_flag("--write", a->write, "With --collection: write access");
  create->add_option("--expires", a->expires, "Lifetime, e.g. 90d, 12h, 30m (default: never)");
  create->callback([a, &exit_code] {
    auto fail = [&](const Status& st, int code) {
      std::cerr << "rampart token create: " << st.ToString() << "\n";
      exit_code = code;
    };
    if ((a->read || a->write) && a->collection.empty()) {
      return fail(Status::InvalidArgument("--read/--write need --collection"), kExitUsage);
    }
    Micros expires = 0;
    if (!a->expires.empty()) {
      auto d = auth::ParseDuration(a->expires);
      if (!d.ok()) return fail(d.status(), kExitUsage);
      expires = NowMicros() + *d;
    }
    std::optional<store::Role> role;
    if (!a->role.empty()) {
      role = auth::ParseRole(a->role);
      if (!role) return fail(Status::InvalidArgument("unknown role '" + a->role + "'"), kExitUsage);
    }
    auto s = OpenStore(a->store);
    if (!s.ok()) return fail(s.status(), kExitUsage);
    store::Store& st = **s;
    auto local = auth::EnsureBootstrap(st);
    if (!local.ok()) return fail(local.status(), kExitUsage);
    if (!a->collection.empty()) {
      auto c = st.GetCollection(a->collection);
      if (!c.ok()) return fail(c.status(), kExitNegative);
    }
    store::User user;
    if (!a->user.empty()) {
      auto found = auth::FindUser(st, a->user);
      if (!found.ok()) return fail(found.status(), kExitNegative);
      user = *found;
    } else {
      store::Organization org = *local;
      if (!a->org.empty()) {
        auto o = auth::FindOrganization(st, a->org);
        if (!o.ok()) return fail(o.status(), kExitNegative);
        org = *o;
      }
      store::Role r = role.value_or(a->write ? store::Role::kContributor : store::Role::kReader);
      std::string uname = "token-" + a->name;
      auto added = auth::AddUser(st, {uname, org.id, r, ""}, "cli");
      if (!added.ok() && added.status().code() == StatusCode::kConflict) {
        added = auth::AddUser(st, {uname + "-" + HexEncode(RandomBytes(3)), org.id, r, ""}, "cli");
      }
      if (!added.ok()) return fail(added.status(), kExitUsage);
      user = *added;
    }
    if (!a->collection.empty()) {
      store::Grant g{a->collection, store::GranteeKind::kUser, user.id, a->read || !a->write, a->write};
      // Keep what the user already had on the collection.
      auto grants = st.ListGrants();
      if (grants.ok()) {
        for (const auto& x : *grants) {
          if (x.collection_id == g.collection_id && x.grantee_kind == g.grantee_kind &&
              x.grantee_id == g.grantee_id) {
            g.can_read = g.can_read || x.can_read;
            g.can_write = g.can_write || x.can_write;
          }
        }
      }
      Status gs = auth::PutGrant(st, g, "cli");
      if (!gs.ok()) return fail(gs, kExitUsage);
    }
    auto t = auth::CreateToken(st, user.id, a->name, expires, "cli");
    if (!t.ok()) return fail(t.status(), kExitUsage);
    std::cout << "token id: " << t->token.id << "\n"
              << "user: " << user.name << " (" << auth::RoleName(user.role) << ")\n"
              << "expires: " << Time(expires) << "\n";
    if (!a->collection.empty()) {
      std::cout << "collection " << a->collection << ": " << (a->read || !a->write ? "read" : "")
                << (a->write ? (a->read ? "+write" : "write") : "") << "\n";
    }
    std::cout << t->secret << "\n";
    exit_code = kExitOk;
  });

  auto* revoke = cmd->add_subcommand("revoke", "Revoke a token (by id or unique name)");
  AddStoreOptions(revoke, &a->store);
  revoke->add_option("token", a->which, "Token id or name")->required();
  revoke->callback([a, &exit_code] {
    auto s = OpenStore(a->store);
    Status st = s.ok() ? auth::RevokeToken(**s, a->which, "cli") : s.status();
    if (!st.ok()) {
      std::cerr << "rampart token revoke: " << st.ToString() << "\n";
      exit_code = st.IsNotFound() ? kExitNegative : kExitUsage;
      return;
    }
    std::cout << "revoked\n";
    exit_code = kExitOk;
  });

  auto* list = cmd->add_subcommand("list", "List tokens (never their secrets)");
  AddStoreOptions(list, &a->store);
  list->callback([a, &exit_code] {
    auto s = OpenStore(a->store);
    auto tokens = s.ok() ? (*s)->ListTokens() : Result<std::vector<store::Token>>(s.status());
    if (!tokens.ok()) {
      std::cerr << "rampart token list: " << tokens.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    const Micros now = NowMicros();
    std::cout << "id\tname\tuser\tcreated\texpires\tstate\n";
    for (const auto& t : *tokens) {
      std::string state = t.revoked ? "revoked" : (t.expires != 0 && t.expires <= now ? "expired" : "active");
      std::cout << t.id << "\t" << t.name << "\t" << t.user_id << "\t" << Time(t.created) << "\t"
                << Time(t.expires) << "\t" << state << "\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
