#pragma once
// Users of a server: the admin created on first start, and the users an admin adds.

#include <optional>
#include <string>

#include "auth/identity.h"
#include "auth/tokens.h"
#include "store/sql.h"

namespace easel::auth {

class UserService {
 public:
  UserService(store::Database& db, TokenService& tokens) : db_(db), tokens_(tokens) {}

  // NAME must be a valid name; the password, when given, 8+ bytes. ALREADY_EXISTS on a taken
  // name. Only admins may call this (checked by the caller's route).
  Result<User> Create(const std::string& name, const std::optional<std::string>& password,
                      bool is_admin);
  Result<User> Get(const std::string& id);
  Result<User> GetByName(const std::string& name);

  // Checks the password and issues a session token valid for `lifetime_s`. A wrong password
  // and an unknown user answer the same UNAUTHENTICATED.
  Result<IssuedToken> Login(const std::string& name, const std::string& password,
                            int64_t lifetime_s);

  // First start of a data dir: creates the "admin" user and its first token. With
  // `admin_token` set (EASEL_ADMIN_TOKEN, at least 32 characters) that string becomes the
  // token. Returns the secret to print once, or nullopt when an admin already exists.
  Result<std::optional<std::string>> Bootstrap(const std::optional<std::string>& admin_token);

 private:
  store::Database& db_;
  TokenService& tokens_;
};

}  // namespace easel::auth
