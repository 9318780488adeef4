// token create|list|revoke: API tokens of the calling user (or, for an admin, of another).

#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/duration.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct TokenFlags {
  CommonFlags common;
  ListFlags list;
  std::string name;
  std::string expires_in;
  std::string user;
  std::string id;
  bool quiet = false;
};

Status Create(const TokenFlags& f) {
  Json body = {{"name", f.name}};
  if (!f.expires_in.empty()) {
    Result<int64_t> seconds = ParseDurationSeconds(f.expires_in);
    if (!seconds.ok()) return UsageError("--expires-in: " + seconds.status().message());
    body["expires_in_s"] = *seconds;
  }
  if (!f.user.empty()) body["user"] = f.user;
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json t, client->Post("/api/v1/tokens", body));
  if (f.common.json) {
    PrintJson(t);
  } else if (f.quiet) {
    Print(StringField(t, "token", "") + "\n");
  } else {
    std::string expires = Field(t, "expires_at");
    Print("Created token " + Field(t, "name") + " (id " + Field(t, "id") + ", expires " +
          (expires == "-" ? "never" : expires) + ").\n" +
          "Copy the secret now, it is not shown again:\n" + StringField(t, "token", "") + "\n");
  }
  return OkStatus();
}

Status List(const TokenFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json list, ListAll(*client, "/api/v1/tokens", {}, f.list));
  if (f.common.json) {
    PrintJson(list);
    return OkStatus();
  }
  Table table({{"id"}, {"name", 32}, {"kind"}, {"created"}, {"expires"}, {"revoked"}});
  for (const Json& t : list["items"]) {
    table.AddRow({Field(t, "id"), Field(t, "name"), Field(t, "kind"), Field(t, "created_at"),
                  Field(t, "expires_at") == "-" ? "never" : Field(t, "expires_at"),
                  Field(t, "revoked")});
  }
  Print(table.Render());
  return OkStatus();
}

Status Revoke(const TokenFlags& f) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete("/api/v1/tokens/" + EncodeComponent(f.id)));
  Print("Revoked token " + f.id + "\n");
  return OkStatus();
}

}  // namespace

void AddTokenCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<TokenFlags>();
  CLI::App* group = app.add_subcommand("token", "Create, list and revoke API tokens");
  group->alias("tokens");
  group->require_subcommand(1);

  CLI::App* create =
      AddCommand(group, "create", "Create an API token (shown once)", f, exit_code, Create);
  create->add_option("name", f->name, "A name to recognise the token by")->required();
  create->add_option("--expires-in", f->expires_in,
                     "Lifetime such as 30d, 12h or 1h30m (default: never expires)");
  create->add_option("--user", f->user, "Issue the token for this user (admins only)");
  create->add_flag("-q,--quiet", f->quiet, "Print only the token");

  CLI::App* list = AddCommand(group, "list", "List your tokens", f, exit_code, List);
  list->alias("ls");
  AddListFlags(list, f->list);

  CLI::App* revoke = AddCommand(group, "revoke", "Revoke a token (effective within a second)", f,
                                exit_code, Revoke, /*json_output=*/false);
  revoke->alias("delete");
  revoke->add_option("id", f->id, "Token id (from `easel token list`)")->required();
}

}  // namespace easel::cli
