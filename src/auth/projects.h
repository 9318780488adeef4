#pragma once
// Projects and their members, and the one authorization rule every project-scoped request
// goes through: Authorize(). A project the caller is not a member of answers NOT_FOUND, exactly
// like a project that does not exist, so names of other teams' projects never leak.
//
// Authorize() answers from a cache for at most one second, like token lookups: a membership
// change made through this server applies at once, one made through another server sharing the
// database within a second.

#include <optional>
#include <string>
#include <vector>

#include "auth/identity.h"
#include "common/expiring_cache.h"
#include "store/sql.h"

namespace easel::auth {

struct Member {
  std::string user_id;
  std::string user_name;
  Role role;
  int64_t added_at = 0;
};

class ProjectService {
 public:
  explicit ProjectService(store::Database& db) : db_(db) {}

  // The creator becomes the project's owner. ALREADY_EXISTS when the name is taken.
  Result<Project> Create(const Principal& caller, const std::string& name,
                         const std::string& description);
  // Projects the caller can see (all of them for an admin), by id after `after`.
  Result<std::vector<Project>> List(const Principal& caller, const std::string& after, int limit);

  // Resolves `name` for `caller` needing at least `needed`: INVALID_ARGUMENT for a malformed
  // name, NOT_FOUND when missing or invisible, PERMISSION_DENIED when the role is too low.
  Result<Project> Authorize(const Principal& caller, std::string_view name, Role needed);

  // Owner only (checked through Authorize by the caller). FAILED_PRECONDITION while jobs of the
  // project are queued or running. Everything in the project goes with it.
  Status Delete(const Project& project);

  Result<std::vector<Member>> ListMembers(const Project& project);
  // Adds or changes a member. Demoting or removing the last owner is FAILED_PRECONDITION.
  Result<Member> PutMember(const Project& project, const std::string& user_name, Role role);
  Status RemoveMember(const Project& project, const std::string& user_name);

 private:
  Status KeepAnOwner(store::SqlSession& s, const std::string& project_id);
  // The project as `caller` sees it, before the role check; nullopt when invisible.
  Result<std::optional<Project>> Lookup(const Principal& caller, std::string_view name);
  void ForgetCachedAccess();

  store::Database& db_;
  // The project as each user sees it (nullopt: invisible), by user id + '/' + project name.
  ExpiringCache<std::optional<Project>> cache_{1000, 10000};
};

}  // namespace easel::auth
