#include "train/trainers/torch_common/optim.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <cmath>

#include "common/safetensors.h"

namespace easel::train::torch_util {
namespace {

TEST(LearningRateTest, Schedules) {
  OptimConfig c;
  c.lr = 1.0;
  c.schedule = "constant";
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 5, 10), 1.0);
  c.schedule = "cosine";
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 0, 10), 1.0);
  EXPECT_NEAR(LearningRateAt(c, 5, 10), 0.5, 1e-12);
  EXPECT_GT(LearningRateAt(c, 9, 10), 0.0);
  EXPECT_LT(LearningRateAt(c, 9, 10), 0.03);
  c.schedule = "step";
  c.step_size = 3;
  c.gamma = 0.5;
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 2, 10), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 3, 10), 0.5);
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 7, 10), 0.25);
  c.warmup_epochs = 3;
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 0, 10), 0.25);
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 2, 10), 0.75);
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 3, 10), 1.0);
  c.schedule = "cosine";
  EXPECT_DOUBLE_EQ(LearningRateAt(c, 3, 10), 1.0);
}

TEST(OptimConfigTest, RejectsBadValues) {
  auto code = [](auto mutate) {
    OptimConfig c;
    mutate(c);
    return ValidateOptimConfig(c).code();
  };
  EXPECT_EQ(code([](OptimConfig&) {}), StatusCode::kOk);
  EXPECT_EQ(code([](OptimConfig& c) { c.optimizer = "lion"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](OptimConfig& c) { c.schedule = "linear"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](OptimConfig& c) { c.lr = 0; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](OptimConfig& c) { c.lr = NAN; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](OptimConfig& c) { c.weight_decay = -1; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(code([](OptimConfig& c) {
              c.optimizer = "sgd";
              c.momentum = 0;
              c.nesterov = true;
            }),
            StatusCode::kInvalidArgument);
  torch::nn::Linear fc(2, 2);
  OptimConfig bad;
  bad.optimizer = "adam";
  EXPECT_EQ(MakeOptimizer(fc->parameters(), bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(OptimTest, SetLearningRate) {
  torch::nn::Linear fc(2, 2);
  OptimConfig c;
  c.optimizer = "sgd";
  auto opt = MakeOptimizer(fc->parameters(), c);
  ASSERT_TRUE(opt.ok());
  SetLearningRate(**opt, 0.125);
  EXPECT_DOUBLE_EQ((*opt)->param_groups()[0].options().get_lr(), 0.125);
}

// Steps a small regression model `steps` times on fixed data.
void Train(torch::nn::Linear& fc, torch::optim::Optimizer& opt, int steps, int salt) {
  at::Tensor x = torch::arange(12, torch::kFloat).reshape({4, 3}) / 10 + salt;
  at::Tensor y = torch::arange(8, torch::kFloat).reshape({4, 2}) / 7;
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    at::Tensor loss = (fc->forward(x) - y).pow(2).mean();
    loss.backward();
    opt.step();
  }
}

// Saving after some steps and loading into a fresh optimizer over a copy of the weights must
// give exactly the weights that continuing with the original optimizer gives.
void ExpectResumeIsExact(OptimConfig c) {
  torch::manual_seed(1);
  torch::nn::Linear a(3, 2);
  std::vector<at::Tensor> a_params = a->parameters();
  auto opt_a = MakeOptimizer(a_params, c);
  ASSERT_TRUE(opt_a.ok());
  Train(a, **opt_a, 3, 0);
  Result<std::string> state = SaveOptimizerState(**opt_a, a_params);
  ASSERT_TRUE(state.ok()) << state.status().ToString();

  torch::nn::Linear b(3, 2);
  {
    torch::NoGradGuard no_grad;
    b->weight.copy_(a->weight);
    b->bias.copy_(a->bias);
  }
  std::vector<at::Tensor> b_params = b->parameters();
  auto opt_b = MakeOptimizer(b_params, c);
  ASSERT_TRUE(opt_b.ok());
  Status loaded = LoadOptimizerState(**opt_b, b_params, *state);
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_EQ(*SaveOptimizerState(**opt_b, b_params), *state);

  Train(a, **opt_a, 4, 1);
  Train(b, **opt_b, 4, 1);
  EXPECT_TRUE(torch::equal(a->weight, b->weight));
  EXPECT_TRUE(torch::equal(a->bias, b->bias));

  // Without the state the continuation differs (the test would be vacuous otherwise).
  torch::nn::Linear fresh(3, 2);
  {
    torch::NoGradGuard no_grad;
    fresh->weight.copy_(b->weight);
  }
  auto opt_c = MakeOptimizer(fresh->parameters(), c);
  Train(fresh, **opt_c, 1, 1);
  Train(b, **opt_b, 1, 1);
  EXPECT_FALSE(torch::equal(fresh->weight, b->weight));
}

TEST(OptimStateTest, SgdMomentumResumesExactly) {
  OptimConfig c;
  c.optimizer = "sgd";
  c.lr = 0.1;
  c.momentum = 0.9;
  c.nesterov = true;
  c.weight_decay = 1e-3;
  ExpectResumeIsExact(c);
}

TEST(OptimStateTest, AdamWResumesExactly) {
  OptimConfig c;
  c.optimizer = "adamw";
  c.lr = 0.01;
  c.weight_decay = 0.01;
  ExpectResumeIsExact(c);
}

TEST(OptimStateTest, AdamWStateLayout) {
  torch::nn::Linear fc(3, 2);
  std::vector<at::Tensor> params = fc->parameters();
  auto opt = MakeOptimizer(params, OptimConfig{});
  Train(fc, **opt, 2, 0);
  const std::string saved = *SaveOptimizerState(**opt, params);  // outlives the File's views
  safetensors::File file = *safetensors::File::Parse(saved);
  EXPECT_EQ(file.metadata().at("optimizer"), "adamw");
  EXPECT_EQ(file.metadata().at("num_params"), "2");
  ASSERT_NE(file.Find("0.step"), nullptr);
  EXPECT_EQ(file.Find("0.step")->dtype, safetensors::DType::kI64);
  EXPECT_EQ(file.Find("0.exp_avg")->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_NE(file.Find("1.exp_avg_sq"), nullptr);
}

TEST(OptimStateTest, RejectsStateOfAnotherOptimizer) {
  torch::nn::Linear fc(3, 2);
  std::vector<at::Tensor> params = fc->parameters();
  OptimConfig sgd;
  sgd.optimizer = "sgd";
  auto opt_sgd = MakeOptimizer(params, sgd);
  Train(fc, **opt_sgd, 1, 0);
  std::string sgd_state = *SaveOptimizerState(**opt_sgd, params);
  auto opt_adamw = MakeOptimizer(params, OptimConfig{});
  EXPECT_EQ(LoadOptimizerState(**opt_adamw, params, sgd_state).code(),
            StatusCode::kInvalidArgument);
  std::vector<at::Tensor> one = {params[0]};
  EXPECT_EQ(LoadOptimizerState(**opt_sgd, one, sgd_state).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadOptimizerState(**opt_sgd, params, "junk").code(), StatusCode::kInvalidArgument);
  // Shapes must match the parameters.
  std::vector<at::Tensor> swapped = {params[1], params[0]};
  EXPECT_EQ(LoadOptimizerState(**opt_sgd, swapped, sgd_state).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace easel::train::torch_util
