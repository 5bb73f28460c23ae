#include "test_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "auth/identity.h"
#include "auth/policy.h"
#include "base/time.h"
#include "ingest/ingest.h"
#include "store/memory/memory_store.h"
#include "testing/test_data.h"

namespace rampart::taxii_test {
namespace {

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
CurlInit curl_init;

size_t WriteCb(char* ptr, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(ptr, size * n);
  return size * n;
}

size_t HeaderCb(char* ptr, size_t size, size_t n, void* ud) {
  auto* r = static_cast<HttpResult*>(ud);
  std::string line(ptr, size * n);
  if (line.rfind("HTTP/", 0) == 0) r->headers.clear();  // 100 Continue, then the real one
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    r->headers.emplace_back(name, value);
  }
  return size * n;
}

}  // namespace

std::string HttpResult::Header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

int HttpResult::HeaderCount(const std::string& lower_name) const {
  int n = 0;
  for (const auto& [k, v] : headers) n += k == lower_name;
  return n;
}

HttpResult Fetch(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
                 const std::string& body, const std::string& ca_file) {
  HttpResult r;
  CURL* c = curl_easy_init();
  curl_slist* hl = nullptr;
  for (const auto& h : headers) hl = curl_slist_append(hl, h.c_str());
  hl = curl_slist_append(hl, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) r.error = curl_easy_strerror(rc);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return r;
}

std::vector<std::string> TaxiiHeaders(const std::string& token) {
  return {"Accept: application/taxii+json;version=2.1", "Authorization: Bearer " + token};
}

