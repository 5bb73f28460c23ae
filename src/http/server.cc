// The Boost.Beast implementation of http/server.h. This file (with
// request.cc, which has no Beast) is the whole HTTP adapter: keep every
// Beast/Asio include here so the rest of Rampart compiles fast.
#include "http/server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/pct_string_view.hpp>
#include <condition_variable>
#include <csignal>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <sys/resource.h>

namespace rampart::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Percent-decodes `s` ('+' as space when `plus_as_space`). nullopt when the
// escapes are malformed.
std::optional<std::string> PctDecode(std::string_view s, bool plus_as_space) {
  auto pv = boost::urls::make_pct_string_view(s);
  if (!pv) return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = plus_as_space;
  return pv->decode(opts);
}

// Splits the request-target into decoded path and query parameters.
// Lenient about characters RFC 3986 reserves (clients send `match[type]`
// unescaped), strict about percent escapes. False when malformed.
bool ParseTarget(Request& r) {
  std::string_view t = r.target;
  if (t.empty() || t.front() != '/') return false;
  size_t q = t.find('?');
  std::string_view path = t.substr(0, q);
  auto p = PctDecode(path, false);
  if (!p) return false;
  r.path = std::move(*p);
  if (q == std::string_view::npos) return true;
  std::string_view query = t.substr(q + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  r.raw_query = std::string(query);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto k = PctDecode(part.substr(0, eq), true);
    auto v = PctDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!k || !v) return false;
    r.query.emplace_back(std::move(*k), std::move(*v));
  }
  return true;
}

class ServerImpl;

// Why the header's message framing or Host is ambiguous (RFC 9112 §6.1,
// §6.3, §3.2), or "" when it is not. Anything a front end could read
// differently from us is refused, since what follows an ambiguously framed
// body would be parsed as a second request (request smuggling):
//   - Transfer-Encoding other than exactly one field holding exactly
//     "chunked" (no other codings: "chunked, identity", "identity",
//     "xchunked" all refused; Beast reads some of them as "no body");
//   - Transfer-Encoding together with Content-Length;
//   - a missing (HTTP/1.1) or repeated Host;
//   - a method that is not all upper-case letters ("get" is a different
//     method, RFC 9110 §9.1, and no front end should forward it as GET).
// Beast itself rejects differing or malformed Content-Length values.
template <class Fields>
std::string FramingError(const bhttp::request_header<Fields>& h) {
  std::string_view method(h.method_string().data(), h.method_string().size());
  if (method.empty()) return "empty method";
  for (char c : method) {
    if (c < 'A' || c > 'Z') return "malformed method";
  }
  size_t te_fields = 0, cl_fields = 0, host_fields = 0;
  std::string_view te;
  for (const auto& f : h) {
    switch (f.name()) {
      case bhttp::field::transfer_encoding:
        ++te_fields;
        te = std::string_view(f.value().data(), f.value().size());
        break;
      case bhttp::field::content_length: ++cl_fields; break;
      case bhttp::field::host: ++host_fields; break;
      default: break;
    }
  }
  if (te_fields > 0 && cl_fields > 0) return "Transfer-Encoding together with Content-Length";
  if (te_fields > 1) return "repeated Transfer-Encoding";
  if (te_fields == 1) {
    while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
    while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
    if (!beast::iequals(te, "chunked")) return "unsupported Transfer-Encoding (only \"chunked\")";
  }
  if (host_fields > 1) return "repeated Host header";
  if (host_fields == 0 && h.version() >= 11) return "missing Host header";
  return {};
}

// TLS 1.2 suites, most preferred first (docs/SECURITY.md, "TLS").
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

// State shared by every connection: options, callbacks, shutdown flags.
struct Shared {
  ServerOptions options;
  Handler handler;
  ErrorResponder error_responder;
  RequestObserver observer;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> open{0};
  std::atomic<size_t> pending_header_bytes{0};  // reserved by connections reading a header
  std::atomic<size_t> inflight_body_bytes{0};   // reserved by admitted requests with a body
  // Set while the acceptor waits for a free slot (open == max_connections);
  // whoever clears it (exchange) restarts accepting through resume_accept.
  std::atomic<bool> accept_paused{false};
  std::function<void()> resume_accept;  // set once by ServerImpl::Init
  net::thread_pool* work = nullptr;     // runs handlers of non-GET requests
  std::mutex mu;
  std::condition_variable cv;  // signalled when `open` drops to zero
};

