// login, logout, whoami: the credentials the other commands use.

#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/config.h"
#include "cli/prompt.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct LoginFlags {
  std::string server;
  std::string token;
  std::string user;
  bool json = false;
};

Result<std::filesystem::path> ConfigFile() {
  Result<std::filesystem::path> path = ConfigPath(ProcessEnvironment());
  if (!path.ok()) return UsageError(path.status().message());
  return path;
}

// The server login talks to: --server, else what other commands would use.
std::string LoginServer(const std::string& server_flag, const std::filesystem::path& config) {
  ClientConfig saved = LoadConfig(config).value_or(ClientConfig{});
  return ResolveConnection(
             server_flag.empty() ? std::nullopt : std::optional<std::string>(server_flag),
             std::nullopt, ProcessEnvironment(), saved)
      .server;
}

Status Login(const LoginFlags& flags) {
  if (!flags.user.empty() && !flags.token.empty()) {
    return UsageError("pass either --token or --user, not both");
  }
  EASEL_ASSIGN_OR_RETURN(std::filesystem::path config, ConfigFile());
  Connection connection{LoginServer(flags.server, config), flags.token};

  if (!flags.user.empty()) {
    EASEL_ASSIGN_OR_RETURN(std::string password, ReadSecret("Password for " + flags.user + ": "));
    Result<std::unique_ptr<ApiClient>> anonymous = ApiClient::Create(connection);
    if (!anonymous.ok()) return UsageError(anonymous.status().message());
    EASEL_ASSIGN_OR_RETURN(
        Json session,
        (*anonymous)->Post("/api/v1/login", {{"name", flags.user}, {"password", password}}));
    connection.token = StringField(session, "token", "");
    if (connection.token.empty()) return Internal("the server's login answer has no token");
  } else if (connection.token.empty()) {
    EASEL_ASSIGN_OR_RETURN(connection.token, ReadSecret("Token: "));
  }

  // Verify before saving: a typo must not replace a working configuration.
  Result<std::unique_ptr<ApiClient>> client = ApiClient::Create(connection);
  if (!client.ok()) return UsageError(client.status().message());
  EASEL_ASSIGN_OR_RETURN(Json me, (*client)->Get("/api/v1/users/me"));
  EASEL_RETURN_IF_ERROR(SaveConfig(config, {connection.server, connection.token}));
  if (flags.json) {
    PrintJson({{"server", connection.server}, {"user", me}, {"config", config.string()}});
  } else {
    Print("Logged in to " + connection.server + " as " + StringField(me, "name", "?") +
          " (saved in " + config.string() + ")\n");
  }
  return OkStatus();
}

Status Logout() {
  EASEL_ASSIGN_OR_RETURN(std::filesystem::path config, ConfigFile());
  Result<ClientConfig> saved = LoadConfig(config);
  EASEL_RETURN_IF_ERROR(RemoveConfig(config));
  if (saved.ok() && !saved->server.empty()) {
    Print("Logged out of " + saved->server + " (removed " + config.string() + ")\n");
  } else {
    Print("Not logged in\n");
  }
  return OkStatus();
}

Status WhoAmI(const CommonFlags& flags) {
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(flags));
  EASEL_ASSIGN_OR_RETURN(Json me, client->Get("/api/v1/users/me"));
  if (flags.json) {
    PrintJson(me);
    return OkStatus();
  }
  Print(RenderFields({{"Server", client->server()},
                      {"User", Field(me, "name")},
                      {"Id", Field(me, "id")},
                      {"Admin", Field(me, "is_admin")},
                      {"Created", Field(me, "created_at")}}));
  return OkStatus();
}

}  // namespace

void AddLoginCommands(CLI::App& app, int& exit_code) {
  auto login_flags = std::make_shared<LoginFlags>();
  CLI::App* login = app.add_subcommand(
      "login", "Check a token (or log in with a password) and save it for later commands");
  login->footer(
      "With --token the token is checked against the server, then saved. With --user the\n"
      "password is read from stdin (not echoed on a terminal) and a 12-hour session token is\n"
      "saved. With neither, the token is read from stdin.\n\n" +
      HelpFooter());
  login->add_option("--server", login_flags->server,
                    "Server URL (default: EASEL_SERVER, then "
                    "the saved server, then http://127.0.0.1:8080)");
  login->add_option("--token", login_flags->token, "API token to save");
  login->add_option("--user", login_flags->user, "Log in as this user with a password");
  login->add_flag("--json", login_flags->json, "Print the result as JSON");
  login->callback(
      [&exit_code, login_flags] { RunCommand(exit_code, [&] { return Login(*login_flags); }); });

  CLI::App* logout = app.add_subcommand("logout", "Forget the saved server and token");
  logout->callback([&exit_code] { RunCommand(exit_code, Logout); });

  auto whoami_flags = std::make_shared<CommonFlags>();
  CLI::App* whoami = app.add_subcommand("whoami", "Show the user the token belongs to");
  AddCommonFlags(whoami, *whoami_flags);
  whoami->callback(
      [&exit_code, whoami_flags] { RunCommand(exit_code, [&] { return WhoAmI(*whoami_flags); }); });
}

}  // namespace easel::cli
