#include "train/trainers/xgboost/rounds.h"

#include <xgboost/c_api.h>

#include <charconv>
#include <string>

#include "common/log.h"

namespace easel::train::xgboost {

namespace {

uint64_t SplitMix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

thread_local TrainHooks* t_hooks = nullptr;

void ForwardXgbLog(const char* message) {
  std::string_view line = message == nullptr ? "" : message;
  if (line.find("DANGER AHEAD") != std::string_view::npos) return;
  if (t_hooks != nullptr) {
    t_hooks->Log("xgboost: " + std::string(line));
  } else {
    EASEL_LOG_WARN("xgboost: {}", line);
  }
}

// The value after the last ':' of the field that starts with `prefix`.
std::optional<double> Field(std::string_view line, std::string_view prefix) {
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find('\t', start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view field = line.substr(start, end - start);
    size_t colon = field.rfind(':');
    if (field.starts_with(prefix) && colon != std::string_view::npos) {
      double v = 0;
      auto [ptr, ec] = std::from_chars(field.data() + colon + 1, field.data() + field.size(), v);
      if (ec != std::errc()) return std::nullopt;
      return v;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

int64_t RoundSeed(uint64_t seed, int round) {
  uint64_t mixed = SplitMix(seed ^ SplitMix(static_cast<uint64_t>(round)));
  return static_cast<int64_t>((mixed & 0x7ffffffeULL) | (static_cast<uint64_t>(round) & 1));
}

XgbArgs RoundArgs(const XgbArgs& base, const std::string& tree_method, uint64_t seed, int round) {
  XgbArgs args = base;
  args.emplace_back("seed", std::to_string(RoundSeed(seed, round)));
  // "sync" shares trees between distributed workers; alone in a process it does nothing, and
  // put first it leaves the tree builder last, where XGBoost asks it to update its
  // prediction cache.
  args.emplace_back("updater", (round % 2 == 1 ? "sync," : "") + UpdaterSequence(tree_method));
  return args;
}

Result<RoundLosses> ParseEvalLine(std::string_view line, bool has_val) {
  RoundLosses out;
  auto train = Field(line, "train-");
  if (!train)
    return Internal("xgboost evaluation line without a train value: " + std::string(line));
  out.train = *train;
  if (has_val) {
    auto val = Field(line, "val-");
    if (!val) return Internal("xgboost evaluation line without a val value: " + std::string(line));
    out.val = *val;
  }
  return out;
}

double Accuracy(std::span<const float> probs, size_t groups, std::span<const float> y) {
  if (y.empty() || groups == 0) return NAN;
  size_t correct = 0;
  for (size_t r = 0; r < y.size(); ++r) {
    size_t predicted = 0;
    if (groups == 1) {
      predicted = probs[r] > 0.5f ? 1 : 0;
    } else {
      const float* row = probs.data() + r * groups;
      for (size_t g = 1; g < groups; ++g) {
        if (row[g] > row[predicted]) predicted = g;
      }
    }
    correct += predicted == static_cast<size_t>(y[r]);
  }
  return static_cast<double>(correct) / static_cast<double>(y.size());
}

XgbLogRoute::XgbLogRoute(TrainHooks& hooks) : previous_(t_hooks) {
  // The callback only reads t_hooks, so registering it again is harmless. Without it XGBoost
  // writes to stderr, which the job log captures too: a failure costs only the prefix.
  if (XGBRegisterLogCallback(ForwardXgbLog) != 0) {
    EASEL_LOG_WARN("xgboost: cannot route log lines: {}", XGBGetLastError());
  }
  t_hooks = &hooks;
}

XgbLogRoute::~XgbLogRoute() { t_hooks = previous_; }

}  // namespace easel::train::xgboost
