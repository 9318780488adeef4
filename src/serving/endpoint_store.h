#pragma once
// Serving endpoints in the metadata store: each endpoint's configuration (routes to model
// versions with traffic weights, instances, batching, device) and the versions it serves, so
// that a served version cannot be deleted and a restarted server brings every endpoint back.
//
// Thread-safety: holds only a Database reference; usable from any number of threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "store/sql.h"

namespace easel::serving {

struct Route {
  std::string model;       // model name
  int64_t version = 0;     // resolved version number
  std::string version_id;  // the model version's id
  double weight = 1;       // share of traffic, relative to the other routes
};

struct EndpointConfig {
  std::vector<Route> routes;
  int instances = 1;               // model instances (batch workers) per route
  int64_t max_batch_size = 32;     // rows per model call; 1: no batching
  int64_t max_queue_delay_us = 0;  // longest wait for a batch to fill
  int64_t max_queue_size = 1024;   // waiting requests per route before 429
  std::string device = "cpu";      // cpu | cuda
};

struct EndpointRecord {
  std::string id;
  std::string project_id;
  std::string project_name;  // read with the endpoint (empty in what Create returns)
  std::string name;
  EndpointConfig config;
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The configuration as stored and shown: {routes: [{model, version, weight}], instances, ...}.
Json ConfigToJson(const EndpointConfig& config);

class EndpointStore {
 public:
  explicit EndpointStore(store::Database& db) : db_(db) {}

  // ALREADY_EXISTS when the name is taken (in any project: names address the data plane).
  Result<EndpointRecord> Create(const std::string& project_id, const std::string& name,
                                const EndpointConfig& config, const std::string& user_id);
  // NOT_FOUND "endpoint 'x' not found".
  Result<EndpointRecord> Get(const std::string& project_id, const std::string& name);
  Result<EndpointRecord> GetByName(const std::string& name);
  // Sorted by name; names after `after_name`.
  Result<std::vector<EndpointRecord>> List(const std::string& project_id,
                                           const std::string& after_name, int64_t limit);
  Result<std::vector<EndpointRecord>> ListAll();
  Status Update(const std::string& id, const EndpointConfig& config);
  Status Delete(const std::string& id);

 private:
  Status WriteRoutes(store::SqlSession& s, const std::string& id, const EndpointConfig& config);
  store::Database& db_;
};

}  // namespace easel::serving
