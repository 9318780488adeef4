#pragma once
// Streaming SHA-256, the content hash of blobs and dataset versions. OpenSSL's implementation
// uses the CPU's SHA extensions where present (several times faster than a portable one).

#include <memory>
#include <string>
#include <string_view>

namespace easel {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lower-case hex digest (64 characters). The hasher must not be used afterwards.
  std::string HexDigest();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

std::string Sha256Hex(std::string_view data);

// True for a 64-character lower-case hex string.
bool IsSha256Hex(std::string_view s);

}  // namespace easel
