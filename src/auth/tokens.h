#pragma once
// API and session tokens. A token is "ez_" + 256 random bits (base64url); only its SHA-256 is
// stored, so the database never holds a usable secret. Lookups are cached for at most one
// second, which bounds how long a revoked token keeps working on any server sharing the
// database (revocation on this server is immediate). Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/identity.h"
#include "common/expiring_cache.h"
#include "store/sql.h"

namespace easel::auth {

struct TokenInfo {
  std::string id;
  std::string user_id;
  std::string name;
  std::string kind;  // "api" or "session"
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
};

struct IssuedToken {
  TokenInfo info;
  std::string secret;  // shown to the user once
};

inline constexpr int64_t kMaxTokenLifetimeS = 10LL * 365 * 24 * 3600;

class TokenService {
 public:
  explicit TokenService(store::Database& db) : db_(db) {}

  // `expires_in_s` of nullopt means no expiry. INVALID_ARGUMENT for a bad name or lifetime.
  Result<IssuedToken> Issue(const std::string& user_id, const std::string& name,
                            const std::string& kind, std::optional<int64_t> expires_in_s);
  // Stores a caller-chosen secret (EASEL_ADMIN_TOKEN) as a token of `user_id`.
  Result<TokenInfo> Adopt(const std::string& user_id, const std::string& name,
                          const std::string& secret);
  Result<std::vector<TokenInfo>> List(const std::string& user_id);
  // Revokes a token of `caller` (admins may revoke anyone's). NOT_FOUND when not visible.
  Status Revoke(const Principal& caller, const std::string& token_id);

  // Resolves "Bearer <secret>" material (the secret alone). UNAUTHENTICATED for an unknown,
  // revoked or expired token; the message does not say which.
  Result<Principal> Authenticate(std::string_view secret);

 private:
  struct CachedToken {
    std::optional<Principal> principal;  // nullopt caches a miss
    std::optional<int64_t> expires_at;
  };
  store::Database& db_;
  ExpiringCache<CachedToken> cache_{1000, 10000};  // by secret hash
};

}  // namespace easel::auth
