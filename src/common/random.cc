#include "common/random.h"

#include <sodium.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace easel {
namespace {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness source: nothing is safe
    return true;
  }();
  (void)ready;
}

constexpr char kCrockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

}  // namespace

void RandomBytes(void* out, size_t n) {
  EnsureSodium();
  randombytes_buf(out, n);
}

std::string RandomSecret() {
  unsigned char raw[32];
  RandomBytes(raw, sizeof raw);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

std::string Base64UrlEncode(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string NewId() {
  // Monotonic within the process: if the clock has not moved, increment the random part.
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static unsigned char last_rand[10];

  uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  unsigned char rand[10];
  {
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      for (int i = 9; i >= 0 && ++last_rand[i] == 0; --i) {
      }
    } else {
      last_ms = ms;
      RandomBytes(last_rand, sizeof last_rand);
    }
    std::memcpy(rand, last_rand, sizeof rand);
  }

  // 128 bits → 26 base32 digits (the top two bits of the first digit are zero).
  unsigned char bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  std::memcpy(bytes + 6, rand, 10);
  std::string out(26, '0');
  unsigned __int128 v = 0;
  for (unsigned char b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[i] = kCrockford[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return out;
}

bool LooksLikeId(std::string_view s) {
  if (s.size() != 26) return false;
  for (char c : s) {
    if (std::strchr(kCrockford, c) == nullptr || c == '\0') return false;
  }
  return true;
}

}  // namespace easel
