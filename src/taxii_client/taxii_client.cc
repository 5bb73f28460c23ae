#include "taxii_client/taxii_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

namespace rampart::taxii_client {
namespace {

constexpr const char* kTaxiiMedia = "application/taxii+json;version=2.1";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Response {
  long code = 0;
  std::string body;
  std::string date_added_last;
  size_t limit = 0;
  bool too_big = false;
};

// libcurl calls this with bytes after content decoding (CURLOPT_ACCEPT_ENCODING),
// so the running total is the decompressed size: a gzip bomb stops here at
// `limit`. The buffer never grows past `limit` either (no doubling beyond it).
size_t OnBody(char* p, size_t size, size_t n, void* ud) {
  auto* r = static_cast<Response*>(ud);
  size_t len = size * n;
  if (len > r->limit - r->body.size()) {
    r->too_big = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  if (r->body.capacity() < r->body.size() + len) {
    r->body.reserve(std::min(r->limit, std::max(r->body.size() + len, 2 * r->body.capacity())));
  }
  r->body.append(p, len);
  return len;
}

size_t OnHeader(char* p, size_t size, size_t n, void* ud) {
  auto* r = static_cast<Response*>(ud);
  std::string_view h(p, size * n);
  constexpr std::string_view kName = "x-taxii-date-added-last:";
  if (h.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(h[i])) != kName[i]) {
        match = false;
        break;
      }
    }
    if (match) {
      std::string_view v = h.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      r->date_added_last.assign(v);
    }
  }
  return size * n;
}

// `limit`: the most body bytes (decoded) to accept; over it, ResourceExhausted
// with `too_big_message`.
Result<Response> Perform(const std::string& url, const ClientOptions& o, const std::string* post_body, size_t limit,
                         const std::string& too_big_message) {
  GlobalInit();
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return Status::Internal("curl_easy_init failed");
  Response r;
  r.limit = limit;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, (std::string("Accept: ") + kTaxiiMedia).c_str());
  if (post_body) headers = curl_slist_append(headers, (std::string("Content-Type: ") + kTaxiiMedia).c_str());
  if (!o.token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + o.token).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> hguard(headers, curl_slist_free_all);
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(h.get(), CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h.get(), CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h.get(), CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(h.get(), CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, o.timeout_seconds);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_ACCEPT_ENCODING, "");  // gzip etc. if offered
  if (post_body) {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
  }
  CURLcode rc = curl_easy_perform(h.get());
  if (r.too_big) return Status::ResourceExhausted(too_big_message + " (" + url + ")");
  if (rc != CURLE_OK) return Status::Unavailable(std::string("TAXII request to ") + url + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &r.code);
  if (r.code == 401) return Status::Unauthenticated("TAXII server says 401 (token missing or wrong): " + url);
  if (r.code == 403) return Status::PermissionDenied("TAXII server says 403: " + url);
  if (r.code == 404) return Status::NotFound("TAXII server says 404: " + url);
  if (r.code >= 400) {
    return Status::InvalidArgument("TAXII server says " + std::to_string(r.code) + " for " + url + ": " +
                                   r.body.substr(0, 300));
  }
  return r;
}

// What the paging loop needs from an envelope, read by a SAX pass: no DOM is
// built, so memory is the body plus one token, whatever the body holds.
class EnvelopeScan : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit EnvelopeScan(size_t max_objects) : max_objects_(max_objects) {}

  bool more = false;
  bool has_next = false;
  std::string next;
  size_t objects = 0;
  bool too_many_objects = false;
  bool cursor_too_long = false;

  bool null() override { return Value(); }
  bool boolean(bool v) override {
    if (depth_ == 1 && key_ == Key::kMore) more = v;
    return Value();
  }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && key_ == Key::kNext) {
      if (v.size() > kMaxCursorBytes) {
        cursor_too_long = true;
        return false;
      }
      has_next = true;
      next = std::move(v);
    }
    return Value();
  }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override {
    if (depth_ == 1 && key_ == Key::kObjects) objects_depth_ = 2;
    return Open();
  }
  bool end_array() override {
    if (depth_ == objects_depth_) objects_depth_ = 0;
    return Close();
  }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = k == "more" ? Key::kMore : k == "next" ? Key::kNext : k == "objects" ? Key::kObjects : Key::kOther;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  bool top_is_object() const { return top_object_; }

 private:
  enum class Key { kOther, kMore, kNext, kObjects };
  // A value starting at the objects array's level is one object of the page.
  bool Count() {
    if (objects_depth_ == 0 || depth_ != objects_depth_) return true;
    if (++objects > max_objects_) {
      too_many_objects = true;
      return false;
    }
    return true;
  }
  bool Value() { return Count(); }
  bool Open() {
    if (depth_ == 0) top_object_ = true;
    bool ok = Count();
    ++depth_;
    return ok;
  }
  bool Close() {
    --depth_;
    return true;
  }

  size_t max_objects_;
  size_t depth_ = 0;
  size_t objects_depth_ = 0;  // depth inside the top-level "objects" array; 0 = not in it
  Key key_ = Key::kOther;
  bool top_object_ = false;
};

