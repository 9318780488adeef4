#pragma once
// The client side of the `easel` binary: login, project, token, job and admin commands that
// talk to a server over its REST API.

#include <CLI/CLI.hpp>

namespace easel::cli {

// Adds every client subcommand to `app`; a command stores its process exit code in
// `exit_code` (0 on success, non-zero with the server's error message on stderr otherwise).
void AddClientCommands(CLI::App& app, int& exit_code);

}  // namespace easel::cli
