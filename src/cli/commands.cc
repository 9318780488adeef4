#include "cli/commands.h"

#include "cli/command.h"
#include "cli/command_groups.h"

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

}  // namespace easel::cli
