#pragma once
// The client side of the `easel` binary: login, project, token, job and admin commands that
// talk to a server over its REST API.

#include <CLI/CLI.hpp>
#include <functional>

namespace easel::cli {

// Adds every client subcommand to `app`; a command stores its process exit code in
// `exit_code` (0 on success, non-zero with the server's error message on stderr otherwise).
void AddClientCommands(CLI::App& app, int& exit_code);

// Runs an `easel` command line: the app with its title and --version, the commands that
// `add_commands` adds, then the client commands. Returns the process exit code: the command's,
// 0 for --help and --version, 2 for any other command-line mistake.
int RunCommandLine(int argc, char** argv,
                   const std::function<void(CLI::App& app, int& exit_code)>& add_commands);

}  // namespace easel::cli
