// `easel-server`: the server (`serve`), the job worker (`worker`) and the model checker
// (`model-check`), both started by the server, and the client commands, in one executable.
// Users run `easel` (src/cli/main.cc), which hands it the first three.

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "server/model_check_command.h"
#include "server/serve.h"
#include "server/worker_command.h"

int main(int argc, char** argv) {
  easel::server::ServeOptions serve_opts;
  return easel::cli::RunCommandLine(argc, argv, [&](CLI::App& app, int& exit_code) {
    CLI::App* serve = app.add_subcommand("serve", "Run the easel server");
    easel::server::AddServeOptions(*serve, serve_opts);
    serve->callback([&] { exit_code = easel::server::RunServe(serve_opts); });
    easel::server::AddWorkerCommand(app, exit_code);
    easel::server::AddModelCheckCommand(app, exit_code);
  });
}
