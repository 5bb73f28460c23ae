#include "taxii_client/taxii_client.h"

#include <curl/curl.h>

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

size_t OnBody(char* p, size_t size, size_t n, void* ud) {
  auto* r = static_cast<Response*>(ud);
  size_t len = size * n;
  if (r->body.size() + len > r->limit) {
    r->too_big = true;
    return 0;  // aborts the transfer
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

Result<Response> Perform(const std::string& url, const ClientOptions& o, const std::string* post_body) {
  GlobalInit();
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return Status::Internal("curl_easy_init failed");
  Response r;
  r.limit = o.max_response_bytes;
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
  if (r.too_big) return Status::ResourceExhausted("TAXII response larger than the limit from " + url);
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
  for (size_t page = 0; page < o.max_pages; ++page) {
    std::string url = base + "?limit=" + std::to_string(o.page_limit);
    if (!o.match_type.empty()) url += "&match%5Btype%5D=" + Escape(esc.get(), o.match_type);
    if (!next.empty()) url += "&next=" + Escape(esc.get(), next);
    else if (!added_after.empty()) url += "&added_after=" + Escape(esc.get(), added_after);
    RAMPART_ASSIGN_OR_RETURN(Response r, Perform(url, o, nullptr));
    RAMPART_RETURN_IF_ERROR(on_page(r.body));
    nlohmann::json env = nlohmann::json::parse(r.body, nullptr, false);
    if (env.is_discarded() || !env.is_object()) return Status::InvalidArgument("TAXII envelope is not a JSON object");
    bool more = env.value("more", false);
    size_t count = env.contains("objects") && env["objects"].is_array() ? env["objects"].size() : 0;
    if (!more) return Status::Ok();
    std::string cursor;
    if (env.contains("next") && env["next"].is_string()) {
      next = env["next"].get<std::string>();
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
  return Status::ResourceExhausted("more than max_pages TAXII pages");
}

Result<std::string> PostObjects(std::string_view collection_url, std::string_view envelope_json,
                                const ClientOptions& o) {
  std::string body(envelope_json);
  RAMPART_ASSIGN_OR_RETURN(Response r, Perform(ObjectsUrl(collection_url), o, &body));
  return r.body;
}

}  // namespace rampart::taxii_client
