#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace rampart::internal {

void CheckFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "RAMPART_CHECK failed: %s at %s:%d\n", cond, file, line);
  std::abort();
}

}  // namespace rampart::internal
