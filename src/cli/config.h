#pragma once
// Where the client finds its server and token: flags, then EASEL_SERVER / EASEL_TOKEN, then the
// file written by `easel login` ($XDG_CONFIG_HOME/easel/config.json, else
// ~/.config/easel/config.json), then the default http://127.0.0.1:8080.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace easel::cli {

inline constexpr const char* kDefaultServer = "http://127.0.0.1:8080";

// What `easel login` saves. The file holds a secret: it is written atomically with mode 0600
// inside a 0700 directory.
struct ClientConfig {
  std::string server;
  std::string token;
};

// The environment the client reads, injectable for tests (a map instead of getenv).
using Environment = std::map<std::string, std::string>;
Environment ProcessEnvironment();

// $XDG_CONFIG_HOME/easel/config.json when XDG_CONFIG_HOME is set and absolute, else
// $HOME/.config/easel/config.json. FAILED_PRECONDITION when neither variable is usable.
Result<std::filesystem::path> ConfigPath(const Environment& env);

// Reads the file; a missing file is an empty config (not an error). A malformed file is
// FAILED_PRECONDITION naming the file, so the user can fix or delete it.
Result<ClientConfig> LoadConfig(const std::filesystem::path& path);
Status SaveConfig(const std::filesystem::path& path, const ClientConfig& config);
// Deletes the file; OK when it does not exist.
Status RemoveConfig(const std::filesystem::path& path);

// The connection a command uses.
struct Connection {
  std::string server;
  std::string token;  // empty: send no Authorization header
};

// Applies the precedence flags > environment > file > default, separately for the server and
// the token. The saved token is only used when the server resolves to the saved server: a
// credential never travels to a host it was not issued for.
Connection ResolveConnection(const std::optional<std::string>& server_flag,
                             const std::optional<std::string>& token_flag, const Environment& env,
                             const ClientConfig& saved);

// "http://host:8080/" and "http://host:8080" name the same server.
std::string NormalizeServer(std::string server);

}  // namespace easel::cli
