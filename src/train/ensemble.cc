#include "train/ensemble.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>

#include "common/json.h"

namespace easel::train {
namespace {

constexpr const char* kManifest = "ensemble.json";
constexpr const char* kPipeline = "pipeline.json";
constexpr const char* kStackerPrefix = "stack.";
// Probabilities below this read as it in StackingFeatures: log(0) would be -infinity.
constexpr float kStackingFloor = 1e-6f;

std::string Prefix(size_t i) {
  std::string prefix = std::to_string(i);
  prefix.insert(prefix.begin(), 'm');
  prefix.push_back('.');
  return prefix;
}

struct Manifest {
  struct Entry {
    std::string format;
    double weight = 0;
    ModelFiles files;
  };
  std::vector<Entry> members;
  std::optional<Entry> stacker;
};

// The files stored under `prefix`, without it.
ModelFiles FilesUnder(const ModelFiles& files, const std::string& prefix) {
  ModelFiles out;
  for (auto it = files.lower_bound(prefix); it != files.end() && it->first.starts_with(prefix);
       ++it) {
    out.emplace(it->first.substr(prefix.size()), it->second);
  }
  return out;
}

// The members as stored, each with its own files (and the shared pipeline, for tabular ones).
Result<Manifest> Unpack(const ModelFiles& files) {
  auto manifest = files.find(kManifest);
  if (manifest == files.end()) return DataLoss("the ensemble has no " + std::string(kManifest));
  EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(manifest->second, 16));
  if (!doc.contains("members") || !doc["members"].is_array() || doc["members"].empty()) {
    return DataLoss("the ensemble's manifest lists no members");
  }
  Manifest out;
  for (const Json& m : doc["members"]) {
    if (!m.is_object() || !m.value("format", Json()).is_string() ||
        !m.value("weight", Json()).is_number() || !m.value("prefix", Json()).is_string()) {
      return DataLoss("an ensemble member needs format, weight and prefix");
    }
    Manifest::Entry e;
    e.format = m["format"].get<std::string>();
    e.weight = m["weight"].get<double>();
    const std::string prefix = m["prefix"].get<std::string>();
    if (e.format == kEnsembleFormat || e.format == kImageEnsembleFormat) {
      return DataLoss("an ensemble cannot hold an ensemble");
    }
    e.files = FilesUnder(files, prefix);
    if (e.files.empty()) return DataLoss("ensemble member '" + prefix + "' has no files");
    if (auto pipeline = files.find(kPipeline); pipeline != files.end()) {
      e.files.emplace(kPipeline, pipeline->second);
    }
    out.members.push_back(std::move(e));
  }
  if (const Json* stacker = doc.contains("stacker") ? &doc["stacker"] : nullptr) {
    if (!stacker->is_object() || !stacker->value("format", Json()).is_string() ||
        !stacker->value("prefix", Json()).is_string()) {
      return DataLoss("an ensemble's stacker needs format and prefix");
    }
    Manifest::Entry e;
    e.format = (*stacker)["format"].get<std::string>();
    e.files = FilesUnder(files, (*stacker)["prefix"].get<std::string>());
    if (e.files.empty()) return DataLoss("the ensemble's stacker has no files");
    out.stacker = std::move(e);
  }
  return out;
}

// The members' outputs, `predict(member)` each, weighted and summed; `size` values expected of
// each.
template <typename Model, typename Predict>
Result<std::vector<float>> WeightedSum(const std::vector<std::unique_ptr<Model>>& members,
                                       const std::vector<double>& weights, size_t size,
                                       const Predict& predict) {
  std::vector<float> sum(size, 0.0f);
  for (size_t m = 0; m < members.size(); ++m) {
    EASEL_ASSIGN_OR_RETURN(std::vector<float> p, predict(*members[m]));
    if (p.size() != size) return Internal("ensemble members disagree on their outputs");
    for (size_t i = 0; i < size; ++i) sum[i] += static_cast<float>(weights[m] * p[i]);
  }
  return sum;
}

class TabularEnsemble : public TabularPredictor {
 public:
  TabularEnsemble(std::vector<std::unique_ptr<TabularPredictor>> members,
                  std::vector<double> weights, std::unique_ptr<TabularPredictor> stacker)
      : members_(std::move(members)), weights_(std::move(weights)), stacker_(std::move(stacker)) {}

