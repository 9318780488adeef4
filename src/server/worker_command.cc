#include "server/worker_command.h"

#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "jobs/worker.h"
#include "jobs/zygote.h"
#include "server/job_kinds.h"

namespace easel::server {

void AddWorkerCommand(CLI::App& app, int& exit_code) {
  CLI::App* worker = app.add_subcommand("worker", "Run one job attempt (started by the server)");
  worker->group("");  // internal: hidden from --help
  auto opts = std::make_shared<jobs::WorkerOptions>();
  auto zygote_fd = std::make_shared<int>(-1);
  worker->add_option("--job", opts->job_id, "Job id");
  worker->add_option("--attempt", opts->attempt, "Attempt number this process runs");
  worker->add_option("--zygote-fd", *zygote_fd,
                     "Instead of one job, fork a worker for each job the executor asks for on "
                     "this socket");
  worker->add_option("--wake-fd", opts->wake_fd,
                     "An eventfd to write to after submitting jobs, so the server starts them now");
  worker->add_option("--data-dir", opts->data_dir, "The server's data dir")->required();
  worker->add_option("--db", opts->db_url, "The server's database URL")->required();
  worker->callback([opts, zygote_fd, &exit_code] {
    InitLogging("info");
    jobs::JobKindRegistry registry;
    // The server decided at submit time whether a kind is allowed; the worker knows them all.
    RegisterJobKinds(registry, /*enable_test_kinds=*/true);
    if (*zygote_fd >= 0) {
      exit_code = jobs::RunZygote(*zygote_fd, *opts, registry);
    } else if (opts->job_id.empty()) {
      std::fprintf(stderr, "easel worker: --job is required\n");
      exit_code = 2;
    } else {
      exit_code = jobs::RunWorker(*opts, registry);
    }
    // The attempt's store connections, files and log are closed by now. What is left are the
    // libraries' static destructors (LibTorch's unregister thousands of operators, about 60 ms)
    // that the server would wait out before the job's slot is free again.
    spdlog::default_logger()->flush();
    std::fflush(nullptr);
    std::_Exit(exit_code);
  });
}

}  // namespace easel::server
