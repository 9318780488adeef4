#include "automl/final_model.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "automl/ensemble_candidates.h"
#include "automl/trial_kind.h"
#include "common/files.h"
#include "common/time.h"
#include "common/version.h"
#include "data/dataset_type.h"
#include "data/datasets.h"
#include "data/transforms/pipeline.h"
#include "jobs/job_context.h"
#include "jobs/job_store.h"
#include "train/dataset_problem.h"
#include "train/ensemble.h"
#include "train/evaluate.h"
#include "train/params.h"

namespace easel::automl {
namespace {

// Tables up to this many train + validation rows choose their ensemble by cross-validation.
constexpr size_t kCrossValidationMaxRows = 5000;
constexpr size_t kFolds = 5;
constexpr uint64_t kFoldSeed = 0x5eed;
constexpr size_t kMaxValidationImages = 2000;
constexpr size_t kImageBatch = 64;
// The stacker's L2 penalty as an inverse, like scikit-learn's C: its weight decay on the mean
// log loss is 1 / (kStackingC x rows). Strong, for a few hundred rows and dozens of features.
constexpr double kStackingC = 0.1;
// Its fit: epochs of the linear trainer's L-BFGS, 20 iterations each (100 iterations is
// scikit-learn's default for a logistic regression), converged or not.
constexpr int kStackingEpochs = 5;
constexpr uint64_t kCombinerFoldSeed = 0x5eed5eed;

struct Member {
  int64_t number = 0;
  double weight = 1;
};

// The members of the final model, and how they combine: weights, or a stacker.
struct Choice {
  std::vector<Member> members;
  Json selection = Json::object();
  std::optional<train::EnsembleStacker> stacker;
};

// A candidate trial's kept model, with its files read back.
struct Loaded {
  const Trial* trial = nullptr;
  models::NewModelVersion version;
  train::ModelFiles files;
};

Result<Loaded> LoadMember(StudyStore& studies, store::BlobStore& blobs, const Study& study,
                          const Trial& trial) {
  Loaded out;
  out.trial = &trial;
  EASEL_ASSIGN_OR_RETURN(out.version, studies.LoadTrialModel(study.id, trial.record.number));
  for (const auto& [name, blob] : out.version.files) {
    EASEL_ASSIGN_OR_RETURN(std::string bytes, blobs.ReadAll(blob.digest));
    out.files.emplace(name, std::move(bytes));
  }
  return out;
}

const Trial* FindTrial(const std::vector<Trial>& trials, int64_t number) {
  for (const Trial& t : trials) {
    if (t.record.number == number) return &t;
  }
  return nullptr;
}

std::vector<std::string> Classes(const models::NewModelVersion& v) {
  std::vector<std::string> out;
  for (const Json& c : v.signature.value("classes", Json::array())) {
    if (c.is_string()) out.push_back(c.get<std::string>());
  }
  return out;
}

// The data every member is judged on: the version the trials learned from, seen through the
// members' shared pipeline (tabular) or as images.
class Data {
 public:
  static Result<Data> Load(store::Database& db, store::BlobStore& blobs, const Loaded& best) {
    Data d;
    if (!best.version.dataset_id || !best.version.dataset_version) {
      return FailedPrecondition("the best trial's model does not name its dataset version");
    }
    data::DatasetStore datasets(db);
    EASEL_ASSIGN_OR_RETURN(data::Dataset dataset, datasets.GetById(*best.version.dataset_id));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion version,
                           datasets.GetVersion(dataset.id, *best.version.dataset_version));
    d.classes_ = Classes(best.version);
    EASEL_ASSIGN_OR_RETURN(d.task_, train::ParseTask(best.version.task));
    d.images_ = data::IsImageType(dataset.type);
    if (d.images_) {
      EASEL_ASSIGN_OR_RETURN(d.images_problem_,
                             train::LoadImageProblem(blobs, dataset, version, &d.classes_));
      return d;
    }
    auto stored = best.files.find("pipeline.json");
    if (stored == best.files.end()) return FailedPrecondition("the model has no stored pipeline");
    d.pipeline_bytes_ = stored->second;
    EASEL_ASSIGN_OR_RETURN(Json pipeline_json, ParseJson(stored->second, 256));
    EASEL_ASSIGN_OR_RETURN(auto pipeline, data::transforms::Pipeline::FromJson(pipeline_json));
    EASEL_ASSIGN_OR_RETURN(
        train::AppliedData applied,
        train::ApplyTabular(blobs, dataset, version, pipeline,
                            best.version.lineage.value("target", ""), d.task_, d.classes_));
    d.tabular_ = std::move(applied.problem);
    return d;
  }

