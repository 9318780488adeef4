#include "train/trainers/torch_tabular/model_config.h"

#include <cmath>

namespace easel::train::torch_tabular {
namespace {

Status Bad(std::string_view field) {
  return InvalidArgument("model.json field '" + std::string(field) + "' is missing or invalid");
}

template <class T>
Result<T> Field(const Json& j, std::string_view field) {
  auto it = j.find(field);
  if (it == j.end()) return Bad(field);
  try {
    return it->get<T>();
  } catch (const std::exception&) {
    return Bad(field);
  }
}

}  // namespace

int64_t NumOutputs(Task task, size_t num_classes) {
  return task == Task::kMulticlass ? static_cast<int64_t>(num_classes) : 1;
}

Json ModelConfigToJson(const ModelConfig& c, const Json& info) {
  Json j = info.is_object() ? info : Json::object();
  j["format"] = kFormat;
  j["version"] = kFormatVersion;
  j["arch"] = ArchName(c.arch);
  j["task"] = TaskName(c.task);
  j["num_features"] = c.num_features();
  j["feature_names"] = c.feature_names;
  j["classes"] = c.classes;
  j["num_outputs"] = c.num_outputs;
  j["hidden_layers"] = c.hidden_layers;
  j["activation"] = c.activation;
  j["dropout"] = c.dropout;
  j["batch_norm"] = c.batch_norm;
  j["feature_mean"] = c.feature_mean;
  j["feature_std"] = c.feature_std;
  j["target_mean"] = c.target_mean;
  j["target_std"] = c.target_std;
  return j;
}

Result<ModelConfig> ModelConfigFromJson(const Json& j) {
  if (!j.is_object()) return InvalidArgument("model.json is not a JSON object");
  EASEL_ASSIGN_OR_RETURN(std::string format, Field<std::string>(j, "format"));
  if (format != kFormat) return InvalidArgument("model.json is not a torch_tabular model");
  EASEL_ASSIGN_OR_RETURN(int64_t version, Field<int64_t>(j, "version"));
  if (version != kFormatVersion) {
    return InvalidArgument("torch_tabular model version " + std::to_string(version) +
                           " is not supported");
  }
  ModelConfig c;
  EASEL_ASSIGN_OR_RETURN(std::string arch, Field<std::string>(j, "arch"));
  if (arch == "linear") {
    c.arch = Arch::kLinear;
  } else if (arch == "mlp") {
    c.arch = Arch::kMlp;
  } else {
    return Bad("arch");
  }
  EASEL_ASSIGN_OR_RETURN(std::string task, Field<std::string>(j, "task"));
  if (task == "binary") {
    c.task = Task::kBinary;
  } else if (task == "multiclass") {
    c.task = Task::kMulticlass;
  } else if (task == "regression") {
    c.task = Task::kRegression;
  } else {
    return Bad("task");
  }
  EASEL_ASSIGN_OR_RETURN(c.feature_names, Field<std::vector<std::string>>(j, "feature_names"));
  EASEL_ASSIGN_OR_RETURN(c.classes, Field<std::vector<std::string>>(j, "classes"));
  EASEL_ASSIGN_OR_RETURN(c.num_outputs, Field<int64_t>(j, "num_outputs"));
  EASEL_ASSIGN_OR_RETURN(c.hidden_layers, Field<std::vector<int64_t>>(j, "hidden_layers"));
  EASEL_ASSIGN_OR_RETURN(c.activation, Field<std::string>(j, "activation"));
  EASEL_ASSIGN_OR_RETURN(c.dropout, Field<double>(j, "dropout"));
  EASEL_ASSIGN_OR_RETURN(c.batch_norm, Field<bool>(j, "batch_norm"));
  EASEL_ASSIGN_OR_RETURN(c.feature_mean, Field<std::vector<float>>(j, "feature_mean"));
  EASEL_ASSIGN_OR_RETURN(c.feature_std, Field<std::vector<float>>(j, "feature_std"));
  EASEL_ASSIGN_OR_RETURN(c.target_mean, Field<double>(j, "target_mean"));
  EASEL_ASSIGN_OR_RETURN(c.target_std, Field<double>(j, "target_std"));

  if (c.feature_names.empty()) return Bad("feature_names");
  EASEL_ASSIGN_OR_RETURN(int64_t num_features, Field<int64_t>(j, "num_features"));
  if (num_features != static_cast<int64_t>(c.num_features())) return Bad("num_features");
  if (c.feature_mean.size() != c.num_features()) return Bad("feature_mean");
  if (c.feature_std.size() != c.num_features()) return Bad("feature_std");
  for (float s : c.feature_std) {
    if (!(s > 0) || !std::isfinite(s)) return Bad("feature_std");
  }
  if (c.task != Task::kRegression && c.classes.size() < 2) return Bad("classes");
  if (c.task == Task::kBinary && c.classes.size() != 2) return Bad("classes");
  if (c.num_outputs != NumOutputs(c.task, c.classes.size())) return Bad("num_outputs");
  for (int64_t units : c.hidden_layers) {
    if (units < 1 || units > 8192) return Bad("hidden_layers");
  }
  if (c.hidden_layers.size() > 16) return Bad("hidden_layers");
  if (c.arch == Arch::kLinear && !c.hidden_layers.empty()) return Bad("hidden_layers");
  if (c.activation != "relu" && c.activation != "gelu" && c.activation != "tanh") {
    return Bad("activation");
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) return Bad("dropout");
  if (!(c.target_std > 0) || !std::isfinite(c.target_std) || !std::isfinite(c.target_mean)) {
    return Bad("target_std");
  }
  return c;
}

}  // namespace easel::train::torch_tabular
