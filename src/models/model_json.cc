#include "models/model_json.h"

#include "common/time.h"

namespace easel::models {

Json ModelToJson(const Model& m) {
  Json aliases = Json::object();
  for (const auto& [alias, version] : m.aliases) aliases[alias] = version;
  return {{"name", m.name},
          {"description", m.description},
          {"latest_version", m.latest_version},
          {"aliases", aliases},
          {"created_by", m.created_by},
          {"created_at", FormatRfc3339(m.created_at)}};
}

Json VersionToJson(const ModelVersion& v) {
  Json files = Json::array();
  for (const ModelFile& f : v.files) {
    files.push_back({{"name", f.name}, {"size", f.size}, {"digest", f.digest}});
  }
  Json j = {{"model", v.model_name},
            {"version", v.version},
            {"algorithm", v.algorithm},
            {"task", v.task},
            {"format", v.format},
            {"params", v.params},
            {"metrics", v.metrics},
            {"job_id", v.job_id},
            {"signature", v.signature},
            {"lineage", v.lineage},
            {"files", files},
            {"aliases", v.aliases},
            {"created_by", v.created_by},
            {"created_at", FormatRfc3339(v.created_at)}};
  if (auto it = v.lineage.find("dataset"); it != v.lineage.end()) j["dataset"] = *it;
  if (auto it = v.lineage.find("parent"); it != v.lineage.end()) j["parent"] = *it;
  return j;
}

Json EvaluationToJson(const Evaluation& e) {
  return {{"id", e.id},
          {"dataset_version", e.dataset_version},
          {"split", e.split},
          {"job_id", e.job_id},
          {"created_at", FormatRfc3339(e.created_at)}};
}

}  // namespace easel::models
