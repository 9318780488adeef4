#include "auth/tokens.h"

#include "common/names.h"
#include "common/random.h"
#include "common/sha256.h"
#include "common/time.h"

namespace easel::auth {
namespace {

constexpr const char* kColumns = "id, user_id, name, kind, created_at, expires_at, revoked_at";

TokenInfo FromRow(const store::Row& r) {
  return TokenInfo{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4), r.OptInt(5), r.OptInt(6)};
}

}  // namespace

Result<IssuedToken> TokenService::Issue(const std::string& user_id, const std::string& name,
                                        const std::string& kind,
                                        std::optional<int64_t> expires_in_s) {
  EASEL_RETURN_IF_ERROR(ValidateName("token", name));
  if (expires_in_s && (*expires_in_s < 1 || *expires_in_s > kMaxTokenLifetimeS)) {
    return InvalidArgument("expires_in_s must be between 1 and " +
                           std::to_string(kMaxTokenLifetimeS));
  }
  IssuedToken t;
  t.secret = "ez_" + RandomSecret();
  int64_t now = NowMillis();
  t.info = TokenInfo{NewId(), user_id, name, kind, now, std::nullopt, std::nullopt};
  if (expires_in_s) t.info.expires_at = now + *expires_in_s * 1000;
  EASEL_RETURN_IF_ERROR(
      db_.Exec("INSERT INTO tokens (id, user_id, name, secret_hash, kind, created_at, expires_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               {t.info.id, user_id, name, Sha256Hex(t.secret), kind, now,
                store::Nullable(t.info.expires_at)}));
  return t;
}

Result<TokenInfo> TokenService::Adopt(const std::string& user_id, const std::string& name,
                                      const std::string& secret) {
  TokenInfo info{NewId(), user_id, name, "api", NowMillis(), std::nullopt, std::nullopt};
  EASEL_RETURN_IF_ERROR(
      db_.Exec("INSERT INTO tokens (id, user_id, name, secret_hash, kind, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               {info.id, user_id, name, Sha256Hex(secret), info.kind, info.created_at}));
  return info;
}

Result<std::vector<TokenInfo>> TokenService::List(const std::string& user_id) {
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(std::string("SELECT ") + kColumns +
                                                  " FROM tokens WHERE user_id = ? ORDER BY id",
                                              {user_id}));
  std::vector<TokenInfo> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

Status TokenService::Revoke(const Principal& caller, const std::string& token_id) {
  EASEL_ASSIGN_OR_RETURN(
      int64_t changed,
      db_.Exec("UPDATE tokens SET revoked_at = ? WHERE id = ? AND "
               "revoked_at IS NULL AND (user_id = ? OR ? = 1)",
               {NowMillis(), token_id, caller.user_id, int64_t{caller.is_admin ? 1 : 0}}));
  if (changed == 0) {
    EASEL_ASSIGN_OR_RETURN(auto row,
                           db_.QueryOne("SELECT user_id FROM tokens WHERE id = ?", {token_id}));
    if (!row || (row->Str(0) != caller.user_id && !caller.is_admin)) {
      return NotFound("token '" + token_id + "' does not exist");
    }
    return OkStatus();  // already revoked: revoking is idempotent
  }
  cache_.EraseIf(
      [&](const CachedToken& t) { return t.principal && t.principal->token_id == token_id; });
  return OkStatus();
}

Result<Principal> TokenService::Authenticate(std::string_view secret) {
  if (secret.empty() || secret.size() > 512) return Unauthenticated("invalid token");
  std::string hash = Sha256Hex(secret);
  int64_t now = NowMillis();
  auto check = [&](const CachedToken& t) -> Result<Principal> {
    if (!t.principal || (t.expires_at && *t.expires_at <= now)) {
      return Unauthenticated("invalid or expired token");
    }
    return *t.principal;
  };
  if (auto cached = cache_.Get(hash, now)) return check(*cached);
  EASEL_ASSIGN_OR_RETURN(auto row,
                         db_.QueryOne("SELECT t.id, t.expires_at, u.id, u.name, u.is_admin "
                                      "FROM tokens t JOIN users u ON u.id = t.user_id "
                                      "WHERE t.secret_hash = ? AND t.revoked_at IS NULL",
                                      {hash}));
  CachedToken entry;
  if (row) {
    entry.principal = Principal{row->Str(2), row->Str(3), row->Int(4) != 0, row->Str(0)};
    entry.expires_at = row->OptInt(1);
  }
  cache_.Put(hash, entry, now);
  return check(entry);
}

}  // namespace easel::auth