  Result<std::vector<float>> Predict(data::transforms::FeatureView x) const override {
    if (!stacker_) {
      return WeightedSum(members_, weights_, x.rows * num_outputs(),
                         [&](const TabularPredictor& m) { return m.Predict(x); });
    }
    if (x.rows == 0) return std::vector<float>();
    std::vector<std::vector<float>> member_outputs;
    for (const auto& m : members_) {
      EASEL_ASSIGN_OR_RETURN(std::vector<float> p, m->Predict(x));
      if (p.size() != x.rows * members_.front()->num_outputs()) {
        return Internal("ensemble members disagree on their outputs");
      }
      member_outputs.push_back(std::move(p));
    }
    return stacker_->Predict(StackingFeatures(member_outputs, x.rows));
  }
  size_t num_outputs() const override {
    return stacker_ ? stacker_->num_outputs() : members_.front()->num_outputs();
  }

 private:
  std::vector<std::unique_ptr<TabularPredictor>> members_;
  std::vector<double> weights_;
  std::unique_ptr<TabularPredictor> stacker_;  // null: the weighted sum answers
};

class ImageEnsemble : public ImagePredictor {
 public:
  ImageEnsemble(std::vector<std::unique_ptr<ImagePredictor>> members, std::vector<double> weights)
      : members_(std::move(members)), weights_(std::move(weights)), shared_(SharedInput()) {}

  Result<std::vector<float>> Predict(std::span<const std::string_view> images) const override {
    return WeightedSum(members_, weights_, images.size() * num_classes(),
                       [&](const ImagePredictor& m) { return m.Predict(images); });
  }
  Result<std::vector<float>> Predict(
      std::span<const data::transforms::ImageView> images) const override {
    return WeightedSum(members_, weights_, images.size() * num_classes(),
                       [&](const ImagePredictor& m) { return m.Predict(images); });
  }
  size_t num_classes() const override { return members_.front()->num_classes(); }
  // Prepared input, when every member prepares images alike into the same shape (a search
  // that varied only the network, not the input size); else the members need their own.
  std::optional<InputShape> input_shape() const override { return shared_; }
  std::string preparation() const override {
    return shared_ ? members_.front()->preparation() : "";
  }
  Result<std::vector<float>> PredictPrepared(std::span<const float> input,
                                             size_t count) const override {
    if (!shared_) {
      return Unimplemented(
          "this ensemble's members prepare images differently: send encoded or decoded images");
    }
    return WeightedSum(members_, weights_, count * num_classes(),
                       [&](const ImagePredictor& m) { return m.PredictPrepared(input, count); });
  }
  // The map of the member with the largest weight: the one the ensemble leans on most.
  Result<ActivationMap> GradCam(std::string_view image, int target) const override {
    const size_t heaviest =
        static_cast<size_t>(std::max_element(weights_.begin(), weights_.end()) - weights_.begin());
    return members_[heaviest]->GradCam(image, target);
  }

 private:
  std::optional<InputShape> SharedInput() const {
    const std::optional<InputShape> first = members_.front()->input_shape();
    const std::string how = members_.front()->preparation();
    if (!first || how.empty()) return std::nullopt;
    for (const auto& m : members_) {
      if (m->input_shape() != first || m->preparation() != how) return std::nullopt;
    }
    return first;
  }

  std::vector<std::unique_ptr<ImagePredictor>> members_;
  std::vector<double> weights_;
  std::optional<InputShape> shared_;
};

// A tabular model of `format` from `files` through `registry`.
Result<std::unique_ptr<TabularPredictor>> LoadTabular(const AlgorithmRegistry& registry,
                                                      const std::string& format,
                                                      const ModelFiles& files, const char* role) {
  EASEL_ASSIGN_OR_RETURN(const ModelLoader* loader, registry.FindLoader(format));
  if (!loader->tabular) {
    return DataLoss(std::string("ensemble ") + role + " format '" + format + "' is not tabular");
  }
  return loader->tabular(files);
}

double LogLoss(const std::vector<float>& p, const std::vector<float>& y, size_t classes) {
  double sum = 0;
  for (size_t r = 0; r < y.size(); ++r) {
    const double q = p[r * classes + static_cast<size_t>(y[r])];
    sum -= std::log(std::clamp(q, 1e-15, 1.0));
  }
  return sum / static_cast<double>(y.size());
}

double MeanSquaredError(const std::vector<float>& p, const std::vector<float>& y) {
  double sum = 0;
  for (size_t r = 0; r < y.size(); ++r) sum += (p[r] - y[r]) * double(p[r] - y[r]);
  return sum / static_cast<double>(y.size());
}

}  // namespace

