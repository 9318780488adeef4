#include "train/trainers/torch_tabular/params.h"

#include <utility>

#include "train/params.h"

namespace easel::train::torch_tabular {
namespace {

Json Param(std::string type, Json default_value, std::string description) {
  return {{"type", std::move(type)},
          {"default", std::move(default_value)},
          {"description", std::move(description)}};
}

Json Bounded(Json param, double minimum, double maximum) {
  param["minimum"] = minimum;
  param["maximum"] = maximum;
  return param;
}

Json BoundedInt(int64_t default_value, int64_t minimum, int64_t maximum, std::string description) {
  Json p = Param("integer", default_value, std::move(description));
  p["minimum"] = minimum;
  p["maximum"] = maximum;
  return p;
}

Json Enum(std::string default_value, std::vector<std::string> values, std::string description) {
  Json p = Param("string", std::move(default_value), std::move(description));
  p["enum"] = std::move(values);
  return p;
}

// The parameters both architectures share; `lr` differs by architecture.
Json CommonProperties(double lr) {
  Json p = Json::object();
  p["epochs"] = BoundedInt(100, 1, 100000, "Passes over the training rows.");
  p["batch_size"] = BoundedInt(64, 1, 1 << 20, "Rows per optimizer step.");
  p["optimizer"] = Enum("adamw", {"adamw", "sgd", "lbfgs"},
                        "adamw, sgd with momentum, or lbfgs: full-batch L-BFGS with a strong "
                        "Wolfe line search on the mean loss plus weight_decay / 2 times the "
                        "squared weights, which for linear is exactly L2-regularized logistic "
                        "(ridge) regression. lbfgs ignores batch_size, learning_rate and the "
                        "schedule; each epoch is up to 20 iterations, and training ends when "
                        "the objective stops improving.");
  p["learning_rate"] =
      Bounded(Param("number", lr, "Peak learning rate of the schedule."), 1e-7, 10.0);
  p["weight_decay"] =
      Bounded(Param("number", 0.0,
                    "Weight penalty: L2 for sgd and lbfgs, decoupled weight decay for adamw."),
              0.0, 1.0);
  p["momentum"] = Bounded(Param("number", 0.9, "Momentum of sgd."), 0.0, 0.999);
  p["nesterov"] = Param("boolean", false, "Nesterov momentum for sgd.");
  p["schedule"] = Enum("cosine", {"cosine", "step", "constant"},
                       "Learning rate per epoch: cosine decay to 0, step decay, or constant.");
  p["step_size"] = BoundedInt(10, 1, 100000, "step schedule: epochs between decays.");
  p["gamma"] = Bounded(Param("number", 0.1, "step schedule: decay factor."), 1e-6, 1.0);
  p["warmup_epochs"] = BoundedInt(0, 0, 1000, "Epochs of linear learning-rate warmup.");
  p["early_stopping_patience"] =
      BoundedInt(10, 0, 100000,
                 "Stop after this many epochs without a better validation loss and keep the best "
                 "epoch's weights; 0 trains all epochs.");
  p["standardize"] = Param("boolean", true,
                           "Scale features to zero mean and unit variance (statistics of the "
                           "training rows, stored with the model).");
  return p;
}

Json Schema(Json properties) { return {{"type", "object"}, {"properties", std::move(properties)}}; }

}  // namespace

std::string_view ArchName(Arch arch) { return arch == Arch::kLinear ? "linear" : "mlp"; }

Json ParamsSchema(Arch arch) {
  if (arch == Arch::kLinear) return Schema(CommonProperties(0.1));
  Json p = CommonProperties(0.003);
  Json hidden = Param("array", Json::array({64, 64}),
                      "Units of each hidden layer, input side first, e.g. [128, 64].");
  hidden["items"] = {{"type", "integer"}, {"minimum", 1}, {"maximum", 8192}};
  hidden["minItems"] = 1;
  hidden["maxItems"] = 16;
  p["hidden_layers"] = std::move(hidden);
  p["activation"] = Enum("relu", {"relu", "gelu", "tanh"}, "Activation after each hidden layer.");
  p["dropout"] =
      Bounded(Param("number", 0.0, "Dropout probability after each hidden layer."), 0.0, 0.9);
  p["batch_norm"] = Param("boolean", false, "Batch normalization after each hidden linear layer.");
  p["label_smoothing"] =
      Bounded(Param("number", 0.0, "Classification: share of the target spread over all classes."),
              0.0, 0.5);
  return Schema(std::move(p));
}

Result<TabularConfig> ParseConfig(Arch arch, const Json& params, Json* resolved_out) {
  EASEL_ASSIGN_OR_RETURN(Json r, ResolveParams(ParamsSchema(arch), params));
  TabularConfig c;
  c.arch = arch;
  c.epochs = r["epochs"].get<int64_t>();
  c.batch_size = r["batch_size"].get<int64_t>();
  c.early_stopping_patience = r["early_stopping_patience"].get<int64_t>();
  c.standardize = r["standardize"].get<bool>();
  c.optim.optimizer = r["optimizer"].get<std::string>();
  c.optim.lr = r["learning_rate"].get<double>();
  c.optim.weight_decay = r["weight_decay"].get<double>();
  c.optim.momentum = r["momentum"].get<double>();
  c.optim.nesterov = r["nesterov"].get<bool>();
  c.optim.schedule = r["schedule"].get<std::string>();
  c.optim.step_size = r["step_size"].get<int64_t>();
  c.optim.gamma = r["gamma"].get<double>();
  c.optim.warmup_epochs = r["warmup_epochs"].get<int64_t>();
  if (c.optim.nesterov && c.optim.optimizer == "sgd" && c.optim.momentum <= 0) {
    return ParamError("nesterov", "needs momentum > 0");
  }
  if (arch == Arch::kMlp) {
    c.hidden_layers = r["hidden_layers"].get<std::vector<int64_t>>();
    c.activation = r["activation"].get<std::string>();
    c.dropout = r["dropout"].get<double>();
    c.batch_norm = r["batch_norm"].get<bool>();
    c.label_smoothing = r["label_smoothing"].get<double>();
  }
  if (c.optim.optimizer == "lbfgs" && c.dropout > 0) {
    return ParamError("dropout",
                      "must be 0 with lbfgs: its line search needs a deterministic loss");
  }
  if (resolved_out != nullptr) *resolved_out = std::move(r);
  return c;
}

}  // namespace easel::train::torch_tabular
