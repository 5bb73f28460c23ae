// The one mapping from Status to HTTP (docs/taxii.md, "Errors"), and the
// TAXII 2.1 error message body (§3.6.1): {title, description, error_id,
// error_code, http_status (the code as a string)}.
//
//   NotFound 404 · InvalidArgument 400 · PermissionDenied 403 ·
//   Unauthenticated 401 (+ WWW-Authenticate) · Conflict 409 ·
//   ResourceExhausted 413 · Unsupported 415 · Unavailable 503 ·
//   Corruption / Internal / IoError 500.
// Pure functions; thread-safe.
#ifndef RAMPART_TAXII_ERROR_RESPONSE_H_
#define RAMPART_TAXII_ERROR_RESPONSE_H_

#include <string_view>

#include "base/status.h"
#include "http/server.h"

namespace rampart::taxii {

// The HTTP status for a non-OK Status.
int HttpStatusFor(const Status& s);

// Writes a TAXII error message with `http_status` into `resp` (status, body,
// Content-Type, and WWW-Authenticate for 401). `error_code` is a short
// machine-readable word; empty = derived from the status.
void WriteError(http::Response& resp, int http_status, std::string_view description,
                std::string_view error_code = {});

// WriteError(resp, HttpStatusFor(s), s.message()), except for a 500: its body
// says only "internal error" (with the error_id) and the Status text goes to
// resp.log_detail, for the access log.
void RespondWithStatus(http::Response& resp, const Status& s);

}  // namespace rampart::taxii

#endif  // RAMPART_TAXII_ERROR_RESPONSE_H_
