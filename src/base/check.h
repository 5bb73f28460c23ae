// RAMPART_CHECK / RAMPART_DCHECK: invariants of the program, not of its
// input. A failed CHECK prints the condition and location and aborts.
// Untrusted input must never reach a CHECK: it gets a Status instead.
#ifndef RAMPART_BASE_CHECK_H_
#define RAMPART_BASE_CHECK_H_

namespace rampart::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}  // namespace rampart::internal

#define RAMPART_CHECK(cond)                                                \
  do {                                                                     \
    if (!(cond)) ::rampart::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

#ifdef NDEBUG
#define RAMPART_DCHECK(cond) \
  do {                       \
  } while (0)
#else
#define RAMPART_DCHECK(cond) RAMPART_CHECK(cond)
#endif

#endif  // RAMPART_BASE_CHECK_H_
