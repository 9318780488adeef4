#pragma once
// Password hashing with argon2id (libsodium's crypto_pwhash_str, interactive limits). The
// stored string carries its own salt and parameters.

#include <string>
#include <string_view>

#include "common/status.h"

namespace easel::auth {

// Passwords must be 8 to 1024 bytes: INVALID_ARGUMENT otherwise.
Status ValidatePassword(std::string_view password);
Result<std::string> HashPassword(std::string_view password);
// Constant-time comparison against a stored hash; false for any malformed hash.
bool VerifyPassword(std::string_view password, const std::string& stored_hash);

}  // namespace easel::auth
