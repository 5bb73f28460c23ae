// Result<T>: a value of type T or a non-OK Status.
//
// API-compatible with the parts of std::expected we use (has_value, value,
// operator*, operator->, error), so it can become an alias once the
// toolchain has <expected>. Not thread-safe for concurrent mutation.
#ifndef RAMPART_BASE_RESULT_H_
#define RAMPART_BASE_RESULT_H_

#include <cstdlib>
#include <utility>
#include <variant>

#include "base/check.h"
#include "base/status.h"

namespace rampart {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok()
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    RAMPART_CHECK(!std::get<Status>(v_).ok());
  }
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  template <typename U,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Status> &&
                                        !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { RAMPART_CHECK(ok()); return std::get<0>(v_); }
  const T& value() const& { RAMPART_CHECK(ok()); return std::get<0>(v_); }
  T&& value() && { RAMPART_CHECK(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // OK when ok(), else the error.
  Status status() const { return ok() ? Status::Ok() : std::get<1>(v_); }
  // REQUIRES: !ok()
  const Status& error() const { RAMPART_CHECK(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace rampart

#define RAMPART_CONCAT_INNER_(a, b) a##b
#define RAMPART_CONCAT_(a, b) RAMPART_CONCAT_INNER_(a, b)

// RAMPART_ASSIGN_OR_RETURN(auto x, F()) or (x, F()): on error returns the
// Status from the enclosing function.
#define RAMPART_ASSIGN_OR_RETURN(lhs, expr) \
  RAMPART_ASSIGN_OR_RETURN_IMPL_(RAMPART_CONCAT_(rampart_result_, __LINE__), lhs, expr)
#define RAMPART_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // RAMPART_BASE_RESULT_H_
