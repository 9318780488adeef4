// Train: the boosting round loop, its checkpoints, and the model files it ends with.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "common/cores.h"
#include "train/trainers/xgboost/model_files.h"
#include "train/trainers/xgboost/params.h"
#include "train/trainers/xgboost/problem.h"
#include "train/trainers/xgboost/rounds.h"
#include "train/trainers/xgboost/run_state.h"
#include "train/trainers/xgboost/xgb_api.h"
#include "train/trainers/xgboost/xgboost_trainer.h"

namespace easel::train::xgboost {

namespace {

// Periodic checkpoints are for a worker that dies: at most one every kCheckpointSeconds, and
// never so often that saving takes more than kCheckpointShare of the time (a model of
// thousands of trees takes a while to serialize). Cancelling always saves.
constexpr double kCheckpointSeconds = 5.0;
constexpr double kCheckpointShare = 0.05;

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Status CheckDevice(const Resources& r) {
  if (r.device == "cpu") return OkStatus();
  if (r.device != "cuda") {
    return InvalidArgument(fmt::format("unknown device '{}'; known: cpu, cuda", r.device));
  }
  EASEL_ASSIGN_OR_RETURN(bool cuda, BuiltWithCuda());
  if (!cuda) return FailedPrecondition("this build of XGBoost has no CUDA support");
  return Unimplemented("the xgboost trainer trains on the CPU only");
}

// XGBoost's Python package refuses these names when a user loads booster.json and names the
// features; easel leaves such names out of booster.json (model.json still has them).
bool XgbAcceptsNames(const std::vector<std::string>& names) {
  return std::none_of(names.begin(), names.end(), [](const std::string& n) {
    return n.find_first_of("[]<") != std::string::npos;
  });
}

class BoostingRun {
 public:
  BoostingRun(const TabularProblem& p, const BoostParams& bp, uint64_t seed, Json fingerprint,
              TrainHooks& hooks)
      : p_(p), bp_(bp), seed_(seed), fingerprint_(std::move(fingerprint)), hooks_(hooks) {}

  Status Start(int threads, std::optional<Checkpoint> resume) {
    state_.threads = threads;
    if (resume) state_ = resume->state;
    name_features_ = XgbAcceptsNames(p_.feature_names);
    EASEL_ASSIGN_OR_RETURN(train_, Matrix(p_.train, true));
    if (p_.val.rows() > 0) {
      EASEL_ASSIGN_OR_RETURN(val_, Matrix(p_.val, true));
    }
    std::vector<const DMatrix*> cache = {&*train_};
    if (val_) cache.push_back(&*val_);
    EASEL_ASSIGN_OR_RETURN(booster_, Booster::Create(cache));
    base_args_ = ToXgbArgs(bp_, p_.task, p_.num_classes(), state_.threads);
    for (const auto& [k, v] : base_args_) EASEL_RETURN_IF_ERROR(booster_->SetParam(k, v));
    if (resume) {
      if (Status loaded = booster_->LoadModel(resume->model); !loaded.ok()) {
        return DataLoss("xgboost checkpoint model is unreadable: " + loaded.message());
      }
      EASEL_ASSIGN_OR_RETURN(int rounds, booster_->BoostedRounds());
      if (rounds != state_.rounds_done) {
        return DataLoss(fmt::format("xgboost checkpoint holds {} rounds, its header says {}",
                                    rounds, state_.rounds_done));
      }
      saved_rounds_ = rounds;
    }
    if (name_features_) EASEL_RETURN_IF_ERROR(booster_->SetFeatureNames(p_.feature_names));
    hooks_.Log(fmt::format(
        "xgboost: {} on {} rows x {} features ({} val rows), {} rounds of {} trees, {} threads{}",
        TaskName(p_.task), p_.train.rows(), p_.feature_names.size(), p_.val.rows(),
        bp_.n_estimators, bp_.tree_method, state_.threads,
        resume ? fmt::format(", resuming after round {}", state_.rounds_done) : ""));
    return OkStatus();
  }

