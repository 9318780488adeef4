#pragma once
// TrainHooks over a running job: epochs become metric series ("train_loss", "val_loss",
// "val_accuracy" or "val_rmse", "learning_rate", "samples_per_s"), a log line and progress;
// checkpoints are the job's. The series are also kept in memory for the model's report.

#include <map>
#include <mutex>
#include <string>

#include "jobs/job_context.h"
#include "train/trainer_api.h"

namespace easel::train {

class JobHooks : public TrainHooks {
 public:
  // `metric_name` names val_metric ("accuracy", "rmse"). Progress moves from `progress_from`
  // to `progress_to` as epochs finish.
  JobHooks(jobs::JobContext& ctx, std::string metric_name, double progress_from,
           double progress_to)
      : ctx_(ctx),
        metric_name_(std::move(metric_name)),
        from_(progress_from),
        to_(progress_to) {}

  bool cancelled() const override { return ctx_.cancelled(); }
  void ReportEpoch(const EpochMetrics& m) override;
  void Log(std::string_view line) override { ctx_.Log(line); }
  Status SaveCheckpoint(std::string_view bytes) override { return ctx_.SaveCheckpoint(bytes); }
  Result<std::optional<std::string>> LoadCheckpoint() override { return ctx_.LoadCheckpoint(); }

  // {"series": {name: [{"step", "value"}]}} of every epoch reported in this attempt.
  Json History() const;

 private:
  void Record(const std::string& name, int64_t step, double value);

  jobs::JobContext& ctx_;
  const std::string metric_name_;
  const double from_, to_;
  mutable std::mutex mu_;
  std::map<std::string, Json> series_;
};

}  // namespace easel::train
