#include "train/trainers/xgboost/run_state.h"

#include "common/sha256.h"
#include "train/trainers/xgboost/problem.h"

namespace easel::train::xgboost {

namespace {

constexpr int kCheckpointVersion = 1;

void HashSplit(Sha256& h, const TabularSplit& s) {
  uint64_t shape[2] = {s.x.rows, s.x.cols};
  h.Update(shape, sizeof(shape));
  h.Update(s.x.data.data(), s.x.data.size() * sizeof(float));
  h.Update(s.y.data(), s.y.size() * sizeof(float));
}

}  // namespace

void RecordValLoss(RunState& state, int round, double val_loss) {
  if (state.best_iteration < 0 || val_loss < state.best_score) {
    state.best_iteration = round;
    state.best_score = val_loss;
  }
}

bool ShouldStop(const RunState& state, int patience) {
  return patience > 0 && state.best_iteration >= 0 &&
         state.rounds_done - 1 - state.best_iteration >= patience;
}

std::string EncodeCheckpoint(const Checkpoint& c) {
  Json header = {
      {"version", kCheckpointVersion},
      {"rounds_done", c.state.rounds_done},
      {"best_iteration", c.state.best_iteration},
      // JSON has no infinity: null until a val loss was seen.
      {"best_score", std::isfinite(c.state.best_score) ? Json(c.state.best_score) : Json(nullptr)},
      {"threads", c.state.threads},
      {"fingerprint", c.fingerprint}};
  return DumpJson(header) + "\n" + c.model;
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes) {
  size_t nl = bytes.find('\n');
  if (nl == std::string_view::npos) return DataLoss("xgboost checkpoint has no header");
  auto header = ParseJson(bytes.substr(0, nl));
  if (!header.ok() || !header->is_object())
    return DataLoss("xgboost checkpoint header is unreadable");
  const Json& h = *header;
  auto version = h.find("version");
  if (version == h.end() || !version->is_number_integer() ||
      version->get<int>() != kCheckpointVersion) {
    return DataLoss("xgboost checkpoint is of another version");
  }
  Checkpoint c;
  auto int_field = [&](const char* name, int* out) {
    auto it = h.find(name);
    if (it == h.end() || !it->is_number_integer()) return false;
    *out = it->get<int>();
    return true;
  };
  bool ok = int_field("rounds_done", &c.state.rounds_done) &&
            int_field("best_iteration", &c.state.best_iteration) &&
            int_field("threads", &c.state.threads) && h.contains("fingerprint");
  auto best = h.find("best_score");
  if (!ok || best == h.end() || !(best->is_number() || best->is_null()) ||
      c.state.rounds_done < 0 || c.state.threads < 1) {
    return DataLoss("xgboost checkpoint header is missing fields");
  }
  c.state.best_score = best->is_null() ? INFINITY : best->get<double>();
  c.fingerprint = h["fingerprint"];
  c.model = std::string(bytes.substr(nl + 1));
  return c;
}

Json RunFingerprint(const TabularProblem& p, const Json& params, uint64_t seed) {
  Sha256 h;
  HashSplit(h, p.train);
  HashSplit(h, p.val);
  return Json{{"task", TaskName(p.task)},
              {"num_features", p.feature_names.size()},
              {"num_classes", p.num_classes()},
              {"params", params},
              {"seed", seed},
              {"data_sha256", h.HexDigest()}};
}

}  // namespace easel::train::xgboost
