// `rampart user add|list`: users of an organisation with a role; passwords
// (optional) are stored as argon2id hashes. Audited.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "auth/identity.h"
#include "auth/policy.h"
#include "base/crypto.h"
#include "cli/command.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddUserCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("user", "Manage users (roles, passwords)");
  cmd->require_subcommand(1);
  struct Args {
    StoreOptions store;
    std::string name, org, role = "reader";
    bool password_stdin = false, generate = false;
  };
  auto a = std::make_shared<Args>();

  auto* add = cmd->add_subcommand(
      "add", "Add a user. With --generate-password the password is printed alone on the last line");
  AddStoreOptions(add, &a->store);
  add->add_option("--name", a->name, "User name (unique, no ':')")->required();
  add->add_option("--org", a->org, "Organisation (id or name; default: the local one)");
  add->add_option("--role", a->role, "admin|org-admin|contributor|reader|sync-peer")->capture_default_str();
  auto* ps = add->add_flag("--password-stdin", a->password_stdin, "Read the password from the first line of stdin");
  add->add_flag("--generate-password", a->generate, "Generate a random password and print it")->excludes(ps);
  add->callback([a, &exit_code] {
    auto fail = [&](const Status& st, int code) {
      std::cerr << "rampart user add: " << st.ToString() << "\n";
      exit_code = code;
    };
    auto role = auth::ParseRole(a->role);
    if (!role) return fail(Status::InvalidArgument("unknown role '" + a->role + "'"), kExitUsage);
    auto s = OpenStore(a->store);
    if (!s.ok()) return fail(s.status(), kExitUsage);
    auto local = auth::EnsureBootstrap(**s);
    if (!local.ok()) return fail(local.status(), kExitUsage);
    store::Organization org = *local;
    if (!a->org.empty()) {
      auto o = auth::FindOrganization(**s, a->org);
      if (!o.ok()) return fail(o.status(), kExitNegative);
      org = *o;
    }
    std::string password;
    if (a->password_stdin) {
      std::getline(std::cin, password);
      if (password.empty()) return fail(Status::InvalidArgument("empty password on stdin"), kExitUsage);
    } else if (a->generate) {
      password = HexEncode(RandomBytes(16));
    }
    auto u = auth::AddUser(**s, {a->name, org.id, *role, password}, "cli");
    if (!u.ok()) return fail(u.status(), u.status().code() == StatusCode::kConflict ? kExitNegative : kExitUsage);
    std::cout << u->id << "\t" << u->name << "\t" << org.name << "\t" << auth::RoleName(u->role) << "\n";
    if (a->generate) std::cout << password << "\n";
    exit_code = kExitOk;
  });

  auto* list = cmd->add_subcommand("list", "List users (tab-separated)");
  AddStoreOptions(list, &a->store);
  list->callback([a, &exit_code] {
    auto s = OpenStore(a->store);
    if (!s.ok()) {
      std::cerr << "rampart user list: " << s.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    auto users = (*s)->ListUsers();
    if (!users.ok()) {
      std::cerr << "rampart user list: " << users.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "id\tname\torg\trole\tpassword\tdisabled\n";
    for (const auto& u : *users) {
      std::cout << u.id << "\t" << u.name << "\t" << u.org_id << "\t" << auth::RoleName(u.role) << "\t"
                << (u.password_hash.empty() ? "no" : "yes") << "\t" << (u.disabled ? "yes" : "no") << "\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
