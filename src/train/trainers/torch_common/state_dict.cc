#include "train/trainers/torch_common/state_dict.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <set>
#include <utility>

#include "common/safetensors.h"
#include "train/trainers/torch_common/tensor_io.h"
#include "train/trainers/torch_common/torch_util.h"

namespace easel::train::torch_util {
namespace {

// Parameters then buffers, by dotted name. Names cannot collide: LibTorch refuses to register
// a parameter and a buffer under one name.
std::vector<std::pair<std::string, at::Tensor>> NamedTensors(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : m.named_parameters(/*recurse=*/true)) {
    out.emplace_back(item.key(), item.value());
  }
  for (const auto& item : m.named_buffers(/*recurse=*/true)) {
    if (item.value().defined()) out.emplace_back(item.key(), item.value());
  }
  return out;
}

}  // namespace

Result<std::string> SaveStateDict(const torch::nn::Module& m,
                                  const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  EASEL_RETURN_IF_ERROR(Guard("listing module tensors", [&] { tensors = NamedTensors(m); }));
  safetensors::Writer writer;
  for (auto& [name, tensor] : tensors) {
    EASEL_RETURN_IF_ERROR(AddTensor(writer, name, tensor));
  }
  writer.SetMetadata(metadata);
  return writer.Finish();
}

Result<LoadReport> LoadStateDict(torch::nn::Module& m, std::string_view safetensors_bytes,
                                 LoadMode mode) {
  EASEL_ASSIGN_OR_RETURN(safetensors::File file, safetensors::File::Parse(safetensors_bytes));
  std::vector<std::pair<std::string, at::Tensor>> targets;
  EASEL_RETURN_IF_ERROR(Guard("listing module tensors", [&] { targets = NamedTensors(m); }));

  LoadReport report;
  std::vector<std::pair<at::Tensor, const safetensors::TensorInfo*>> copies;
  std::set<std::string_view> known;
  for (const auto& [name, target] : targets) {
    known.insert(name);
    const safetensors::TensorInfo* info = file.Find(name);
    if (info == nullptr) {
      if (mode == LoadMode::kStrict) {
        return InvalidArgument("weights have no tensor '" + name + "' that the model needs");
      }
      report.missing.push_back(name);
      continue;
    }
    std::vector<int64_t> want = target.sizes().vec();
    if (info->shape != want) {
      if (mode == LoadMode::kStrict) {
        return InvalidArgument("weights tensor '" + name + "' has shape " +
                               c10::str(c10::IntArrayRef(info->shape)) + " but the model needs " +
                               c10::str(c10::IntArrayRef(want)));
      }
      report.skipped.push_back(name);
      continue;
    }
    c10::ScalarType from = ToScalarType(info->dtype);
    if (from != target.scalar_type() &&
        !(c10::isFloatingType(from) && c10::isFloatingType(target.scalar_type()))) {
      return InvalidArgument("weights tensor '" + name + "' has dtype " +
                             std::string(safetensors::DTypeName(info->dtype)) +
                             " but the model needs " + c10::toString(target.scalar_type()));
    }
    copies.emplace_back(target, info);
  }
  for (const safetensors::TensorInfo& info : file.tensors()) {
    if (known.count(info.name) != 0) continue;
    if (mode == LoadMode::kStrict) {
      return InvalidArgument("weights tensor '" + info.name + "' is not part of the model");
    }
    report.unexpected.push_back(info.name);
  }
  if (copies.empty() && !targets.empty()) {
    return InvalidArgument("none of the weights' tensors fit the model");
  }

  for (auto& [target, info] : copies) {
    EASEL_ASSIGN_OR_RETURN(at::Tensor source, ToTensor(*info));
    EASEL_RETURN_IF_ERROR(Guard("loading tensor '" + info->name + "'", [&] {
      torch::NoGradGuard no_grad;
      target.copy_(source);
    }));
  }
  std::sort(report.missing.begin(), report.missing.end());
  std::sort(report.unexpected.begin(), report.unexpected.end());
  std::sort(report.skipped.begin(), report.skipped.end());
  return report;
}

}  // namespace easel::train::torch_util