  bool images() const { return images_; }
  const train::TabularProblem& tabular() const { return tabular_; }
  const std::vector<std::string>& classes() const { return classes_; }
  train::Task task() const { return task_; }
  // Whether a candidate reads the data as the best one does (tabular: the same pipeline).
  bool Accepts(const Loaded& m) const {
    if (images_) return true;
    auto p = m.files.find("pipeline.json");
    return p != m.files.end() && p->second == pipeline_bytes_;
  }
  size_t validation_rows() const {
    return images_ ? std::min(images_problem_.val.size(), kMaxValidationImages)
                   : tabular_.val.rows();
  }
  std::vector<float> validation_targets() const {
    if (!images_) return tabular_.val.y;
    std::vector<float> y;
    for (size_t i = 0; i < validation_rows(); ++i) y.push_back(images_problem_.val[i].label);
    return y;
  }

  // What `files` (a model of `format`) predicts for the validation rows.
  Result<std::vector<float>> PredictValidation(const train::AlgorithmRegistry& algorithms,
                                               const std::string& format,
                                               const train::ModelFiles& files) const {
    EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader(format));
    if (!images_) {
      if (!loader->tabular) return FailedPrecondition("format '" + format + "' is not tabular");
      EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(files));
      return model->Predict(tabular_.val.x);
    }
    if (!loader->image) return FailedPrecondition("format '" + format + "' reads no images");
    EASEL_ASSIGN_OR_RETURN(auto model, loader->image(files, train::Resources{}));
    std::vector<float> out;
    for (size_t start = 0; start < validation_rows(); start += kImageBatch) {
      std::vector<std::string> bytes;
      for (size_t i = start; i < std::min(validation_rows(), start + kImageBatch); ++i) {
        EASEL_ASSIGN_OR_RETURN(std::string b, ReadFile(images_problem_.val[i].path));
        bytes.push_back(std::move(b));
      }
      std::vector<std::string_view> views(bytes.begin(), bytes.end());
      EASEL_ASSIGN_OR_RETURN(std::vector<float> p, model->Predict(views));
      out.insert(out.end(), p.begin(), p.end());
    }
    return out;
  }

  // The evaluation document of a packed model, on the split a trained model is evaluated on.
  Result<std::pair<Json, std::string>> Evaluate(const train::AlgorithmRegistry& algorithms,
                                                const std::string& format,
                                                const train::ModelFiles& files,
                                                const jobs::JobContext& ctx) const {
    EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader(format));
    if (images_) {
      const auto& p = images_problem_;
      const auto& [items, name] = !p.test.empty()  ? std::pair{&p.test, "test"}
                                  : !p.val.empty() ? std::pair{&p.val, "val"}
                                                   : std::pair{&p.train, "train"};
      EASEL_ASSIGN_OR_RETURN(auto model, loader->image(files, train::Resources{}));
      EASEL_ASSIGN_OR_RETURN(Json doc, train::EvaluateImages(*model, classes_, *items,
                                                             [&] { return ctx.cancelled(); }));
      return std::make_pair(std::move(doc), std::string(name));
    }
    const auto& p = tabular_;
    const auto& [split, name] = p.test.rows() > 0  ? std::pair{&p.test, "test"}
                                : p.val.rows() > 0 ? std::pair{&p.val, "val"}
                                                   : std::pair{&p.train, "train"};
    EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(files));
    EASEL_ASSIGN_OR_RETURN(
        Json doc, train::EvaluateTabular(*model, task_, classes_, *split, p.feature_names));
    return std::make_pair(std::move(doc), std::string(name));
  }

 private:
  bool images_ = false;
  train::Task task_ = train::Task::kMulticlass;
  std::vector<std::string> classes_;
  std::string pipeline_bytes_;
  train::TabularProblem tabular_;
  train::ImageProblem images_problem_;
};

// Resolved `params` of trial `t` for a fit without a validation split: the epochs (boosting
// rounds) its early stopping kept, and no early stopping.
Result<Json> FinalParams(jobs::JobStore& jobs, const std::string& project_id, Json params,
                         const Trial& t) {
  if (!KeepsBestEpoch(params) || !t.job_id) return params;
  EASEL_ASSIGN_OR_RETURN(Json metrics, jobs.ListMetrics(project_id, *t.job_id));
  const std::optional<int64_t> best_step = BestEpoch(metrics.value("series", Json::object()));
  return best_step ? RefitParams(params, *best_step) : params;
}

// Trainer hooks for fits inside this job that report nothing (cross-validation folds).
class QuietHooks : public train::TrainHooks {
 public:
  // Past `deadline_ms` the training reads as cancelled, so a fold stops within a batch.
  QuietHooks(const jobs::JobContext& ctx, int64_t deadline_ms)
      : ctx_(ctx), deadline_ms_(deadline_ms) {}
  bool cancelled() const override { return ctx_.cancelled() || NowMillis() >= deadline_ms_; }
  void ReportEpoch(const train::EpochMetrics&) override {}
  void Log(std::string_view) override {}
  Status SaveCheckpoint(std::string_view) override { return OkStatus(); }
  Result<std::optional<std::string>> LoadCheckpoint() override {
    return std::optional<std::string>();
  }

