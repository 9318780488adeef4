#pragma once
// `easel worker --job ID`: the child process the executor starts for each job attempt.

#include <CLI/CLI.hpp>

namespace easel::server {

void AddWorkerCommand(CLI::App& app, int& exit_code);

}  // namespace easel::server
