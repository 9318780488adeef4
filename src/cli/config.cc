#include "cli/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "common/files.h"
#include "common/json.h"

extern char** environ;

namespace easel::cli {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> Lookup(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Result<fs::path> ConfigPath(const Environment& env) {
  // The XDG spec says relative values are invalid and must be ignored.
  if (auto xdg = Lookup(env, "XDG_CONFIG_HOME"); xdg && fs::path(*xdg).is_absolute()) {
    return fs::path(*xdg) / "easel" / "config.json";
  }
  if (auto home = Lookup(env, "HOME")) return fs::path(*home) / ".config" / "easel" / "config.json";
  return FailedPrecondition("cannot find the config directory: set HOME or XDG_CONFIG_HOME");
}

Result<ClientConfig> LoadConfig(const fs::path& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return ClientConfig{};
    return FailedPrecondition("cannot read " + path.string() + ": " + text.status().message());
  }
  Result<Json> json = ParseJson(*text);
  if (!json.ok() || !json->is_object()) {
    return FailedPrecondition(path.string() + " is not a JSON object; fix it or run `easel login`");
  }
  ClientConfig config;
  auto server = GetOptionalString(*json, "server");
  auto token = GetOptionalString(*json, "token");
  if (!server.ok() || !token.ok()) {
    return FailedPrecondition(path.string() + ": 'server' and 'token' must be strings");
  }
  config.server = server->value_or("");
  config.token = token->value_or("");
  return config;
}

Status SaveConfig(const fs::path& path, const ClientConfig& config) {
  std::error_code ec;
  fs::path dir = path.parent_path();
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return FailedPrecondition("cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  EASEL_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
  // Narrow the mode while the file is still empty, so the token is never readable by others.
  if (::chmod(file.temp_path().c_str(), 0600) != 0) {
    return Internal("cannot restrict the mode of " + path.string() + ": " + ErrnoMessage(errno));
  }
  Json json = {{"server", config.server}, {"token", config.token}};
  std::string text = json.dump(2) + "\n";
  EASEL_RETURN_IF_ERROR(file.Write(text.data(), text.size()));
  return file.Commit();
}

Status RemoveConfig(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Internal("cannot remove " + path.string() + ": " + ec.message());
  return OkStatus();
}

std::string NormalizeServer(std::string server) {
  while (!server.empty() && server.back() == '/') server.pop_back();
  return server;
}

Connection ResolveConnection(const std::optional<std::string>& server_flag,
                             const std::optional<std::string>& token_flag, const Environment& env,
                             const ClientConfig& saved) {
  Connection c;
  if (server_flag && !server_flag->empty()) {
    c.server = *server_flag;
  } else if (auto s = Lookup(env, "EASEL_SERVER")) {
    c.server = *s;
  } else if (!saved.server.empty()) {
    c.server = saved.server;
  } else {
    c.server = kDefaultServer;
  }
  c.server = NormalizeServer(c.server);

  if (token_flag && !token_flag->empty()) {
    c.token = *token_flag;
  } else if (auto t = Lookup(env, "EASEL_TOKEN")) {
    c.token = *t;
  } else if (!saved.token.empty() &&
             NormalizeServer(saved.server.empty() ? kDefaultServer : saved.server) == c.server) {
    c.token = saved.token;
  }
  return c;
}

}  // namespace easel::cli
