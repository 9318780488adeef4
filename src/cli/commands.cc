#include "cli/commands.h"

namespace easel::cli {

// The client commands land in their own change.
void AddClientCommands(CLI::App&, int&) {}

}  // namespace easel::cli
