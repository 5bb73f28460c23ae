#include "taxii/error_response.h"

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "taxii/media_types.h"

namespace rampart::taxii {
namespace {

std::string_view Title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

std::string_view DefaultCode(int status) {
  switch (status) {
    case 400: return "bad-request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 406: return "not-acceptable";
    case 408: return "timeout";
    case 409: return "conflict";
    case 413: return "too-large";
    case 415: return "unsupported-media-type";
    case 422: return "unprocessable";
    case 429: return "rate-limited";
    case 431: return "headers-too-large";
    case 503: return "unavailable";
    default: return "internal";
  }
}

}  // namespace

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kConflict: return 409;
    case StatusCode::kResourceExhausted: return 413;
    case StatusCode::kUnsupported: return 415;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
    case StatusCode::kIoError: return 500;
  }
  return 500;
}

namespace {

void WriteErrorWithId(http::Response& resp, int http_status, std::string_view description,
                      std::string_view error_code, const std::string& error_id) {
  resp.status = http_status;
  nlohmann::json j;
  j["title"] = std::string(Title(http_status));
  // Bodies are built from server messages that may quote client input: keep
  // them valid UTF-8 (invalid bytes replaced) so the error is always JSON.
  j["description"] = std::string(description);
  j["error_id"] = error_id;
  j["error_code"] = std::string(error_code.empty() ? DefaultCode(http_status) : error_code);
  j["http_status"] = std::to_string(http_status);
  resp.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  resp.SetHeader("Content-Type", kTaxiiMediaType);
  if (http_status == 401) {
    resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rampart\"");
    resp.headers.emplace_back("WWW-Authenticate", "Basic realm=\"rampart\", charset=\"UTF-8\"");
  }
}

}  // namespace

void WriteError(http::Response& resp, int http_status, std::string_view description,
                std::string_view error_code) {
  WriteErrorWithId(resp, http_status, description, error_code, RandomUuid());
}

void RespondWithStatus(http::Response& resp, const Status& s) {
  const int status = HttpStatusFor(s);
  if (status != 500) return WriteError(resp, status, s.message());
  // A 500's Status text names internals (tables, indexes, files, driver
  // messages): the client gets a fixed description and the error_id; the
  // access log gets both, so an operator can match a report to its cause.
  const std::string error_id = RandomUuid();
  WriteErrorWithId(resp, status, "internal error; quote the error_id to the operator", {}, error_id);
  resp.log_detail = "error_id=" + error_id + " " + s.ToString();
}

}  // namespace rampart::taxii
