#include "automl/param_importance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace easel::automl {
namespace {

constexpr size_t kBins = 4;

// The group key of a value: the quantile bin of a number, anything else as it is.
std::vector<std::string> GroupKeys(const std::vector<const Json*>& values) {
  std::vector<std::string> keys(values.size());
  std::vector<double> sorted;
  for (const Json* v : values) {
    if (v && v->is_number()) sorted.push_back(v->get<double>());
  }
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i] || !values[i]->is_number()) {
      keys[i] = values[i] ? values[i]->dump() : "-";
      continue;
    }
    double x = values[i]->get<double>();
    size_t rank = std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin();
    keys[i] = std::to_string(rank * kBins / sorted.size());
  }
  return keys;
}

}  // namespace

Json ParamImportance(std::span<const TrialRecord> trials) {
  std::vector<const TrialRecord*> done;
  for (const TrialRecord& t : trials) {
    if (t.state == TrialState::kComplete && t.value && std::isfinite(*t.value)) done.push_back(&t);
  }
  Json out = Json::object();
  double mean = 0;
  for (const TrialRecord* t : done) mean += *t->value / done.size();
  double total = 0;
  for (const TrialRecord* t : done) total += (*t->value - mean) * (*t->value - mean);
  std::map<std::string, double> explained;
  for (const TrialRecord* t : done) {
    for (const auto& [name, value] : t->params.items()) explained[name] = 0;
  }
  double sum = 0;
  for (auto& [name, share] : explained) {
    if (done.size() < 3 || total <= 0) continue;
    std::vector<const Json*> values;
    for (const TrialRecord* t : done) {
      auto it = t->params.find(name);
      values.push_back(it == t->params.end() ? nullptr : &*it);
    }
    std::vector<std::string> keys = GroupKeys(values);
    std::map<std::string, std::pair<double, int>> groups;  // key → (sum, count)
    for (size_t i = 0; i < done.size(); ++i) {
      groups[keys[i]].first += *done[i]->value;
      groups[keys[i]].second += 1;
    }
    double between = 0;
    for (const auto& [key, g] : groups) {
      double m = g.first / g.second;
      between += g.second * (m - mean) * (m - mean);
    }
    share = between / total;
    sum += share;
  }
  for (const auto& [name, share] : explained) out[name] = sum > 0 ? share / sum : 0.0;
  return out;
}

}  // namespace easel::automl