std::string RawExchange(uint16_t port, const std::vector<std::string>& chunks, std::chrono::milliseconds pause,
                        std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return "<connect failed>";
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (i) std::this_thread::sleep_for(pause);
    if (send(fd, chunks[i].data(), chunks[i].size(), MSG_NOSIGNAL) < 0) break;
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (poll(&p, 1, std::max(left, 1)) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

TestServer::TestServer(TestServerOptions o) {
  store_ = store::NewMemoryStore();
  auto fail = [&](const std::string& what, const Status& s) { error_ = what + ": " + s.ToString(); };
  auto org = auth::EnsureBootstrap(*store_);
  if (!org.ok()) { fail("bootstrap", org.status()); return; }
  auto add_user = [&](const std::string& name, const std::string& org_id, store::Role role,
                      const std::string& var) -> bool {
    auth::NewUser nu;
    nu.name = name;
    nu.org_id = org_id;
    nu.role = role;
    auto u = auth::AddUser(*store_, nu, "test");
    if (!u.ok()) { fail("add user", u.status()); return false; }
    auto t = auth::CreateToken(*store_, u->id, name, 0, "test");
    if (!t.ok()) { fail("create token", t.status()); return false; }
    vars_[var] = t->secret;
    std::string basic = name + ":" + t->secret;
    std::string b64(4 * ((basic.size() + 2) / 3) + 1, '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                              reinterpret_cast<const unsigned char*>(basic.data()), static_cast<int>(basic.size()));
    b64.resize(static_cast<size_t>(len));
    vars_["BASIC_" + var] = b64;
    vars_[var + "_USER"] = u->id;
    vars_[var + "_ORG"] = org_id;
    return true;
  };
  if (!add_user("alice", org->id, store::Role::kContributor, "TOKEN")) return;
  if (!add_user("root", org->id, store::Role::kAdmin, "ADMIN_TOKEN")) return;
  auth::NewOrg other;
  other.name = "Other org";
  auto org2 = auth::AddOrganization(*store_, other, "test");
  if (!org2.ok()) { fail("add org", org2.status()); return; }
  if (!add_user("bob", org2->id, store::Role::kContributor, "OTHER_TOKEN")) return;
  auth::NewOrg partner;
  partner.name = "Partner org";
  auto org3 = auth::AddOrganization(*store_, partner, "test");
  if (!org3.ok()) { fail("add org", org3.status()); return; }
  if (!add_user("carol", org3->id, store::Role::kContributor, "PARTNER_TOKEN")) return;

  struct Spec {
    const char* id;
    const char* var;
    const char* title;
    bool read, write;       // the local organisation's grant
    bool partner = false;   // read/write for the partner organisation
    const char* root = "api";
  } specs[] = {{kIcs, "ICS", "ATT&CK ICS", true, true},   {kMobile, "MOBILE", "ATT&CK Mobile", true, true},
               {kRw, "RW", "Read-write", true, true},      {kRo, "RO", "Read-only", true, false},
               {kWo, "WO", "Write-only", false, true},     {kHidden, "HIDDEN", "Hidden", false, false},
               {kShared, "SHARED", "Shared", true, true, true},
               {kFeeds, "FEEDS", "Partner feeds", false, false, true, "feeds"}};
  std::map<std::string, store::Collection> colls;
  for (const auto& s : specs) {
    store::Collection c;
    c.id = s.id;
    c.api_root = s.root;
    c.title = s.title;
    c.description = std::string("test collection ") + s.title;
    c.default_tlp = stix::Tlp::kGreen;
    c.created = NowMicros();
    if (Status st = store_->CreateCollection(c); !st.ok()) { fail("create collection", st); return; }
    colls[s.id] = c;
    vars_[s.var] = s.id;
    if (s.read || s.write) {
      store::Grant g{s.id, store::GranteeKind::kOrganization, org->id, s.read, s.write};
      if (Status st = auth::PutGrant(*store_, g, "test"); !st.ok()) { fail("grant", st); return; }
    }
    if (s.partner) {
      store::Grant g{s.id, store::GranteeKind::kOrganization, org3->id, true, true};
      if (Status st = auth::PutGrant(*store_, g, "test"); !st.ok()) { fail("grant", st); return; }
    }
  }
  if (o.load_attack) {
    auth::Principal loader{vars_["ADMIN_TOKEN_USER"], org->id, store::Role::kAdmin, ""};
    auto orgs = store_->ListOrganizations();
    auto grants = store_->ListGrants();
    auto groups = store_->ListSharingGroups();
    auth::PolicySnapshot snap(*orgs, *grants, *groups);
    for (auto [file, id] : {std::pair{"attack/ics-attack-18.1.json", kIcs},
                            std::pair{"attack/mobile-attack-17.1.json", kMobile}}) {
      std::string body = testing::ReadFileOrEmpty(testing::SharedDataRoot() / file);
      if (body.empty()) {
        error_ = std::string("shared data missing: ") + file;
        return;
      }
      auto r = ingest::Ingest(*store_, snap, colls[id], loader, body, {});
      if (!r.ok()) { fail(std::string("ingest ") + file, r.status()); return; }
      vars_[std::string(id == kIcs ? "ICS" : "MOBILE") + "_COUNT"] = std::to_string(r->added);
    }
  }
  if (o.extra_setup) o.extra_setup(*store_, vars_);
  auth::AuthenticatorOptions ao;
  ao.max_failures = 1'000'000;
  authn_ = std::make_unique<auth::Authenticator>(*store_, ao);
  metrics_ = std::make_unique<http::Metrics>();
  taxii::TaxiiOptions to;
  to.max_content_length = o.max_content_length;
  to.collection_cache_ttl = 0;
  to.public_url = o.public_url;
  to.max_page_bytes = o.max_page_bytes;
  service_ = std::make_unique<taxii::TaxiiService>(*store_, *authn_, metrics_.get(), to);
  http::ServerOptions so = o.http;
  so.address = "127.0.0.1";
  so.port = 0;
  if (so.threads == 0) so.threads = 2;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.max_body_bytes = o.max_content_length;
  so.admission = [svc = service_.get()](const http::Request& q) { return svc->Admit(q); };
  http::Metrics* m = metrics_.get();
  auto srv = http::StartServer(
      so, [svc = service_.get()](const http::Request& q, http::Response& r) { svc->Handle(q, r); },
      &taxii::TaxiiService::RespondHttpError,
      [m](const http::RequestRecord& r) { m->Observe(r.response->endpoint, r.response->status, r.micros); });
  if (!srv.ok()) { fail("start server", srv.status()); return; }
  server_ = std::move(*srv);
  vars_["BASE"] = base();
}

TestServer::~TestServer() {
  if (server_) server_->Shutdown();
}

std::string TestServer::base() const {
  return std::string(server_->tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port());
}

}  // namespace rampart::taxii_test
