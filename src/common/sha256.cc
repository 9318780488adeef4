#include "common/sha256.h"

#include "common/random.h"

namespace easel {

Sha256::Sha256() {
  if (sodium_init() < 0) std::abort();
  crypto_hash_sha256_init(&state_);
}

void Sha256::Update(const void* data, size_t n) {
  crypto_hash_sha256_update(&state_, static_cast<const unsigned char*>(data), n);
}

std::string Sha256::HexDigest() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, out);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string Sha256Hex(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.HexDigest();
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace easel
