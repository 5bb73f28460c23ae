#include "telemetry/field_mapping.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <string>

namespace rampart::telemetry {

struct FieldMapping::Impl {
  std::vector<std::string> paths;
  absl::flat_hash_map<std::string, PathId> path_ids;
  // One table for both questions a reader asks about a dotted name: its
  // rules (leaf) and whether longer mapped names start with it (prefix).
  struct Entry {
    std::vector<FieldRule> rules;
    bool is_prefix = false;
  };
  absl::flat_hash_map<std::string, Entry> names;
};

FieldMapping::FieldMapping() : impl_(std::make_unique<Impl>()) {
  InternPath("ipv4-addr:value");
  InternPath("ipv6-addr:value");
  InternPath("domain-name:value");
  InternPath("url:value");
}
FieldMapping::~FieldMapping() = default;
FieldMapping::FieldMapping(FieldMapping&&) noexcept = default;
FieldMapping& FieldMapping::operator=(FieldMapping&&) noexcept = default;

PathId FieldMapping::InternPath(std::string_view path) {
  auto it = impl_->path_ids.find(absl::string_view(path.data(), path.size()));
  if (it != impl_->path_ids.end()) return it->second;
  PathId id = static_cast<PathId>(impl_->paths.size());
  impl_->paths.emplace_back(path);
  impl_->path_ids.emplace(std::string(path), id);
  return id;
}

std::optional<PathId> FieldMapping::FindPath(std::string_view path) const {
  auto it = impl_->path_ids.find(absl::string_view(path.data(), path.size()));
  if (it == impl_->path_ids.end()) return std::nullopt;
  return it->second;
}

std::string_view FieldMapping::PathName(PathId id) const {
  return id < impl_->paths.size() ? std::string_view(impl_->paths[id]) : std::string_view();
}
size_t FieldMapping::path_count() const { return impl_->paths.size(); }

Status FieldMapping::AddRule(std::string_view field, ValueKind kind, std::string_view path) {
  if (field.empty() || field.size() > 256) return Status::InvalidArgument("field name empty or too long");
  PathId id = kNoPath;
  if (!path.empty()) {
    size_t colon = path.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == path.size()) {
      return Status::InvalidArgument("STIX path must look like '<type>:<property>': '" + std::string(path) + "'");
    }
    id = InternPath(path);
  } else if (kind != ValueKind::kIp && kind != ValueKind::kIpOrDomain && kind != ValueKind::kTime &&
             kind != ValueKind::kUrlHost && kind != ValueKind::kUrlPath) {
    return Status::InvalidArgument("a STIX path is required for field '" + std::string(field) + "'");
  }
  impl_->names[std::string(field)].rules.push_back({kind, id});
  for (size_t dot = field.find('.'); dot != std::string_view::npos; dot = field.find('.', dot + 1)) {
    impl_->names[std::string(field.substr(0, dot))].is_prefix = true;
  }
  return Status::Ok();
}

FieldLookup FieldMapping::Lookup(std::string_view name) const {
  FieldLookup out;
  auto it = impl_->names.find(absl::string_view(name.data(), name.size()));
  if (it == impl_->names.end()) return out;
  if (!it->second.rules.empty()) out.rules = &it->second.rules;
  out.is_prefix = it->second.is_prefix;
  return out;
}

std::optional<ValueKind> ParseValueKind(std::string_view n) {
  static const std::pair<std::string_view, ValueKind> kNames[] = {
      {"ip", ValueKind::kIp},         {"domain", ValueKind::kDomain},
      {"url", ValueKind::kUrl},       {"hash", ValueKind::kHash},
      {"email", ValueKind::kEmail},   {"string", ValueKind::kString},
      {"int", ValueKind::kInt},       {"ip-or-domain", ValueKind::kIpOrDomain},
      {"time", ValueKind::kTime},     {"url-host", ValueKind::kUrlHost},
      {"url-path", ValueKind::kUrlPath},
  };
  for (auto& [name, kind] : kNames) {
    if (name == n) return kind;
  }
  return std::nullopt;
}

Status FieldMapping::AddRulesFromText(std::string_view text) {
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i >= line.size() || line[i] == '#') break;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty()) continue;
    auto where = "mapping line " + std::to_string(line_no) + ": ";
    if (words.size() < 2 || words.size() > 3) {
      return Status::InvalidArgument(where + "expected '<field> <kind> [<stix path>]'");
    }
    auto kind = ParseValueKind(words[1]);
    if (!kind) return Status::InvalidArgument(where + "unknown kind '" + std::string(words[1]) + "'");
    Status st = AddRule(words[0], *kind, words.size() == 3 ? words[2] : std::string_view());
    if (!st.ok()) return st.WithContext(where.substr(0, where.size() - 2));
  }
  return Status::Ok();
}

