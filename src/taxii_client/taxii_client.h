// A small TAXII 2.1 client on libcurl, for `rampart match`: fetch a
// collection's objects page by page (--indicators URL) and post sightings to
// a collection (--post URL). TLS certificates are verified (no opt-out
// besides a CA file); the bearer token comes from the caller (--token or the
// RAMPART_TOKEN environment variable).
//
// Paging (TAXII 2.1 §3.4): repeat GET .../objects/ with `next=<next>` while
// the envelope says "more": true and carries "next"; without "next", with
// `added_after=<X-TAXII-Date-Added-Last>`. Stops on an empty page, a repeated
// cursor, or ClientOptions::max_pages.
//
// Thread-safety: functions are independent; each call uses its own handle.
#ifndef RAMPART_TAXII_CLIENT_TAXII_CLIENT_H_
#define RAMPART_TAXII_CLIENT_TAXII_CLIENT_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace rampart::taxii_client {

struct ClientOptions {
  std::string token;           // bearer token; "" = none
  std::string ca_file;         // extra CA bundle ("" = system store)
  long timeout_seconds = 120;
  size_t max_response_bytes = size_t{512} << 20;
  size_t max_pages = 100000;
  size_t page_limit = 1000;    // `limit` query parameter
  std::string match_type;      // `match[type]` filter, e.g. "indicator"; "" = none
};

// The objects URL of a collection URL ("…/collections/<id>/" or
// "…/collections/<id>/objects/", with or without the trailing slash).
std::string ObjectsUrl(std::string_view collection_url);

// Fetches every page; calls on_page with each envelope's JSON body. Errors:
// Unavailable (connection/TLS), PermissionDenied/Unauthenticated (403/401),
// NotFound (404), InvalidArgument (other 4xx, malformed envelope),
// ResourceExhausted (over max_response_bytes), or whatever on_page returns.
Status FetchCollectionObjects(std::string_view collection_url, const ClientOptions& options,
                              const std::function<Status(std::string_view envelope_json)>& on_page);

// POSTs `envelope_json` ({"objects":[...]}) to the collection's objects
// endpoint; returns the server's status resource body (202).
Result<std::string> PostObjects(std::string_view collection_url, std::string_view envelope_json,
                                const ClientOptions& options);

}  // namespace rampart::taxii_client

#endif  // RAMPART_TAXII_CLIENT_TAXII_CLIENT_H_
