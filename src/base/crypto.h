// Small cryptographic helpers over OpenSSL/libsodium: SHA-256, secure random
// bytes, constant-time comparison, hex. Thread-safe.
#ifndef RAMPART_BASE_CRYPTO_H_
#define RAMPART_BASE_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);

std::string HexEncode(std::string_view bytes);

// `n` bytes from the operating system's CSPRNG.
std::string RandomBytes(size_t n);

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A random (version 4) UUID in canonical lower-case form.
std::string RandomUuid();

}  // namespace rampart

#endif  // RAMPART_BASE_CRYPTO_H_
