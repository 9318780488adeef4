#include "train/dataset_problem.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "data/dataset_type.h"
#include "data/manifest.h"
#include "data/transforms/numbers.h"

namespace easel::train {

namespace {

using data::Sample;
using data::Split;

constexpr size_t kBatchRows = 2048;
constexpr int64_t kMaxDistinctForClassification = 20;
// Versions of up to this many samples are read once into memory (see Samples).
constexpr int64_t kMaxSamplesInMemory = 20000;

// A version's samples for the several passes a problem makes (classes, the pipeline's fit, the
// splits). Each pass over a manifest reads and verifies its blob again, which costs a small
// table's short trial more than its training; a small version is read once and kept.
class Samples {
 public:
  using Visit = std::function<Status(const Sample&, Split)>;

  // `several_passes`: whether the caller goes over the samples more than once (else keeping
  // them would only cost a copy).
  static Result<Samples> Open(store::BlobStore& blobs, const data::DatasetVersion& version,
                              bool several_passes) {
    EASEL_ASSIGN_OR_RETURN(auto manifest, data::ManifestReader::Open(blobs, version));
    Samples out(std::move(manifest));
    if (several_passes && out.manifest_.num_samples() <= kMaxSamplesInMemory) {
      std::vector<std::pair<Sample, Split>> all;
      all.reserve(static_cast<size_t>(out.manifest_.num_samples()));
      EASEL_RETURN_IF_ERROR(out.manifest_.ForEachSample([&](const Sample& s, Split split) {
        all.emplace_back(s, split);
        return OkStatus();
      }));
      out.kept_ = std::move(all);
    }
    return out;
  }

  Status ForEachSample(const Visit& fn) const {
    if (!kept_) return manifest_.ForEachSample(fn);
    for (const auto& [sample, split] : *kept_) EASEL_RETURN_IF_ERROR(fn(sample, split));
    return OkStatus();
  }

