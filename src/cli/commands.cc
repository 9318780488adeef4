#include "cli/commands.h"

#include "cli/command.h"
#include "cli/command_groups.h"
#include "common/version.h"

namespace easel::cli {

void AddClientCommands(CLI::App& app, int& exit_code) {
  app.footer(HelpFooter());
  AddLoginCommands(app, exit_code);
  AddProjectCommands(app, exit_code);
  AddTokenCommands(app, exit_code);
  AddJobCommands(app, exit_code);
  AddArtifactCommands(app, exit_code);
  AddUserCommands(app, exit_code);
  AddAdminCommands(app, exit_code);
  AddDatasetCommands(app, exit_code);
  AddLabelingCommands(app, exit_code);
  AddModelCommands(app, exit_code);
  AddModelImportCommand(app, exit_code);
  AddAutomlCommands(app, exit_code);
  AddEndpointCommands(app, exit_code);
  AddPredictCommand(app, exit_code);
  AddBatchPredictCommand(app, exit_code);
}

int RunCommandLine(int argc, char** argv,
                   const std::function<void(CLI::App& app, int& exit_code)>& add_commands) {
  CLI::App app{"easel: a self-hosted AI development and deployment platform"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);
  int exit_code = 0;
  add_commands(app, exit_code);
  AddClientCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace easel::cli
