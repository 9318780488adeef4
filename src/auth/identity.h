#pragma once
// Who is calling and what they may do: users, their roles in projects, and the principal an
// authenticated request carries.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace easel::auth {

// Project roles, ordered: each includes the rights of the ones before it.
enum class Role { kViewer = 1, kEditor = 2, kOwner = 3 };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// The authenticated caller of a request.
struct Principal {
  std::string user_id;
  std::string user_name;
  bool is_admin = false;
  std::string token_id;
};

struct User {
  std::string id;
  std::string name;
  bool is_admin = false;
  int64_t created_at = 0;
};

struct Project {
  std::string id;
  std::string name;
  std::string description;
  std::string created_by;
  int64_t created_at = 0;
  // The caller's role in the project (admins act as owners everywhere).
  Role role = Role::kViewer;
};

}  // namespace easel::auth
