// Module-private: the SQL of the PostgreSQL store's object queries (TAXII
// objects / manifest / versions), built from an ObjectQuery, and the decoding
// of object rows. Exposed to the module's tests so they can EXPLAIN exactly
// the statements the store runs.
//
// Thread-safety: pure functions.
#ifndef RAMPART_STORE_POSTGRES_QUERY_SQL_H_
#define RAMPART_STORE_POSTGRES_QUERY_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/cursor.h"
#include "store/postgres/pg_connection.h"
#include "store/types.h"

namespace rampart::store::postgres {

// The columns of one object row, in the order ReadObjectRow expects
// (`o` is the objects table alias). With include_json false the json column
// is replaced by ''.
std::string ObjectColumns(bool include_json);
inline constexpr int kObjectColumnCount = 23;

struct Statement {
  std::string sql;
  Params params;
};

// The exclusive lower bound of a page in (date_added, seq) order: the later
// of the decoded cursor (if any) and (added_after, +inf) (if set).
CursorPosition PageStart(const ObjectQuery& q, const std::optional<CursorPosition>& cursor);

// The page query of `q` in the collection with key `ckey`: rows strictly
// after `after` in (date_added, seq) order, at most `fetch` of them.
// Different filters AND, values within one filter OR; version selection
// (first/last) is computed among the object's versions that pass the
// spec_version selection (default: its latest spec_version), independent of
// added_after and the cursor — as the memory fake and SQLite do.
Statement BuildPageQuery(int64_t ckey, const ObjectQuery& q, const CursorPosition& after,
                         int64_t fetch);

// Fixed statements, shared with the tests that EXPLAIN them.
// FindObservable: $1 kind, $2 value, $3 limit; columns c.id, then
// ObjectColumns(true); newest (highest seq) first.
std::string FindObservableSql();
// ListTombstones: $1 ckey, $2 after seq, $3 limit.
std::string ListTombstonesSql();
// The write path's lookup of existing versions: $1 ckey, $2 text[] of ids.
std::string ExistingVersionsSql();

// Decodes the object row whose first column is `col` (columns as
// ObjectColumns). Corruption for undecodable stored values.
Result<StoredObject> ReadObjectRow(const PgResult& r, int row, int col);

// JSON helpers for the jsonb columns (nlohmann::json, kept out of headers).
// InvalidArgument when a string is not valid UTF-8.
Result<std::string> JsonStringArray(const std::vector<std::string>& v);
Result<std::vector<std::string>> ParseJsonStringArray(std::string_view text);
Result<std::string> JsonObservables(const std::vector<Observable>& v);
Result<std::vector<Observable>> ParseJsonObservables(std::string_view text);

}  // namespace rampart::store::postgres

#endif  // RAMPART_STORE_POSTGRES_QUERY_SQL_H_