data::transforms::FeatureMatrix StackingFeatures(const std::vector<std::vector<float>>& predictions,
                                                 size_t rows) {
  const size_t members = predictions.size();
  const size_t classes = members == 0 || rows == 0 ? 0 : predictions.front().size() / rows;
  data::transforms::FeatureMatrix x{rows, members * classes, {}};
  x.data.resize(rows * x.cols);
  for (size_t m = 0; m < members; ++m) {
    for (size_t r = 0; r < rows; ++r) {
      for (size_t k = 0; k < classes; ++k) {
        const float p = predictions[m][r * classes + k];
        // NaN reads as the floor too: a member that cannot tell says nothing.
        x.data[r * x.cols + m * classes + k] =
            std::log(p >= kStackingFloor ? std::min(p, 1.0f) : kStackingFloor);
      }
    }
  }
  return x;
}

Result<ModelFiles> PackEnsemble(const std::vector<EnsembleMember>& members,
                                const EnsembleStacker* stacker) {
  if (members.empty()) return InvalidArgument("an ensemble needs at least one member");
  double total = 0;
  for (const EnsembleMember& m : members) {
    if (!(m.weight > 0) || !std::isfinite(m.weight)) {
      return InvalidArgument("ensemble weights must be positive");
    }
    if (m.format == kEnsembleFormat || m.format == kImageEnsembleFormat) {
      return InvalidArgument("an ensemble cannot hold an ensemble");
    }
    total += m.weight;
  }
  ModelFiles out;
  Json list = Json::array();
  for (size_t i = 0; i < members.size(); ++i) {
    const EnsembleMember& m = members[i];
    for (const auto& [name, bytes] : m.files) {
      if (name == kPipeline) continue;
      out.emplace(Prefix(i) + name, bytes);
    }
    auto pipeline = m.files.find(kPipeline);
    if (pipeline != m.files.end()) {
      auto [shared, inserted] = out.emplace(kPipeline, pipeline->second);
      if (!inserted && shared->second != pipeline->second) {
        return InvalidArgument("tabular ensemble members must share one transform pipeline");
      }
    } else if (out.contains(kPipeline)) {
      return InvalidArgument("an ensemble cannot mix tabular and image members");
    }
    list.push_back({{"format", m.format}, {"weight", m.weight / total}, {"prefix", Prefix(i)}});
  }
  if (out.contains(kPipeline) && !members.front().files.contains(kPipeline)) {
    return InvalidArgument("an ensemble cannot mix tabular and image members");
  }
  Json manifest = {{"members", list}};
  if (stacker != nullptr) {
    if (!out.contains(kPipeline)) return InvalidArgument("only tabular ensembles can be stacked");
    if (stacker->files.empty()) return InvalidArgument("the stacker has no files");
    for (const auto& [name, bytes] : stacker->files) out.emplace(kStackerPrefix + name, bytes);
    manifest["stacker"] = {{"format", stacker->format}, {"prefix", kStackerPrefix}};
  }
  out[kManifest] = DumpJson(manifest);
  return out;
}

std::string EnsembleFormat(const std::vector<EnsembleMember>& members) {
  const bool tabular = !members.empty() && members.front().files.contains(kPipeline);
  return tabular ? kEnsembleFormat : kImageEnsembleFormat;
}

