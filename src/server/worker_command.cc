#include "server/worker_command.h"

#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "jobs/worker.h"
#include "server/job_kinds.h"

namespace easel::server {

void AddWorkerCommand(CLI::App& app, int& exit_code) {
  CLI::App* worker = app.add_subcommand("worker", "Run one job attempt (started by the server)");
  worker->group("");  // internal: hidden from --help
  auto opts = std::make_shared<jobs::WorkerOptions>();
  worker->add_option("--job", opts->job_id, "Job id")->required();
  worker->add_option("--attempt", opts->attempt, "Attempt number this process runs")->required();
  worker->add_option("--data-dir", opts->data_dir, "The server's data dir")->required();
  worker->add_option("--db", opts->db_url, "The server's database URL")->required();
  worker->callback([opts, &exit_code] {
    InitLogging("info");
    jobs::JobKindRegistry registry;
    // The server decided at submit time whether a kind is allowed; the worker knows them all.
    RegisterJobKinds(registry, /*enable_test_kinds=*/true);
    exit_code = jobs::RunWorker(*opts, registry);
    // The attempt's store connections, files and log are closed by now. What is left are the
    // libraries' static destructors (LibTorch's unregister thousands of operators, about 60 ms)
    // that the server would wait out before the job's slot is free again.
    spdlog::default_logger()->flush();
    std::fflush(nullptr);
    std::_Exit(exit_code);
  });
}

}  // namespace easel::server
