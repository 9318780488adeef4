#pragma once
// Cryptographically secure randomness (libsodium) and the encodings easel uses for ids and
// secrets.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace easel {

// Fills `out` with `n` bytes from the OS CSPRNG.
void RandomBytes(void* out, size_t n);

// A 256-bit random secret, base64url without padding (43 characters). Used for API tokens.
std::string RandomSecret();

// base64url without padding, and back (nullopt for malformed text).
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);

// A new opaque id: 26 characters of lower-case Crockford base32 (48-bit millisecond time +
// 80 random bits, like a ULID). Ids from one process sort by creation time, which keyset
// pagination relies on. Thread-safe.
std::string NewId();

// True when `s` has the shape of an id from NewId (used to reject junk before a lookup).
bool LooksLikeId(std::string_view s);

}  // namespace easel
