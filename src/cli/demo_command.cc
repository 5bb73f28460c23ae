// `rampart demo load`: loads the demo dataset (cli/demo.h) into a store and
// prints a read/write token alone on the last line of stdout.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/demo.h"
#include "cli/open_store.h"

namespace rampart::cli {

void AddDemoCommand(CLI::App& app, int& exit_code) {
  auto* demo = app.add_subcommand("demo", "The demo dataset");
  demo->require_subcommand(1);
  auto* load = demo->add_subcommand("load", "Load the demo dataset (ATT&CK ICS + Mobile, medallion seed) and "
                                            "print a read/write token (alone on the last line)");
  auto opts = std::make_shared<StoreOptions>();
  auto shared = std::make_shared<std::string>();
  AddStoreOptions(load, opts.get());
  load->add_option("--shared-data", *shared, "The shared/data folder (default ../shared/data)");
  load->callback([opts, shared, &exit_code] {
    auto store = OpenStore(*opts);
    if (!store.ok()) {
      std::cerr << "rampart demo load: " << store.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    auto r = LoadDemo(**store, shared->empty() ? DefaultSharedDataDir() : *shared, std::cerr);
    if (!r.ok()) {
      std::cerr << "rampart demo load: " << r.status().ToString() << "\n";
      exit_code = kExitUsage;
      return;
    }
    std::cout << "demo loaded: " << r->objects_added << " added, " << r->objects_duplicate
              << " already present, " << r->objects_failed << " rejected; token for user 'demo':\n";
    std::cout << r->token << std::endl;
    exit_code = kExitOk;
  });
}

}  // namespace rampart::cli
