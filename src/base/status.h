// Status: the result of an operation that returns no value.
//
// A Status is a single pointer: null when OK, otherwise an owned record of
// (code, message). Copying an error Status copies its record. Status is
// immutable once made, so distinct threads may read the same Status.
// Modelled on LevelDB's include/leveldb/status.h.
#ifndef RAMPART_BASE_STATUS_H_
#define RAMPART_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace rampart {

// DO NOT CHANGE THESE ENUM VALUES: they are persisted in status resources and
// mapped onto HTTP codes in taxii/error_response.cc.
enum class StatusCode : int {
  kOk = 0,
  kNotFound = 1,
  kInvalidArgument = 2,
  kPermissionDenied = 3,
  kUnauthenticated = 4,
  kConflict = 5,
  kUnavailable = 6,
  kCorruption = 7,
  kInternal = 8,
  kResourceExhausted = 9,   // limits: size, depth, rate
  kUnsupported = 10,        // media type or feature not supported
  kIoError = 11,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(StatusCode::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(StatusCode::kInvalidArgument, msg); }
  static Status PermissionDenied(std::string_view msg) { return Status(StatusCode::kPermissionDenied, msg); }
  static Status Unauthenticated(std::string_view msg) { return Status(StatusCode::kUnauthenticated, msg); }
  static Status Conflict(std::string_view msg) { return Status(StatusCode::kConflict, msg); }
  static Status Unavailable(std::string_view msg) { return Status(StatusCode::kUnavailable, msg); }
  static Status Corruption(std::string_view msg) { return Status(StatusCode::kCorruption, msg); }
  static Status Internal(std::string_view msg) { return Status(StatusCode::kInternal, msg); }
  static Status ResourceExhausted(std::string_view msg) { return Status(StatusCode::kResourceExhausted, msg); }
  static Status Unsupported(std::string_view msg) { return Status(StatusCode::kUnsupported, msg); }
  static Status IoError(std::string_view msg) { return Status(StatusCode::kIoError, msg); }

  Status(StatusCode code, std::string_view msg);

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The human-readable message; empty when OK.
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : std::string_view(); }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

inline bool operator==(const Status& a, const Status& b) {
  return a.code() == b.code() && a.message() == b.message();
}

}  // namespace rampart

// Propagates a non-OK Status to the caller.
#define RAMPART_RETURN_IF_ERROR(expr)                   \
  do {                                                  \
    ::rampart::Status rampart_status_ = (expr);         \
    if (!rampart_status_.ok()) return rampart_status_;  \
  } while (0)

#endif  // RAMPART_BASE_STATUS_H_
