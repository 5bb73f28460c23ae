// Helpers shared by every Store backend: the opaque TAXII `next` cursor and
// the version rule of a stored object.
//
// The cursor is a keyset position (date_added, seq) of the last returned
// version, sealed with authenticated encryption (XChaCha20-Poly1305) under
// the store's "cursor-key" secret (Store::GetOrCreateSecret), with its
// collection as associated data. A reader learns nothing from it (not the
// time or the sequence number of any row, in particular of rows the policy
// hid from it) and cannot forge, edit or replay it on another collection or
// another store. Byte format: docs/formats/sqlite_schema.md ("Cursor").
// CursorCodec is immutable after construction; thread-safe.
#ifndef RAMPART_STORE_CURSOR_H_
#define RAMPART_STORE_CURSOR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "store/types.h"

namespace rampart::store {

// The name of the secret (Store::GetOrCreateSecret) the cursors are sealed under.
inline constexpr char kCursorKeySecret[] = "cursor-key";

// The message of every refused cursor (garbled, truncated, forged, of
// another collection or another store): one message, so a caller learns
// nothing about why.
inline constexpr char kInvalidCursorMessage[] = "invalid or expired cursor";

struct CursorPosition {
  Micros date_added = 0;
  int64_t seq = 0;
};

class CursorCodec {
 public:
  // REQUIRES: key.size() == 32 (a GetOrCreateSecret value).
  explicit CursorCodec(std::string_view key);

  // The opaque `next` value resuming after `p` in `collection_id`:
  // base64url (no padding) of 57 bytes. Deterministic: one position of one
  // collection always yields the same cursor on one store.
  std::string Encode(std::string_view collection_id, const CursorPosition& p) const;

  // Opens a cursor made by Encode on a store with the same key for the same
  // collection. InvalidArgument (kInvalidCursorMessage) for anything else.
  Result<CursorPosition> Decode(std::string_view collection_id, std::string_view cursor) const;

 private:
  std::array<unsigned char, 32> aead_key_;   // seals the position
  std::array<unsigned char, 32> nonce_key_;  // derives the synthetic nonce
};

// The version of an object: modified, else created, else date_added.
inline Micros ObjectVersion(const NewObject& o, Micros date_added) {
  if (o.modified) return *o.modified;
  if (o.created) return *o.created;
  return date_added;
}

}  // namespace rampart::store

#endif  // RAMPART_STORE_CURSOR_H_
