// `rampart grant`: per-collection read/write grants to organisations (or single
// users); `rampart grant --list` shows them. Audited.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "auth/identity.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddGrantCommand(CLI::App& app, int& exit_code) {
  struct Args {
    StoreOptions store;
    std::string collection, org, user;
    bool read = false, write = false, revoke = false, list = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "grant", "Grant an organisation (or a user) read and/or write on a collection; --list to show grants");
  AddStoreOptions(cmd, &a->store);
  cmd->add_option("--collection", a->collection, "Collection id");
  auto* o = cmd->add_option("--org", a->org, "Organisation (id, name or identity id)");
  cmd->add_option("--user", a->user, "A single user (id or name) instead of an organisation")->excludes(o);
  cmd->add_flag("--read", a->read, "May read");
  cmd->add_flag("--write", a->write, "May write (contributors, org-admins, sync-peers)");
  cmd->add_flag("--revoke", a->revoke, "Remove all access (the grant is kept with read and write off)");
  cmd->add_flag("--list", a->list, "List all grants");
  cmd->callback([a, &exit_code] {
    auto fail = [&](const Status& st, int code) {
      std::cerr << "rampart grant: " << st.ToString() << "\n";
      exit_code = code;
    };
    auto s = OpenStore(a->store);
    if (!s.ok()) return fail(s.status(), kExitUsage);
    store::Store& st = **s;
    auto local = auth::EnsureBootstrap(st);
    if (!local.ok()) return fail(local.status(), kExitUsage);
    if (a->list) {
      auto grants = st.ListGrants();
      if (!grants.ok()) return fail(grants.status(), kExitUsage);
      std::cout << "collection\tgrantee_kind\tgrantee\tread\twrite\n";
      for (const auto& g : *grants) {
        std::cout << g.collection_id << "\t"
                  << (g.grantee_kind == store::GranteeKind::kOrganization ? "org" : "user") << "\t"
                  << g.grantee_id << "\t" << (g.can_read ? "yes" : "no") << "\t" << (g.can_write ? "yes" : "no")
                  << "\n";
      }
      exit_code = kExitOk;
      return;
    }
    if (a->collection.empty() || (a->org.empty() && a->user.empty())) {
      return fail(Status::InvalidArgument("need --collection and --org or --user (or --list)"), kExitUsage);
    }
    if (!a->revoke && !a->read && !a->write) {
      return fail(Status::InvalidArgument("say --read and/or --write (or --revoke)"), kExitUsage);
    }
    store::Grant g;
    g.collection_id = a->collection;
    if (!a->org.empty()) {
      auto org = auth::FindOrganization(st, a->org);
      if (!org.ok()) return fail(org.status(), kExitNegative);
      g.grantee_kind = store::GranteeKind::kOrganization;
      g.grantee_id = org->id;
    } else {
      auto user = auth::FindUser(st, a->user);
      if (!user.ok()) return fail(user.status(), kExitNegative);
      g.grantee_kind = store::GranteeKind::kUser;
      g.grantee_id = user->id;
    }
    g.can_read = !a->revoke && a->read;
    g.can_write = !a->revoke && a->write;
    Status ps = auth::PutGrant(st, g, "cli");
    if (!ps.ok()) return fail(ps, ps.IsNotFound() ? kExitNegative : kExitUsage);
    std::cout << g.collection_id << "\t" << g.grantee_id << "\tread=" << (g.can_read ? "yes" : "no")
              << "\twrite=" << (g.can_write ? "yes" : "no") << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
