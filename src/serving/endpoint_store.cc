#include "serving/endpoint_store.h"

#include "common/random.h"
#include "common/time.h"

namespace easel::serving {
namespace {

constexpr const char* kColumns =
    "e.id, e.project_id, e.name, e.config, e.created_by, e.created_at, e.updated_at, p.name "
    "FROM endpoints e JOIN projects p ON p.id = e.project_id";

Result<EndpointConfig> ConfigFromJson(const Json& j) {
  EndpointConfig c;
  if (!j.is_object()) return DataLoss("an endpoint's stored configuration is damaged");
  for (const Json& r : j.value("routes", Json::array())) {
    c.routes.push_back({r.value("model", ""), r.value("version", int64_t{0}),
                        r.value("version_id", ""), r.value("weight", 1.0)});
  }
  c.instances = j.value("instances", 1);
  c.max_batch_size = j.value("max_batch_size", int64_t{32});
  c.max_queue_delay_us = j.value("max_queue_delay_us", int64_t{0});
  c.max_queue_size = j.value("max_queue_size", int64_t{1024});
  c.device = j.value("device", "cpu");
  return c;
}

Json StoredJson(const EndpointConfig& c) {
  Json j = ConfigToJson(c);
  for (size_t i = 0; i < c.routes.size(); ++i)
    j["routes"][i]["version_id"] = c.routes[i].version_id;
  return j;
}

Result<EndpointRecord> FromRow(const store::Row& r) {
  EndpointRecord e{r.Str(0), r.Str(1), r.Str(7), r.Str(2), {}, r.Str(4), r.Int(5), r.Int(6)};
  EASEL_ASSIGN_OR_RETURN(Json config, ParseJson(r.Str(3)));
  EASEL_ASSIGN_OR_RETURN(e.config, ConfigFromJson(config));
  return e;
}

}  // namespace

Json ConfigToJson(const EndpointConfig& c) {
  Json routes = Json::array();
  for (const Route& r : c.routes) {
    routes.push_back({{"model", r.model}, {"version", r.version}, {"weight", r.weight}});
  }
  return {{"routes", routes},
          {"instances", c.instances},
          {"max_batch_size", c.max_batch_size},
          {"max_queue_delay_us", c.max_queue_delay_us},
          {"max_queue_size", c.max_queue_size},
          {"device", c.device}};
}

Status EndpointStore::WriteRoutes(store::SqlSession& s, const std::string& id,
                                  const EndpointConfig& config) {
  EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM endpoint_routes WHERE endpoint_id = ?", {id}));
  for (size_t i = 0; i < config.routes.size(); ++i) {
    EASEL_RETURN_IF_ERROR(
        s.Exec("INSERT INTO endpoint_routes (endpoint_id, position, version_id) "
               "VALUES (?, ?, ?)",
               {id, static_cast<int64_t>(i), config.routes[i].version_id}));
  }
  return OkStatus();
}

Result<EndpointRecord> EndpointStore::Create(const std::string& project_id, const std::string& name,
                                             const EndpointConfig& config,
                                             const std::string& user_id) {
  EndpointRecord e{NewId(), project_id, "", name, config, user_id, NowMillis(), 0};
  e.updated_at = e.created_at;
  Status st = db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto taken,
                           s.QueryOne("SELECT 1 FROM endpoints WHERE name = ?", {name}));
    if (taken) {
      return AlreadyExists("endpoint '" + name +
                           "' exists already (endpoint names are unique on the server)");
    }
    EASEL_RETURN_IF_ERROR(
        s.Exec("INSERT INTO endpoints (id, project_id, name, config, created_by, "
               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
               {e.id, project_id, name, DumpJson(StoredJson(config)), user_id, e.created_at,
                e.updated_at}));
    return WriteRoutes(s, e.id, config);
  });
  if (!st.ok()) return st;
  return e;
}

Result<EndpointRecord> EndpointStore::Get(const std::string& project_id, const std::string& name) {
  std::optional<store::Row> row;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(row, s.QueryOne(std::string("SELECT ") + kColumns +
                                               " WHERE e.project_id = ? AND e.name = ?",
                                           {project_id, name}));
    return OkStatus();
  }));
  if (!row) return NotFound("endpoint '" + name + "' not found");
  return FromRow(*row);
}

Result<EndpointRecord> EndpointStore::GetByName(const std::string& name) {
  std::optional<store::Row> row;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(
        row, s.QueryOne(std::string("SELECT ") + kColumns + " WHERE e.name = ?", {name}));
    return OkStatus();
  }));
  if (!row) return NotFound("endpoint '" + name + "' not found");
  return FromRow(*row);
}

Result<std::vector<EndpointRecord>> EndpointStore::List(const std::string& project_id,
                                                        const std::string& after_name,
                                                        int64_t limit) {
  std::vector<EndpointRecord> out;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto rows, s.Query(std::string("SELECT ") + kColumns +
                                                  " WHERE e.project_id = ? AND e.name > ? "
                                                  "ORDER BY e.name LIMIT ?",
                                              {project_id, after_name, limit}));
    for (const store::Row& r : rows) {
      EASEL_ASSIGN_OR_RETURN(EndpointRecord e, FromRow(r));
      out.push_back(std::move(e));
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<EndpointRecord>> EndpointStore::ListAll() {
  std::vector<EndpointRecord> out;
  EASEL_RETURN_IF_ERROR(db_.WithSession([&](store::SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(auto rows,
                           s.Query(std::string("SELECT ") + kColumns + " ORDER BY e.name"));
    for (const store::Row& r : rows) {
      EASEL_ASSIGN_OR_RETURN(EndpointRecord e, FromRow(r));
      out.push_back(std::move(e));
    }
    return OkStatus();
  }));
  return out;
}

Status EndpointStore::Update(const std::string& id, const EndpointConfig& config) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(s.Exec("UPDATE endpoints SET config = ?, updated_at = ? WHERE id = ?",
                                 {DumpJson(StoredJson(config)), NowMillis(), id}));
    return WriteRoutes(s, id, config);
  });
}

Status EndpointStore::Delete(const std::string& id) {
  return db_.Transaction([&](store::SqlSession& s) -> Status {
    EASEL_RETURN_IF_ERROR(s.Exec("DELETE FROM endpoint_routes WHERE endpoint_id = ?", {id}));
    return s.Exec("DELETE FROM endpoints WHERE id = ?", {id}).status();
  });
}

}  // namespace easel::serving
