#include "train/trainers/xgboost/booster_import.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "common/files.h"
#include "data/transforms/pipeline.h"
#include "train/trainers/xgboost/booster_check.h"
#include "train/trainers/xgboost/model_files.h"
#include "train/trainers/xgboost/xgb_api.h"

namespace easel::train::xgboost {
namespace {

constexpr int kMaxDepth = 32;
constexpr bst_ulong kMaxFeatures = 10'000'000;
// Beyond this many features the signature has one [-1, N] input instead of one per feature.
constexpr size_t kMaxNamedInputs = 10'000;

// XgbStatus says "xgboost <what>: [08:23:30] ../src/learner.cc:123: <sentence>"; a user
// needs only the sentence.
std::string Sentence(const Status& st) {
  static const std::regex kLocation(R"(\[\d\d:\d\d:\d\d\] [^ :]+:\d+: )");
  std::string text = st.message();
  if (text.rfind("xgboost ", 0) == 0 && text.find(": ") != std::string::npos) {
    text.erase(0, text.find(": ") + 2);
  }
  text = std::regex_replace(text, kLocation, "");
  if (size_t nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
  return text;
}

Status Refuse(std::string_view doing, const Status& st) {
  return InvalidArgument(fmt::format("XGBoost cannot {} it: {}", doing, Sentence(st)));
}

// A JSON object nested at most kMaxDepth deep, checked without building it (a booster file may
// be large): XGBoost's own reader recurses once per level.
Status CheckJsonShape(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {
    return InvalidArgument("it is not a JSON object, and XGBoost JSON models are");
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = first; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) {
        return InvalidArgument(fmt::format("its JSON is nested more than {} deep", kMaxDepth));
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return OkStatus();
}

struct Objective {
  std::string output;
  std::string task;
};

Objective ForObjective(const std::string& name) {
  if (name == "binary:logistic") return {"probability", "binary"};
  if (name == "binary:logitraw") return {"margin", "binary"};
  if (name == "binary:hinge") return {"label", "binary"};
  if (name == "multi:softprob") return {"probabilities", "multiclass"};
  if (name == "multi:softmax") return {"label", "multiclass"};
  if (name.rfind("rank:", 0) == 0) return {"score", "other"};
  return {"prediction", "regression"};
}

// The JSON member at `path` of XGBoost's configuration, as a string ("" when absent).
std::string ConfigString(const Json& config, std::initializer_list<const char*> path) {
  const Json* j = &config;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return "";
    j = &(*j)[key];
  }
  return j->is_string() ? j->get<std::string>() : "";
}

Result<std::vector<std::string>> FeatureNames(const Booster& booster) {
  bst_ulong n = 0;
  if (Status st = XgbStatus(XGBoosterGetNumFeature(booster.get(), &n), "counting features");
      !st.ok()) {
    return Refuse("describe", st);
  }
  bst_ulong named = 0;
  const char** names = nullptr;
  if (Status st = XgbStatus(
          XGBoosterGetStrFeatureInfo(booster.get(), "feature_name", &named, &names), "names");
      !st.ok()) {
    return Refuse("describe", st);
  }
  if (n > kMaxFeatures) {
    return InvalidArgument(
        fmt::format("it declares {} features; easel takes at most {}", n, kMaxFeatures));
  }
  std::vector<std::string> out;
  for (bst_ulong i = 0; i < n; ++i) {
    out.push_back(named == n && names[i] != nullptr && *names[i] != '\0' ? std::string(names[i])
                                                                         : fmt::format("f{}", i));
  }
  return out;
}

Result<Json> Inspect(const std::string& text) {
  EASEL_RETURN_IF_ERROR(CheckJsonShape(text));
  auto loaded = Booster::FromModelBytes(text);
  if (!loaded.ok()) return Refuse("load", loaded.status());
  Booster booster = std::move(*loaded);
  if (Status st = booster.SetParam("nthread", "1"); !st.ok()) return Refuse("configure", st);
  auto features = FeatureNames(booster);
  if (!features.ok()) return features.status();
  bst_ulong len = 0;
  const char* config_text = nullptr;
  if (Status st = XgbStatus(XGBoosterSaveJsonConfig(booster.get(), &len, &config_text), "config");
      !st.ok()) {
    return Refuse("describe", st);
  }
  EASEL_ASSIGN_OR_RETURN(Json config, ParseJson(std::string_view(config_text, len)));
  auto rounds = booster.BoostedRounds();
  if (!rounds.ok()) return Refuse("describe", rounds.status());

  // One row of missing values: every tree is walked along its default branches, and the
  // prediction's shape says how many values the model gives per row.
  data::transforms::FeatureMatrix row;
  row.rows = 1;
  row.cols = features->size();
  row.data.assign(row.cols, NAN);
  auto predicted = booster.PredictDense(row, PredictType::kValue);
  if (!predicted.ok()) return Refuse("predict with", predicted.status());
  const uint64_t per_row =
      predicted->shape.size() >= 2 ? predicted->shape.back() : predicted->values.size();

  const std::string objective = ConfigString(config, {"learner", "objective", "name"});
  const Objective o = ForObjective(objective);
  Json inputs = Json::array();
  if (features->size() > kMaxNamedInputs) {
    inputs.push_back({{"name", "features"},
                      {"datatype", "FP32"},
                      {"shape", Json::array({-1, features->size()})}});
  } else {
    for (const std::string& name : *features) {
      inputs.push_back({{"name", name}, {"datatype", "FP32"}, {"shape", {-1}}});
    }
  }
  Json shape = per_row > 1 ? Json::array({-1, per_row}) : Json::array({-1});
  Json outputs = Json::array({{{"name", o.output}, {"datatype", "FP32"}, {"shape", shape}}});
  const std::string num_class =
      ConfigString(config, {"learner", "learner_model_param", "num_class"});
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return Json{{"signature", {{"inputs", inputs}, {"outputs", outputs}}},
              {"info",
               {{"objective", objective},
                {"num_class", num_class.empty() ? 0 : std::atoi(num_class.c_str())},
                {"num_features", features->size()},
                {"rounds", *rounds},
                {"booster", ConfigString(config, {"learner", "gradient_booster", "name"})},
                {"task", o.task},
                {"xgboost_version", fmt::format("{}.{}.{}", major, minor, patch)}}}};
}

}  // namespace

Result<Json> CheckBoosterJsonFile(const std::filesystem::path& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return InvalidArgument("the file cannot be read");
  if (text->empty()) return InvalidArgument("the file is empty");
  try {
    return Inspect(*text);
  } catch (const std::bad_alloc&) {
    return InvalidArgument("loading it needs more memory than a model check may use");
  } catch (const std::exception& e) {  // nlohmann's, on a configuration XGBoost should not write
    return InvalidArgument(std::string("XGBoost's view of it is unreadable: ") + e.what());
  }
}

Result<TrainedForm> AsTrainedModel(const std::string& booster_json, const Json& info,
                                   const std::vector<std::string>& feature_names,
                                   const std::vector<std::string>& classes) {
  auto integer = [&info](const char* key) {
    auto it = info.find(key);
    return it != info.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  auto objective_it = info.find("objective");
  const std::string objective = objective_it != info.end() && objective_it->is_string()
                                    ? objective_it->get<std::string>()
                                    : std::string();
  std::optional<Task> task;
  std::string served;
  for (Task t : {Task::kBinary, Task::kMulticlass, Task::kRegression}) {
    if (ObjectiveFor(t) == objective) task = t;
    served += (served.empty() ? "" : ", ") + std::string(ObjectiveFor(t));
  }
  const int64_t count = task == Task::kBinary       ? 2
                        : task == Task::kMulticlass ? integer("num_class")
                                                    : 0;
  if (!task || (task == Task::kMulticlass && count < 2)) {
    return FailedPrecondition("an imported booster with objective '" + objective +
                              "' cannot be served; served objectives: " + served);
  }
  const int64_t num_features = integer("num_features");
  if (num_features < 1 || feature_names.size() != static_cast<size_t>(num_features)) {
    return FailedPrecondition("the signature names " + std::to_string(feature_names.size()) +
                              " inputs but the booster reads " + std::to_string(num_features) +
                              " features; re-import it with one FP32 input per feature");
  }

  TrainedForm out;
  out.task = *task;
  if (classes.size() == static_cast<size_t>(count)) {
    out.classes = classes;
  } else {
    for (int64_t k = 0; k < count; ++k) out.classes.push_back(std::to_string(k));
  }
  const int rounds = static_cast<int>(std::max<int64_t>(1, integer("rounds")));
  ModelDescriptor d{.task = out.task,
                    .feature_names = feature_names,
                    .classes = out.classes,
                    .best_iteration = rounds - 1,
                    .num_rounds = rounds,
                    .rounds_trained = rounds};
  EASEL_ASSIGN_OR_RETURN(
      auto pipeline, data::transforms::Pipeline::Create(
                         {{"steps", Json::array()}}, data::DatasetType::kTabular, feature_names));
  out.files = {{"booster.json", booster_json},
               {"model.json", DescriptorToJson(d).dump()},
               {"pipeline.json", pipeline.ToJson().dump()}};
  return out;
}

}  // namespace easel::train::xgboost
