#include "pattern/observables.h"

#include <optional>
#include <set>

#include "pattern/normalize.h"

namespace rampart::pattern {
namespace {

bool IsKey(const PathStep& s, std::string_view key) { return s.kind == PathStep::Kind::kKey && s.key == key; }

// "SHA-256", "sha256", "SHA256" -> "sha256"; nullopt for other hashes.
std::optional<std::string> HashKind(std::string_view key) {
  std::string k;
  for (char c : key)
    if (c != '-' && c != '_') k += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (k == "md5" || k == "sha1" || k == "sha256" || k == "sha512") return k;
  return std::nullopt;
}

std::string IpKind(std::string_view value) {
  return value.find(':') != std::string_view::npos ? "ipv6-addr" : "ipv4-addr";
}

// The observable kind a comparison path denotes, or "" if none. "ip" means
// ipv4-addr or ipv6-addr, decided by the value.
std::string KindOf(const ObjectPath& p) {
  const auto& s = p.steps;
  const std::string& t = p.object_type;
  if (s.size() == 1 && IsKey(s[0], "value")) {
    if (t == "ipv4-addr" || t == "ipv6-addr") return "ip";
    if (t == "domain-name" || t == "url" || t == "email-addr") return t;
    return "";
  }
  if (t == "file" && s.size() == 2 && IsKey(s[0], "hashes") && s[1].kind == PathStep::Kind::kKey) {
    std::optional<std::string> h = HashKind(s[1].key);
    return h ? "file:" + *h : "";
  }
  if (t == "email-message") {
    if (s.size() == 2 && (IsKey(s[0], "from_ref") || IsKey(s[0], "sender_ref")) && IsKey(s[1], "value"))
      return "email-addr";
    if (s.size() == 3 && (IsKey(s[0], "to_refs") || IsKey(s[0], "cc_refs") || IsKey(s[0], "bcc_refs")) &&
        s[1].kind != PathStep::Kind::kKey && IsKey(s[2], "value"))
      return "email-addr";
  }
  if (t == "network-traffic" && s.size() == 2 && (IsKey(s[0], "src_ref") || IsKey(s[0], "dst_ref")) &&
      IsKey(s[1], "value"))
    return "ip";
  return "";
}

void Collect(const ComparisonExpr& e, std::vector<std::pair<std::string, std::string>>& out,
             std::set<std::pair<std::string, std::string>>& seen) {
  if (e.kind != ComparisonExpr::Kind::kComparison) {
    for (const ComparisonExpr& c : e.children) Collect(c, out, seen);
    return;
  }
  const Comparison& c = e.comparison;
  if (c.negated || (c.op != Operator::kEqual && c.op != Operator::kIn)) return;
  std::string kind = KindOf(c.path);
  if (kind.empty()) return;
  auto add = [&](const Literal& l) {
    if (l.type != LiteralType::kString) return;
    std::string k = kind == "ip" ? IpKind(l.text) : kind;
    if ((k == "ipv4-addr" || k == "ipv6-addr") && l.text.find('/') != std::string::npos) return;  // CIDR
    std::string v = NormalizeObservable(k, l.text);
    if (v.empty()) return;
    if (seen.emplace(k, v).second) out.emplace_back(k, v);
  };
  if (c.op == Operator::kEqual) {
    add(c.value);
  } else {
    for (const Literal& l : c.set) add(l);
  }
}

void Collect(const ObservationExpr& e, std::vector<std::pair<std::string, std::string>>& out,
             std::set<std::pair<std::string, std::string>>& seen) {
  if (e.kind == ObservationExpr::Kind::kObservation) {
    Collect(e.comparison, out, seen);
    return;
  }
  for (const ObservationExpr& c : e.children) Collect(c, out, seen);
}

}  // namespace

std::string NormalizeObservable(std::string_view kind, std::string_view value) {
  if (kind == "ipv4-addr") return NormalizeIpv4(value).value_or(std::string(value));
  if (kind == "ipv6-addr") return NormalizeIpv6(value).value_or(AsciiLower(value));
  if (kind == "domain-name") return NormalizeDomain(value);
  if (kind == "url") return NormalizeUrl(value);
  if (kind == "email-addr") return NormalizeEmail(value);
  if (kind.substr(0, 5) == "file:") return NormalizeHash(value);
  return std::string(value);
}

std::vector<std::pair<std::string, std::string>> ExtractObservables(const Pattern& pattern) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::pair<std::string, std::string>> seen;
  Collect(pattern.root, out, seen);
  return out;
}

}  // namespace rampart::pattern
