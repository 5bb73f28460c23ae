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
// A feed is untrusted input: every page, and the feed as a whole, is bounded
// (ClientOptions::max_*; docs/SECURITY.md, "Matcher and feed limits"). The
// byte limits count bytes after content decoding (gzip, deflate, ...), so a
// small compressed reply cannot expand past them, and the envelope is read
// with a SAX pass that keeps no DOM, so a page of millions of `{}` costs its
// bytes and no more.
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

// A `next` cursor longer than this is refused (they are opaque but short).
inline constexpr size_t kMaxCursorBytes = 4096;

struct ClientOptions {
  std::string token;           // bearer token; "" = none
  std::string ca_file;         // extra CA bundle ("" = system store)
  long timeout_seconds = 120;
  // One response body, after content decoding (`rampart match --max-page-bytes`).
  size_t max_response_bytes = size_t{64} << 20;
  // Objects in one page's "objects" array.
  size_t max_page_objects = 100000;
  // The whole feed: decompressed bytes of all pages (--max-feed-bytes),
  // objects of all pages (--max-indicators), pages (--max-pages).
  size_t max_feed_bytes = size_t{2} << 30;
  size_t max_objects = 1000000;
  size_t max_pages = 10000;
  size_t page_limit = 1000;    // `limit` query parameter
  std::string match_type;      // `match[type]` filter, e.g. "indicator"; "" = none
};

// The objects URL of a collection URL ("…/collections/<id>/" or
// "…/collections/<id>/objects/", with or without the trailing slash).
std::string ObjectsUrl(std::string_view collection_url);

// Fetches every page; calls on_page with each envelope's JSON body, after the
// envelope was checked against the page limits. Errors: Unavailable
// (connection/TLS), PermissionDenied/Unauthenticated (403/401), NotFound
// (404), InvalidArgument (other 4xx, malformed envelope, a repeated or
// over-long cursor), ResourceExhausted (a page or the feed over one of the
// max_* limits; the message names the limit and its `rampart match` flag),
// or whatever on_page returns. Memory: one page body (≤ max_response_bytes)
// plus the cursors seen (≤ max_pages × kMaxCursorBytes).
Status FetchCollectionObjects(std::string_view collection_url, const ClientOptions& options,
                              const std::function<Status(std::string_view envelope_json)>& on_page);

// POSTs `envelope_json` ({"objects":[...]}) to the collection's objects
// endpoint; returns the server's status resource body (202).
Result<std::string> PostObjects(std::string_view collection_url, std::string_view envelope_json,
                                const ClientOptions& options);

}  // namespace rampart::taxii_client

#endif  // RAMPART_TAXII_CLIENT_TAXII_CLIENT_H_
