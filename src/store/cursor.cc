#include "store/cursor.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <vector>

#include "base/check.h"

namespace rampart::store {
namespace {

// DO NOT CHANGE: the layout of a cursor (docs/formats/sqlite_schema.md).
// version (1) | nonce (24) | XChaCha20-Poly1305(date_added BE 8 | seq BE 8) + tag (16)
constexpr unsigned char kCursorFormat = 2;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kPlainBytes = 16;
constexpr size_t kSealedBytes = kPlainBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kCursorBytes = 1 + kNonceBytes + kSealedBytes;
// base64url without padding of kCursorBytes (a multiple of 3: no slack bits,
// so every character of a cursor is significant).
constexpr size_t kCursorChars = kCursorBytes / 3 * 4;
static_assert(kCursorBytes % 3 == 0);

std::array<unsigned char, 32> DeriveKey(std::string_view secret, std::string_view purpose) {
  std::array<unsigned char, 32> out;
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(purpose.data()),
                     purpose.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  return out;
}

// The associated data: the format byte and the collection, so a cursor
// opens only for the collection it was made for.
std::string AssociatedData(std::string_view collection_id) {
  std::string ad = "rampart-cursor";
  ad += static_cast<char>(kCursorFormat);
  ad += collection_id;
  return ad;
}

void PutBigEndian(uint64_t v, unsigned char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetBigEndian(const unsigned char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

std::string Base64UrlEncode(std::string_view in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  std::string s(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

// Strict: only the base64url alphabet, no padding, exactly kCursorChars.
bool Base64UrlDecodeCursor(std::string_view in, std::string* out) {
  if (in.size() != kCursorChars) return false;
  std::string s(in);
  for (char& c : s) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  std::vector<unsigned char> buf(s.size());
  int n = EVP_DecodeBlock(buf.data(), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n != static_cast<int>(kCursorBytes)) return false;
  out->assign(reinterpret_cast<char*>(buf.data()), kCursorBytes);
  return true;
}

}  // namespace

CursorCodec::CursorCodec(std::string_view key) {
  RAMPART_CHECK(key.size() == 32);
  RAMPART_CHECK(sodium_init() >= 0);
  aead_key_ = DeriveKey(key, "rampart cursor v2: aead key");
  nonce_key_ = DeriveKey(key, "rampart cursor v2: nonce key");
}

std::string CursorCodec::Encode(std::string_view collection_id, const CursorPosition& p) const {
  unsigned char plain[kPlainBytes];
  PutBigEndian(static_cast<uint64_t>(p.date_added), plain);
  PutBigEndian(static_cast<uint64_t>(p.seq), plain + 8);
  const std::string ad = AssociatedData(collection_id);
  // A synthetic nonce (keyed hash of collection and position, as SIV does):
  // the same position yields the same cursor, and distinct positions never
  // share a nonce.
  unsigned char nonce[kNonceBytes];
  crypto_generichash_state h;
  crypto_generichash_init(&h, nonce_key_.data(), nonce_key_.size(), sizeof nonce);
  crypto_generichash_update(&h, reinterpret_cast<const unsigned char*>(ad.data()), ad.size());
  crypto_generichash_update(&h, plain, sizeof plain);
  crypto_generichash_final(&h, nonce, sizeof nonce);
  std::string raw(kCursorBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  out[0] = kCursorFormat;
  std::copy(nonce, nonce + kNonceBytes, out + 1);
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + 1 + kNonceBytes, &sealed_len, plain, sizeof plain,
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
      aead_key_.data());
  RAMPART_CHECK(sealed_len == kSealedBytes);
  return Base64UrlEncode(raw);
}

Result<CursorPosition> CursorCodec::Decode(std::string_view collection_id,
                                           std::string_view cursor) const {
  const Status bad = Status::InvalidArgument(kInvalidCursorMessage);
  std::string raw;
  if (!Base64UrlDecodeCursor(cursor, &raw)) return bad;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  if (in[0] != kCursorFormat) return bad;
  const std::string ad = AssociatedData(collection_id);
  unsigned char plain[kPlainBytes];
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain, &plain_len, nullptr, in + 1 + kNonceBytes, kSealedBytes,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), in + 1,
          aead_key_.data()) != 0 ||
      plain_len != kPlainBytes) {
    return bad;
  }
  CursorPosition p;
  p.date_added = static_cast<Micros>(GetBigEndian(plain));
  p.seq = static_cast<int64_t>(GetBigEndian(plain + 8));
  return p;
}

}  // namespace rampart::store