ModelLoader EnsembleLoader(const AlgorithmRegistry& registry, bool images) {
  ModelLoader loader;
  if (images) {
    loader.image = [&registry](
                       const ModelFiles& files,
                       const Resources& resources) -> Result<std::unique_ptr<ImagePredictor>> {
      EASEL_ASSIGN_OR_RETURN(Manifest manifest, Unpack(files));
      if (manifest.stacker) return DataLoss("an image ensemble cannot be stacked");
      std::vector<std::unique_ptr<ImagePredictor>> members;
      std::vector<double> weights;
      for (const Manifest::Entry& e : manifest.members) {
        EASEL_ASSIGN_OR_RETURN(const ModelLoader* member, registry.FindLoader(e.format));
        if (!member->image) {
          return DataLoss("ensemble member format '" + e.format + "' is not an image model");
        }
        EASEL_ASSIGN_OR_RETURN(auto loaded, member->image(e.files, resources));
        members.push_back(std::move(loaded));
        weights.push_back(e.weight);
      }
      return std::unique_ptr<ImagePredictor>(
          new ImageEnsemble(std::move(members), std::move(weights)));
    };
    return loader;
  }
  loader.tabular =
      [&registry](const ModelFiles& files) -> Result<std::unique_ptr<TabularPredictor>> {
    EASEL_ASSIGN_OR_RETURN(Manifest manifest, Unpack(files));
    std::vector<std::unique_ptr<TabularPredictor>> members;
    std::vector<double> weights;
    for (const Manifest::Entry& e : manifest.members) {
      EASEL_ASSIGN_OR_RETURN(auto loaded, LoadTabular(registry, e.format, e.files, "member"));
      members.push_back(std::move(loaded));
      weights.push_back(e.weight);
    }
    std::unique_ptr<TabularPredictor> stacker;
    if (manifest.stacker) {
      EASEL_ASSIGN_OR_RETURN(stacker, LoadTabular(registry, manifest.stacker->format,
                                                  manifest.stacker->files, "stacker"));
    }
    return std::unique_ptr<TabularPredictor>(
        new TabularEnsemble(std::move(members), std::move(weights), std::move(stacker)));
  };
  return loader;
}

Result<EnsembleSelection> SelectEnsemble(const std::vector<std::vector<float>>& predictions,
                                         const std::vector<float>& y, Task task, int rounds) {
  if (predictions.empty()) return InvalidArgument("no ensemble members to choose from");
  if (y.empty()) return InvalidArgument("ensemble selection needs rows");
  const size_t size = predictions.front().size();
  if (size == 0 || size % y.size() != 0) {
    return InvalidArgument("predictions must have one row per target");
  }
  for (const auto& p : predictions) {
    if (p.size() != size) return InvalidArgument("every member must predict the same rows");
  }
  auto loss = [&](const std::vector<float>& p) { return EnsembleLoss(p, y, task); };

  EnsembleSelection out;
  for (const auto& p : predictions) out.member_losses.push_back(loss(p));
  std::vector<int> counts(predictions.size(), 0);
  std::vector<int> kept;
  std::vector<float> sum(size, 0.0f);  // the sum of the chosen members' predictions
  std::vector<float> trial(size);
  out.loss = std::numeric_limits<double>::infinity();
  for (int round = 1; round <= std::max(1, rounds); ++round) {
    size_t best = 0;
    double best_loss = std::numeric_limits<double>::infinity();
    for (size_t m = 0; m < predictions.size(); ++m) {
      for (size_t i = 0; i < size; ++i) trial[i] = (sum[i] + predictions[m][i]) / float(round);
      const double l = loss(trial);
      if (l < best_loss) {
        best_loss = l;
        best = m;
      }
    }
    ++counts[best];
    for (size_t i = 0; i < size; ++i) sum[i] += predictions[best][i];
    // Later rounds may only make it worse (every round must add someone): keep the best.
    if (best_loss < out.loss) {
      out.loss = best_loss;
      kept = counts;
    }
  }
  const double total = std::accumulate(kept.begin(), kept.end(), 0.0);
  for (int c : kept) out.weights.push_back(c / total);
  return out;
}

double EnsembleLoss(const std::vector<float>& p, const std::vector<float>& y, Task task) {
  if (y.empty()) return 0;
  return task == Task::kRegression ? MeanSquaredError(p, y) : LogLoss(p, y, p.size() / y.size());
}

}  // namespace easel::train
