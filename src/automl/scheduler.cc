#include "automl/scheduler.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "automl/asha.h"
#include "automl/median_stopping.h"

namespace easel::automl {
namespace {

// "none": every trial runs until its trainer ends it.
class NoStopping final : public Scheduler {
 public:
  static Result<std::unique_ptr<Scheduler>> FromJson(const Json& config) {
    EASEL_RETURN_IF_ERROR(CheckKnownOptions(config, "none", {}));
    return std::unique_ptr<Scheduler>(new NoStopping());
  }
  Decision OnReport(std::span<const TrialProgress>, int64_t, int64_t) const override {
    return Decision::kContinue;
  }
  std::optional<int64_t> MaxSteps() const override { return std::nullopt; }
  Json ToJson() const override { return Json{{"type", "none"}}; }
};

struct SchedulerType {
  std::string_view name;
  Result<std::unique_ptr<Scheduler>> (*from_json)(const Json& config);
};

// Every scheduler, in the order error messages list them.
constexpr SchedulerType kSchedulerTypes[] = {
    {"asha", &AshaScheduler::FromJson},
    {"median", &MedianStoppingScheduler::FromJson},
    {"none", &NoStopping::FromJson},
};

Status OptionError(std::string_view field, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", field}});
}

}  // namespace

Scheduler::~Scheduler() = default;

Result<std::unique_ptr<Scheduler>> MakeScheduler(const Json& config) {
  EASEL_RETURN_IF_ERROR(RequireObject(config, "scheduler config"));
  EASEL_ASSIGN_OR_RETURN(std::string type, GetString(config, "type"));
  std::string known;
  for (const SchedulerType& t : kSchedulerTypes) {
    if (t.name == type) return t.from_json(config);
    known += fmt::format("{}{}", known.empty() ? "" : ", ", t.name);
  }
  return OptionError(
      "type",
      fmt::format("field 'type': unknown scheduler '{}'; known schedulers: {}", type, known));
}

Status CheckKnownOptions(const Json& config, std::string_view type,
                         std::initializer_list<std::string_view> known) {
  EASEL_RETURN_IF_ERROR(RequireObject(config, "scheduler config"));
  for (const auto& [key, value] : config.items()) {
    if (key == "type") continue;
    bool found = false;
    std::string listed;
    for (std::string_view k : known) {
      found = found || k == key;
      listed += fmt::format("{}{}", listed.empty() ? "" : ", ", k);
    }
    if (!found) {
      return OptionError(key, fmt::format("field '{}' is not an option of the '{}' scheduler; "
                                          "known options: {}",
                                          key, type, listed.empty() ? "none" : listed));
    }
  }
  return OkStatus();
}

std::optional<std::span<const Report>> ReportsUpTo(std::span<const TrialProgress> trials,
                                                   int64_t number, int64_t step) {
  const TrialProgress* trial = nullptr;
  // Studies usually pass their trials in creation order, so look there first.
  if (number >= 0 && number < static_cast<int64_t>(trials.size()) &&
      trials[number].number == number) {
    trial = &trials[number];
  } else {
    for (const TrialProgress& t : trials) {
      if (t.number == number) trial = &t;
    }
  }
  if (trial == nullptr) return std::nullopt;
  for (size_t i = trial->values.size(); i-- > 0;) {
    if (trial->values[i].first == step) return std::span<const Report>(trial->values).first(i + 1);
  }
  return std::nullopt;
}

}  // namespace easel::automl
