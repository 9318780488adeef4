#include "serving/backend.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "data/transforms/numbers.h"

namespace easel::serving {

void Rows::Append(const Rows& other) {
  count += other.count;
  features.insert(features.end(), other.features.begin(), other.features.end());
  images.insert(images.end(), other.images.begin(), other.images.end());
  pixels.insert(pixels.end(), other.pixels.begin(), other.pixels.end());
}

Result<Rows> Backend::PrepareRecords(std::span<const RecordCells* const>) const {
  return Unimplemented("this model does not read table rows");
}

Result<std::optional<std::string>> RowValueCell(const Json& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (value.is_string()) return std::optional(value.get<std::string>());
  // A float as its shortest text (the number it stands for); an integer, exact at any size,
  // and a boolean as written.
  if (value.is_number_float()) {
    return std::optional(data::transforms::FormatNumber(value.get<double>()));
  }
  if (value.is_number() || value.is_boolean()) return std::optional(value.dump());
  return InvalidArgument("a value must be a number, a string, a boolean or null");
}

std::string BatchShapeText(std::span<const int64_t> dims) {
  std::string out = "[n";
  for (int64_t d : dims) out += ", " + std::to_string(d);
  return out + "]";
}

Result<Rows> FloatRows(const Tensor& t, std::span<const int64_t> dims) {
  if (t.datatype != DataType::kFp32 && t.datatype != DataType::kFp16 &&
      t.datatype != DataType::kFp64) {
    return InvalidArgument("input '" + t.name + "' must be FP32 (or FP16, FP64), not " +
                           std::string(DataTypeName(t.datatype)));
  }
  if (t.shape.size() != dims.size() + 1 ||
      !std::equal(dims.begin(), dims.end(), t.shape.begin() + 1)) {
    std::string got;
    for (int64_t d : t.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    return InvalidArgument("input '" + t.name + "' must have shape " + BatchShapeText(dims) +
                           ", not [" + got + "]");
  }
  Rows rows;
  rows.count = static_cast<size_t>(t.shape[0]);
  EASEL_ASSIGN_OR_RETURN(rows.features, t.ToFloats());
  return rows;
}

namespace {

// "0.931:2:virginica" for each of the k most probable classes of each row.
Tensor Classification(const std::string& name, const std::vector<std::string>& classes,
                      std::span<const float> values, size_t count, int64_t k) {
  const size_t width = classes.size();
  const size_t top = std::min<size_t>(static_cast<size_t>(k), width);
  std::vector<std::string> out;
  out.reserve(count * top);
  std::vector<size_t> order(width);
  for (size_t r = 0; r < count; ++r) {
    const float* p = values.data() + r * width;
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [p](size_t a, size_t b) { return p[a] > p[b]; });
    for (size_t j = 0; j < top; ++j) {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, p[order[j]]);
      out.push_back(std::string(buf, end) + ":" + std::to_string(order[j]) + ":" +
                    classes[order[j]]);
    }
  }
  return Tensor::Bytes(name, {static_cast<int64_t>(count), static_cast<int64_t>(top)},
                       std::move(out));
}

}  // namespace

std::vector<TensorSpec> ClassOutputs(const std::vector<std::string>& classes) {
  if (classes.empty()) return {{"value", "FP32", {-1}}};
  return {{"probabilities", "FP32", {-1, static_cast<int64_t>(classes.size())}},
          {"label", "BYTES", {-1}}};
}

Result<std::vector<Tensor>> MakeOutputs(const ModelMetadata& metadata, const InferRequest& request,
                                        std::span<const float> values, size_t count) {
  const size_t width = count == 0 ? 0 : values.size() / count;
  std::vector<Tensor> all;
  if (!metadata.classes.empty()) {
    all.push_back(Tensor::Fp32("probabilities",
                               {static_cast<int64_t>(count), static_cast<int64_t>(width)}, values));
    std::vector<std::string> labels;
    labels.reserve(count);
    for (size_t r = 0; r < count; ++r) {
      const float* p = values.data() + r * width;
      labels.push_back(metadata.classes[std::max_element(p, p + width) - p]);
    }
    all.push_back(Tensor::Bytes("label", {static_cast<int64_t>(count)}, std::move(labels)));
  } else if (!metadata.tensor_output.empty()) {
    std::vector<int64_t> shape = {static_cast<int64_t>(count)};
    shape.insert(shape.end(), metadata.output_dims.begin(), metadata.output_dims.end());
    all.push_back(Tensor::Fp32(metadata.tensor_output, std::move(shape), values));
  } else {
    all.push_back(Tensor::Fp32("value", {static_cast<int64_t>(count)}, values));
  }
  if (request.outputs.empty()) return all;
  std::vector<Tensor> chosen;
  for (const RequestedOutput& o : request.outputs) {
    auto it =
        std::find_if(all.begin(), all.end(), [&](const Tensor& t) { return t.name == o.name; });
    if (it == all.end()) {
      std::string names;
      for (const Tensor& t : all) names += (names.empty() ? "'" : ", '") + t.name + "'";
      return InvalidArgument("unknown output '" + o.name + "'; the model has " + names);
    }
    if (o.class_count > 0) {
      if (metadata.classes.empty()) {
        return InvalidArgument("output '" + o.name +
                               "': classification needs a classifier; this model predicts values");
      }
      chosen.push_back(Classification(o.name, metadata.classes, values, count, o.class_count));
    } else {
      chosen.push_back(*it);
    }
  }
  return chosen;
}

Status BackendRegistry::Register(const std::string& format, BackendFactory factory) {
  if (!factories_.emplace(format, std::move(factory)).second) {
    return AlreadyExists("a backend for format '" + format + "' is registered already");
  }
  return OkStatus();
}

Result<const BackendFactory*> BackendRegistry::Find(std::string_view format) const {
  auto it = factories_.find(format);
  if (it != factories_.end()) return &it->second;
  std::string known;
  for (const auto& [name, f] : factories_) known += (known.empty() ? "" : ", ") + name;
  return FailedPrecondition("models of format '" + std::string(format) +
                            "' cannot be served; served formats: " + known);
}

}  // namespace easel::serving
