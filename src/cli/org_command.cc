// `rampart org add|list|update`: member organisations of the forum, each with
// a STIX identity; declared clients (TLP:AMBER) and AMBER trust for peers.
// Every change is audited. Works while the server runs (it re-reads
// identities within 2 s).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "auth/identity.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddOrgCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("org", "Manage organisations (members, clients, AMBER trust)");
  cmd->require_subcommand(1);

  struct Args {
    StoreOptions store;
    std::string name, identity_id, org;
    std::vector<std::string> clients, add_clients, remove_clients;
    bool trusted = false, untrusted = false;
  };
  auto a = std::make_shared<Args>();
  auto open = [a, &exit_code](const char* what) -> std::unique_ptr<store::Store> {
    auto s = OpenStore(a->store);
    if (!s.ok()) {
      std::cerr << "rampart org " << what << ": " << s.status().ToString() << "\n";
      exit_code = kExitUsage;
      return nullptr;
    }
    auto local = auth::EnsureBootstrap(**s);
    if (!local.ok()) {
      std::cerr << "rampart org " << what << ": " << local.status().ToString() << "\n";
      exit_code = kExitUsage;
      return nullptr;
    }
    return std::move(s).value();
  };
  auto resolve = [](store::Store& s, const std::vector<std::string>& keys,
                    std::vector<std::string>& ids) -> Status {
    for (const auto& k : keys) {
      RAMPART_ASSIGN_OR_RETURN(store::Organization o, auth::FindOrganization(s, k));
      ids.push_back(o.id);
    }
    return Status::Ok();
  };

  auto* add = cmd->add_subcommand("add", "Add an organisation; prints its id");
  AddStoreOptions(add, &a->store);
  add->add_option("--name", a->name, "Name (unique)")->required();
  add->add_option("--identity-id", a->identity_id, "Its STIX identity id (default: a new identity--UUID)");
  add->add_option("--client", a->clients, "A declared client organisation (id or name); repeatable");
  add->add_flag("--trusted-for-amber", a->trusted, "As a federation peer, may receive TLP:AMBER");
  add->callback([a, open, resolve, &exit_code] {
    auto s = open("add");
    if (!s) return;
    auth::NewOrg n{a->name, a->identity_id, {}, a->trusted};
    Status st = resolve(*s, a->clients, n.client_org_ids);
    if (st.ok()) {
      auto o = auth::AddOrganization(*s, n, "cli");
      if (o.ok()) {
        std::cout << o->id << "\t" << o->name << "\t" << o->identity_id << "\n";
        exit_code = kExitOk;
        return;
      }
      st = o.status();
    }
    std::cerr << "rampart org add: " << st.ToString() << "\n";
    exit_code = st.code() == StatusCode::kConflict ? kExitNegative : kExitUsage;
  });

  auto* update = cmd->add_subcommand("update", "Change an organisation's clients or AMBER trust");
  AddStoreOptions(update, &a->store);
  update->add_option("--org", a->org, "Organisation (id, name or identity id)")->required();
  update->add_option("--add-client", a->add_clients, "Declare a client (id or name); repeatable");
  update->add_option("--remove-client", a->remove_clients, "Remove a client; repeatable");
  auto* t = update->add_flag("--trusted-for-amber", a->trusted, "Trust for TLP:AMBER as a peer");
  update->add_flag("--untrusted-for-amber", a->untrusted, "Withdraw AMBER trust")->excludes(t);
  update->callback([a, open, resolve, &exit_code] {
    auto s = open("update");
    if (!s) return;
    auto o = auth::FindOrganization(*s, a->org);
    std::vector<std::string> add_ids, remove_ids;
    Status st = o.status();
    if (st.ok()) st = resolve(*s, a->add_clients, add_ids);
    if (st.ok()) st = resolve(*s, a->remove_clients, remove_ids);
    if (st.ok()) {
      store::Organization org = *o;
      for (const auto& c : add_ids) {
        if (std::find(org.client_org_ids.begin(), org.client_org_ids.end(), c) == org.client_org_ids.end()) {
          org.client_org_ids.push_back(c);
        }
      }
      for (const auto& c : remove_ids) {
        org.client_org_ids.erase(std::remove(org.client_org_ids.begin(), org.client_org_ids.end(), c),
                                 org.client_org_ids.end());
      }
      if (a->trusted) org.trusted_for_amber = true;
      if (a->untrusted) org.trusted_for_amber = false;
      st = auth::UpdateOrganization(*s, org, "cli");
    }
    if (!st.ok()) {
      std::cerr << "rampart org update: " << st.ToString() << "\n";
      exit_code = st.IsNotFound() ? kExitNegative : kExitUsage;
      return;
    }
    exit_code = kExitOk;
  });

  auto* list = cmd->add_subcommand("list", "List organisations (tab-separated; the first is the local one)");
  AddStoreOptions(list, &a->store);
  list->callback([a, open, &exit_code] {
    auto s = open("list");
    if (!s) return;
    auto orgs = s->ListOrganizations();
    auto local = auth::LocalOrganization(*s);
    if (!orgs.ok() || !local.ok()) {
      std::cerr << "rampart org list: " << (orgs.ok() ? local.status() : orgs.status()).ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "id\tname\tidentity_id\tclients\ttrusted_for_amber\tlocal\n";
    for (const auto& o : *orgs) {
      std::string clients;
      for (const auto& c : o.client_org_ids) clients += (clients.empty() ? "" : ",") + c;
      std::cout << o.id << "\t" << o.name << "\t" << o.identity_id << "\t" << (clients.empty() ? "-" : clients)
                << "\t" << (o.trusted_for_amber ? "yes" : "no") << "\t" << (o.id == local->id ? "yes" : "no")
                << "\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
