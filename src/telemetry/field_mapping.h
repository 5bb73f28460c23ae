// Which log fields carry which observables, and how their values are
// normalised. One FieldMapping serves every JSON-lines flavour (ECS, Zeek
// JSON, Suricata eve.json) and Zeek TSV: log field names are dotted paths
// ("source.ip", "id.orig_h", "dns.rrname", "tls.sni"); nested JSON objects
// and dotted keys both produce the same dotted name, arrays contribute each
// element under the array's name.
//
// The default mapping (DefaultFieldMapping) covers ECS, Zeek (conn, dns,
// http, files, ssl, x509, smtp, notice, ...) and eve.json; documented in
// docs/ARCHITECTURE.md ("telemetry"). Extra rules come from a text file:
//   # comment
//   <log field name> <kind> [<stix path>]
// kinds: ip (path chosen by address family unless given), domain, url, hash,
// email, string, int, time, url-host, url-path (the last two compose a URL).
//
// Thread-safety: build once, then share read-only between reader threads.
#ifndef RAMPART_TELEMETRY_FIELD_MAPPING_H_
#define RAMPART_TELEMETRY_FIELD_MAPPING_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "telemetry/event.h"

namespace rampart::telemetry {

// How a value is normalised (see normalize.h) and, for kIp, routed.
enum class ValueKind {
  kIp,        // IPv4/IPv6 address; canonical text (RFC 5952 for IPv6)
  kDomain,    // lower case, no trailing dot, NFC
  kUrl,       // scheme and host lower case, default port dropped
  kHash,      // hex lower case, ':' separators removed
  kEmail,     // lower case
  kString,    // NFC only
  kInt,       // decimal integer text as is
  kIpOrDomain,// Zeek dns answers: an address or a name
  kTime,      // the event time (epoch seconds or RFC 3339), not an observable
  kUrlHost,   // host part of a URL to compose (Zeek http host, eve http.hostname)
  kUrlPath,   // path part of a URL to compose (Zeek http uri, eve http.url)
};

// Well-known paths (interned first, so their ids are fixed).
inline constexpr PathId kPathIpv4 = 0;          // ipv4-addr:value
inline constexpr PathId kPathIpv6 = 1;          // ipv6-addr:value
inline constexpr PathId kPathDomain = 2;        // domain-name:value
inline constexpr PathId kPathUrl = 3;           // url:value

struct FieldRule {
  ValueKind kind;
  // The observable path; for kIp/kIpOrDomain with no explicit path the
  // address family (or name) decides, and `path` is kNoPath.
  PathId path;
};
inline constexpr PathId kNoPath = 0xffffffffu;

// Lookup result for a (possibly partial) dotted field name.
struct FieldLookup {
  const std::vector<FieldRule>* rules = nullptr;  // non-null: a mapped leaf
  bool is_prefix = false;                         // some mapped name starts with "<name>."
};

class FieldMapping {
 public:
  FieldMapping();
  ~FieldMapping();
  FieldMapping(FieldMapping&&) noexcept;
  FieldMapping& operator=(FieldMapping&&) noexcept;

  // Interns a canonical STIX path; returns its id (stable for this mapping).
  PathId InternPath(std::string_view path);
  // The id of a path, or nullopt when no rule produces it.
  std::optional<PathId> FindPath(std::string_view path) const;
  std::string_view PathName(PathId id) const;
  size_t path_count() const;

  // Adds a rule. `path` may be empty for kIp / kIpOrDomain / kTime /
  // kUrlHost / kUrlPath. InvalidArgument for a path that is not
  // "<type>:<key>..." shaped.
  Status AddRule(std::string_view field, ValueKind kind, std::string_view path);

  // Parses the rule file format above, adding to this mapping.
  // InvalidArgument naming the line on error.
  Status AddRulesFromText(std::string_view text);

  FieldLookup Lookup(std::string_view dotted_name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ECS + Zeek + Suricata eve.json defaults.
FieldMapping DefaultFieldMapping();

// Parses a kind name ("ip", "domain", ...).
std::optional<ValueKind> ParseValueKind(std::string_view name);

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_FIELD_MAPPING_H_
