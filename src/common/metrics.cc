#include "common/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace easel {
namespace {

std::string RenderLabels(const MetricLabels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra.empty()) {
    if (!first) out += ',';
    out += extra;
  }
  return out + "}";
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

}  // namespace

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void MetricsRegistry::DeclareCounter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  auto f = std::make_unique<Family>();
  f->help = help;
  f->type = "counter";
  families_[name] = std::move(f);
}

void MetricsRegistry::DeclareHistogram(const std::string& name, const std::string& help,
                                       std::vector<double> upper_bounds) {
  std::sort(upper_bounds.begin(), upper_bounds.end());
  std::lock_guard lock(mu_);
  auto f = std::make_unique<Family>();
  f->help = help;
  f->type = "histogram";
  f->bounds = std::move(upper_bounds);
  families_[name] = std::move(f);
}

void MetricsRegistry::DeclareGauge(
    const std::string& name, const std::string& help,
    std::function<std::vector<std::pair<MetricLabels, double>>()> collect) {
  std::lock_guard lock(mu_);
  auto f = std::make_unique<Family>();
  f->help = help;
  f->type = "gauge";
  f->collect = std::move(collect);
  families_[name] = std::move(f);
}

MetricsRegistry::Family* MetricsRegistry::Find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : it->second.get();
}

MetricsRegistry::SeriesHandle MetricsRegistry::Handle(const std::string& name,
                                                      const MetricLabels& labels) {
  Family* f = Find(name);
  if (f == nullptr || (f->type != "counter" && f->type != "histogram")) return {};
  std::string key = RenderLabels(labels);
  std::lock_guard lock(f->mu);
  auto [it, added] = f->series.try_emplace(std::move(key));
  if (added) {
    it->second.labels = labels;
    if (f->type == "histogram") it->second.buckets.assign(f->bounds.size(), 0);
  }
  return SeriesHandle(f, &it->second, f->type == "counter");  // std::map nodes stay put
}

void MetricsRegistry::SeriesHandle::Increment(double by) const {
  if (series_ == nullptr || !counter_) return;
  std::lock_guard lock(family_->mu);
  series_->value += by;
}

void MetricsRegistry::SeriesHandle::Observe(double value) const {
  if (series_ == nullptr || counter_) return;
  const std::vector<double>& bounds = family_->bounds;
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  std::lock_guard lock(family_->mu);
  if (bucket < bounds.size()) ++series_->buckets[bucket];
  series_->sum += value;
  ++series_->count;
}

void MetricsRegistry::Increment(const std::string& name, const MetricLabels& labels, double by) {
  Handle(name, labels).Increment(by);
}

void MetricsRegistry::Observe(const std::string& name, const MetricLabels& labels, double value) {
  Handle(name, labels).Observe(value);
}

std::string MetricsRegistry::Render() const {
  std::vector<std::pair<std::string, Family*>> families;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) families.emplace_back(name, f.get());
  }
  std::string out;
  for (const auto& [name, f] : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f->help, name, f->type);
    if (f->type == "gauge") {
      for (const auto& [labels, v] : f->collect()) {
        out += name + RenderLabels(labels) + " " + FormatValue(v) + "\n";
      }
      continue;
    }
    std::lock_guard lock(f->mu);
    for (const auto& [key, s] : f->series) {
      if (f->type == "counter") {
        out += name + key + " " + FormatValue(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f->bounds.size(); ++i) {
        cumulative += s.buckets[i];
        out += name + "_bucket" +
               RenderLabels(s.labels, "le=\"" + FormatValue(f->bounds[i]) + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + RenderLabels(s.labels, "le=\"+Inf\"") + " " +
             std::to_string(s.count) + "\n";
      out += name + "_sum" + key + " " + FormatValue(s.sum) + "\n";
      out += name + "_count" + key + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace easel