  Status RunRounds() {
    last_save_ = Clock::now();
    for (int round = state_.rounds_done; round < bp_.n_estimators; ++round) {
      if (ShouldStop(state_, patience())) {
        hooks_.Log(fmt::format("xgboost: early stopping after round {}: best round {} (val {})",
                               state_.rounds_done, state_.best_iteration + 1, state_.best_score));
        break;
      }
      if (hooks_.cancelled()) {
        SaveCheckpoint().IgnoreError();  // logged there; cancelling goes ahead regardless
        return Cancelled(fmt::format("xgboost training cancelled after round {} of {}",
                                     state_.rounds_done, bp_.n_estimators));
      }
      EASEL_RETURN_IF_ERROR(Round(round));
      double since = Seconds(Clock::now() - last_save_);
      if (since >= std::max(kCheckpointSeconds, last_save_cost_ / kCheckpointShare)) {
        SaveCheckpoint().IgnoreError();  // a later save or the finished model may still land
      }
    }
    return OkStatus();
  }

  Result<ModelFiles> Finish() {
    const int kept = patience() > 0 ? state_.best_iteration + 1 : state_.rounds_done;
    std::optional<Booster> sliced;
    if (kept < state_.rounds_done) {
      // Sliced from a copy holding only the model: XGBoost 1.7 cannot slice a booster whose
      // updaters were set explicitly (its configuration round trip fails).
      EASEL_ASSIGN_OR_RETURN(std::string bytes, booster_->SaveModel("ubj"));
      EASEL_ASSIGN_OR_RETURN(Booster copy, Booster::FromModelBytes(bytes));
      EASEL_ASSIGN_OR_RETURN(sliced, copy.Slice(0, kept));
      EASEL_RETURN_IF_ERROR(sliced->SetParam("nthread", std::to_string(state_.threads)));
    }
    const Booster& final_booster = sliced ? *sliced : *booster_;
    Clock::time_point start = Clock::now();
    ModelDescriptor d{p_.task, p_.feature_names, p_.classes, kept - 1, kept, state_.rounds_done};
    ModelFiles files;
    EASEL_ASSIGN_OR_RETURN(files["booster.json"], final_booster.SaveModel("json"));
    files["model.json"] = DumpJson(DescriptorToJson(d));
    EASEL_ASSIGN_OR_RETURN(Json importance, ImportanceJson(final_booster, p_.feature_names));
    files["importance.json"] = DumpJson(importance);
    double files_seconds = Seconds(Clock::now() - start);
    const auto& [split, name] = p_.test.rows() > 0  ? std::pair{&p_.test, "test"}
                                : p_.val.rows() > 0 ? std::pair{&p_.val, "val"}
                                                    : std::pair{&p_.train, "train"};
    start = Clock::now();
    data::transforms::FeatureMatrix rows = SampleRows(split->x, ShapRows(files["booster.json"]));
    EASEL_ASSIGN_OR_RETURN(Json shap,
                           ShapSummaryJson(final_booster, d, rows, name, state_.threads));
    files["shap.json"] = DumpJson(shap);
    hooks_.Log(fmt::format(
        "xgboost: kept {} of {} rounds; booster.json and importance in {:.2f} s, SHAP summary "
        "of {} {} rows in {:.2f} s",
        kept, state_.rounds_done, files_seconds, rows.rows, name, Seconds(Clock::now() - start)));
    return files;
  }

 private:
  // Early stopping needs val rows; 0 disables it.
  int patience() const { return val_ ? bp_.early_stopping_rounds : 0; }

  Result<DMatrix> Matrix(const TabularSplit& s, bool labels) {
    EASEL_ASSIGN_OR_RETURN(DMatrix m, DMatrix::FromFeatures(s.x, state_.threads));
    if (labels) EASEL_RETURN_IF_ERROR(m.SetLabels(s.y));
    if (name_features_) EASEL_RETURN_IF_ERROR(m.SetFeatureNames(p_.feature_names));
    return m;
  }

