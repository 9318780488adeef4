#pragma once
// Streaming SHA-256 (libsodium), the content hash of blobs and dataset versions.

#include <sodium.h>

#include <string>
#include <string_view>

namespace easel {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lower-case hex digest (64 characters). The hasher must not be used afterwards.
  std::string HexDigest();

 private:
  crypto_hash_sha256_state state_;
};

std::string Sha256Hex(std::string_view data);

// True for a 64-character lower-case hex string.
bool IsSha256Hex(std::string_view s);

}  // namespace easel
