#include "train/job_hooks.h"

#include <fmt/format.h>

#include <cmath>

namespace easel::train {

void JobHooks::Record(const std::string& name, int64_t step, double value) {
  if (!std::isfinite(value)) return;
  ctx_.LogMetric(name, step, value).IgnoreError();  // advisory: the run goes on
  std::lock_guard lock(mu_);
  Json& points = series_[name];
  if (!points.is_array()) points = Json::array();
  // A resumed run reports from its checkpoint on; a repeated step replaces the earlier point.
  while (!points.empty() && points.back()["step"].get<int64_t>() >= step) points.erase(points.size() - 1);
  points.push_back({{"step", step}, {"value", value}});
}

void JobHooks::ReportEpoch(const EpochMetrics& m) {
  Record("train_loss", m.epoch, m.train_loss);
  Record("val_loss", m.epoch, m.val_loss);
  Record("val_" + metric_name_, m.epoch, m.val_metric);
  Record("learning_rate", m.epoch, m.learning_rate);
  Record("samples_per_s", m.epoch, m.samples_per_s);
  std::string line = fmt::format("epoch {}/{}", m.epoch, m.epochs);
  auto add = [&](const char* name, double v) {
    if (std::isfinite(v)) line += fmt::format(" {}={:.6g}", name, v);
  };
  add("train_loss", m.train_loss);
  add("val_loss", m.val_loss);
  add(("val_" + metric_name_).c_str(), m.val_metric);
  add("lr", m.learning_rate);
  add("samples/s", m.samples_per_s);
  ctx_.Log(line);
  double done = m.epochs > 0 ? static_cast<double>(m.epoch) / static_cast<double>(m.epochs) : 0;
  ctx_.SetProgress(from_ + (to_ - from_) * std::min(1.0, done),
                   fmt::format("training: epoch {} of {}", m.epoch, m.epochs));
}

Json JobHooks::History() const {
  std::lock_guard lock(mu_);
  Json series = Json::object();
  for (const auto& [name, points] : series_) series[name] = points;
  return {{"series", series}};
}

}  // namespace easel::train
