#include "automl/hpo_kind.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>

#include "automl/final_model.h"
#include "automl/hpo_spec.h"
#include "automl/sampler.h"
#include "automl/scheduler.h"
#include "automl/study_json.h"
#include "automl/study_store.h"
#include "automl/trial_kind.h"
#include "common/cores.h"
#include "common/time.h"
#include "jobs/job_context.h"
#include "jobs/job_store.h"
#include "models/model_store.h"
#include "train/params.h"
#include "train/train_kind.h"

namespace easel::automl {
namespace {

// How often the search looks at its trials' reports; a trial that ends wakes it at once.
constexpr auto kPoll = std::chrono::milliseconds(50);

// One search run inside its job: the loop that keeps trials going and watches them.
class Search {
 public:
  Search(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx, const HpoSpec& spec,
         const Study& study, const Sampler& sampler, const Scheduler& scheduler)
      : algorithms_(algorithms),
        ctx_(ctx),
        spec_(spec),
        study_(study),
        sampler_(sampler),
        scheduler_(scheduler),
        jobs_(ctx.db()),
        studies_(ctx.db()) {}

  // Runs until every trial has finished and no more may start; CANCELLED when the job is.
  Status Run() {
    // A search that refits its final models leaves them the end of the budget.
    const double share = spec_.refit ? HpoSpec::kSearchShareWithRefit : 1.0;
    const std::optional<int64_t> deadline =
        spec_.time_budget_s
            ? std::optional<int64_t>(study_.created_at +
                                     static_cast<int64_t>(share * *spec_.time_budget_s * 1000))
            : std::nullopt;
    bool exhausted = false;
    for (;;) {
      if (ctx_.cancelled()) return Cancelled("the search was cancelled");
      EASEL_ASSIGN_OR_RETURN(trials_, studies_.Trials(study_.id));
      const bool out_of_time = deadline && NowMillis() >= *deadline;
      int64_t running = 0;
      for (Trial& t : trials_) {
        if (t.record.state != TrialState::kRunning) continue;
        EASEL_RETURN_IF_ERROR(Watch(t, out_of_time));
        running += t.record.state == TrialState::kRunning ? 1 : 0;
      }
      const bool may_start =
          !exhausted && !out_of_time && static_cast<int64_t>(trials_.size()) < spec_.max_trials;
      ReportProgress(running);
      if (!may_start && running == 0) return OkStatus();
      while (may_start && running < spec_.max_concurrent_trials &&
             static_cast<int64_t>(trials_.size()) < spec_.max_trials) {
        EASEL_ASSIGN_OR_RETURN(bool started, StartTrial());
        if (!started) {
          exhausted = true;
          break;
        }
        ++running;
      }
      if (!ctx_.cancelled()) ctx_.WaitForChildren(kPoll);
    }
  }

  const std::vector<Trial>& trials() const { return trials_; }

 private:
  // Proposes and submits the next trial; false when the sampler has nothing left.
  Result<bool> StartTrial() {
    const int64_t number = static_cast<int64_t>(trials_.size());
    std::vector<TrialRecord> history;
    for (const Trial& t : trials_) history.push_back(t.record);
    Result<Json> params = Json();
    if (number < static_cast<int64_t>(spec_.initial_points.size())) {
      params = spec_.initial_points[number];
    } else {
      std::optional<SearchSpace> starved = StarvedAlgorithmSpace();
      params = sampler_.Suggest(starved ? *starved : *spec_.space, history, number);
    }
    if (params.status().code() == StatusCode::kOutOfRange) {
      ctx_.Log("the sampler has proposed every point it has");
      return false;
    }
    EASEL_RETURN_IF_ERROR(params);
    EASEL_RETURN_IF_ERROR(studies_.AddTrial(study_.id, number, *params));
    Trial t;
    t.record.number = number;
    t.record.params = *params;
    t.started_at = NowMillis();
    trials_.push_back(std::move(t));
    EASEL_RETURN_IF_ERROR(Submit(trials_.back()));
    ctx_.Log("trial " + std::to_string(number) + " started: " + DumpJson(*params));
    return true;
  }

