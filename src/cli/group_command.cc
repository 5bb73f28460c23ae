// `rampart group add|list`: sharing groups (named sets of organisations). An
// object shared to a group is visible only to its members. Audited.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "auth/identity.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddGroupCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("group", "Manage sharing groups");
  cmd->require_subcommand(1);
  struct Args {
    StoreOptions store;
    std::string name;
    std::vector<std::string> members;
  };
  auto a = std::make_shared<Args>();

  auto* add = cmd->add_subcommand("add", "Add a sharing group; prints its id");
  AddStoreOptions(add, &a->store);
  add->add_option("--name", a->name, "Group name (unique)")->required();
  add->add_option("--member", a->members, "Member organisation (id or name); repeatable")->required();
  add->callback([a, &exit_code] {
    auto fail = [&](const Status& st, int code) {
      std::cerr << "rampart group add: " << st.ToString() << "\n";
      exit_code = code;
    };
    auto s = OpenStore(a->store);
    if (!s.ok()) return fail(s.status(), kExitUsage);
    auto local = auth::EnsureBootstrap(**s);
    if (!local.ok()) return fail(local.status(), kExitUsage);
    store::SharingGroup g;
    g.name = a->name;
    for (const auto& m : a->members) {
      auto o = auth::FindOrganization(**s, m);
      if (!o.ok()) return fail(o.status(), kExitNegative);
      g.member_org_ids.push_back(o->id);
    }
    auto put = auth::PutSharingGroup(**s, g, "cli");
    if (!put.ok()) return fail(put.status(), put.status().code() == StatusCode::kConflict ? kExitNegative : kExitUsage);
    std::cout << put->id << "\t" << put->name << "\n";
    exit_code = kExitOk;
  });

  auto* list = cmd->add_subcommand("list", "List sharing groups");
  AddStoreOptions(list, &a->store);
  list->callback([a, &exit_code] {
    auto s = OpenStore(a->store);
    auto groups = s.ok() ? (*s)->ListSharingGroups() : Result<std::vector<store::SharingGroup>>(s.status());
    if (!groups.ok()) {
      std::cerr << "rampart group list: " << groups.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "id\tname\tmembers\n";
    for (const auto& g : *groups) {
      std::string m;
      for (const auto& x : g.member_org_ids) m += (m.empty() ? "" : ",") + x;
      std::cout << g.id << "\t" << g.name << "\t" << m << "\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