 private:
  const jobs::JobContext& ctx_;
  const int64_t deadline_ms_;
};

// Out-of-fold predictions of each candidate over the train + validation rows (k folds, each
// predicted by the candidate's setting trained on the other folds for its kept epochs), and the
// targets in the same order. Judged on every row rather than on the validation split alone, a
// small table's selection is far less noisy. Candidates go in the given order; those not done
// by `deadline_ms` are left out (predictions.size() says how many made it), and nullopt when
// fewer than two made it (the caller falls back to the validation split).
struct OutOfFold {
  std::vector<std::vector<float>> predictions;
  std::vector<float> y;
};
Result<std::optional<OutOfFold>> CrossValidate(const train::AlgorithmRegistry& algorithms,
                                               jobs::JobContext& ctx, const Data& data,
                                               const std::vector<Loaded>& candidates,
                                               int64_t deadline_ms) {
  const train::TabularProblem& p = data.tabular();
  const size_t rows = p.train.rows() + p.val.rows(), cols = p.train.x.cols;
  train::TabularSplit all;
  all.x = {rows, cols, p.train.x.data};
  all.x.data.insert(all.x.data.end(), p.val.x.data.begin(), p.val.x.data.end());
  all.y = p.train.y;
  all.y.insert(all.y.end(), p.val.y.begin(), p.val.y.end());
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(kFoldSeed));
  std::vector<size_t> fold_of(rows);
  for (size_t i = 0; i < rows; ++i) fold_of[order[i]] = i % kFolds;

  jobs::JobStore jobs(ctx.db());
  // One thread: these are small tables, and a team of threads stalls whenever another process
  // takes one of its cores (then a fold can take many times its time).
  const int threads = 1;
  OutOfFold out;
  out.y = all.y;
  for (const Loaded& c : candidates) {
    EASEL_ASSIGN_OR_RETURN(const train::Algorithm* algorithm, algorithms.Find(c.version.algorithm));
    EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader,
                           algorithms.FindLoader(c.version.format));
    if (!algorithm->train_tabular || !loader->tabular) {
      return FailedPrecondition("algorithm '" + c.version.algorithm + "' is not tabular");
    }
    EASEL_ASSIGN_OR_RETURN(Json params,
                           FinalParams(jobs, ctx.project_id(), c.version.params, *c.trial));
    const uint64_t seed = c.version.lineage.value("seed", uint64_t{0});
    std::vector<float> predicted;
    for (size_t fold = 0; fold < kFolds; ++fold) {
      if (ctx.cancelled()) return Cancelled("the search was cancelled");
      if (NowMillis() >= deadline_ms) {
        // The candidates done so far can still be compared with each other.
        if (out.predictions.size() < 2) return std::optional<OutOfFold>();
        return std::optional<OutOfFold>(std::move(out));
      }
      train::TabularProblem folds{p.task, p.feature_names, p.classes, {}, {}, {}};
      folds.train.x.cols = folds.val.x.cols = folds.test.x.cols = cols;
      std::vector<size_t> held;
      for (size_t r = 0; r < rows; ++r) {
        train::TabularSplit& to = fold_of[r] == fold ? folds.test : folds.train;
        if (fold_of[r] == fold) held.push_back(r);
        const std::span<const float> row = all.x.row(r);
        to.x.data.insert(to.x.data.end(), row.begin(), row.end());
        ++to.x.rows;
        to.y.push_back(all.y[r]);
      }
      QuietHooks hooks(ctx, deadline_ms);
      Result<train::ModelFiles> trained =
          algorithm->train_tabular(folds, params, seed, train::Resources{"cpu", threads}, hooks);
      if (!trained.ok() && trained.status().code() == StatusCode::kCancelled && !ctx.cancelled()) {
        // The deadline came during this fold: compare the candidates done so far.
        if (out.predictions.size() < 2) return std::optional<OutOfFold>();
        return std::optional<OutOfFold>(std::move(out));
      }
      EASEL_ASSIGN_OR_RETURN(train::ModelFiles files, std::move(trained));
      EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(files));
      EASEL_ASSIGN_OR_RETURN(std::vector<float> fold_out, model->Predict(folds.test.x));
      const size_t k = fold_out.size() / held.size();
      if (predicted.empty()) predicted.assign(rows * k, 0.0f);
      for (size_t i = 0; i < held.size(); ++i) {
        std::copy_n(fold_out.begin() + i * k, k, predicted.begin() + held[i] * k);
      }
    }
    out.predictions.push_back(std::move(predicted));
  }
  return std::optional<OutOfFold>(std::move(out));
}

