#include "auth/projects.h"

#include <fmt/format.h>

#include "common/names.h"
#include "common/random.h"
#include "common/time.h"

namespace easel::auth {
namespace {

Status ProjectNotFound(std::string_view name) {
  return NotFound(fmt::format("project '{}' does not exist", name));
}

}  // namespace

Result<Project> ProjectService::Create(const Principal& caller, const std::string& name,
                                       const std::string& description) {
  EASEL_RETURN_IF_ERROR(ValidateName("project", name));
  if (description.size() > 4096) return InvalidArgument("description is longer than 4096 bytes");
  Project p{NewId(), name, description, caller.user_id, NowMillis(), Role::kOwner};
  Status st = db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO projects (id, name, description, created_by, created_at) VALUES (?,?,?,?,?)",
        {p.id, p.name, p.description, p.created_by, p.created_at}));
    return s
        .Exec("INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?,?,?,?)",
              {p.id, caller.user_id, std::string(RoleName(Role::kOwner)), p.created_at})
        .status();
  });
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists(fmt::format("project '{}' already exists", name));
  }
  EASEL_RETURN_IF_ERROR(st);
  ForgetCachedAccess();  // the name may have been cached as missing
  return p;
}

Result<std::vector<Project>> ProjectService::List(const Principal& caller, const std::string& after,
                                                  int limit) {
  EASEL_ASSIGN_OR_RETURN(
      auto rows,
      db_.Query("SELECT p.id, p.name, p.description, p.created_by, p.created_at, m.role "
                "FROM projects p LEFT JOIN project_members m "
                "  ON m.project_id = p.id AND m.user_id = ? "
                "WHERE p.id > ? AND (m.role IS NOT NULL OR ? = 1) ORDER BY p.id LIMIT ?",
                {caller.user_id, after, int64_t{caller.is_admin ? 1 : 0}, int64_t{limit}}));
  std::vector<Project> out;
  for (const auto& r : rows) {
    Role role = caller.is_admin ? Role::kOwner : ParseRole(r.Str(5)).value_or(Role::kViewer);
    out.push_back(Project{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4), role});
  }
  return out;
}

Result<Project> ProjectService::Authorize(const Principal& caller, std::string_view name,
                                          Role needed) {
  EASEL_RETURN_IF_ERROR(ValidateName("project", name));
  std::string key = caller.user_id + "/" + std::string(name);
  int64_t now = NowMillis();
  std::optional<Project> project;
  if (auto cached = cache_.Get(key, now)) {
    project = std::move(*cached);
  } else {
    EASEL_ASSIGN_OR_RETURN(project, Lookup(caller, name));
    cache_.Put(key, project, now);
  }
  if (!project) return ProjectNotFound(name);
  if (project->role < needed) {
    return PermissionDenied(fmt::format("this needs the {} role in project '{}'; you are {}",
                                        RoleName(needed), name, RoleName(project->role)));
  }
  return *project;
}

Result<std::optional<Project>> ProjectService::Lookup(const Principal& caller,
                                                      std::string_view name) {
  EASEL_ASSIGN_OR_RETURN(
      auto row, db_.QueryOne("SELECT p.id, p.name, p.description, p.created_by, p.created_at, "
                             "m.role FROM projects p LEFT JOIN project_members m "
                             "  ON m.project_id = p.id AND m.user_id = ? WHERE p.name = ?",
                             {caller.user_id, std::string(name)}));
  if (!row) return std::optional<Project>();
  std::optional<Role> role = caller.is_admin ? Role::kOwner : ParseRole(row->Str(5));
  if (!role) return std::optional<Project>();
  return std::optional<Project>(
      Project{row->Str(0), row->Str(1), row->Str(2), row->Str(3), row->Int(4), *role});
}

void ProjectService::ForgetCachedAccess() { cache_.Clear(); }

Status ProjectService::Delete(const Project& project) {
  Status st = db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto active,
                           s.QueryOne("SELECT COUNT(*) FROM jobs WHERE project_id = ? AND "
                                      "state IN ('queued', 'running')",
                                      {project.id}));
    if (active && active->Int(0) > 0) {
      return FailedPrecondition(fmt::format("project '{}' has {} active jobs: cancel them first",
                                            project.name, active->Int(0)));
    }
    return s.Exec("DELETE FROM projects WHERE id = ?", {project.id}).status();
  });
  ForgetCachedAccess();  // after the commit, so no request re-caches the old state
  return st;
}

Result<std::vector<Member>> ProjectService::ListMembers(const Project& project) {
  EASEL_ASSIGN_OR_RETURN(auto rows,
                         db_.Query("SELECT u.id, u.name, m.role, m.added_at FROM project_members m "
                                   "JOIN users u ON u.id = m.user_id WHERE m.project_id = ? "
                                   "ORDER BY u.name",
                                   {project.id}));
  std::vector<Member> out;
  for (const auto& r : rows) {
    out.push_back(
        Member{r.Str(0), r.Str(1), ParseRole(r.Str(2)).value_or(Role::kViewer), r.Int(3)});
  }
  return out;
}

Status ProjectService::KeepAnOwner(store::SqlSession& s, const std::string& project_id) {
  EASEL_ASSIGN_OR_RETURN(auto owners, s.QueryOne("SELECT COUNT(*) FROM project_members WHERE "
                                                 "project_id = ? AND role = 'owner'",
                                                 {project_id}));
  if (!owners || owners->Int(0) == 0) {
    return FailedPrecondition("a project must keep at least one owner");
  }
  return OkStatus();
}

Result<Member> ProjectService::PutMember(const Project& project, const std::string& user_name,
                                         Role role) {
  EASEL_RETURN_IF_ERROR(ValidateName("user", user_name));
  Member m{"", user_name, role, NowMillis()};
  EASEL_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto user,
                           s.QueryOne("SELECT id FROM users WHERE name = ?", {user_name}));
    if (!user) return NotFound(fmt::format("user '{}' does not exist", user_name));
    m.user_id = user->Str(0);
    EASEL_RETURN_IF_ERROR(
        s.Exec("INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?,?,?,?) "
               "ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
               {project.id, m.user_id, std::string(RoleName(role)), m.added_at}));
    return KeepAnOwner(s, project.id);
  }));
  ForgetCachedAccess();
  return m;
}

Status ProjectService::RemoveMember(const Project& project, const std::string& user_name) {
  EASEL_RETURN_IF_ERROR(ValidateName("user", user_name));
  Status st = db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(int64_t removed,
                           s.Exec("DELETE FROM project_members WHERE project_id = ? AND user_id = "
                                  "(SELECT id FROM users WHERE name = ?)",
                                  {project.id, user_name}));
    if (removed == 0) {
      return NotFound(fmt::format("user '{}' is not a member of '{}'", user_name, project.name));
    }
    return KeepAnOwner(s, project.id);
  });
  ForgetCachedAccess();
  return st;
}

}  // namespace easel::auth
