// `rampart collection create|list`: TAXII collections. Works while the
// server runs (the server re-reads collections within a second).
#include <CLI/CLI.hpp>

#include <iostream>

#include "base/crypto.h"
#include "base/time.h"
#include "cli/command.h"
#include "cli/open_store.h"
#include "stix/markings.h"
#include "store/store.h"

namespace rampart::cli {
namespace {

bool IsUuid(const std::string& u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = u[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

bool IsSegment(const std::string& s) {
  if (s.empty() || s.size() > 64 || s == "taxii2" || s == "healthz" || s == "metrics") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void AddCollectionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("collection", "Manage TAXII collections");
  cmd->require_subcommand(1);

  struct CreateArgs {
    StoreOptions store;
    std::string title, id, description, api_root = "api", default_tlp = "green";
    bool is_public = false;
  };
  auto a = std::make_shared<CreateArgs>();
  auto* create = cmd->add_subcommand("create", "Create a collection; prints its id");
  AddStoreOptions(create, &a->store);
  create->add_option("--title", a->title, "Title")->required();
  create->add_option("--id", a->id, "Collection id (a UUID; default: random)");
  create->add_option("--description", a->description, "Description");
  create->add_option("--api-root", a->api_root, "API root path segment")->capture_default_str();
  create->add_option("--default-tlp", a->default_tlp,
                     "TLP applied to objects without a marking: clear|green|amber|amber+strict|red")
      ->capture_default_str();
  create->add_flag("--public", a->is_public, "Readable (TLP:CLEAR objects) by every authenticated user");
  create->callback([a, &exit_code] {
    store::Collection c;
    c.id = a->id.empty() ? RandomUuid() : a->id;
    if (!IsUuid(c.id)) {
      std::cerr << "rampart collection create: --id must be a UUID\n";
      exit_code = kExitUsage;
      return;
    }
    if (!IsSegment(a->api_root)) {
      std::cerr << "rampart collection create: --api-root must be one path segment of [A-Za-z0-9._-]\n";
      exit_code = kExitUsage;
      return;
    }
    auto tlp = stix::ParseTlpName(a->default_tlp);
    if (!tlp) {
      std::cerr << "rampart collection create: unknown --default-tlp '" << a->default_tlp << "'\n";
      exit_code = kExitUsage;
      return;
    }
    c.api_root = a->api_root;
    c.title = a->title;
    c.description = a->description;
    c.default_tlp = *tlp;
    c.is_public = a->is_public;
    c.created = NowMicros();
    auto st = OpenStore(a->store);
    if (!st.ok()) {
      std::cerr << "rampart collection create: " << st.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    Status s = (*st)->CreateCollection(c);
    if (s.code() == StatusCode::kConflict) {
      std::cerr << "rampart collection create: a collection " << c.id << " already exists\n";
      exit_code = kExitNegative;
      return;
    }
    if (!s.ok()) {
      std::cerr << "rampart collection create: " << s.ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << c.id << std::endl;
    exit_code = kExitOk;
  });

  auto ls = std::make_shared<StoreOptions>();
  auto* list = cmd->add_subcommand("list", "List collections (id, api root, default TLP, title)");
  AddStoreOptions(list, ls.get());
  list->callback([ls, &exit_code] {
    auto st = OpenStore(*ls);
    if (!st.ok()) {
      std::cerr << "rampart collection list: " << st.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    auto all = (*st)->ListCollections();
    if (!all.ok()) {
      std::cerr << "rampart collection list: " << all.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    for (const auto& c : *all) {
      std::cout << c.id << "\t" << c.api_root << "\t" << stix::TlpName(c.default_tlp) << "\t"
                << (c.is_public ? "public" : "-") << "\t" << c.title << "\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