// A stacker for `predictions` (each rows x classes probabilities) and targets `y`: a logistic
// regression (the `linear` algorithm, full-batch L-BFGS) over StackingFeatures.
Result<train::EnsembleStacker> FitStacker(const train::AlgorithmRegistry& algorithms,
                                          const std::vector<std::vector<float>>& predictions,
                                          const std::vector<float>& y, const Data& data,
                                          const jobs::JobContext& ctx, int64_t deadline_ms) {
  EASEL_ASSIGN_OR_RETURN(const train::Algorithm* linear, algorithms.Find("linear"));
  train::TabularProblem p{data.task(), {}, data.classes(), {}, {}, {}};
  p.train.x = train::StackingFeatures(predictions, y.size());
  p.train.y = y;
  p.val.x.cols = p.test.x.cols = p.train.x.cols;
  const size_t classes = predictions.front().size() / y.size();
  for (size_t m = 0; m < predictions.size(); ++m) {
    for (size_t k = 0; k < classes; ++k) {
      p.feature_names.push_back("m" + std::to_string(m) + ".log_p" + std::to_string(k));
    }
  }
  const Json params = {{"optimizer", "lbfgs"},
                       {"weight_decay", 1.0 / (kStackingC * static_cast<double>(y.size()))},
                       {"standardize", false},
                       {"epochs", kStackingEpochs},
                       {"early_stopping_patience", 0}};
  QuietHooks hooks(ctx, deadline_ms);
  EASEL_ASSIGN_OR_RETURN(train::ModelFiles files,
                         linear->train_tabular(p, params, 0, train::Resources{"cpu", 1}, hooks));
  return train::EnsembleStacker{linear->format, std::move(files)};
}

// Rows `rows` of each of `predictions` (rows x width each).
std::vector<std::vector<float>> SomeRows(const std::vector<std::vector<float>>& predictions,
                                         const std::vector<size_t>& rows, size_t width) {
  std::vector<std::vector<float>> out;
  for (const std::vector<float>& p : predictions) {
    std::vector<float>& q = out.emplace_back();
    q.reserve(rows.size() * width);
    for (size_t r : rows) q.insert(q.end(), p.begin() + r * width, p.begin() + (r + 1) * width);
  }
  return out;
}

// How well each way of combining the candidates predicts rows it was not fitted on: greedy
// weights and a stacker, each fitted on 4/5 of the out-of-fold rows and judged on the rest, 5
// times over. The two log losses, {weighted average, stacking}.
Result<std::pair<double, double>> CompareCombiners(
    const train::AlgorithmRegistry& algorithms, const std::vector<std::vector<float>>& predictions,
    const std::vector<float>& y, const Data& data, const jobs::JobContext& ctx,
    int64_t deadline_ms) {
  const size_t rows = y.size(), width = predictions.front().size() / rows;
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(kCombinerFoldSeed));
  std::vector<float> averaged(rows * width), stacked(rows * width);
  for (size_t fold = 0; fold < kFolds; ++fold) {
    std::vector<size_t> fit, held;
    for (size_t i = 0; i < rows; ++i) (i % kFolds == fold ? held : fit).push_back(order[i]);
    std::vector<float> fit_y;
    for (size_t r : fit) fit_y.push_back(y[r]);
    const auto fit_p = SomeRows(predictions, fit, width);
    const auto held_p = SomeRows(predictions, held, width);
    EASEL_ASSIGN_OR_RETURN(train::EnsembleSelection s,
                           train::SelectEnsemble(fit_p, fit_y, data.task()));
    EASEL_ASSIGN_OR_RETURN(train::EnsembleStacker stacker,
                           FitStacker(algorithms, fit_p, fit_y, data, ctx, deadline_ms));
    EASEL_ASSIGN_OR_RETURN(const train::ModelLoader* loader, algorithms.FindLoader(stacker.format));
    EASEL_ASSIGN_OR_RETURN(auto model, loader->tabular(stacker.files));
    EASEL_ASSIGN_OR_RETURN(std::vector<float> by_stacker,
                           model->Predict(train::StackingFeatures(held_p, held.size())));
    for (size_t i = 0; i < held.size(); ++i) {
      for (size_t k = 0; k < width; ++k) {
        double sum = 0;
        for (size_t m = 0; m < held_p.size(); ++m) sum += s.weights[m] * held_p[m][i * width + k];
        averaged[held[i] * width + k] = static_cast<float>(sum);
        stacked[held[i] * width + k] = by_stacker[i * width + k];
      }
    }
  }
  return std::make_pair(train::EnsembleLoss(averaged, y, data.task()),
                        train::EnsembleLoss(stacked, y, data.task()));
}