std::string Escape(CURL* h, const std::string& s) {
  char* e = curl_easy_escape(h, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

}  // namespace

std::string ObjectsUrl(std::string_view url) {
  std::string u(url);
  size_t q = u.find('?');
  if (q != std::string::npos) u.resize(q);
  if (!u.ends_with("/")) u += '/';
  if (!u.ends_with("/objects/")) u += "objects/";
  return u;
}

Status FetchCollectionObjects(std::string_view collection_url, const ClientOptions& o,
                              const std::function<Status(std::string_view)>& on_page) {
  GlobalInit();
  std::unique_ptr<CURL, void (*)(CURL*)> esc(curl_easy_init(), curl_easy_cleanup);
  std::string base = ObjectsUrl(collection_url);
  std::string next, added_after;
  std::set<std::string> seen_cursors;
  size_t feed_bytes = 0, feed_objects = 0;
  for (size_t page = 0; page < o.max_pages; ++page) {
    std::string url = base + "?limit=" + std::to_string(o.page_limit);
    if (!o.match_type.empty()) url += "&match%5Btype%5D=" + Escape(esc.get(), o.match_type);
    if (!next.empty()) url += "&next=" + Escape(esc.get(), next);
    else if (!added_after.empty()) url += "&added_after=" + Escape(esc.get(), added_after);
    // The page may use what is left of the feed's byte budget, at most one page.
    const size_t feed_left = o.max_feed_bytes - feed_bytes;
    const bool feed_bound = feed_left < o.max_response_bytes;
    const std::string too_big =
        feed_bound ? "TAXII feed larger than the limit of " + std::to_string(o.max_feed_bytes) +
                         " bytes after decompression (--max-feed-bytes)"
                   : "TAXII page larger than the limit of " + std::to_string(o.max_response_bytes) +
                         " bytes after decompression (--max-page-bytes)";
    RAMPART_ASSIGN_OR_RETURN(Response r,
                             Perform(url, o, nullptr, feed_bound ? feed_left : o.max_response_bytes, too_big));
    feed_bytes += r.body.size();
    EnvelopeScan env(o.max_page_objects);
    bool parsed = nlohmann::json::sax_parse(r.body, &env);
    if (env.too_many_objects) {
      return Status::ResourceExhausted("TAXII page has more than " + std::to_string(o.max_page_objects) +
                                       " objects (the per-page object limit) (" + url + ")");
    }
    if (env.cursor_too_long) {
      return Status::InvalidArgument("TAXII 'next' cursor longer than " + std::to_string(kMaxCursorBytes) + " bytes");
    }
    if (!parsed || !env.top_is_object()) return Status::InvalidArgument("TAXII envelope is not a JSON object");
    feed_objects += env.objects;
    if (feed_objects > o.max_objects) {
      return Status::ResourceExhausted("TAXII feed has more than " + std::to_string(o.max_objects) +
                                       " objects (--max-indicators)");
    }
    RAMPART_RETURN_IF_ERROR(on_page(r.body));
    bool more = env.more;
    size_t count = env.objects;
    if (!more) return Status::Ok();
    if (page + 1 == o.max_pages) break;
    std::string cursor;
    if (env.has_next) {
      next = std::move(env.next);
      cursor = "n:" + next;
    } else {
      if (r.date_added_last.empty() || count == 0) return Status::Ok();  // cannot advance
      next.clear();
      added_after = r.date_added_last;
      cursor = "a:" + added_after;
    }
    if (!seen_cursors.insert(cursor).second) {
      return Status::InvalidArgument("TAXII server repeated a paging cursor (" + cursor + ")");
    }
  }
  return Status::ResourceExhausted("TAXII feed has more than " + std::to_string(o.max_pages) +
                                   " pages (--max-pages); stopped there");
}

Result<std::string> PostObjects(std::string_view collection_url, std::string_view envelope_json,
                                const ClientOptions& o) {
  std::string body(envelope_json);
  RAMPART_ASSIGN_OR_RETURN(Response r, Perform(ObjectsUrl(collection_url), o, &body, o.max_response_bytes,
                                               "TAXII response larger than the limit of " +
                                                   std::to_string(o.max_response_bytes) + " bytes"));
  return r.body;
}

}  // namespace rampart::taxii_client
