// Turning plain IOC lists (one value per line, CSV exports such as
// Mandiant's, AsciiDoc tables such as ESET's, JSON block lists) into STIX
// indicators. Values are refanged first ("avsvmcloud[.]com" -> domain,
// "hxxp://" -> http), then classified:
//   IPv4 / IPv6           -> [ipv4-addr:value = '…'] / [ipv6-addr:value = '…']
//   CIDR                  -> [ipv4-addr:value ISSUBSET '…/n']
//   URL (scheme://)       -> [url:value = '…']
//   e-mail address        -> [email-addr:value = '…']
//   32/40/64 hex digits   -> [file:hashes.MD5 / 'SHA-1' / 'SHA-256' = '…']
//   domain name           -> [domain-name:value = '…'] when its last label
//                            is a public suffix (/usr/share/publicsuffix, if
//                            present; else letters and not a file extension)
// Everything else is ignored (file names, dates, prose). Indicator ids are
// derived from the pattern (same value, same id), so re-converting a list is
// idempotent.
//
// Thread-safety: pure functions (the suffix list is loaded once, thread-safely).
#ifndef RAMPART_DETECT_IOC_CONVERT_H_
#define RAMPART_DETECT_IOC_CONVERT_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "detect/indicators.h"

namespace rampart::detect {

enum class IocKind { kNone, kIpv4, kIpv6, kCidr, kUrl, kEmail, kMd5, kSha1, kSha256, kDomain };

// Classifies one (already refanged) token.
IocKind ClassifyIoc(std::string_view token);

// The STIX pattern for a classified value ("" for kNone).
std::string IocPattern(IocKind kind, std::string_view value);

struct IocConvertOptions {
  std::string source_name;  // goes into the indicator name: "<source>: <value>"
  Micros valid_from = 0;    // 0 = now
};

// Extracts, refangs, classifies and de-duplicates every value in `text`.
std::vector<Indicator> ConvertIocList(std::string_view text, const IocConvertOptions& options);

// A bundle of the indicators (for `--indicators` or ingest).
std::string IndicatorsBundleJson(const std::vector<Indicator>& indicators);

}  // namespace rampart::detect

#endif  // RAMPART_DETECT_IOC_CONVERT_H_
