#pragma once
// Builds the job system of `easel serve`: the kind registry, the durable queue, and the local
// executor that starts `easel worker` processes (this same binary) for each job attempt.

#include <memory>

#include "api/routes.h"
#include "common/metrics.h"
#include "server/options.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::server {

class JobsWiring {
 public:
  static Result<std::unique_ptr<JobsWiring>> Create(const ServeOptions& opts, store::Database& db,
                                                    store::BlobStore& blobs,
                                                    MetricsRegistry& metrics);
  ~JobsWiring();
  api::JobsContext* context();
  // Recovers jobs this server left running when it last stopped, then starts scheduling.
  Status Start();
  // Stops the executor; running jobs go back to the queue without using up an attempt.
  void Stop();

 private:
  JobsWiring();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace easel::server
