// user create: accounts on the server (admins only).

#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/prompt.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct UserFlags {
  CommonFlags common;
  std::string name;
  bool admin = false;
  bool password_stdin = false;
};

Status Create(const UserFlags& f) {
  Json body = {{"name", f.name}};
  if (f.admin) body["is_admin"] = true;
  if (f.password_stdin) {
    EASEL_ASSIGN_OR_RETURN(std::string password, ReadSecret("Password for " + f.name + ": "));
    body["password"] = password;
  }
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json user, client->Post("/api/v1/users", body));
  if (f.common.json) {
    PrintJson(user);
    return OkStatus();
  }
  Print("Created user " + Field(user, "name") + " (id " + Field(user, "id") + ")\n");
  if (!f.password_stdin) {
    Print("Give them a token with: easel token create NAME --user " + Field(user, "name") + "\n");
  }
  return OkStatus();
}

}  // namespace

void AddUserCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<UserFlags>();
  CLI::App* group = app.add_subcommand("user", "Manage user accounts (admins only)");
  group->alias("users");
  group->require_subcommand(1);

  CLI::App* create = AddCommand(group, "create", "Create a user", f, exit_code, Create);
  create->add_option("name", f->name, "User name")->required();
  create->add_flag("--admin", f->admin, "Make the user a server admin");
  create->add_flag("--password-stdin", f->password_stdin,
                   "Read a password from stdin so the user can `easel login --user`");
}

}  // namespace easel::cli