// Greedy selection over the best complete trials, on out-of-fold predictions (small tables) or
// the validation split; the best trial alone when fewer than two can be compared or the version
// has no validation rows. A classifier chosen on out-of-fold predictions is stacked instead
// when a stacker over every candidate predicts held-out rows better than the greedy weights
// (CompareCombiners).
Result<Choice> ChooseMembers(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                             StudyStore& studies, store::BlobStore& blobs, const HpoSpec& spec,
                             const Study& study, const std::vector<Trial>& trials,
                             const Trial& best, int64_t deadline_ms, std::optional<Data>& data) {
  const Choice alone = {{{best.record.number, 1.0}}};
  if (!spec.ensemble) return alone;
  std::vector<const Trial*> ranked =
      PickEnsembleCandidates(spec.space, trials, static_cast<int64_t>(spec.initial_points.size()));
  if (ranked.size() < 2) return alone;

  ctx.SetProgress(0.96,
                  "choosing an ensemble of the best " + std::to_string(ranked.size()) + " trials");
  // The first ranked is the best trial: the data is seen as its model sees it.
  std::vector<Loaded> candidates;
  for (const Trial* t : ranked) {
    EASEL_ASSIGN_OR_RETURN(Loaded m, LoadMember(studies, blobs, study, *t));
    if (!data) {
      EASEL_ASSIGN_OR_RETURN(data, Data::Load(ctx.db(), blobs, m));
      if (data->validation_rows() == 0) {
        ctx.Log("no ensemble: the dataset version has no validation rows to weigh members on");
        return alone;
      }
    } else if (!data->Accepts(m)) {
      ctx.Log("trial " + std::to_string(t->record.number) +
              " reads other features than the best trial; it is left out of the ensemble");
      continue;
    }
    candidates.push_back(std::move(m));
  }
  std::string selected_on = "validation split";
  bool out_of_fold = false;
  std::vector<std::vector<float>> predictions;
  std::vector<float> y;
  if (!data->images() &&
      data->tabular().train.rows() + data->tabular().val.rows() <= kCrossValidationMaxRows) {
    // Half of what is left for the folds; the refits get the rest.
    const int64_t now = NowMillis();
    ctx.SetProgress(0.96, std::to_string(kFolds) + "-fold cross-validation of the best " +
                              std::to_string(candidates.size()) + " trials");
    // The best trial first: an ensemble chosen among the others alone would only be compared
    // with lesser models. Then the quickest of each other algorithm, so that a tight budget
    // still compares different kinds of model, then the rest, quickest first, so that it
    // compares as many as it can.
    auto duration = [](const Loaded& m) {
      return m.trial->finished_at.value_or(m.trial->started_at) - m.trial->started_at;
    };
    std::stable_sort(candidates.begin() + 1, candidates.end(),
                     [&](const Loaded& a, const Loaded& b) { return duration(a) < duration(b); });
    std::set<std::string> seen = {candidates.front().version.algorithm};
    std::set<const Trial*> quickest;  // of each other algorithm
    for (auto it = candidates.begin() + 1; it != candidates.end(); ++it) {
      if (seen.insert(it->version.algorithm).second) quickest.insert(it->trial);
    }
    std::stable_partition(candidates.begin() + 1, candidates.end(),
                          [&](const Loaded& m) { return quickest.contains(m.trial); });
    EASEL_ASSIGN_OR_RETURN(
        std::optional<OutOfFold> oof,
        CrossValidate(algorithms, ctx, *data, candidates, now + (deadline_ms - now) / 2));
    if (oof) {
      const size_t done = oof->predictions.size();
      if (done < candidates.size()) {
        ctx.Log("cross-validation compared " + std::to_string(done) + " of " +
                std::to_string(candidates.size()) +
                " candidates in its time; the slower ones are left out");
        candidates.resize(done);
      }
      predictions = std::move(oof->predictions);
      y = std::move(oof->y);
      selected_on = std::to_string(kFolds) + "-fold cross-validation on train + validation";
      out_of_fold = true;
    } else {
      ctx.Log("cross-validation ran out of time; the ensemble is chosen on the validation split");
    }
  }
  if (predictions.empty()) {
    for (const Loaded& m : candidates) {
      EASEL_ASSIGN_OR_RETURN(std::vector<float> p,
                             data->PredictValidation(algorithms, m.version.format, m.files));
      predictions.push_back(std::move(p));
    }
    y = data->validation_targets();
  }
  EASEL_ASSIGN_OR_RETURN(train::EnsembleSelection s,
                         train::SelectEnsemble(predictions, y, data->task()));
  Choice choice;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (s.weights[i] > 0) {
      choice.members.push_back({candidates[i].trial->record.number, s.weights[i]});
    }
  }
  std::stable_sort(choice.members.begin(), choice.members.end(),
                   [](const Member& a, const Member& b) { return a.weight > b.weight; });
  const double best_single = *std::min_element(s.member_losses.begin(), s.member_losses.end());
  const char* metric = data->task() == train::Task::kRegression ? "mse" : "log_loss";
  ctx.Log("ensemble of " + std::to_string(choice.members.size()) + " of " +
          std::to_string(candidates.size()) + " trials, chosen on the " + selected_on + ": " +
          metric + " " + std::to_string(s.loss) + " (best single trial " +
          std::to_string(best_single) + ")");
  Json compared = Json::array();
  for (size_t i = 0; i < candidates.size(); ++i) {
    compared.push_back({{"trial", candidates[i].trial->record.number},
                        {"algorithm", candidates[i].version.algorithm},
                        {"loss", s.member_losses[i]}});
  }
  choice.selection = {{"selected_on", selected_on},
                      {"rows", y.size()},
                      {"metric", metric},
                      {"loss", s.loss},
                      {"best_single_loss", best_single},
                      {"candidates", std::move(compared)},
                      {"combiner", "weighted_average"}};
  if (!out_of_fold || data->task() == train::Task::kRegression || spec.stacking == "never") {
    return choice;
  }
  // A quarter of the time left at most; the refits need the rest.
  const int64_t now = NowMillis();
  const int64_t stacking_deadline = now + std::max<int64_t>(0, deadline_ms - now) / 4;
  // Why the ensemble averages after all; the search's own cancellation ends the job instead.
  auto not_stacked = [&](const Status& why) -> Result<Choice> {
    if (ctx.cancelled()) return Cancelled("the search was cancelled");
    ctx.Log("the ensemble is not stacked: " + (why.code() == StatusCode::kCancelled
                                                   ? std::string("stacking ran out of its time")
                                                   : why.message()));
    return choice;
  };
  if (spec.stacking == "auto") {
    Result<std::pair<double, double>> losses =
        CompareCombiners(algorithms, predictions, y, *data, ctx, stacking_deadline);
    if (!losses.ok()) return not_stacked(losses.status());
    const auto [averaged, stacked] = *losses;
    choice.selection["combiners"] = {{"weighted_average", averaged}, {"stacking", stacked}};
    ctx.Log("log loss on rows neither was fitted on: weighted average " + std::to_string(averaged) +
            ", stacking all " + std::to_string(candidates.size()) + " trials " +
            std::to_string(stacked));
    if (!(stacked < averaged)) return choice;
  }
  Result<train::EnsembleStacker> stacker =
      FitStacker(algorithms, predictions, y, *data, ctx, stacking_deadline);
  if (!stacker.ok()) return not_stacked(stacker.status());
  // Every candidate, in the stacker's feature order.
  choice.members.clear();
  for (const Loaded& c : candidates) {
    choice.members.push_back(
        {c.trial->record.number, 1.0 / static_cast<double>(candidates.size())});
  }
  choice.stacker = std::move(*stacker);
  choice.selection["combiner"] = "stacking";
  return choice;
}