  // In a portfolio search, the space of the algorithm that has had the least trial time when
  // that is under two thirds of its fair share (1/k of all trial time so far for k algorithms):
  // TPE on the combined space settles on the algorithm that looks best early (the fastest
  // learner, often), and the others would be left with a trial or two. Time above the floors
  // goes where TPE chooses.
  std::optional<SearchSpace> StarvedAlgorithmSpace() const {
    if (!spec_.portfolio) return std::nullopt;
    const ParamSpec* algorithm = spec_.space->Find("algorithm");
    if (algorithm == nullptr || algorithm->choices.size() < 2) return std::nullopt;
    std::map<std::string, int64_t> used;
    for (const Json& choice : algorithm->choices) used[choice.get<std::string>()] = 0;
    int64_t total = 0;
    const int64_t now = NowMillis();
    for (const Trial& t : trials_) {
      const int64_t spent = std::max<int64_t>(1, t.finished_at.value_or(now) - t.started_at);
      used[t.record.params.value("algorithm", "")] += spent;
      total += spent;
    }
    const Json* least = nullptr;
    for (const Json& choice : algorithm->choices) {
      if (least == nullptr || used[choice.get<std::string>()] < used[least->get<std::string>()]) {
        least = &choice;
      }
    }
    const auto k = static_cast<int64_t>(algorithm->choices.size());
    if (total == 0 || used[least->get<std::string>()] * 3 * k >= 2 * total) return std::nullopt;
    Result<SearchSpace> restricted = spec_.space->Restrict("algorithm", *least);
    if (!restricted.ok()) return std::nullopt;
    return std::move(*restricted);
  }

  // Submits the child job of a trial that has none yet. After a crash between recording the
  // trial and recording its job, the child may exist already: it is found by its number.
  Status Submit(Trial& t) {
    EASEL_ASSIGN_OR_RETURN(std::vector<jobs::Job> children, jobs_.Children(ctx_.job_id()));
    for (const jobs::Job& child : children) {
      if (child.kind == kTrialKind && child.spec.value("number", int64_t{-1}) == t.record.number &&
          !child.spec.value("refit", false)) {
        t.job_id = child.id;
        return studies_.SetTrialJob(study_.id, t.record.number, child.id);
      }
    }
    Json spec = {{"study", study_.id},
                 {"number", t.record.number},
                 {"train", spec_.TrialTrainSpec(t.record.params)}};
    EASEL_ASSIGN_OR_RETURN(jobs::Job job,
                           jobs_.Submit(ctx_.project_id(), kTrialKind, spec, ctx_.created_by(),
                                        {.max_attempts = 2, .parent_id = ctx_.job_id()}));
    t.job_id = job.id;
    EASEL_RETURN_IF_ERROR(studies_.SetTrialJob(study_.id, t.record.number, job.id));
    ctx_.WakeScheduler();
    return OkStatus();
  }

  // Brings a running trial up to date: new reports (each shown to the scheduler), the end of
  // its job, or a stop (scheduler, time budget).
  Status Watch(Trial& t, bool out_of_time) {
    if (!t.job_id) return Submit(t);
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, jobs_.GetById(*t.job_id));
    EASEL_ASSIGN_OR_RETURN(Json metrics, jobs_.ListMetrics(ctx_.project_id(), *t.job_id));
    const size_t seen = t.record.intermediate.size();
    t.record.intermediate.clear();
    for (const Json& point : metrics["series"].value(spec_.objective.metric, Json::array())) {
      t.record.intermediate.emplace_back(point["step"].get<int64_t>(),
                                         spec_.objective.Minimized(point["value"].get<double>()));
    }
    std::string note;
    for (size_t i = seen; i < t.record.intermediate.size() && !jobs::IsFinal(job.state); ++i) {
      const int64_t step = t.record.intermediate[i].first;
      if (scheduler_.OnReport(Progress(t), t.record.number, step) == Decision::kStop) {
        note = "stopped by the " + spec_.scheduler.value("type", "") + " scheduler at step " +
               std::to_string(step);
        break;
      }
    }
    if (note.empty() && out_of_time && !jobs::IsFinal(job.state)) note = "the time budget ran out";
    const std::optional<double> last =
        t.record.intermediate.empty() ? std::nullopt
                                      : std::optional<double>(t.record.intermediate.back().second);
    if (!note.empty()) {
      if (jobs_.RequestCancel(ctx_.project_id(), job.id).status().code() ==
          StatusCode::kFailedPrecondition) {
        // It ended since it was read (a short trial's last reports and its end often come
        // within one poll): it is judged on how it ended, with all its reports.
        return Watch(t, false);
      }
      t.record.state = TrialState::kPruned;
      t.record.value = last;
      ctx_.Log("trial " + std::to_string(t.record.number) + " " + note);
    } else if (job.state == jobs::JobState::kSucceeded) {
      EASEL_ASSIGN_OR_RETURN(bool keeps_best, KeepsBest(t));
      if (std::optional<double> value =
              TrialFinalValue(metrics["series"], spec_.objective, keeps_best)) {
        t.record.state = TrialState::kComplete;
        t.record.value = value;
        ctx_.Log("trial " + std::to_string(t.record.number) + " finished: " +
                 spec_.objective.metric + " " + std::to_string(spec_.objective.Minimized(*value)));
      } else {
        t.record.state = TrialState::kFailed;
        note = "the trial reported no '" + spec_.objective.metric +
               "' (does the dataset version have a validation split?)";
      }
    } else if (jobs::IsFinal(job.state)) {
      t.record.state = TrialState::kFailed;
      note = job.error ? job.error->message()
                       : "the trial job " + std::string(JobStateName(job.state));
      ctx_.Log("trial " + std::to_string(t.record.number) + " failed: " + note);
    } else if (t.record.intermediate.size() == seen) {
      return OkStatus();  // nothing new
    }
    t.note = note;
    return studies_.UpdateTrial(study_.id, t.record, note);
  }

