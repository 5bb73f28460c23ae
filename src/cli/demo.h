// The demo dataset: MITRE ATT&CK ICS and Mobile bundles and medallion's seed
// collections (STIX 2.0 objects upgraded to 2.1 through the ingest path),
// loaded into fixed collections, plus a read/write token.
//
// Collections (fixed ids so a second load is idempotent: objects come back
// as duplicates):
//   api/  ATT&CK ICS 18.1      (default TLP clear)
//   api/  ATT&CK Mobile 17.1   (default TLP clear)
//   trustgroup1/  medallion's five collections with their own ids, titles
//   and can_read/can_write mirrored as grants to the local organisation.
// Thread-safety: not thread-safe; call once at start-up or from the CLI.
#ifndef RAMPART_CLI_DEMO_H_
#define RAMPART_CLI_DEMO_H_

#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace rampart::cli {

inline constexpr char kDemoIcsCollection[] = "a1c2e0d4-1c5e-4f4e-9a67-1c5b5e0d1c51";
inline constexpr char kDemoMobileCollection[] = "b2d3f1e5-2d6f-4a5f-8b78-2d6c6f1e2d62";

struct DemoResult {
  std::string token;  // the read/write token secret (shown once)
  std::string user_id;
  size_t objects_added = 0;
  size_t objects_duplicate = 0;
  size_t objects_failed = 0;
};

// Loads the demo into `store` from `shared_data` (the shared/data folder);
// progress lines go to `log`. NotFound when a data file is missing.
Result<DemoResult> LoadDemo(store::Store& store, const std::string& shared_data, std::ostream& log);

// The shared data folder: $RAMPART_SHARED_DATA, else ../shared/data relative
// to the current directory, else the one next to the executable's repo.
std::string DefaultSharedDataDir();

}  // namespace rampart::cli

#endif  // RAMPART_CLI_DEMO_H_