// The train spec that retrains trial `t` on train + validation for the epochs it kept.
Result<Json> RefitTrainSpec(const train::AlgorithmRegistry& algorithms, jobs::JobStore& jobs,
                            const std::string& project_id, const HpoSpec& spec, const Trial& t) {
  Json train = spec.TrialTrainSpec(t.record.params);
  EASEL_ASSIGN_OR_RETURN(const train::Algorithm* algorithm,
                         algorithms.Find(train["algorithm"].get<std::string>()));
  EASEL_ASSIGN_OR_RETURN(
      Json params, train::ResolveParams(algorithm->params_schema, train.value("params", Json())));
  EASEL_ASSIGN_OR_RETURN(train["params"], FinalParams(jobs, project_id, params, t));
  train["train_on_validation"] = true;
  return train;
}

// Runs the members' refits as child jobs until they end or the deadline comes; the trial
// numbers whose refit succeeded.
Result<std::vector<int64_t>> Refit(const train::AlgorithmRegistry& algorithms,
                                   jobs::JobContext& ctx, const HpoSpec& spec, const Study& study,
                                   const std::vector<Trial>& trials,
                                   const std::vector<Member>& members, int64_t deadline_ms) {
  jobs::JobStore jobs(ctx.db());
  EASEL_ASSIGN_OR_RETURN(std::vector<jobs::Job> children, jobs.Children(ctx.job_id()));
  std::map<int64_t, std::string> running;  // trial number -> refit job
  for (const Member& m : members) {
    for (const jobs::Job& child : children) {
      if (child.kind == kTrialKind && child.spec.value("refit", false) &&
          child.spec.value("number", int64_t{-1}) == m.number) {
        running[m.number] = child.id;  // submitted by an earlier attempt
      }
    }
    if (running.contains(m.number)) continue;
    const Trial* t = FindTrial(trials, m.number);
    if (t == nullptr) return Internal("ensemble member " + std::to_string(m.number) + " is gone");
    EASEL_ASSIGN_OR_RETURN(Json train,
                           RefitTrainSpec(algorithms, jobs, ctx.project_id(), spec, *t));
    Json child = {{"study", study.id}, {"number", m.number}, {"train", train}, {"refit", true}};
    EASEL_ASSIGN_OR_RETURN(jobs::Job job,
                           jobs.Submit(ctx.project_id(), kTrialKind, child, ctx.created_by(),
                                       {.max_attempts = 1, .parent_id = ctx.job_id()}));
    running[m.number] = job.id;
  }
  ctx.WakeScheduler();
  ctx.SetProgress(0.97,
                  "refitting " + std::to_string(running.size()) + " models on train + validation");
  std::vector<int64_t> refit;
  while (!running.empty()) {
    if (ctx.cancelled()) return Cancelled("the search was cancelled");
    const bool late = NowMillis() >= deadline_ms;
    for (auto it = running.begin(); it != running.end();) {
      EASEL_ASSIGN_OR_RETURN(jobs::Job job, jobs.GetById(it->second));
      const std::string trial = "trial " + std::to_string(it->first);
      if (job.state == jobs::JobState::kSucceeded) {
        ctx.Log(trial + " refit on train + validation");
        refit.push_back(it->first);
      } else if (jobs::IsFinal(job.state)) {
        ctx.Log(trial + " keeps its model: the refit " + std::string(JobStateName(job.state)) +
                (job.error ? ": " + job.error->message() : std::string()));
      } else if (late) {
        jobs.RequestCancel(ctx.project_id(), job.id).status().IgnoreError();
        ctx.Log(trial + " keeps its model: the time budget ran out during its refit");
      } else {
        ++it;
        continue;
      }
      it = running.erase(it);
    }
    if (!running.empty()) ctx.WaitForChildren(std::chrono::milliseconds(100));
  }
  return refit;
}

