#include "auth/passwords.h"

#include <sodium.h>

namespace easel::auth {

Status ValidatePassword(std::string_view password) {
  if (password.size() < 8 || password.size() > 1024) {
    return InvalidArgument("password must be 8 to 1024 bytes");
  }
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  EASEL_RETURN_IF_ERROR(ValidatePassword(password));
  if (sodium_init() < 0) return Internal("crypto library unavailable");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return ResourceExhausted("not enough memory to hash the password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& stored_hash) {
  if (sodium_init() < 0 || stored_hash.empty()) return false;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace easel::auth
