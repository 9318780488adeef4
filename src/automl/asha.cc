#include "automl/asha.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace easel::automl {
namespace {

// Rung steps never exceed this, so r·η^k stays far from overflow.
constexpr int64_t kMaxRungStep = 1'000'000'000'000;

// r·η^s, or nullopt when it exceeds kMaxRungStep.
std::optional<int64_t> FirstRung(const AshaOptions& o) {
  int64_t step = o.min_resource;
  for (int64_t i = 0; i < o.min_early_stopping_rate; ++i) {
    if (step > kMaxRungStep / o.reduction_factor) return std::nullopt;
    step *= o.reduction_factor;
  }
  return step;
}

// A NaN ranks below everything.
double Rankable(double value) {
  return std::isnan(value) ? std::numeric_limits<double>::infinity() : value;
}

// The value a trial brings to the rung at `rung`: at the rung step, else at its last report
// before it, else its first report (which is past it). `reports` must not be empty.
double RungValue(std::span<const Report> reports, int64_t rung) {
  const Report* chosen = &reports.front();
  for (const Report& r : reports) {
    if (r.first > rung) break;
    chosen = &r;
  }
  return chosen->second;
}

}  // namespace

Result<std::unique_ptr<Scheduler>> AshaScheduler::FromJson(const Json& config) {
  EASEL_RETURN_IF_ERROR(CheckKnownOptions(
      config, "asha",
      {"min_resource", "reduction_factor", "max_resource", "min_early_stopping_rate"}));
  AshaOptions o;
  EASEL_ASSIGN_OR_RETURN(auto r, GetOptionalInt(config, "min_resource", 1, 1'000'000'000));
  EASEL_ASSIGN_OR_RETURN(auto eta, GetOptionalInt(config, "reduction_factor", 2, 100));
  EASEL_ASSIGN_OR_RETURN(o.max_resource, GetOptionalInt(config, "max_resource", 1, kMaxRungStep));
  EASEL_ASSIGN_OR_RETURN(auto s, GetOptionalInt(config, "min_early_stopping_rate", 0, 60));
  o.min_resource = r.value_or(o.min_resource);
  o.reduction_factor = eta.value_or(o.reduction_factor);
  o.min_early_stopping_rate = s.value_or(o.min_early_stopping_rate);

  std::optional<int64_t> first = FirstRung(o);
  if (!first) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("field 'min_early_stopping_rate' puts the first rung "
                              "(min_resource·reduction_factor^min_early_stopping_rate) past {}",
                              kMaxRungStep),
                  Json{{"field", "min_early_stopping_rate"}});
  }
  if (o.max_resource && *o.max_resource <= *first) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("field 'max_resource' ({}) must exceed the first rung step {} "
                              "(min_resource·reduction_factor^min_early_stopping_rate), or no "
                              "trial would ever be stopped",
                              *o.max_resource, *first),
                  Json{{"field", "max_resource"}});
  }
  return std::unique_ptr<Scheduler>(new AshaScheduler(o));
}

AshaScheduler::AshaScheduler(const AshaOptions& options) : options_(options) {
  const int64_t limit = options_.max_resource.value_or(kMaxRungStep + 1);
  std::optional<int64_t> rung = FirstRung(options_);
  while (rung && *rung < limit) {
    rungs_.push_back(*rung);
    if (*rung > kMaxRungStep / options_.reduction_factor) break;
    *rung *= options_.reduction_factor;
  }
}

Decision AshaScheduler::OnReport(std::span<const TrialProgress> trials, int64_t number,
                                 int64_t step) const {
  std::optional<std::span<const Report>> mine = ReportsUpTo(trials, number, step);
  if (!mine) return Decision::kContinue;
  const int64_t previous_step = mine->size() > 1 ? (*mine)[mine->size() - 2].first : 0;

  for (int64_t rung : rungs_) {
    if (rung > step) break;
    if (rung <= previous_step) continue;  // judged at an earlier report

    const double value = RungValue(*mine, rung);
    if (std::isnan(value)) return Decision::kStop;
    int64_t reached = 0;
    int64_t better = 0;
    for (const TrialProgress& t : trials) {
      std::span<const Report> reports = t.number == number ? *mine : t.values;
      if (reports.empty() || reports.back().first < rung) continue;
      ++reached;
      if (Rankable(RungValue(reports, rung)) < value) ++better;
    }
    const int64_t kept = std::max<int64_t>(1, reached / options_.reduction_factor);
    if (better >= kept) return Decision::kStop;
  }
  return Decision::kContinue;
}

Json AshaScheduler::ToJson() const {
  Json j = {{"type", "asha"},
            {"min_resource", options_.min_resource},
            {"reduction_factor", options_.reduction_factor},
            {"min_early_stopping_rate", options_.min_early_stopping_rate}};
  if (options_.max_resource) j["max_resource"] = *options_.max_resource;
  return j;
}

}  // namespace easel::automl
