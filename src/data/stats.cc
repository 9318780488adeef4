#include "data/stats.h"

namespace easel::data {

Json SchemaFromStats(const Json& stats) {
  Json schema = Json::object();
  auto it = stats.find("columns");
  if (it == stats.end() || !it->is_array()) return schema;
  Json columns = Json::array();
  for (const Json& c : *it) {
    columns.push_back({{"name", c.value("name", "")}, {"type", c.value("type", "text")}});
  }
  schema["columns"] = std::move(columns);
  return schema;
}

}  // namespace easel::data
