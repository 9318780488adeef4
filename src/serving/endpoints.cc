#include "serving/endpoints.h"

#include <charconv>
#include <random>

#include "common/log.h"
#include "common/time.h"
#include "train/model_files.h"

namespace easel::serving {

std::string_view StateName(LiveEndpoint::State state) {
  switch (state) {
    case LiveEndpoint::State::kLoading:
      return "loading";
    case LiveEndpoint::State::kReady:
      return "ready";
    case LiveEndpoint::State::kFailed:
      return "failed";
  }
  return "failed";
}

Result<std::optional<int64_t>> ParseVersionNumber(std::string_view text) {
  if (text.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1) {
    return InvalidArgument("model version '" + std::string(text) + "' is not a version number");
  }
  return std::optional<int64_t>(n);
}

EndpointRecord LiveEndpoint::record() const {
  std::lock_guard lock(mu_);
  return record_;
}

std::string LiveEndpoint::project_name() const {
  std::lock_guard lock(mu_);
  return record_.project_name;
}

LiveEndpoint::State LiveEndpoint::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::string LiveEndpoint::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

std::shared_ptr<const LiveEndpoint::Routing> LiveEndpoint::routing() const {
  std::lock_guard lock(mu_);
  return routing_;
}

Result<std::vector<std::shared_ptr<Deployment>>> LiveEndpoint::Serving(
    std::optional<int64_t> version) const {
  std::vector<std::shared_ptr<Deployment>> serving;
  if (auto r = routing()) {
    for (const auto& d : r->deployments) {
      if (!version || d->version().version == *version) serving.push_back(d);
    }
  }
  if (version && serving.empty()) {
    return NotFound("model '" + record_.name + "' has no version " + std::to_string(*version));
  }
  return serving;
}

Result<std::shared_ptr<Deployment>> LiveEndpoint::Pick(std::optional<int64_t> version) const {
  std::shared_ptr<const Routing> routing;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kReady) {
      return Unavailable("endpoint '" + record_.name + "' is " + std::string(StateName(state_)) +
                         (error_.empty() ? "" : ": " + error_));
    }
    routing = routing_;
  }
  if (version) {
    for (const auto& d : routing->deployments) {
      if (d->version().version == *version) return d;
    }
    return NotFound("endpoint '" + record_.name + "' does not serve version " +
                    std::to_string(*version));
  }
  if (routing->deployments.size() == 1) return routing->deployments.front();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::discrete_distribution<size_t> pick(routing->weights.begin(), routing->weights.end());
  return routing->deployments[pick(rng)];
}

Endpoints::Endpoints(store::Database& db, store::BlobStore& blobs, const BackendRegistry& backends,
                     MetricsRegistry& metrics)
    : db_(db), blobs_(blobs), backends_(backends), metrics_(metrics), store_(db) {
  DeclareServingMetrics(metrics);
  auto pending = [this](bool triton) {
    std::vector<std::pair<MetricLabels, double>> out;
    std::shared_lock lock(live_mu_);
    for (const auto& [name, e] : live_) {
      auto routing = e->routing();
      if (!routing) continue;
      for (const auto& d : routing->deployments) {
        out.push_back({{{triton ? "model" : "endpoint", name},
                        {"version", std::to_string(d->version().version)}},
                       static_cast<double>(d->pending())});
      }
    }
    return out;
  };
  metrics.DeclareGauge("easel_endpoint_pending_requests",
                       "Requests queued for a model instance, by endpoint and version.",
                       [pending] { return pending(false); });
  metrics.DeclareGauge("nv_inference_pending_request_count",
                       "Requests queued for a model instance (Triton name).",
                       [pending] { return pending(true); });
}

Endpoints::~Endpoints() {
  if (loader_.joinable()) loader_.join();
  std::unique_lock lock(live_mu_);
  live_.clear();
}

void Endpoints::Start() {
  loader_ = std::thread([this] { LoadStored(); });
}

void Endpoints::LoadStored() {
  auto stored = store_.ListAll();
  if (!stored.ok()) {
    EASEL_LOG_ERROR("cannot read the stored endpoints: {}", stored.status().ToString());
    return;
  }
  std::vector<std::shared_ptr<LiveEndpoint>> loading;
  {
    std::unique_lock lock(live_mu_);
    for (EndpointRecord& r : *stored) {
      auto e = std::make_shared<LiveEndpoint>(std::move(r));
      live_.emplace(e->record_.name, e);
      loading.push_back(e);
    }
  }
  for (const auto& e : loading) {
    std::lock_guard control(control_mu_);
    const EndpointRecord r = e->record();
    auto routing = Load(r.name, r.config, nullptr);
    std::lock_guard lock(e->mu_);
    if (routing.ok()) {
      e->routing_ = std::move(*routing);
      e->state_ = LiveEndpoint::State::kReady;
      EASEL_LOG_INFO("endpoint '{}' is ready", r.name);
    } else {
      e->state_ = LiveEndpoint::State::kFailed;
      e->error_ = routing.status().message();
      EASEL_LOG_ERROR("endpoint '{}' failed to load: {}", r.name, e->error_);
    }
  }
}