 private:
  explicit Samples(data::ManifestReader manifest) : manifest_(std::move(manifest)) {}
  data::ManifestReader manifest_;
  std::optional<std::vector<std::pair<Sample, Split>>> kept_;
};

Status FieldError(const std::string& field, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message, Json{{"field", field}});
}

// The statistics of one column (data/tabular/column_stats.h), or an empty object.
Json ColumnStats(const data::DatasetVersion& v, const std::string& name) {
  for (const Json& c : v.stats.value("columns", Json::array())) {
    if (c.value("name", "") == name) return c;
  }
  return Json::object();
}

// The default pipeline: what a user of AutoML tools expects without writing a spec.
Json DefaultSteps(const data::Dataset& dataset, const data::DatasetVersion& version,
                  const std::string& target, bool scale, std::vector<std::string>* notes) {
  std::vector<std::string> numeric, categorical, text;
  for (const std::string& column : version.columns()) {
    if (column == target) continue;
    std::string type = ColumnStats(version, column).value("type", "text");
    if (type == "numeric" || type == "boolean") {
      numeric.push_back(column);
    } else if (type == "categorical") {
      categorical.push_back(column);
    } else if (type == "text" && dataset.type == data::DatasetType::kTextClassification) {
      text.push_back(column);
    } else {
      notes->push_back("column '" + column + "' (" + type +
                       ") is not used by the default pipeline; give a transforms spec to use it");
    }
  }
  Json steps = Json::array();
  if (!numeric.empty() && scale) {
    steps.push_back({{"op", "impute"}, {"columns", numeric}, {"strategy", "median"}});
    steps.push_back({{"op", "standard_scale"}, {"columns", numeric}});
  }
  if (!categorical.empty()) {
    steps.push_back({{"op", "one_hot"},
                     {"columns", categorical},
                     {"handle_unknown", "ignore"},
                     {"max_categories", 50}});
  }
  if (!text.empty()) {
    steps.push_back({{"op", "tokenize"}, {"columns", text}});
    steps.push_back({{"op", "bag_of_words"},
                     {"columns", text},
                     {"weighting", "tfidf"},
                     {"max_features", 20000}});
  }
  std::vector<std::string> unused;
  for (const std::string& column : version.columns()) {
    bool used = column != target &&
                (std::find(numeric.begin(), numeric.end(), column) != numeric.end() ||
                 std::find(categorical.begin(), categorical.end(), column) != categorical.end() ||
                 std::find(text.begin(), text.end(), column) != text.end());
    if (!used && column != target) unused.push_back(column);
  }
  if (!unused.empty()) steps.push_back({{"op", "drop"}, {"columns", unused}});
  return steps;
}

// Sorts class names numerically when all are numbers ("2" < "10"), else by bytes.
void SortClasses(std::vector<std::string>& classes) {
  bool numeric = std::all_of(classes.begin(), classes.end(), [](const std::string& c) {
    return data::transforms::ParseNumber(c).has_value();
  });
  if (numeric) {
    std::sort(classes.begin(), classes.end(), [](const std::string& a, const std::string& b) {
      return *data::transforms::ParseNumber(a) < *data::transforms::ParseNumber(b);
    });
  } else {
    std::sort(classes.begin(), classes.end());
  }
}

// Reads a sample's target: the cell of the target column, or its first label.
struct TargetReader {
  int column = -1;  // -1: labels
  std::optional<std::string_view> Read(const Sample& s) const {
    if (column < 0) {
      if (s.labels.empty()) return std::nullopt;
      return std::string_view(s.labels.front());
    }
    if (static_cast<size_t>(column) >= s.values.size() || !s.values[column]) return std::nullopt;
    return std::string_view(*s.values[column]);
  }
};

// Accumulates one split's rows and transforms them a batch at a time.
class SplitBuilder {
 public:
  SplitBuilder(const data::transforms::Pipeline& pipeline, TabularSplit& out)
      : pipeline_(pipeline), out_(out) {
    out_.x.cols = pipeline.num_features();
  }
  Status Add(Sample sample, float target) {
    pending_.push_back(std::move(sample));
    out_.y.push_back(target);
    return pending_.size() >= kBatchRows ? Flush() : OkStatus();
  }
  Status Flush() {
    if (pending_.empty()) return OkStatus();
    size_t start = out_.x.data.size();
    out_.x.data.resize(start + pending_.size() * out_.x.cols);
    EASEL_RETURN_IF_ERROR(pipeline_.TransformBatch(
        pending_, std::span<float>(out_.x.data.data() + start, pending_.size() * out_.x.cols)));
    out_.x.rows += pending_.size();
    pending_.clear();
    return OkStatus();
  }

 private:
  const data::transforms::Pipeline& pipeline_;
  TabularSplit& out_;
  std::vector<Sample> pending_;
};

// Transforms every row with a target into its split's matrix; counts the rows without one
// (and, when `skip_unknown`, those whose class is not in `class_index`).
Status FillSplits(const Samples& samples, const data::transforms::Pipeline& pipeline,
                  const TargetReader& target,
                  const std::unordered_map<std::string, int>& class_index, TabularProblem& p,
                  int64_t* skipped, bool skip_unknown = false) {
  SplitBuilder train(pipeline, p.train), val(pipeline, p.val), test(pipeline, p.test);
  EASEL_RETURN_IF_ERROR(samples.ForEachSample([&](const Sample& s, Split split) -> Status {
    auto t = target.Read(s);
    float y = 0;
    if (t && p.task == Task::kRegression) {
      auto v = data::transforms::ParseNumber(*t);
      if (!v) {
        return FieldError("target", "sample '" + s.id + "': target '" + std::string(*t) +
                                        "' is not a number; use a classification task");
      }
      y = static_cast<float>(*v);
    } else if (t) {
      auto it = class_index.find(std::string(*t));
      if (it == class_index.end()) {
        if (!skip_unknown) return Internal("a class was missed while listing classes");
        t.reset();
      } else {
        y = static_cast<float>(it->second);
      }
    }
    if (!t) {
      ++*skipped;
      return OkStatus();
    }
    SplitBuilder& b = split == Split::kTrain ? train : split == Split::kVal ? val : test;
    return b.Add(s, y);
  }));
  for (SplitBuilder* b : {&train, &val, &test}) EASEL_RETURN_IF_ERROR(b->Flush());
  return OkStatus();
}

}  // namespace