FieldMapping DefaultFieldMapping() {
  FieldMapping m;
  using K = ValueKind;
  struct R {
    const char* field;
    K kind;
    const char* path;
  };
  static const R kRules[] = {
      // ---- ECS
      {"@timestamp", K::kTime, ""},
      {"source.ip", K::kIp, ""},
      {"source.ip", K::kIp, "network-traffic:src_ref.value"},
      {"destination.ip", K::kIp, ""},
      {"destination.ip", K::kIp, "network-traffic:dst_ref.value"},
      {"client.ip", K::kIp, ""},
      {"server.ip", K::kIp, ""},
      {"host.ip", K::kIp, ""},
      {"source.port", K::kInt, "network-traffic:src_port"},
      {"destination.port", K::kInt, "network-traffic:dst_port"},
      {"source.domain", K::kDomain, "domain-name:value"},
      {"destination.domain", K::kDomain, "domain-name:value"},
      {"client.domain", K::kDomain, "domain-name:value"},
      {"server.domain", K::kDomain, "domain-name:value"},
      {"url.domain", K::kDomain, "domain-name:value"},
      {"dns.question.name", K::kDomain, "domain-name:value"},
      {"dns.resolved_ip", K::kIp, ""},
      {"url.full", K::kUrl, "url:value"},
      {"url.original", K::kUrl, "url:value"},
      {"file.hash.md5", K::kHash, "file:hashes.MD5"},
      {"file.hash.sha1", K::kHash, "file:hashes.SHA-1"},
      {"file.hash.sha256", K::kHash, "file:hashes.SHA-256"},
      {"file.name", K::kString, "file:name"},
      {"process.hash.md5", K::kHash, "file:hashes.MD5"},
      {"process.hash.sha1", K::kHash, "file:hashes.SHA-1"},
      {"process.hash.sha256", K::kHash, "file:hashes.SHA-256"},
      {"email.from.address", K::kEmail, "email-addr:value"},
      {"email.to.address", K::kEmail, "email-addr:value"},
      {"email.sender.address", K::kEmail, "email-addr:value"},
      {"tls.server.hash.sha1", K::kHash, "x509-certificate:hashes.SHA-1"},
      {"tls.server.hash.sha256", K::kHash, "x509-certificate:hashes.SHA-256"},
      {"tls.server.hash.md5", K::kHash, "x509-certificate:hashes.MD5"},
      {"tls.server.x509.serial_number", K::kString, "x509-certificate:serial_number"},
      {"user_agent.original", K::kString, "network-traffic:extensions.http-request-ext.request_header.User-Agent"},
      // ---- Zeek (conn, dns, http, files, ssl, x509, smtp, notice, ...)
      {"ts", K::kTime, ""},
      {"id.orig_h", K::kIp, ""},
      {"id.orig_h", K::kIp, "network-traffic:src_ref.value"},
      {"id.resp_h", K::kIp, ""},
      {"id.resp_h", K::kIp, "network-traffic:dst_ref.value"},
      {"id.orig_p", K::kInt, "network-traffic:src_port"},
      {"id.resp_p", K::kInt, "network-traffic:dst_port"},
      {"query", K::kDomain, "domain-name:value"},
      {"answers", K::kIpOrDomain, ""},
      {"host", K::kUrlHost, ""},
      {"host", K::kIpOrDomain, ""},
      {"uri", K::kUrlPath, ""},
      {"server_name", K::kDomain, "domain-name:value"},
      {"md5", K::kHash, "file:hashes.MD5"},
      {"sha1", K::kHash, "file:hashes.SHA-1"},
      {"sha256", K::kHash, "file:hashes.SHA-256"},
      {"filename", K::kString, "file:name"},
      {"fingerprint", K::kHash, "x509-certificate:hashes.SHA-256"},
      {"cert_chain_fps", K::kHash, "x509-certificate:hashes.SHA-256"},
      {"certificate.serial", K::kString, "x509-certificate:serial_number"},
      {"certificate.subject", K::kString, "x509-certificate:subject"},
      {"certificate.issuer", K::kString, "x509-certificate:issuer"},
      {"mailfrom", K::kEmail, "email-addr:value"},
      {"rcptto", K::kEmail, "email-addr:value"},
      {"tx_hosts", K::kIp, ""},
      {"rx_hosts", K::kIp, ""},
      {"src", K::kIp, ""},
      {"dst", K::kIp, ""},
      // ---- Suricata eve.json
      {"timestamp", K::kTime, ""},
      {"src_ip", K::kIp, ""},
      {"src_ip", K::kIp, "network-traffic:src_ref.value"},
      {"dest_ip", K::kIp, ""},
      {"dest_ip", K::kIp, "network-traffic:dst_ref.value"},
      {"src_port", K::kInt, "network-traffic:src_port"},
      {"dest_port", K::kInt, "network-traffic:dst_port"},
      {"dns.rrname", K::kDomain, "domain-name:value"},
      {"dns.queries.rrname", K::kDomain, "domain-name:value"},
      {"dns.answers.rdata", K::kIpOrDomain, ""},
      {"dns.grouped.A", K::kIp, ""},
      {"dns.grouped.AAAA", K::kIp, ""},
      {"dns.grouped.CNAME", K::kDomain, "domain-name:value"},
      {"http.hostname", K::kUrlHost, ""},
      {"http.hostname", K::kDomain, "domain-name:value"},
      {"http.url", K::kUrlPath, ""},
      {"tls.sni", K::kDomain, "domain-name:value"},
      {"tls.fingerprint", K::kHash, "x509-certificate:hashes.SHA-1"},
      {"tls.serial", K::kString, "x509-certificate:serial_number"},
      {"fileinfo.md5", K::kHash, "file:hashes.MD5"},
      {"fileinfo.sha1", K::kHash, "file:hashes.SHA-1"},
      {"fileinfo.sha256", K::kHash, "file:hashes.SHA-256"},
      {"fileinfo.filename", K::kString, "file:name"},
      {"smtp.mail_from", K::kEmail, "email-addr:value"},
      {"smtp.rcpt_to", K::kEmail, "email-addr:value"},
  };
  for (const R& r : kRules) {
    Status st = m.AddRule(r.field, r.kind, r.path);
    RAMPART_CHECK(st.ok());
  }
  return m;
}

}  // namespace rampart::telemetry