  // Whether the trial's trainer keeps its best epoch, from its resolved parameters.
  Result<bool> KeepsBest(const Trial& t) const {
    const Json train = spec_.TrialTrainSpec(t.record.params);
    EASEL_ASSIGN_OR_RETURN(const train::Algorithm* algorithm,
                           algorithms_.Find(train["algorithm"].get<std::string>()));
    EASEL_ASSIGN_OR_RETURN(
        Json params, train::ResolveParams(algorithm->params_schema, train.value("params", Json())));
    return KeepsBestEpoch(params);
  }

  // What the scheduler compares `trial` with: every trial, or in a portfolio search those of
  // the same algorithm.
  std::vector<TrialProgress> Progress(const Trial& trial) const {
    std::vector<TrialProgress> out;
    const Json algorithm = trial.record.params.value("algorithm", Json());
    for (const Trial& t : trials_) {
      if (spec_.portfolio && t.record.params.value("algorithm", Json()) != algorithm) continue;
      out.push_back(
          {t.record.number, t.record.intermediate, t.record.state != TrialState::kRunning});
    }
    return out;
  }

  void ReportProgress(int64_t running) {
    int64_t done = static_cast<int64_t>(trials_.size()) - running;
    ctx_.SetProgress(0.95 * static_cast<double>(done) / static_cast<double>(spec_.max_trials),
                     std::to_string(done) + " of " + std::to_string(spec_.max_trials) +
                         " trials finished, " + std::to_string(running) + " running");
  }

  const train::AlgorithmRegistry& algorithms_;
  jobs::JobContext& ctx_;
  const HpoSpec& spec_;
  const Study& study_;
  const Sampler& sampler_;
  const Scheduler& scheduler_;
  jobs::JobStore jobs_;
  StudyStore studies_;
  std::vector<Trial> trials_;
};

Json Summary(const Study& study, const std::vector<Trial>& trials, const models::ModelVersion& v) {
  Json s = StudyToJson(study, trials);
  Json out = {{"study", study.id},
              {"model", v.model_name},
              {"version", v.version},
              {"best_trial", s["best_trial"]},
              {"objective", s["objective"]},
              {"counts", s["counts"]},
              {"param_importance", s["param_importance"]}};
  if (v.lineage.contains("study") && v.lineage["study"].contains("final")) {
    out["final_model"] = v.lineage["study"]["final"];
  }
  return out;
}

}  // namespace

