#include "train/trainers/torch_common/checkpoint.h"

#include <charconv>

#include "common/safetensors.h"

namespace easel::train::torch_util {
namespace {

constexpr std::string_view kBlobPrefix = "blob.";

void AddBytes(safetensors::Writer& writer, std::string name, std::string_view bytes) {
  // Cannot fail: the shape is derived from the size and the names are unique by construction.
  writer.Add(std::move(name), safetensors::DType::kU8, {static_cast<int64_t>(bytes.size())}, bytes)
      .IgnoreError();
}

Result<std::string> GetBytes(const safetensors::TensorInfo& info) {
  if (info.dtype != safetensors::DType::kU8 || info.shape.size() != 1) {
    return InvalidArgument("checkpoint entry '" + info.name + "' is not a byte string");
  }
  return std::string(info.data);
}

}  // namespace

std::string EncodeCheckpoint(const TrainCheckpoint& c) {
  safetensors::Writer writer;
  AddBytes(writer, "model_state", c.model_state);
  AddBytes(writer, "optimizer_state", c.optimizer_state);
  for (const auto& [name, bytes] : c.blobs) {
    AddBytes(writer, std::string(kBlobPrefix) + name, bytes);
  }
  writer.SetMetadata({{"easel_checkpoint", std::string(kCheckpointVersion)},
                      {"epoch", std::to_string(c.epoch)},
                      {"extra", DumpJson(c.extra)}});
  return writer.Finish();
}

Result<TrainCheckpoint> DecodeCheckpoint(std::string_view bytes) {
  Result<safetensors::File> parsed = safetensors::File::Parse(bytes);
  if (!parsed.ok()) {
    return InvalidArgument("checkpoint is damaged: " + parsed.status().message());
  }
  const safetensors::File& file = *parsed;
  const auto& meta = file.metadata();
  auto version = meta.find("easel_checkpoint");
  if (version == meta.end()) return InvalidArgument("not an easel training checkpoint");
  if (version->second != kCheckpointVersion) {
    return InvalidArgument("checkpoint version " + version->second + " is not supported");
  }
  TrainCheckpoint c;
  auto epoch = meta.find("epoch");
  if (epoch == meta.end()) return InvalidArgument("checkpoint has no epoch");
  const std::string& e = epoch->second;
  auto [ptr, ec] = std::from_chars(e.data(), e.data() + e.size(), c.epoch);
  if (ec != std::errc() || ptr != e.data() + e.size() || c.epoch < 0) {
    return InvalidArgument("checkpoint epoch '" + e + "' is not a count");
  }
  auto extra = meta.find("extra");
  if (extra != meta.end()) {
    Result<Json> json = ParseJson(extra->second);
    if (!json.ok() || !json->is_object()) {
      return InvalidArgument("checkpoint 'extra' is not a JSON object");
    }
    c.extra = std::move(*json);
  }
  for (const safetensors::TensorInfo& info : file.tensors()) {
    EASEL_ASSIGN_OR_RETURN(std::string value, GetBytes(info));
    if (info.name == "model_state") {
      c.model_state = std::move(value);
    } else if (info.name == "optimizer_state") {
      c.optimizer_state = std::move(value);
    } else if (info.name.starts_with(kBlobPrefix) && info.name.size() > kBlobPrefix.size()) {
      c.blobs.emplace(info.name.substr(kBlobPrefix.size()), std::move(value));
    } else {
      return InvalidArgument("checkpoint has an unknown entry '" + info.name + "'");
    }
  }
  if (file.Find("model_state") == nullptr) return InvalidArgument("checkpoint has no model_state");
  return c;
}

}  // namespace easel::train::torch_util
