// The `easel` command. Client commands (login, project, job, predict …) run here; `serve`,
// `worker` and `model-check` replace this process with `easel-server` from the same folder,
// the executable that links the whole platform.
//
// Why two executables: the server links LibTorch, OpenCV, XGBoost and gRPC, and loading and
// initializing them takes about half a second. A client command needs none of it, so it
// starts in milliseconds here, while `easel serve` costs one exec more.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace {

namespace fs = std::filesystem;

struct ServerCommand {
  const char* name;
  const char* description;
};

// The commands `easel-server` runs. The server starts the worker and the model checker itself
// (from its own executable); they are listed so that `easel worker` works by hand too.
constexpr ServerCommand kServerCommands[] = {
    {"serve", "Run the easel server"},
    {"worker", "Run one job attempt (started by the server)"},
    {"model-check", "Open an uploaded model file (started by the server)"},
};

bool IsServerCommand(std::string_view arg) {
  for (const ServerCommand& c : kServerCommands) {
    if (arg == c.name) return true;
  }
  return false;
}

// Replaces this process with `easel-server` beside this executable, with the same arguments.
// Returns only on failure, with the exit code to use.
int ExecServer(char** argv) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::cerr << "easel: cannot find its own executable: " << ec.message() << "\n";
    return 1;
  }
  const fs::path server = self.parent_path() / "easel-server";
  ::execv(server.c_str(), argv);
  std::cerr << "easel: cannot run " << server.string() << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && IsServerCommand(argv[1])) return ExecServer(argv);
  return easel::cli::RunCommandLine(argc, argv, [](CLI::App& app, int&) {
    for (const ServerCommand& c : kServerCommands) {
      // Listed for --help; never parsed here, since main() hands them over before parsing.
      app.add_subcommand(c.name, c.description)->allow_extras();
    }
  });
}
