// project create|list|show|delete and project member list|add|remove.

#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct ProjectFlags {
  CommonFlags common;
  ListFlags list;
  std::string name;
  std::string description;
  std::string user;
  std::string role;
};

std::string PathOf(const std::string& project) {
  return "/api/v1/projects/" + EncodeComponent(project);
}

void PrintProject(const Json& p) {
  Print(RenderFields({{"Name", Field(p, "name")},
                      {"Id", Field(p, "id")},
                      {"Description", Field(p, "description")},
                      {"Your role", Field(p, "role")},
                      {"Created", Field(p, "created_at")}}));
}

Status Create(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  Json body = {{"name", f.name}};
  if (!f.description.empty()) body["description"] = f.description;
  EASEL_ASSIGN_OR_RETURN(Json p, client->Post("/api/v1/projects", body));
  if (f.common.json) {
    PrintJson(p);
  } else {
    Print("Created project " + Field(p, "name") + "\n");
  }
  return OkStatus();
}

Status List(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, "/api/v1/projects", {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"name"}, {"role"}, {"description", 48}, {"created"}});
  for (const Json& p : list["items"]) {
    table.AddRow(
        {Field(p, "name"), Field(p, "role"), Field(p, "description"), Field(p, "created_at")});
  }
  Print(table.rows() == 0 ? "No projects\n" : table.Render());
  return OkStatus();
}

Status Show(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json p, client->Get(PathOf(f.name)));
  if (f.common.json) {
    PrintJson(p);
  } else {
    PrintProject(p);
  }
  return OkStatus();
}

Status Delete(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(PathOf(f.name)));
  Print("Deleted project " + f.name + "\n");
  return OkStatus();
}

Status ListMembers(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, PathOf(f.name) + "/members", {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"user"}, {"role"}, {"added"}});
  for (const Json& m : list["items"]) {
    table.AddRow({Field(m, "user"), Field(m, "role"), Field(m, "added_at")});
  }
  Print(table.Render());
  return OkStatus();
}

Status AddMember(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json m, client->Put(PathOf(f.name) + "/members/" + EncodeComponent(f.user),
                                             {{"role", f.role}}));
  if (f.common.json) {
    PrintJson(m);
  } else {
    Print(Field(m, "user") + " is now " + Field(m, "role") + " of project " + f.name + "\n");
  }
  return OkStatus();
}

Status RemoveMember(const ProjectFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(PathOf(f.name) + "/members/" + EncodeComponent(f.user)));
  Print("Removed " + f.user + " from project " + f.name + "\n");
  return OkStatus();
}

}  // namespace

void AddProjectCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ProjectFlags>();
  CLI::App* group = app.add_subcommand("project", "Create, list, show and delete projects");
  group->alias("projects");
  group->require_subcommand(1);

  CLI::App* create = AddCommand(group, "create", "Create a project", f, exit_code, Create);
  create->add_option("name", f->name, "Project name")->required();
  create->add_option("-d,--description", f->description, "What the project is for");

  CLI::App* list = AddCommand(group, "list", "List the projects you can see", f, exit_code, List);
  list->alias("ls");
  AddListFlags(list, f->list);

  CLI::App* show = AddCommand(group, "show", "Show one project", f, exit_code, Show);
  show->alias("get");
  show->add_option("name", f->name, "Project name")->required();

  CLI::App* del = AddCommand(group, "delete", "Delete a project and everything in it", f, exit_code,
                             Delete, /*json_output=*/false);
  del->add_option("name", f->name, "Project name")->required();

  CLI::App* member = group->add_subcommand("member", "Manage who may use a project");
  member->alias("members");
  member->require_subcommand(1);
  CLI::App* mlist =
      AddCommand(member, "list", "List a project's members", f, exit_code, ListMembers);
  mlist->add_option("project", f->name, "Project name")->required();
  AddListFlags(mlist, f->list);
  CLI::App* madd =
      AddCommand(member, "add", "Add a member or change their role", f, exit_code, AddMember);
  madd->add_option("project", f->name, "Project name")->required();
  madd->add_option("user", f->user, "User name")->required();
  madd->add_option("--role", f->role, "owner, editor or viewer")
      ->required()
      ->check(CLI::IsMember({"owner", "editor", "viewer"}));
  CLI::App* mremove = AddCommand(member, "remove", "Remove a member", f, exit_code, RemoveMember,
                                 /*json_output=*/false);
  mremove->add_option("project", f->name, "Project name")->required();
  mremove->add_option("user", f->user, "User name")->required();
}

}  // namespace easel::cli