Result<std::shared_ptr<const LiveEndpoint::Routing>> Endpoints::Load(
    const std::string& name, const EndpointConfig& config,
    const LiveEndpoint::Routing* keep) const {
  auto routing = std::make_shared<LiveEndpoint::Routing>();
  models::ModelStore models(db_);
  for (const Route& route : config.routes) {
    std::shared_ptr<Deployment> deployment;
    if (keep != nullptr) {
      for (const auto& d : keep->deployments) {
        if (d->Serves(route.version_id, config)) deployment = d;
      }
    }
    if (!deployment) {
      EASEL_ASSIGN_OR_RETURN(models::ModelVersion version, models.GetVersionById(route.version_id));
      EASEL_ASSIGN_OR_RETURN(const BackendFactory* factory, backends_.Find(version.format));
      EASEL_ASSIGN_OR_RETURN(train::ModelFiles files, train::ReadModelFiles(blobs_, version));
      train::Resources resources;
      resources.device = config.device;
      auto backend = [&] {
        ScopedComputeThreads one_thread(1);  // no thread team on this request thread
        return (*factory)(version, files, resources);
      }();
      if (!backend.ok()) {
        return Status(backend.status().code() == StatusCode::kInternal
                          ? StatusCode::kFailedPrecondition
                          : backend.status().code(),
                      "cannot load model '" + version.model_name + "' version " +
                          std::to_string(version.version) + ": " + backend.status().message());
      }
      EASEL_ASSIGN_OR_RETURN(deployment, Deployment::Start(name, std::move(version),
                                                           std::move(*backend), config, metrics_));
    }
    routing->deployments.push_back(std::move(deployment));
    routing->weights.push_back(route.weight);
  }
  return std::shared_ptr<const LiveEndpoint::Routing>(std::move(routing));
}

Result<EndpointRecord> Endpoints::Create(const std::string& project_id, const std::string& name,
                                         const EndpointConfig& config, const std::string& user_id) {
  std::lock_guard control(control_mu_);
  {
    std::shared_lock lock(live_mu_);
    if (live_.count(name)) {
      return AlreadyExists("endpoint '" + name +
                           "' exists already (endpoint names are unique on the server)");
    }
  }
  EASEL_ASSIGN_OR_RETURN(auto routing, Load(name, config, nullptr));
  EASEL_ASSIGN_OR_RETURN(EndpointRecord record, store_.Create(project_id, name, config, user_id));
  EASEL_ASSIGN_OR_RETURN(record, store_.Get(project_id, name));
  auto e = std::make_shared<LiveEndpoint>(record);
  e->routing_ = std::move(routing);
  e->state_ = LiveEndpoint::State::kReady;
  std::unique_lock lock(live_mu_);
  live_[name] = std::move(e);
  return record;
}

Result<EndpointRecord> Endpoints::Update(const std::string& project_id, const std::string& name,
                                         const EndpointConfig& config) {
  std::lock_guard control(control_mu_);
  EASEL_ASSIGN_OR_RETURN(EndpointRecord record, store_.Get(project_id, name));
  EASEL_ASSIGN_OR_RETURN(std::shared_ptr<LiveEndpoint> e, Find(name));
  std::shared_ptr<const LiveEndpoint::Routing> current = e->routing();
  EASEL_ASSIGN_OR_RETURN(auto routing, Load(name, config, current.get()));
  EASEL_RETURN_IF_ERROR(store_.Update(record.id, config));
  EASEL_ASSIGN_OR_RETURN(record, store_.Get(project_id, name));
  {
    std::lock_guard lock(e->mu_);
    e->record_ = record;
    e->routing_ = std::move(routing);
    e->state_ = LiveEndpoint::State::kReady;
    e->error_.clear();
  }
  // `current` goes here: versions no longer routed finish what they hold, then unload.
  return record;
}

Status Endpoints::Delete(const std::string& project_id, const std::string& name) {
  std::lock_guard control(control_mu_);
  EASEL_ASSIGN_OR_RETURN(EndpointRecord record, store_.Get(project_id, name));
  EASEL_RETURN_IF_ERROR(store_.Delete(record.id));
  std::shared_ptr<LiveEndpoint> gone;
  {
    std::unique_lock lock(live_mu_);
    auto it = live_.find(name);
    if (it != live_.end()) {
      gone = std::move(it->second);
      live_.erase(it);
    }
  }
  return OkStatus();
}

void Endpoints::ForgetProject(const std::string& project_id) {
  std::lock_guard control(control_mu_);
  // Declared before the lock, so the endpoints unload after live_mu_ is released.
  std::vector<std::shared_ptr<LiveEndpoint>> gone;
  std::unique_lock lock(live_mu_);
  for (auto it = live_.begin(); it != live_.end();) {
    if (it->second->record().project_id == project_id) {
      gone.push_back(std::move(it->second));
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::shared_ptr<LiveEndpoint>> Endpoints::Find(const std::string& name) const {
  std::shared_lock lock(live_mu_);
  auto it = live_.find(name);
  if (it == live_.end()) return NotFound("endpoint '" + name + "' not found");
  return it->second;
}

std::vector<std::shared_ptr<LiveEndpoint>> Endpoints::All() const {
  std::shared_lock lock(live_mu_);
  std::vector<std::shared_ptr<LiveEndpoint>> all;
  all.reserve(live_.size());
  for (const auto& [name, endpoint] : live_) all.push_back(endpoint);
  return all;
}

Json Endpoints::Describe(const LiveEndpoint& endpoint) const {
  const EndpointRecord r = endpoint.record();
  Json j = ConfigToJson(r.config);
  j["name"] = r.name;
  j["id"] = r.id;
  j["state"] = StateName(endpoint.state());
  if (std::string error = endpoint.error(); !error.empty()) j["error"] = error;
  j["created_by"] = r.created_by;
  j["created_at"] = FormatRfc3339(r.created_at);
  j["updated_at"] = FormatRfc3339(r.updated_at);
  if (auto routing = endpoint.routing()) {
    for (size_t i = 0; i < routing->deployments.size() && i < j["routes"].size(); ++i) {
      j["routes"][i]["format"] = routing->deployments[i]->version().format;
      j["routes"][i]["pending"] = routing->deployments[i]->pending();
    }
  }
  return j;
}

}  // namespace easel::serving