Json DefaultTransforms(const data::Dataset& dataset, const data::DatasetVersion& version,
                       const std::string& target, bool scale_numeric) {
  std::vector<std::string> notes;
  return {{"steps", DefaultSteps(dataset, version, target, scale_numeric, &notes)}};
}

Result<TabularData> LoadTabularData(store::BlobStore& blobs, const data::Dataset& dataset,
                                    const data::DatasetVersion& version,
                                    const TabularOptions& options) {
  if (data::IsImageType(dataset.type)) {
    return FailedPrecondition("dataset '" + dataset.name +
                              "' holds images; choose an image algorithm (image_classifier)");
  }
  std::vector<std::string> columns = version.columns();
  TargetReader target;
  std::string task = options.task;
  if (!options.target.empty()) {
    auto it = std::find(columns.begin(), columns.end(), options.target);
    if (it == columns.end()) {
      std::string known;
      for (const std::string& c : columns) known += (known.empty() ? "" : ", ") + c;
      return FieldError("target", "dataset '" + dataset.name + "' has no column '" +
                                      options.target + "'; columns: " + known);
    }
    target.column = static_cast<int>(it - columns.begin());
    if (task.empty()) {
      Json stats = ColumnStats(version, options.target);
      bool numeric = stats.value("type", "") == "numeric";
      task = numeric && stats.value("distinct", int64_t{0}) > kMaxDistinctForClassification
                 ? "regression"
                 : "classification";
    }
  } else if (dataset.type == data::DatasetType::kTabular) {
    return FieldError("target", "a tabular dataset needs a target: the column to predict");
  } else if (task.empty()) {
    task = "classification";
  }
  if (task != "regression" && task != "classification" && task != "binary" &&
      task != "multiclass") {
    return FieldError("task", "task must be binary, multiclass, classification or regression");
  }
  if (task == "regression" && target.column < 0) {
    return FieldError("task", "regression needs a numeric target column");
  }

  EASEL_ASSIGN_OR_RETURN(auto samples, Samples::Open(blobs, version, /*several_passes=*/true));
  TabularProblem p;
  std::vector<std::string> notes;
  int64_t rows_without_target = 0;
  std::unordered_map<std::string, int> class_index;
  if (task != "regression") {
    std::set<std::string> seen;
    EASEL_RETURN_IF_ERROR(samples.ForEachSample([&](const Sample& s, Split) -> Status {
      if (auto t = target.Read(s)) seen.emplace(*t);
      return OkStatus();
    }));
    p.classes.assign(seen.begin(), seen.end());
    SortClasses(p.classes);
    if (p.classes.size() < 2) {
      return FailedPrecondition("the target has " + std::to_string(p.classes.size()) +
                                " distinct value(s); classification needs at least 2");
    }
    if (task == "binary" && p.classes.size() != 2) {
      return FieldError("task", "binary classification needs exactly 2 classes; the target has " +
                                    std::to_string(p.classes.size()));
    }
    for (size_t i = 0; i < p.classes.size(); ++i) class_index[p.classes[i]] = static_cast<int>(i);
    p.task = p.classes.size() == 2 ? Task::kBinary : Task::kMulticlass;
  } else {
    p.task = Task::kRegression;
  }

  Json steps = options.transforms.is_null()
                   ? DefaultSteps(dataset, version, options.target, options.scale_numeric, &notes)
                   : options.transforms.value("steps", Json::array());
  if (target.column >= 0) {  // the pipeline makes features; the target is never one
    steps.insert(steps.begin(), Json{{"op", "drop"}, {"columns", {options.target}}});
  }
  Json spec = options.transforms.is_object() ? options.transforms : Json::object();
  spec["steps"] = steps;
  EASEL_ASSIGN_OR_RETURN(auto pipeline,
                         data::transforms::Pipeline::Create(spec, dataset.type, columns));

  EASEL_RETURN_IF_ERROR(pipeline.Fit([&](const std::function<Status(const Sample&)>& visit) {
    return samples.ForEachSample([&](const Sample& s, Split split) -> Status {
      if (split != Split::kTrain || !target.Read(s)) return OkStatus();
      return visit(s);
    });
  }));
  p.feature_names = pipeline.feature_names();
  EASEL_RETURN_IF_ERROR(
      FillSplits(samples, pipeline, target, class_index, p, &rows_without_target));
  if (p.train.rows() == 0) {
    return FailedPrecondition("the train split of '" + dataset.name + "' version " +
                              std::to_string(version.version) + " has no rows with a target");
  }
  return TabularData{std::move(p), std::move(pipeline), rows_without_target, std::move(notes)};
}

