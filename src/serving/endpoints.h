#pragma once
// The live endpoints of a server: the control plane's create, update and delete, carried out
// on loaded models, and the data plane's lookup and inference.
//
// An endpoint routes each request to one of its model versions, at random by the routes'
// weights (a canary gets its share), or to the version the request names. Creating or
// updating an endpoint loads and warms every new version before anything changes; the new
// routes then replace the old ones at once, and the old versions finish the requests they
// hold before they unload, so an update loses no request. A failed load changes nothing.
//
// At start every stored endpoint is loaded in the background; until then it answers
// UNAVAILABLE ("loading"), and if its load fails it reports why (state "failed").
//
// Thread-safety: every method may be called from any thread; control-plane changes run one at
// a time.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "serving/backend.h"
#include "serving/deployment.h"
#include "serving/endpoint_store.h"
#include "store/blob_store.h"
#include "store/sql.h"

namespace easel::serving {

// What the data plane sees of one endpoint.
class LiveEndpoint {
 public:
  enum class State { kLoading, kReady, kFailed };
  struct Routing {
    std::vector<std::shared_ptr<Deployment>> deployments;
    std::vector<double> weights;
  };

  LiveEndpoint(EndpointRecord record) : record_(std::move(record)) {}

  EndpointRecord record() const;
  // The project whose readers may call the endpoint: what every data-plane request checks, without
  // copying the whole record.
  std::string project_name() const;
  State state() const;
  std::string error() const;  // why loading failed
  std::shared_ptr<const Routing> routing() const;
  // The deployments that serve `version`, or every one routed (none while loading); NOT_FOUND
  // "model 'x' has no version N" when a version is named and none serves it.
  Result<std::vector<std::shared_ptr<Deployment>>> Serving(std::optional<int64_t> version) const;
  // The deployment that takes a request: the named version, or one chosen by weight.
  // NOT_FOUND for a version the endpoint does not serve; UNAVAILABLE while loading.
  Result<std::shared_ptr<Deployment>> Pick(std::optional<int64_t> version) const;

 private:
  friend class Endpoints;
  mutable std::mutex mu_;
  EndpointRecord record_;
  State state_ = State::kLoading;
  std::string error_;
  std::shared_ptr<const Routing> routing_;
};

std::string_view StateName(LiveEndpoint::State state);

// A version as the data plane names it (a path segment, a request field): a number from 1, or
// empty for none (nullopt). INVALID_ARGUMENT for anything else.
Result<std::optional<int64_t>> ParseVersionNumber(std::string_view text);

class Endpoints {
 public:
  Endpoints(store::Database& db, store::BlobStore& blobs, const BackendRegistry& backends,
            MetricsRegistry& metrics);
  ~Endpoints();

  // Loads every stored endpoint on a background thread.
  void Start();

  // Loads and warms the routes' versions, then records and publishes the endpoint. The
  // routes' version ids must be resolved. Errors of loading (FAILED_PRECONDITION naming the
  // version) leave nothing behind.
  Result<EndpointRecord> Create(const std::string& project_id, const std::string& name,
                                const EndpointConfig& config, const std::string& user_id);
  // Loads what is new, then swaps the routes without dropping a request.
  Result<EndpointRecord> Update(const std::string& project_id, const std::string& name,
                                const EndpointConfig& config);
  Status Delete(const std::string& project_id, const std::string& name);
  // Stops serving every endpoint of a project whose rows are gone (the project was deleted;
  // its endpoints went with it in the store).
  void ForgetProject(const std::string& project_id);

  // NOT_FOUND "endpoint 'x' not found" (also for a name the store has but this server has not
  // yet loaded).
  Result<std::shared_ptr<LiveEndpoint>> Find(const std::string& name) const;
  // Every endpoint this server has loaded or is loading, by name.
  std::vector<std::shared_ptr<LiveEndpoint>> All() const;
  // The endpoint as the API shows it: its configuration, state and each route's model.
  Json Describe(const LiveEndpoint& endpoint) const;

 private:
  Result<std::shared_ptr<const LiveEndpoint::Routing>> Load(
      const std::string& name, const EndpointConfig& config,
      const LiveEndpoint::Routing* keep) const;
  void LoadStored();

  store::Database& db_;
  store::BlobStore& blobs_;
  const BackendRegistry& backends_;
  MetricsRegistry& metrics_;
  EndpointStore store_;
  std::mutex control_mu_;  // one create/update/delete at a time
  mutable std::shared_mutex live_mu_;
  std::map<std::string, std::shared_ptr<LiveEndpoint>, std::less<>> live_;
  std::thread loader_;
};

}  // namespace easel::serving
