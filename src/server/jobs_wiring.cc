#include "server/jobs_wiring.h"

#include <unistd.h>

#include <climits>

#include "common/files.h"
#include "common/random.h"
#include "jobs/executor.h"
#include "jobs/job_kind.h"
#include "jobs/job_store.h"
#include "server/job_kinds.h"

namespace easel::server {
namespace fs = std::filesystem;

namespace {

Result<std::string> SelfExecutable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return Internal("cannot find the easel executable");
  return std::string(buf, static_cast<size_t>(n));
}

// The executor's name in jobs.runner: kept in the data dir so a restarted server recovers the
// jobs it was running.
Result<std::string> RunnerId(const fs::path& data_dir) {
  fs::path file = data_dir / "runner-id";
  auto existing = ReadFile(file);
  if (existing.ok() && LooksLikeId(*existing)) return *existing;
  std::string id = NewId();
  EASEL_RETURN_IF_ERROR(WriteFileAtomic(file, id));
  return id;
}

}  // namespace

struct JobsWiring::Parts {
  explicit Parts(store::Database& db) : store(db) {}
  jobs::JobKindRegistry registry;
  jobs::JobStore store;
  std::unique_ptr<jobs::LocalExecutor> executor;
  std::unique_ptr<api::JobsContext> context;
};

JobsWiring::JobsWiring() = default;
JobsWiring::~JobsWiring() = default;

Result<std::unique_ptr<JobsWiring>> JobsWiring::Create(const ServeOptions& opts,
                                                       store::Database& db, store::BlobStore& blobs,
                                                       MetricsRegistry& metrics) {
  std::unique_ptr<JobsWiring> w(new JobsWiring());
  w->parts_ = std::make_unique<Parts>(db);
  Parts& p = *w->parts_;
  RegisterJobKinds(p.registry, opts.enable_test_jobs);

  EASEL_ASSIGN_OR_RETURN(std::string exe, SelfExecutable());
  EASEL_ASSIGN_OR_RETURN(std::string runner, RunnerId(opts.data_dir));
  jobs::ExecutorOptions eo;
  eo.data_dir = opts.data_dir;
  eo.worker_argv = {exe, "worker", "--data-dir", opts.data_dir, "--db", DatabaseUrl(opts)};
  eo.runner_id = runner;
  eo.max_concurrency = opts.max_concurrent_jobs;
  eo.default_timeout_s = opts.job_timeout_s;
  eo.cancel_grace_s = opts.cancel_grace_s;
  p.executor = std::make_unique<jobs::LocalExecutor>(db, blobs, p.registry, eo);

  jobs::LocalExecutor* executor = p.executor.get();
  p.context = std::make_unique<api::JobsContext>(
      api::JobsContext{p.store, p.registry, [executor] { executor->Wake(); }, opts.data_dir,
                       opts.job_max_attempts, opts.job_timeout_s});

  jobs::JobStore* store = &p.store;
  metrics.DeclareGauge("easel_jobs", "Jobs in the store by state.", [store] {
    std::vector<std::pair<MetricLabels, double>> out;
    auto counts = store->CountByState();
    if (!counts.ok()) return out;
    for (jobs::JobState s : jobs::kAllJobStates) {
      auto it = counts->find(s);
      out.push_back({{{"state", std::string(jobs::JobStateName(s))}},
                     it == counts->end() ? 0.0 : static_cast<double>(it->second)});
    }
    return out;
  });
  return w;
}

api::JobsContext* JobsWiring::context() { return parts_->context.get(); }

Status JobsWiring::Start() { return parts_->executor->Start(); }

void JobsWiring::Stop() { parts_->executor->Stop(/*requeue_running=*/true); }

}  // namespace easel::server