// Adds `want` to `used` unless that would pass `cap`.
bool Reserve(std::atomic<size_t>& used, size_t want, size_t cap) {
  size_t cur = used.load(std::memory_order_relaxed);
  do {
    if (want > cap || cur > cap - want) return false;
  } while (!used.compare_exchange_weak(cur, cur + want));
  return true;
}

// After answering a request whose body was not read, the connection is not
// closed at once (the kernel would reset it, and the client could lose the
// answer while still sending): we stop sending and read and discard for at
// most this long, or this many bytes.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr size_t kLingerBytes = 1024 * 1024;

// Out of connections, idle ones make room, but only once idle this long;
// while the acceptor waits for a slot it looks again this often.
constexpr std::chrono::milliseconds kPressureMinIdle{1000};
constexpr std::chrono::milliseconds kPressureRecheck{250};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Posted to the session's executor at shutdown.
  virtual void OnShutdown() = 0;
  // Posted when the server runs out of connections: close if idle.
  virtual void OnPressure() = 0;
  virtual net::any_io_executor executor() = 0;
};

// The live sessions, so Shutdown() can close idle ones.
struct Registry {
  std::mutex mu;
  std::list<std::weak_ptr<SessionBase>> sessions;
};

template <class Stream>
class Session : public SessionBase {
 public:
  Session(std::shared_ptr<Shared> shared, std::shared_ptr<Registry> registry, Stream&& stream,
          std::string remote, bool tls)
      : shared_(std::move(shared)),
        registry_(std::move(registry)),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        tls_(tls),
        timer_(stream_.get_executor()),
        buffer_(shared_->options.max_header_bytes + kHeaderReadSlack) {
    shared_->open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() override {
    ReleaseHeaderBytes();
    ReleaseBodyBytes();
    {
      std::lock_guard lock(registry_->mu);
      registry_->sessions.erase(self_it_);
    }
    if (shared_->open.fetch_sub(1) == 1) {
      std::lock_guard lock(shared_->mu);
      shared_->cv.notify_all();
    }
    if (shared_->accept_paused.load() && !shared_->stopping.load()) shared_->resume_accept();
  }

  void Start() {
    {
      std::lock_guard lock(registry_->mu);
      registry_->sessions.push_front(weak_from_this());
      self_it_ = registry_->sessions.begin();
    }
    if constexpr (kTls) {
      Lowest().expires_after(shared_->options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = Self()](beast::error_code ec) {
                                if (ec) return;  // failed handshake: drop the connection
                                self->Lowest().expires_never();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  // Read deadlines use our own timer (not tcp_stream's expiry, which closes
  // the socket) so a slow client can still be told 408.
  void ArmTimer(std::chrono::milliseconds d) {
    timed_out_ = false;
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(d);
    timer_.async_wait([self = Self(), gen](beast::error_code ec) {
      if (ec || gen != self->timer_gen_) return;
      self->timed_out_ = true;
      beast::error_code ec2;
      self->Lowest().socket().cancel(ec2);
    });
  }
  void DisarmTimer() {
    ++timer_gen_;
    timer_.cancel();
  }

  void OnShutdown() override {
    stopping_ = true;
    CloseIfIdle();
  }

  // Closes an idle connection unless it became idle only just now (so a
  // client that has just connected, or is between two requests, gets the
  // time to send).
  void OnPressure() override {
    if (idle_ && Clock::now() - idle_since_ >= kPressureMinIdle) CloseIfIdle();
  }

  void CloseIfIdle() {
    if (!idle_) return;
    beast::error_code ec;
    Lowest().socket().cancel(ec);
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  beast::tcp_stream& Lowest() {
    if constexpr (kTls) {
      return beast::get_lowest_layer(stream_);
    } else {
      return stream_;
    }
  }

  // Waits for the first byte of the next request under the idle timeout
  // (unless bytes are already buffered), then reads the header.
  void WaitForRequest() {
    if (stopping_ || shared_->stopping.load(std::memory_order_relaxed)) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    idle_ = true;
    idle_since_ = Clock::now();
    const ServerOptions& o = shared_->options;
    auto idle = o.idle_timeout;
    if (shared_->open.load(std::memory_order_relaxed) * 4 >= o.max_connections * 3) {
      idle = std::min(idle, o.pressure_idle_timeout);  // running out of connections
    }
    ArmTimer(idle);
    stream_.async_read_some(buffer_.prepare(4096), [self = Self()](beast::error_code ec, size_t n) {
      self->idle_ = false;
      self->DisarmTimer();
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  // Reserves this connection's share of max_pending_header_bytes for the
  // header read; false when the budget is spent.
  bool ReserveHeaderBytes() {
    if (reserved_) return true;
    const size_t want = shared_->options.max_header_bytes + kHeaderReadSlack;
    reserved_ = Reserve(shared_->pending_header_bytes, want, shared_->options.max_pending_header_bytes);
    return reserved_;
  }
  void ReleaseHeaderBytes() {
    if (!reserved_) return;
    shared_->pending_header_bytes.fetch_sub(shared_->options.max_header_bytes + kHeaderReadSlack);
    reserved_ = false;
  }
  // The body's share of max_inflight_body_bytes, held from admission until
  // its response is sent.
  bool ReserveBodyBytes(size_t want) {
    if (!Reserve(shared_->inflight_body_bytes, want, shared_->options.max_inflight_body_bytes)) return false;
    body_reserved_ = want;
    return true;
  }
  void ReleaseBodyBytes() {
    if (body_reserved_ == 0) return;
    shared_->inflight_body_bytes.fetch_sub(body_reserved_);
    body_reserved_ = 0;
  }

  void ReadHeader() {
    parser_.reset();
    if (!ReserveHeaderBytes()) {
      start_ = Clock::now();
      return SendError(503, "too many requests in progress; retry later");
    }
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    ArmTimer(shared_->options.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) {
      self->DisarmTimer();
      self->OnHeader(ec);
    });
  }

  void OnHeader(beast::error_code ec) {
    start_ = Clock::now();
    ReleaseHeaderBytes();
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) return Close();
    if (timed_out_) return SendError(408, "the request header was not received in time");
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "the request body exceeds max_content_length " +
                                std::to_string(shared_->options.max_body_bytes));
    }
    if (ec == bhttp::error::header_limit) {
      return SendError(431, "the request header exceeds " +
                                std::to_string(shared_->options.max_header_bytes) + " bytes");
    }
    if (ec) return SendError(400, "malformed HTTP request: " + ec.message());
    auto& h = parser_->get();
    if (auto bad = FramingError(h); !bad.empty()) return SendError(400, std::move(bad));
    if (auto len = parser_->content_length(); len && *len > shared_->options.max_body_bytes) {
      return SendError(413, "the request body (" + std::to_string(*len) +
                                " bytes) exceeds max_content_length " +
                                std::to_string(shared_->options.max_body_bytes));
    }
    const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    if (has_body && shared_->options.admission) {
      // Decide from the header alone, before "100 Continue" and before any
      // body byte is read: an unauthenticated or forbidden upload costs the
      // server nothing but its header.
      FillRequest(h);
      if (!ParseTarget(request_)) return SendError(400, "malformed request target");
      std::optional<Response> early;
      try {
        early = shared_->options.admission(request_);
      } catch (const std::exception&) {
        early.emplace();
        MakeError(500, "internal error", *early);
      }
      if (early) return Send(std::move(*early), false);
      request_ = Request{};
    }
    if (has_body) {
      const size_t want = parser_->chunked() ? shared_->options.max_body_bytes : *parser_->content_length();
      if (!ReserveBodyBytes(want)) {
        Response busy;
        MakeError(503, "the server holds too many request bodies; retry later", busy);
        busy.SetHeader("Retry-After", "5");
        return Send(std::move(busy), false);
      }
    }
    auto expect = h[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      Lowest().expires_after(shared_->options.body_timeout);
      bhttp::async_write(stream_, *cont, [self = Self(), cont](beast::error_code ec, size_t) {
        self->Lowest().expires_never();
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    ArmTimer(shared_->options.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) {
      self->DisarmTimer();
      self->OnBody(ec);
    });
  }

  void OnBody(beast::error_code ec) {
    if (timed_out_) return SendError(408, "the request body was not received in time");
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "the request body exceeds max_content_length " +
                                std::to_string(shared_->options.max_body_bytes));
    }
    if (ec == net::error::eof || ec == bhttp::error::partial_message) return Close();
    if (ec) return SendError(400, "malformed HTTP request: " + ec.message());
    auto msg = parser_->release();
    FillRequest(msg);
    request_.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    Response resp;
    if (!ParseTarget(request_)) {
      return SendError(400, "malformed request target");
    }
    const bool offload = shared_->work != nullptr && request_.method != "GET" && request_.method != "HEAD";
    if (!offload) {
      RunHandler(resp);
      return Send(std::move(resp), keep_alive && !stopping_ && !shared_->stopping.load());
    }
    // Off the I/O thread: nothing else touches this session until the
    // answer is posted back (no read is outstanding, the timer is off).
    net::post(*shared_->work, [self = Self(), keep_alive] {
      Response r;
      self->RunHandler(r);
      net::post(self->executor(), [self, keep_alive, r = std::move(r)]() mutable {
        self->Send(std::move(r), keep_alive && !self->stopping_ && !self->shared_->stopping.load());
      });
    });
  }

  void RunHandler(Response& resp) {
    try {
      shared_->handler(request_, resp);
    } catch (const std::exception& e) {
      resp = Response{};
      MakeError(500, "internal error", resp);
    }
  }

  // request_ from the header `h` (no body, target not parsed yet).
  template <class Header>
  void FillRequest(const Header& h) {
    request_ = Request{};
    request_.method = std::string(h.method_string());
    request_.target = std::string(h.target());
    for (const auto& f : h) {
      request_.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    request_.remote_address = remote_;
    request_.tls = tls_;
  }

  void MakeError(int status, std::string_view message, Response& resp) {
    resp.status = status;
    resp.endpoint = "error";
    if (shared_->error_responder) {
      shared_->error_responder(status, message, resp);
    } else {
      resp.SetHeader("Content-Type", "text/plain");
      resp.body = std::string(message) + "\n";
    }
  }

  // Answers an error the server detected itself and closes the connection.
  void SendError(int status, std::string message) {
    if (request_.method.empty() && parser_) {
      const auto& h = parser_->get();
      request_.method = std::string(h.method_string());
      request_.target = std::string(h.target());
    }
    request_.remote_address = remote_;
    Response resp;
    MakeError(status, message, resp);
    Send(std::move(resp), false);
  }

  void Send(Response resp, bool keep_alive) {
    // The body is done with: give its memory and its reservation back.
    std::string().swap(request_.body);
    ReleaseBodyBytes();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(resp.status));
    res->set(bhttp::field::server, shared_->options.server_header);
    for (auto& [k, v] : resp.headers) res->insert(k, v);
    res->body() = std::move(resp.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    size_t bytes = res->body().size();
    if (shared_->observer) {
      resp.body.clear();
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
      RequestRecord rec{&request_, &resp, micros, bytes};
      try {
        shared_->observer(rec);
      } catch (...) {
      }
    }
    Lowest().expires_after(shared_->options.body_timeout);
    bhttp::async_write(stream_, *res, [self = Self(), res](beast::error_code ec, size_t) {
      self->Lowest().expires_never();
      self->request_ = Request{};
      // A large body grew the read buffer: give the memory back while idle.
      if (self->buffer_.size() == 0) self->buffer_.shrink_to_fit();
      if (ec || !res->keep_alive()) return self->Close();
      self->WaitForRequest();
    });
  }

  void Close() {
    DisarmTimer();
    if constexpr (!kTls) {
      if (parser_ && !parser_->is_done() && !lingering_) return Linger();
    }
    beast::error_code ec;
    if constexpr (kTls) {
      Lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = Self()](beast::error_code) {
        beast::error_code ec2;
        self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ec2);
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  // See kLingerTime. Plain TCP only (TLS closes with close_notify).
  void Linger() {
    lingering_ = true;
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    ArmTimer(kLingerTime);
    Drain();
  }
  void Drain() {
    buffer_.clear();
    const size_t chunk = std::min<size_t>(16384, buffer_.max_size());
    stream_.async_read_some(buffer_.prepare(chunk), [self = Self()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->timed_out_ || self->drained_ > kLingerBytes) return self->DisarmTimer();
      self->Drain();
    });
  }

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Registry> registry_;
  std::list<std::weak_ptr<SessionBase>>::iterator self_it_;
  Stream stream_;
  std::string remote_;
  bool tls_;
  bool idle_ = false;
  bool stopping_ = false;
  bool timed_out_ = false;
  bool reserved_ = false;  // holds a share of pending_header_bytes
  size_t body_reserved_ = 0;  // its share of inflight_body_bytes
  bool lingering_ = false;
  Clock::time_point idle_since_;
  size_t drained_ = 0;
  uint64_t timer_gen_ = 0;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  Clock::time_point start_ = Clock::now();
};

class ServerImpl : public Server {
 public:
  ServerImpl(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  ~ServerImpl() override { Shutdown(); }

  Status Init() {
    const ServerOptions& o = shared_->options;
    int n = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
    if (n <= 0) n = 1;
    // The connection cap, below the descriptor limit.
    rlimit rl{};
    int64_t fds = 1 << 20;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) fds = static_cast<int64_t>(rl.rlim_cur);
    if (o.max_connections < 0) return Status::InvalidArgument("max_connections must not be negative");
    if (o.max_connections == 0) {
      shared_->options.max_connections = std::max<int64_t>(1, std::min<int64_t>(10000, fds - 64));
    } else if (o.max_connections > fds - 32) {
      return Status::InvalidArgument(
          "max_connections " + std::to_string(o.max_connections) + " is above the descriptor limit: ulimit -n is " +
          std::to_string(fds) + " and 32 descriptors stay free for the store, logs and listener");
    }
    shared_->resume_accept = [this] {
      if (!shared_->accept_paused.exchange(false)) return;
      net::post(acceptor_->get_executor(), [this] { Accept(); });
    };
    work_ = std::make_unique<net::thread_pool>(o.work_threads > 0 ? o.work_threads : 2);
    shared_->work = work_.get();
    for (int i = 0; i < n; ++i) {
      iocs_.push_back(std::make_unique<net::io_context>(1));
      guards_.emplace_back(net::make_work_guard(*iocs_.back()));
      // Create the context's reactor (epoll, eventfd, timerfd) now: made
      // lazily by the first accept onto it, it could fail for want of a
      // descriptor just when they run out.
      tcp::socket warm(*iocs_.back());
    }
    bool want_tls = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
    if (want_tls && (o.tls_cert_file.empty() || o.tls_key_file.empty())) {
      return Status::InvalidArgument("TLS needs both a certificate and a key file");
    }
    if (!want_tls && !o.allow_plain_http && !IsLoopbackAddress(o.address)) {
      return Status::InvalidArgument("refusing plain HTTP on non-loopback address " + o.address +
                                     ": configure tls cert/key or allow plain http explicitly");
    }
    if (want_tls) {
      try {
        ssl_ = std::make_unique<ssl::context>(ssl::context::tls_server);
        ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        SSL_CTX* ctx = ssl_->native_handle();
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        // TLS 1.2: forward-secret AEAD suites only, in our order (TLS 1.3's
        // suites all are). No static RSA, no CBC, no SHA-1 MACs.
        if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
          return Status::Internal("the TLS 1.2 cipher list was refused by OpenSSL");
        }
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                                     SSL_OP_NO_RENEGOTIATION);
        ssl_->use_certificate_chain_file(o.tls_cert_file);
        ssl_->use_private_key_file(o.tls_key_file, ssl::context::pem);
      } catch (const std::exception& e) {
        return Status::IoError(std::string("loading TLS certificate/key: ") + e.what());
      }
    }
    try {
      std::string addr = o.address == "localhost" ? "127.0.0.1" : o.address;
      beast::error_code ec;
      auto ip = net::ip::make_address(addr, ec);
      if (ec) return Status::InvalidArgument("bad listen address '" + o.address + "'");
      tcp::endpoint ep(ip, o.port);
      acceptor_ = std::make_unique<tcp::acceptor>(*iocs_[0]);
      acceptor_->open(ep.protocol());
      acceptor_->set_option(net::socket_base::reuse_address(true));
      acceptor_->bind(ep);
      acceptor_->listen(net::socket_base::max_listen_connections);
      port_ = acceptor_->local_endpoint().port();
      accept_timer_ = std::make_unique<net::steady_timer>(*iocs_[0]);
      pressure_timer_ = std::make_unique<net::steady_timer>(*iocs_[0]);
    } catch (const std::exception& e) {
      return Status::IoError("cannot listen on " + o.address + ":" + std::to_string(o.port) + ": " +
                             e.what());
    }
    Accept();
    for (auto& ioc : iocs_) {
      threads_.emplace_back([ioc = ioc.get()] {
        for (;;) {
          try {
            ioc->run();
            return;
          } catch (...) {
            // A handler threw out of Asio: keep serving.
          }
        }
      });
    }
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }
  bool tls() const override { return ssl_ != nullptr; }
  int64_t open_connections() const override { return shared_->open.load(); }
  int64_t max_connections() const override { return shared_->options.max_connections; }
  int64_t accept_errors() const override { return accept_errors_.load(); }

  void Shutdown() override {
    std::lock_guard once(shutdown_mu_);
    if (done_) return;
    shared_->stopping.store(true);
    if (acceptor_) {
      net::post(acceptor_->get_executor(), [this] {
        beast::error_code ec;
        acceptor_->close(ec);
        if (accept_timer_) accept_timer_->cancel();
        if (pressure_timer_) pressure_timer_->cancel();
      });
    }
    // Take strong references under the registry lock but post (and drop them)
    // outside it: the posted handler may finish first, making our reference
    // the last one, and ~Session takes the registry lock itself.
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(registry_->mu);
      for (auto& w : registry_->sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) net::post(s->executor(), [s] { s->OnShutdown(); });
    live.clear();
    {
      std::unique_lock lock(shared_->mu);
      shared_->cv.wait_for(lock, shared_->options.shutdown_grace,
                           [&] { return shared_->open.load() == 0; });
    }
    guards_.clear();
    // Give the acceptor close a moment to run; then stop whatever is left.
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    // Handlers still running finish; queued ones are dropped.
    if (work_) {
      work_->stop();
      work_->join();
    }
    accept_timer_.reset();
    pressure_timer_.reset();
    acceptor_.reset();
    done_ = true;
    {
      std::lock_guard lock(wait_mu_);
      finished_ = true;
    }
    wait_cv_.notify_all();
  }

  void Wait() override {
    std::unique_lock lock(wait_mu_);
    wait_cv_.wait(lock, [&] { return finished_; });
  }

 private:
  // Runs on the acceptor's executor; one accept chain at a time (a paused
  // chain is restarted only by whoever clears accept_paused).
  void Accept() {
    if (shared_->stopping.load() || !acceptor_->is_open()) return;
    const int64_t cap = shared_->options.max_connections;
    if (shared_->open.load() >= cap) {
      // Full: new clients wait in the listen backlog; idle connections
      // make room. ~Session restarts us when one closes.
      shared_->accept_paused.store(true);
      CloseIdleSessions();
      WatchWhilePaused();
      // A slot may have freed between the check and the flag.
      if (shared_->open.load() >= cap || !shared_->accept_paused.exchange(false)) return;
    }
    try {
      auto& ioc = *iocs_[next_++ % iocs_.size()];
      acceptor_->async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket));
      });
    } catch (const std::exception&) {
      BackOff();  // starting the accept needed a resource we are out of
    }
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || shared_->stopping.load()) return;
      return BackOff();
    }
    accept_backoff_ = std::chrono::milliseconds(0);
    if (shared_->stopping.load()) return;
    try {
      beast::error_code ec2;
      socket.set_option(tcp::no_delay(true), ec2);
      auto rep = socket.remote_endpoint(ec2);
      std::string remote = ec2 ? std::string() : rep.address().to_string();
      if (ssl_) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            shared_, registry_, beast::ssl_stream<beast::tcp_stream>(std::move(socket), *ssl_),
            std::move(remote), true);
        s->Start();
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(
            shared_, registry_, beast::tcp_stream(std::move(socket)), std::move(remote), false);
        s->Start();
      }
    } catch (const std::exception&) {
      // Out of memory or TLS resources for this one: it is dropped, the
      // acceptor goes on.
    }
    Accept();
  }

  // Out of descriptors (EMFILE, ENFILE) or kernel memory: clients stay
  // queued. Free idle connections and retry after a back-off (10 ms doubling
  // to 1 s) instead of spinning on the error.
  void BackOff() {
    accept_backoff_ = std::clamp(accept_backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    accept_errors_.fetch_add(1, std::memory_order_relaxed);
    CloseIdleSessions();
    accept_timer_->expires_after(accept_backoff_);
    accept_timer_->async_wait([this](beast::error_code ec) {
      if (!ec) Accept();
    });
  }

  // While accepting is paused, closes idle connections as they age past
  // kPressureMinIdle. Runs on the acceptor's executor.
  void WatchWhilePaused() {
    if (watching_) return;
    watching_ = true;
    pressure_timer_->expires_after(kPressureRecheck);
    pressure_timer_->async_wait([this](beast::error_code ec) {
      watching_ = false;
      if (ec || shared_->stopping.load() || !shared_->accept_paused.load()) return;
      CloseIdleSessions();
      WatchWhilePaused();
    });
  }

  void CloseIdleSessions() {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(registry_->mu);
      for (auto& w : registry_->sessions) {
        if (auto s = w.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) net::post(s->executor(), [s] { s->OnPressure(); });
  }

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::unique_ptr<ssl::context> ssl_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::steady_timer> accept_timer_;  // accept back-off
  std::unique_ptr<net::steady_timer> pressure_timer_;  // see WatchWhilePaused
  bool watching_ = false;  // acceptor's executor only
  std::chrono::milliseconds accept_backoff_{0};
  std::atomic<int64_t> accept_errors_{0};
  std::unique_ptr<net::thread_pool> work_;
  std::vector<std::thread> threads_;
  size_t next_ = 0;
  uint16_t port_ = 0;
  std::mutex shutdown_mu_;
  bool done_ = false;
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options, Handler handler,
                                            ErrorResponder error_responder, RequestObserver observer) {
  auto shared = std::make_shared<Shared>();
  shared->options = options;
  shared->handler = std::move(handler);
  shared->error_responder = std::move(error_responder);
  shared->observer = std::move(observer);
  auto server = std::make_unique<ServerImpl>(shared);
  Status s = server->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<Server>(std::move(server));
}

int WaitForTerminationSignal() {
  net::io_context ioc(1);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  int got = 0;
  signals.async_wait([&](const beast::error_code& ec, int sig) {
    if (!ec) got = sig;
  });
  ioc.run();
  return got;
}

bool IsLoopbackAddress(std::string_view address) {
  if (address == "localhost") return true;
  beast::error_code ec;
  auto ip = net::ip::make_address(std::string(address), ec);
  return !ec && ip.is_loopback();
}

}  // namespace rampart::http