  Status Round(int round) {
    for (const auto& [k, v] : RoundArgs(base_args_, bp_.tree_method, seed_, round)) {
      EASEL_RETURN_IF_ERROR(booster_->SetParam(k, v));
    }
    Clock::time_point start = Clock::now();
    EASEL_RETURN_IF_ERROR(booster_->UpdateOneIter(round, *train_));
    double seconds = Seconds(Clock::now() - start);
    state_.rounds_done = round + 1;

    std::vector<std::pair<const DMatrix*, std::string>> sets = {{&*train_, "train"}};
    if (val_) sets.emplace_back(&*val_, "val");
    EASEL_ASSIGN_OR_RETURN(std::string line, booster_->EvalOneIter(round, sets));
    EASEL_ASSIGN_OR_RETURN(RoundLosses losses, ParseEvalLine(line, val_.has_value()));

    EpochMetrics m;
    m.epoch = round + 1;
    m.epochs = bp_.n_estimators;
    m.train_loss = losses.train;
    m.val_loss = losses.val;
    m.learning_rate = bp_.learning_rate;
    m.samples_per_s = seconds > 0 ? static_cast<double>(p_.train.rows()) / seconds : NAN;
    if (val_) {
      if (p_.task == Task::kRegression) {
        m.val_metric = losses.val;  // the eval metric is RMSE
      } else {
        // Served from the booster's prediction cache: no new pass over the trees.
        EASEL_ASSIGN_OR_RETURN(Prediction probs, booster_->Predict(*val_, PredictType::kValue));
        m.val_metric =
            Accuracy(probs.values, p_.task == Task::kMulticlass ? p_.num_classes() : 1, p_.val.y);
      }
      RecordValLoss(state_, round, losses.val);
    }
    hooks_.ReportEpoch(m);
    return OkStatus();
  }

  Status SaveCheckpoint() {
    if (state_.rounds_done == saved_rounds_) return OkStatus();
    Clock::time_point start = Clock::now();
    Checkpoint c{state_, fingerprint_, ""};
    EASEL_ASSIGN_OR_RETURN(c.model, booster_->SaveModel("ubj"));
    Status saved = hooks_.SaveCheckpoint(EncodeCheckpoint(c));
    last_save_ = Clock::now();
    last_save_cost_ = Seconds(last_save_ - start);
    if (!saved.ok()) {
      hooks_.Log("xgboost: checkpoint not saved: " + saved.ToString());
      return saved;
    }
    saved_rounds_ = state_.rounds_done;
    return OkStatus();
  }

  const TabularProblem& p_;
  const BoostParams bp_;
  const uint64_t seed_;
  const Json fingerprint_;
  TrainHooks& hooks_;

  RunState state_;
  bool name_features_ = false;
  std::optional<DMatrix> train_, val_;
  std::optional<Booster> booster_;
  XgbArgs base_args_;
  int saved_rounds_ = 0;
  Clock::time_point last_save_;
  double last_save_cost_ = 0;
};

}  // namespace

Json ParamsSchema() { return ParamsSchemaJson(); }

Result<ModelFiles> Train(const TabularProblem& problem, const Json& params, uint64_t seed,
                         const Resources& resources, TrainHooks& hooks) {
  EASEL_RETURN_IF_ERROR(CheckDevice(resources));
  if (resources.threads < 0) return InvalidArgument("resources.threads must not be negative");
  EASEL_ASSIGN_OR_RETURN(BoostParams bp, ParseBoostParams(params));
  EASEL_RETURN_IF_ERROR(CheckProblem(problem));
  XgbLogRoute log_route(hooks);

  Json fingerprint = RunFingerprint(problem, params, seed);
  std::optional<Checkpoint> resume;
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> saved, hooks.LoadCheckpoint());
  if (saved) {
    EASEL_ASSIGN_OR_RETURN(resume, DecodeCheckpoint(*saved));
    if (resume->fingerprint != fingerprint) {
      return FailedPrecondition(
          "the xgboost checkpoint belongs to a run with other data, parameters or seed");
    }
  }
  int threads = resources.threads > 0 ? resources.threads : UsableCores();
  if (resume && resume->state.threads != threads) {
    hooks.Log(
        fmt::format("xgboost: keeping the run's {} threads (not {}) so that the resumed "
                    "model matches an uninterrupted one",
                    resume->state.threads, threads));
  }

  BoostingRun run(problem, bp, seed, std::move(fingerprint), hooks);
  EASEL_RETURN_IF_ERROR(run.Start(threads, std::move(resume)));
  EASEL_RETURN_IF_ERROR(run.RunRounds());
  return run.Finish();
}

}  // namespace easel::train::xgboost
