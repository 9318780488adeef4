#include "automl/ensemble_candidates.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace easel::automl {
namespace {

bool LowerValue(const Trial* a, const Trial* b) { return *a->record.value < *b->record.value; }

}  // namespace

double SettingDistance(const SearchSpace& space, const Json& a, const Json& b) {
  double sum = 0;
  for (const ParamSpec& p : space.params()) {
    const bool in_a = a.contains(p.name), in_b = b.contains(p.name);
    if (!in_a && !in_b) continue;
    double d = 1;
    if (in_a && in_b) {
      if (p.type == DomainType::kCategorical) {
        d = a[p.name] == b[p.name] ? 0 : 1;
      } else if (a[p.name].is_number() && b[p.name].is_number()) {
        auto unit = [&](double v) {
          const double low = p.log_scale() ? std::log(p.low) : p.low;
          const double high = p.log_scale() ? std::log(p.high) : p.high;
          const double at = p.log_scale() ? std::log(std::max(v, p.low)) : v;
          return high > low ? (at - low) / (high - low) : 0.0;
        };
        d = unit(a[p.name].get<double>()) - unit(b[p.name].get<double>());
      }
    }
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::vector<const Trial*> PickEnsembleCandidates(const std::optional<SearchSpace>& space,
                                                 const std::vector<Trial>& trials,
                                                 int64_t defaults) {
  // Each algorithm's trials, ranked.
  std::map<std::string, std::vector<const Trial*>> by_algorithm;
  for (const Trial& t : trials) {
    if (t.record.state == TrialState::kComplete && t.has_model && t.record.value) {
      by_algorithm[t.record.params.value("algorithm", "")].push_back(&t);
    }
  }
  std::vector<const Trial*> picked;
  for (auto& [algorithm, own] : by_algorithm) {
    std::stable_sort(own.begin(), own.end(), LowerValue);
    const auto best =
        own.begin() + static_cast<std::ptrdiff_t>(std::min(own.size(), kBestPerAlgorithm));
    std::vector<const Trial*> mine(own.begin(), best);
    own.erase(own.begin(), best);
    // Then its default settings, unless those are among the best already.
    auto is_default = [&](const Trial* t) { return t->record.number < defaults; };
    if (auto d = std::find_if(own.begin(), own.end(), is_default); d != own.end()) {
      mine.push_back(*d);
      own.erase(d);
    }
    while (mine.size() < kBestPerAlgorithm + kDiversePerAlgorithm && !own.empty()) {
      // The farthest from its nearest picked trial; the better one on a tie (`own` is ranked).
      // Without a space to measure in, the next best.
      auto nearest = [&](const Trial* t) {
        double d = INFINITY;
        for (const Trial* m : mine) {
          d = std::min(d,
                       space ? SettingDistance(*space, t->record.params, m->record.params) : 1.0);
        }
        return d;
      };
      auto far = own.begin();
      double far_distance = nearest(*far);
      for (auto it = std::next(own.begin()); it != own.end(); ++it) {
        if (const double d = nearest(*it); d > far_distance) {
          far = it;
          far_distance = d;
        }
      }
      if (far_distance <= 0) break;  // only copies of picked settings are left
      mine.push_back(*far);
      own.erase(far);
    }
    picked.insert(picked.end(), mine.begin(), mine.end());
  }
  // The best trial first (ChooseMembers relies on it), then the others by their value.
  std::stable_sort(picked.begin(), picked.end(), LowerValue);
  if (picked.size() > kMaxCandidates) picked.resize(kMaxCandidates);
  return picked;
}

}  // namespace easel::automl