Result<Json> RunSearch(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx,
                       const HpoSpec& given, const std::string& kind) {
  HpoSpec spec = given;
  const int cores = UsableCores();
  spec.trial_threads = std::max<int>(1, cores / static_cast<int>(spec.max_concurrent_trials));
  StudyStore studies(ctx.db());
  EASEL_ASSIGN_OR_RETURN(Study study,
                         studies.Ensure(ctx.job_id(), ctx.project_id(), kind, spec.ToJson()));
  models::ModelStore registry(ctx.db());
  EASEL_ASSIGN_OR_RETURN(auto registered, registry.VersionFromJob(ctx.job_id()));
  if (registered) {
    EASEL_RETURN_IF_ERROR(studies.DropTrialModels(study.id));
    EASEL_ASSIGN_OR_RETURN(auto trials, studies.Trials(study.id));
    return Summary(study, trials, *registered);
  }
  EASEL_ASSIGN_OR_RETURN(auto sampler, MakeSampler(spec.sampler, spec.seed));
  EASEL_ASSIGN_OR_RETURN(auto scheduler, MakeScheduler(spec.scheduler));
  ctx.Log(
      "searching " + std::to_string(spec.space->params().size()) + " parameters of " +
      (spec.portfolio ? std::string("a portfolio") : spec.train["algorithm"].get<std::string>()) +
      ": up to " + std::to_string(spec.max_trials) + " trials, " +
      std::to_string(spec.max_concurrent_trials) + " at once, " +
      spec.sampler["type"].get<std::string>() + " sampler, " +
      spec.scheduler["type"].get<std::string>() + " scheduler, objective " +
      DumpJson(spec.objective.ToJson()));

  Search search(algorithms, ctx, spec, study, *sampler, *scheduler);
  EASEL_RETURN_IF_ERROR(search.Run());
  const Trial* best = BestTrial(search.trials());
  if (best == nullptr) {
    for (const Trial& t : search.trials()) {
      if (t.record.state == TrialState::kFailed) {
        return FailedPrecondition("no trial completed; trial " + std::to_string(t.record.number) +
                                  " failed: " + t.note);
      }
    }
    return FailedPrecondition("no trial completed within the budget");
  }

  models::NewModelVersion nv;
  Json final_model;
  if (spec.portfolio && (spec.ensemble || spec.refit)) {
    // Refits end at 95% of the budget: evaluating and registering take the rest.
    const int64_t deadline = spec.time_budget_s ? study.created_at + *spec.time_budget_s * 950
                                                : std::numeric_limits<int64_t>::max();
    EASEL_ASSIGN_OR_RETURN(FinalModel built, BuildFinalModel(algorithms, ctx, spec, study,
                                                             search.trials(), *best, deadline));
    nv = std::move(built.version);
    final_model = std::move(built.summary);
  } else {
    EASEL_ASSIGN_OR_RETURN(nv, studies.LoadTrialModel(study.id, best->record.number));
  }
  ctx.SetProgress(0.99, "registering the model");
  nv.lineage["study"] = {{"id", study.id},
                         {"kind", kind},
                         {"trial", best->record.number},
                         {"trial_job_id", best->job_id.value_or("")},
                         {"objective", spec.objective.ToJson()},
                         {"value", spec.objective.Minimized(*best->record.value)}};
  if (!final_model.is_null()) nv.lineage["study"]["final"] = final_model;
  nv.job_id = ctx.job_id();
  EASEL_ASSIGN_OR_RETURN(
      models::ModelVersion v,
      registry.Register(ctx.project_id(), spec.model_name, nv, ctx.created_by()));
  // The registry holds the registered files; the other trials' models cannot be reached.
  EASEL_RETURN_IF_ERROR(studies.DropTrialModels(study.id));
  ctx.Log("registered " +
          (v.algorithm == "ensemble" ? std::string("an ensemble")
                                     : "trial " + std::to_string(best->record.number)) +
          " as '" + v.model_name + "' version " + std::to_string(v.version));
  return Summary(study, search.trials(), v);
}

namespace {

Result<Json> RunHpo(const train::AlgorithmRegistry& algorithms, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(HpoSpec spec, ParseHpoSpec(algorithms, ctx.spec()));
  return RunSearch(algorithms, ctx, spec, "hpo");
}

}  // namespace

jobs::JobKind HpoJobKind(const train::AlgorithmRegistry& algorithms) {
  jobs::JobKind kind;
  kind.name = "hpo";
  kind.description =
      "Searches an algorithm's hyperparameters (TPE, random or grid; ASHA or median stopping) "
      "and registers the best model.";
  kind.params_schema = HpoSpecSchema();
  kind.coordinator = true;
  kind.validate = [&algorithms](const Json& spec) {
    return ParseHpoSpec(algorithms, spec).status();
  };
  kind.check = [&algorithms](const Json& spec, store::Database& db,
                             const std::string& project_id) -> Status {
    EASEL_ASSIGN_OR_RETURN(HpoSpec h, ParseHpoSpec(algorithms, spec));
    return train::CheckTrainSpec(algorithms, h.train, db, project_id);
  };
  kind.run = [&algorithms](jobs::JobContext& ctx) { return RunHpo(algorithms, ctx); };
  return kind;
}

}  // namespace easel::automl
