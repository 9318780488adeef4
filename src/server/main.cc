// `easel-server`: the server (`serve`), the job worker (`worker`) and the model checker
// (`model-check`), both started by the server, and the client commands, in one executable.
// Users run `easel` (src/cli/main.cc), which hands it the first three.

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/version.h"
#include "server/model_check_command.h"
#include "server/serve.h"
#include "server/worker_command.h"

int main(int argc, char** argv) {
  CLI::App app{"easel: a self-hosted AI development and deployment platform"};
  app.require_subcommand(1);
  app.set_version_flag("--version", easel::kVersion);

  easel::server::ServeOptions serve_opts;
  CLI::App* serve = app.add_subcommand("serve", "Run the easel server");
  easel::server::AddServeOptions(*serve, serve_opts);
  int exit_code = 0;
  serve->callback([&] { exit_code = easel::server::RunServe(serve_opts); });

  easel::server::AddWorkerCommand(app, exit_code);
  easel::server::AddModelCheckCommand(app, exit_code);
  easel::cli::AddClientCommands(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other command-line mistake is a usage error (2).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