Json MembersJson(const std::vector<Member>& members, const std::vector<Trial>& trials,
                 const std::vector<int64_t>& refit) {
  Json out = Json::array();
  for (const Member& m : members) {
    const Trial* t = FindTrial(trials, m.number);
    out.push_back({{"trial", m.number},
                   {"algorithm", t ? t->record.params.value("algorithm", Json()) : Json()},
                   {"weight", m.weight},
                   {"refit", std::find(refit.begin(), refit.end(), m.number) != refit.end()}});
  }
  return out;
}

// One version of several members: the packed files, evaluated like a trained model.
Result<models::NewModelVersion> PackVersion(const train::AlgorithmRegistry& algorithms,
                                            jobs::JobContext& ctx, store::BlobStore& blobs,
                                            const Data& data, const std::vector<Loaded>& loaded,
                                            const Choice& choice, const Json& summary) {
  const std::vector<Member>& members = choice.members;
  std::vector<train::EnsembleMember> packed;
  Json member_params = Json::array();
  for (size_t i = 0; i < loaded.size(); ++i) {
    packed.push_back({loaded[i].version.format, members[i].weight, loaded[i].files});
    member_params.push_back({{"trial", members[i].number},
                             {"algorithm", loaded[i].version.algorithm},
                             {"weight", members[i].weight},
                             {"params", loaded[i].version.params}});
  }
  EASEL_ASSIGN_OR_RETURN(train::ModelFiles files,
                         train::PackEnsemble(packed, choice.stacker ? &*choice.stacker : nullptr));
  const std::string format = train::EnsembleFormat(packed);
  const models::NewModelVersion& lead = loaded.front().version;
  ctx.SetProgress(0.98, "evaluating the ensemble");
  EASEL_ASSIGN_OR_RETURN(auto evaluated, data.Evaluate(algorithms, format, files, ctx));
  auto& [evaluation, split] = evaluated;
  evaluation["ensemble"] = summary;

  models::NewModelVersion nv;
  nv.algorithm = "ensemble";
  nv.task = lead.task;
  nv.format = format;
  nv.params = {{"members", member_params}};
  nv.metrics = train::HeadlineMetrics(evaluation);
  nv.signature = lead.signature;
  nv.lineage = {{"algorithm", "ensemble"},
                {"members", summary["members"]},
                {"easel_version", kVersion},
                {"job_id", ctx.job_id()}};
  for (const char* key : {"dataset", "splits", "target", "seed"}) {
    if (lead.lineage.contains(key)) nv.lineage[key] = lead.lineage[key];
  }
  nv.dataset_id = lead.dataset_id;
  nv.dataset_version = lead.dataset_version;
  nv.job_id = ctx.job_id();
  nv.description = lead.description;
  for (const auto& [name, bytes] : files) {
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, blobs.Put(bytes));
    nv.files.emplace_back(name, blob);
  }
  EASEL_ASSIGN_OR_RETURN(store::BlobInfo doc, blobs.Put(DumpJson(evaluation)));
  nv.evaluation =
      models::NewModelVersion::FirstEvaluation{*lead.dataset_id, *lead.dataset_version, split, doc};
  return nv;
}