Result<AppliedData> ApplyTabular(store::BlobStore& blobs, const data::Dataset& dataset,
                                 const data::DatasetVersion& version,
                                 const data::transforms::Pipeline& pipeline,
                                 const std::string& target, Task task,
                                 const std::vector<std::string>& classes) {
  if (version.columns() != pipeline.columns()) {
    std::string have, want;
    for (const std::string& c : version.columns()) have += (have.empty() ? "" : ", ") + c;
    for (const std::string& c : pipeline.columns()) want += (want.empty() ? "" : ", ") + c;
    return InvalidArgument("dataset '" + dataset.name + "' version " +
                           std::to_string(version.version) + " has the columns " + have +
                           "; the model was trained on " + want);
  }
  TargetReader reader;
  if (!target.empty()) {
    auto columns = version.columns();
    reader.column =
        static_cast<int>(std::find(columns.begin(), columns.end(), target) - columns.begin());
  }
  EASEL_ASSIGN_OR_RETURN(auto samples, Samples::Open(blobs, version, /*several_passes=*/false));
  AppliedData out;
  out.problem.task = task;
  out.problem.classes = classes;
  out.problem.feature_names = pipeline.feature_names();
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < classes.size(); ++i) index[classes[i]] = static_cast<int>(i);
  EASEL_RETURN_IF_ERROR(FillSplits(samples, pipeline, reader, index, out.problem, &out.skipped,
                                   /*skip_unknown=*/true));
  return out;
}

Result<ImageProblem> LoadImageProblem(store::BlobStore& blobs, const data::Dataset& dataset,
                                      const data::DatasetVersion& version,
                                      const std::vector<std::string>* classes) {
  if (dataset.type != data::DatasetType::kImageClassification) {
    return FailedPrecondition("image_classifier trains on image_classification datasets; '" +
                              dataset.name + "' is " + std::string(data::ToString(dataset.type)));
  }
  EASEL_ASSIGN_OR_RETURN(auto manifest, data::ManifestReader::Open(blobs, version));
  ImageProblem p;
  std::set<std::string> seen;
  EASEL_RETURN_IF_ERROR(manifest.ForEachSample([&](const Sample& s, Split) -> Status {
    if (!s.labels.empty()) seen.insert(s.labels.front());
    return OkStatus();
  }));
  p.classes.assign(seen.begin(), seen.end());
  SortClasses(p.classes);
  if (classes != nullptr) p.classes = *classes;
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < p.classes.size(); ++i) index[p.classes[i]] = static_cast<int>(i);
  EASEL_RETURN_IF_ERROR(manifest.ForEachSample([&](const Sample& s, Split split) -> Status {
    if (s.labels.empty()) return OkStatus();
    auto label = index.find(s.labels.front());
    if (label == index.end()) return OkStatus();  // a class the model does not know
    EASEL_ASSIGN_OR_RETURN(auto path, blobs.FilePath(s.blob));
    ImageItem item{s.id, path.string(), label->second};
    (split == Split::kTrain ? p.train : split == Split::kVal ? p.val : p.test).push_back(item);
    return OkStatus();
  }));
  if (classes != nullptr) return p;
  if (p.classes.size() < 2) {
    return FailedPrecondition("image classification needs labeled images of at least 2 classes");
  }
  if (p.train.empty()) return FailedPrecondition("the train split has no labeled images");
  return p;
}

}  // namespace easel::train
