// Helpers shared by every Store backend: the opaque TAXII `next` cursor and
// the version rule of a stored object.
//
// The cursor is a keyset position (date_added, seq) of the last returned
// version, bound to its collection by a check value; the byte format is in
// docs/formats/sqlite_schema.md ("Cursor"). Pure functions; thread-safe.
#ifndef RAMPART_STORE_CURSOR_H_
#define RAMPART_STORE_CURSOR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "store/types.h"

namespace rampart::store {

struct CursorPosition {
  Micros date_added = 0;
  int64_t seq = 0;
};

// The opaque `next` value resuming after (date_added, seq) in collection_id.
std::string EncodeCursor(std::string_view collection_id, const CursorPosition& p);

// Parses a cursor made by EncodeCursor for the same collection.
// InvalidArgument for anything else (garbled, truncated, other collection,
// over-long: more than 256 bytes).
Result<CursorPosition> DecodeCursor(std::string_view collection_id, std::string_view cursor);

// The version of an object: modified, else created, else date_added.
inline Micros ObjectVersion(const NewObject& o, Micros date_added) {
  if (o.modified) return *o.modified;
  if (o.created) return *o.created;
  return date_added;
}

}  // namespace rampart::store

#endif  // RAMPART_STORE_CURSOR_H_
