#pragma once
// `easel model-check --format F --file PATH`: the child process the server starts to open an
// uploaded model file before anything trusts it (models/model_check.h has the protocol).

#include <CLI/CLI.hpp>

namespace easel::server {

void AddModelCheckCommand(CLI::App& app, int& exit_code);

}  // namespace easel::server
