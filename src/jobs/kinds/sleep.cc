#include "jobs/kinds/sleep.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "jobs/job_context.h"

namespace easel::jobs {
namespace {

constexpr auto kCancelCheck = std::chrono::milliseconds(50);

struct SleepSpec {
  double seconds = 0;
  int64_t steps = 10;
  bool fail = false;
};

Result<SleepSpec> ParseSleepSpec(const Json& spec) {
  if (!spec.is_object()) return InvalidArgument("sleep spec must be a JSON object");
  for (const auto& [key, value] : spec.items()) {
    if (key != "seconds" && key != "steps" && key != "fail") {
      return Status(StatusCode::kInvalidArgument,
                    "unknown field in sleep spec; known fields: seconds, steps, fail",
                    Json{{"field", key}});
    }
  }
  SleepSpec out;
  EASEL_ASSIGN_OR_RETURN(auto seconds, GetOptionalNumber(spec, "seconds"));
  if (!seconds || !(*seconds >= 0 && *seconds <= 3600)) {
    return Status(StatusCode::kInvalidArgument, "field 'seconds' must be a number from 0 to 3600",
                  Json{{"field", "seconds"}});
  }
  out.seconds = *seconds;
  EASEL_ASSIGN_OR_RETURN(auto steps, GetOptionalInt(spec, "steps", 1, 10000));
  out.steps = steps.value_or(10);
  EASEL_ASSIGN_OR_RETURN(auto fail, GetOptionalBool(spec, "fail"));
  out.fail = fail.value_or(false);
  return out;
}

// The step to start at: the checkpoint's next step when it belongs to a run with the same
// number of steps, else 0.
int64_t ResumePoint(JobContext& ctx, int64_t steps) {
  auto saved = ctx.LoadCheckpoint();
  if (!saved.ok() || !saved->has_value()) return 0;
  auto json = ParseJson(**saved);
  if (!json.ok() || !json->is_object()) return 0;
  int64_t next = json->value("next_step", int64_t{0});
  if (json->value("steps", int64_t{-1}) != steps || next < 0 || next > steps) return 0;
  return next;
}

Result<Json> RunSleep(JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(SleepSpec spec, ParseSleepSpec(ctx.spec()));
  int64_t start = ResumePoint(ctx, spec.steps);
  if (start > 0) ctx.Log(fmt::format("resuming from step {} of {}", start, spec.steps));
  auto slice = std::chrono::duration<double>(spec.seconds / static_cast<double>(spec.steps));
  auto began = std::chrono::steady_clock::now();
  for (int64_t step = start; step < spec.steps; ++step) {
    // Deadlines measured from the attempt's start keep the total close to `seconds`.
    auto deadline = began + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                slice * static_cast<double>(step - start + 1));
    for (auto now = std::chrono::steady_clock::now(); now < deadline;
         now = std::chrono::steady_clock::now()) {
      if (ctx.cancelled()) {
        ctx.Log(fmt::format("cancelled at step {} of {}", step, spec.steps));
        return Cancelled(fmt::format("sleep job stopped at step {} of {}", step, spec.steps));
      }
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(kCancelCheck, deadline - now));
    }
    Json checkpoint{{"next_step", step + 1}, {"steps", spec.steps}};
    EASEL_RETURN_IF_ERROR(ctx.SaveCheckpoint(checkpoint.dump()));
    ctx.Log(fmt::format("step {} of {} done", step + 1, spec.steps));
    double remaining =
        spec.seconds * static_cast<double>(spec.steps - step - 1) / static_cast<double>(spec.steps);
    EASEL_RETURN_IF_ERROR(ctx.LogMetric("remaining_seconds", step + 1, remaining));
    ctx.SetProgress(static_cast<double>(step + 1) / static_cast<double>(spec.steps),
                    fmt::format("step {} of {}", step + 1, spec.steps));
  }
  if (spec.fail) return Aborted("the sleep job was asked to fail (spec.fail is true)");
  return Json{{"steps", spec.steps}, {"resumed_from", start}};
}

}  // namespace

Status ValidateSleepSpec(const Json& spec) { return ParseSleepSpec(spec).status(); }

JobKind SleepJobKind() {
  JobKind kind;
  kind.name = "sleep";
  kind.description =
      "Test-only: sleeps for `seconds` in `steps` checkpointed slices, so interrupted attempts "
      "can be seen resuming.";
  kind.params_schema = Json{{"type", "object"},
                            {"required", {"seconds"}},
                            {"properties",
                             {{"seconds",
                               {{"type", "number"},
                                {"minimum", 0},
                                {"maximum", 3600},
                                {"description", "total time to sleep"}}},
                              {"steps",
                               {{"type", "integer"},
                                {"minimum", 1},
                                {"maximum", 10000},
                                {"default", 10},
                                {"description", "slices; a checkpoint is saved after each"}}},
                              {"fail",
                               {{"type", "boolean"},
                                {"default", false},
                                {"description", "fail at the end instead of succeeding"}}}}}};
  kind.test_only = true;
  kind.validate = ValidateSleepSpec;
  kind.run = RunSleep;
  return kind;
}

}  // namespace easel::jobs