// The choice as the job's checkpoint holds it: members, selection, and the stacker's files as
// blobs.
Result<std::string> CheckpointOf(store::BlobStore& blobs, const Choice& choice) {
  Json doc = {{"members", Json::array()}, {"selection", choice.selection}};
  for (const Member& m : choice.members) {
    doc["members"].push_back({{"trial", m.number}, {"weight", m.weight}});
  }
  if (choice.stacker) {
    Json files = Json::object();
    for (const auto& [name, bytes] : choice.stacker->files) {
      EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, blobs.Put(bytes));
      files[name] = blob.digest;
    }
    doc["stacker"] = {{"format", choice.stacker->format}, {"files", files}};
  }
  return DumpJson(doc);
}

Result<Choice> ChoiceFromCheckpoint(store::BlobStore& blobs, const std::string& bytes) {
  EASEL_ASSIGN_OR_RETURN(Json doc, ParseJson(bytes, 16));
  Choice choice;
  for (const Json& m : doc.value("members", Json::array())) {
    choice.members.push_back({m.value("trial", int64_t{0}), m.value("weight", 1.0)});
  }
  if (choice.members.empty()) return DataLoss("the search's checkpoint names no members");
  choice.selection = doc.value("selection", Json::object());
  if (const Json stacker = doc.value("stacker", Json()); stacker.is_object()) {
    train::EnsembleStacker& s = choice.stacker.emplace();
    s.format = stacker.value("format", "");
    const Json files = stacker.value("files", Json::object());
    for (const auto& [name, digest] : files.items()) {
      if (!digest.is_string()) return DataLoss("the search's checkpoint has a damaged stacker");
      EASEL_ASSIGN_OR_RETURN(s.files[name], blobs.ReadAll(digest.get<std::string>()));
    }
  }
  return choice;
}

}  // namespace

Result<FinalModel> BuildFinalModel(const train::AlgorithmRegistry& algorithms,
                                   jobs::JobContext& ctx, const HpoSpec& spec, const Study& study,
                                   const std::vector<Trial>& trials, const Trial& best,
                                   int64_t deadline_ms) {
  EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
  StudyStore studies(ctx.db());
  Choice choice;
  std::optional<Data> data;  // read once for choosing and for evaluating
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> checkpoint, ctx.LoadCheckpoint());
  if (checkpoint) {
    EASEL_ASSIGN_OR_RETURN(choice, ChoiceFromCheckpoint(*blobs, *checkpoint));
    ctx.Log("resuming with the members chosen before: " + *checkpoint);
  } else {
    EASEL_ASSIGN_OR_RETURN(choice, ChooseMembers(algorithms, ctx, studies, *blobs, spec, study,
                                                 trials, best, deadline_ms, data));
    EASEL_ASSIGN_OR_RETURN(std::string doc, CheckpointOf(*blobs, choice));
    EASEL_RETURN_IF_ERROR(ctx.SaveCheckpoint(doc));
  }
  const std::vector<Member>& members = choice.members;

  std::vector<int64_t> refit;
  if (spec.refit) {
    EASEL_ASSIGN_OR_RETURN(refit,
                           Refit(algorithms, ctx, spec, study, trials, members, deadline_ms));
  }
  Json summary = choice.selection;
  summary["members"] = MembersJson(members, trials, refit);

  std::vector<Loaded> loaded;
  for (const Member& m : members) {
    const Trial* t = FindTrial(trials, m.number);
    if (t == nullptr) return Internal("ensemble member " + std::to_string(m.number) + " is gone");
    EASEL_ASSIGN_OR_RETURN(Loaded l, LoadMember(studies, *blobs, study, *t));
    loaded.push_back(std::move(l));
  }
  if (loaded.size() == 1) return FinalModel{std::move(loaded.front().version), summary};
  // A refit keeps the pipeline fitted on the train split, so the data read for choosing serves.
  if (!data) {
    EASEL_ASSIGN_OR_RETURN(data, Data::Load(ctx.db(), *blobs, loaded.front()));
  }
  EASEL_ASSIGN_OR_RETURN(models::NewModelVersion nv,
                         PackVersion(algorithms, ctx, *blobs, *data, loaded, choice, summary));
  return FinalModel{std::move(nv), summary};
}

}  // namespace easel::automl
