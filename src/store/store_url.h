// Redaction of store specs: the one rule for printing where a store lives.
//
// A store spec ("sqlite:DIR", "postgres://user:password@host/db?...", or a
// libpq keyword string "host=h password=pw") may carry a password. Nothing
// Rampart prints, logs or puts in a Status may carry it: every start-up
// line, error and log line that names a store goes through RedactStoreUrl
// (docs/trust.md "At rest"). Pure functions; thread-safe.
#ifndef RAMPART_STORE_STORE_URL_H_
#define RAMPART_STORE_STORE_URL_H_

#include <string>
#include <string_view>

namespace rampart::store {

inline constexpr char kRedacted[] = "***";

// `text` (a store spec, or any message that may contain one) with every
// password replaced by "***": the password of a URL's userinfo
// (scheme://user:PASSWORD@host, any scheme) and the value of every
// `password=` keyword or query parameter (also `sslpassword=`; quoted
// keyword values '...' included). Everything else is kept.
std::string RedactStoreUrl(std::string_view text);

// RedactStoreUrl(message), and every literal occurrence in `message` of a
// password that `spec` carries also replaced (a driver error may echo a
// fragment of the URL it could not parse). For wrapping messages of the
// PostgreSQL driver.
std::string RedactStoreUrlIn(std::string_view message, std::string_view spec);

}  // namespace rampart::store

#endif  // RAMPART_STORE_STORE_URL_H_
