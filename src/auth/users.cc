#include "auth/users.h"

#include "auth/passwords.h"
#include "common/names.h"
#include "common/random.h"
#include "common/time.h"

namespace easel::auth {
namespace {

User FromRow(const store::Row& r) { return User{r.Str(0), r.Str(1), r.Int(2) != 0, r.Int(3)}; }

}  // namespace

Result<User> UserService::Create(const std::string& name,
                                 const std::optional<std::string>& password, bool is_admin) {
  EASEL_RETURN_IF_ERROR(ValidateName("user", name));
  std::optional<std::string> hash;
  if (password) {
    EASEL_ASSIGN_OR_RETURN(hash, HashPassword(*password));
  }
  User u{NewId(), name, is_admin, NowMillis()};
  auto inserted = db_.Exec(
      "INSERT INTO users (id, name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
      {u.id, name, store::Nullable(hash), int64_t{is_admin ? 1 : 0}, u.created_at});
  if (inserted.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("user '" + name + "' already exists");
  }
  EASEL_RETURN_IF_ERROR(inserted);
  return u;
}

Result<User> UserService::Get(const std::string& id) {
  EASEL_ASSIGN_OR_RETURN(
      auto row,
      db_.QueryOne("SELECT id, name, is_admin, created_at FROM users WHERE id = ?", {id}));
  if (!row) return NotFound("user does not exist");
  return FromRow(*row);
}

Result<User> UserService::GetByName(const std::string& name) {
  EASEL_ASSIGN_OR_RETURN(auto row, db_.QueryOne("SELECT id, name, is_admin, created_at FROM users "
                                                "WHERE name = ?",
                                                {name}));
  if (!row) return NotFound("user '" + name + "' does not exist");
  return FromRow(*row);
}

Result<IssuedToken> UserService::Login(const std::string& name, const std::string& password,
                                       int64_t lifetime_s) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, db_.QueryOne("SELECT id, password_hash FROM users WHERE name = ?", {name}));
  // Verify against a dummy hash for unknown users so timing does not reveal who exists.
  static const std::string dummy = *HashPassword("not a real password");
  bool ok = VerifyPassword(password, row && !row->IsNull(1) ? row->Str(1) : dummy);
  if (!row || row->IsNull(1) || !ok) return Unauthenticated("wrong user name or password");
  return tokens_.Issue(row->Str(0), "session", "session", lifetime_s);
}

Result<std::optional<std::string>> UserService::Bootstrap(
    const std::optional<std::string>& admin_token) {
  if (admin_token && admin_token->size() < 32) {
    return InvalidArgument("EASEL_ADMIN_TOKEN must be at least 32 characters");
  }
  EASEL_ASSIGN_OR_RETURN(auto existing,
                         db_.QueryOne("SELECT id FROM users WHERE is_admin = 1 LIMIT 1"));
  if (existing) return std::optional<std::string>();
  auto admin = Create("admin", std::nullopt, /*is_admin=*/true);
  if (admin.status().code() == StatusCode::kAlreadyExists) {
    return std::optional<std::string>();  // another replica bootstrapped at the same moment
  }
  EASEL_RETURN_IF_ERROR(admin);
  if (admin_token) {
    EASEL_RETURN_IF_ERROR(tokens_.Adopt(admin->id, "bootstrap", *admin_token));
    return std::optional<std::string>(*admin_token);
  }
  EASEL_ASSIGN_OR_RETURN(IssuedToken t, tokens_.Issue(admin->id, "bootstrap", "api", std::nullopt));
  return std::optional<std::string>(t.secret);
}

}  // namespace easel::auth
