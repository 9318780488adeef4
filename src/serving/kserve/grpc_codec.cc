#include "serving/kserve/grpc_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

namespace easel::serving::kserve {
namespace {

// Null when there are none, as the JSON codec leaves them (tensor.h).
Json ParametersJson(const google::protobuf::Map<std::string, inference::InferParameter>& params) {
  if (params.empty()) return Json();
  Json out = Json::object();
  for (const auto& [name, p] : params) {
    switch (p.parameter_choice_case()) {
      case inference::InferParameter::kBoolParam:
        out[name] = p.bool_param();
        break;
      case inference::InferParameter::kInt64Param:
        out[name] = p.int64_param();
        break;
      case inference::InferParameter::kStringParam:
        out[name] = p.string_param();
        break;
      default:
        break;
    }
  }
  return out;
}

template <typename T>
void Pack(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Packs typed values into `tensor.data` as `Stored`, checking each fits.
template <typename Stored, typename Values>
Status PackChecked(const Values& values, Tensor& tensor, std::string_view what) {
  tensor.data.reserve(static_cast<size_t>(values.size()) * sizeof(Stored));
  for (const auto v : values) {
    if constexpr (std::is_integral_v<Stored>) {
      if (v < std::numeric_limits<Stored>::min() || v > std::numeric_limits<Stored>::max()) {
        return InvalidArgument(fmt::format("{}: value {} is out of range for {}", what, v,
                                           DataTypeName(tensor.datatype)));
      }
    }
    Pack<Stored>(tensor.data, static_cast<Stored>(v));
  }
  return OkStatus();
}

// The typed contents field a datatype travels in, and its element count.
Status FromContents(const inference::InferTensorContents& c, int64_t count, Tensor& tensor,
                    std::string_view what) {
  auto count_of = [&](int64_t n, const char* field) -> Status {
    if (n == count) return OkStatus();
    return InvalidArgument(
        fmt::format("{}: shape has {} elements but contents.{} has {}", what, count, field, n));
  };
  switch (tensor.datatype) {
    case DataType::kBool:
      EASEL_RETURN_IF_ERROR(count_of(c.bool_contents_size(), "bool_contents"));
      for (bool b : c.bool_contents()) tensor.data.push_back(b ? 1 : 0);
      return OkStatus();
    case DataType::kInt8:
      EASEL_RETURN_IF_ERROR(count_of(c.int_contents_size(), "int_contents"));
      return PackChecked<int8_t>(c.int_contents(), tensor, what);
    case DataType::kInt16:
      EASEL_RETURN_IF_ERROR(count_of(c.int_contents_size(), "int_contents"));
      return PackChecked<int16_t>(c.int_contents(), tensor, what);
    case DataType::kInt32:
      EASEL_RETURN_IF_ERROR(count_of(c.int_contents_size(), "int_contents"));
      return PackChecked<int32_t>(c.int_contents(), tensor, what);
    case DataType::kInt64:
      EASEL_RETURN_IF_ERROR(count_of(c.int64_contents_size(), "int64_contents"));
      return PackChecked<int64_t>(c.int64_contents(), tensor, what);
    case DataType::kUint8:
      EASEL_RETURN_IF_ERROR(count_of(c.uint_contents_size(), "uint_contents"));
      return PackChecked<uint8_t>(c.uint_contents(), tensor, what);
    case DataType::kUint16:
      EASEL_RETURN_IF_ERROR(count_of(c.uint_contents_size(), "uint_contents"));
      return PackChecked<uint16_t>(c.uint_contents(), tensor, what);
    case DataType::kUint32:
      EASEL_RETURN_IF_ERROR(count_of(c.uint_contents_size(), "uint_contents"));
      return PackChecked<uint32_t>(c.uint_contents(), tensor, what);
    case DataType::kUint64:
      EASEL_RETURN_IF_ERROR(count_of(c.uint64_contents_size(), "uint64_contents"));
      return PackChecked<uint64_t>(c.uint64_contents(), tensor, what);
    case DataType::kFp32:
      EASEL_RETURN_IF_ERROR(count_of(c.fp32_contents_size(), "fp32_contents"));
      return PackChecked<float>(c.fp32_contents(), tensor, what);
    case DataType::kFp64:
      EASEL_RETURN_IF_ERROR(count_of(c.fp64_contents_size(), "fp64_contents"));
      return PackChecked<double>(c.fp64_contents(), tensor, what);
    case DataType::kBytes:
      EASEL_RETURN_IF_ERROR(count_of(c.bytes_contents_size(), "bytes_contents"));
      tensor.strings.assign(c.bytes_contents().begin(), c.bytes_contents().end());
      return OkStatus();
    case DataType::kFp16:
      return InvalidArgument(
          fmt::format("{}: FP16 has no typed contents; send it in raw_input_contents", what));
  }
  return InvalidArgument(fmt::format("{}: unsupported datatype", what));
}

}  // namespace

Result<InferRequest> FromProto(inference::ModelInferRequest& request, int64_t max_elements) {
  InferRequest out;
  out.id = request.id();
  out.parameters = ParametersJson(request.parameters());
  if (request.inputs().empty()) return InvalidArgument("the request has no inputs");
  const bool raw = request.raw_input_contents_size() > 0;
  if (raw && request.raw_input_contents_size() != request.inputs_size()) {
    return InvalidArgument(fmt::format(
        "raw_input_contents has {} entries but the request has {} inputs; give one per input",
        request.raw_input_contents_size(), request.inputs_size()));
  }
  // Names are checked for repeats once all are read: one sort instead of a set node per input.
  std::vector<std::string_view> names;
  names.reserve(request.inputs_size());
  out.inputs.reserve(request.inputs_size());
  std::string what;  // names the input in errors; one buffer for all (a row can have many)
  for (int i = 0; i < request.inputs_size(); ++i) {
    const auto& in = request.inputs(i);
    if (in.name().empty()) return InvalidArgument(fmt::format("inputs[{}] has no name", i));
    names.push_back(in.name());
    what.assign("input '").append(in.name()).append("'");
    Tensor t;
    t.name = in.name();
    EASEL_ASSIGN_OR_RETURN(t.datatype, ParseDataType(in.datatype()));
    t.shape.assign(in.shape().begin(), in.shape().end());
    t.parameters = ParametersJson(in.parameters());
    EASEL_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(t.shape, max_elements, what));
    if (raw) {
      if (in.has_contents()) {
        return InvalidArgument(
            fmt::format("{} has contents, but the request sends raw_input_contents", what));
      }
      EASEL_RETURN_IF_ERROR(
          TakeRawData(t, std::move(*request.mutable_raw_input_contents(i)), count, what));
    } else {
      EASEL_RETURN_IF_ERROR(FromContents(in.contents(), count, t, what));
    }
    out.inputs.push_back(std::move(t));
  }
  std::sort(names.begin(), names.end());
  if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
    return InvalidArgument(fmt::format("input '{}' appears more than once", *twice));
  }
  for (const auto& o : request.outputs()) {
    RequestedOutput r;
    r.name = o.name();
    if (auto it = o.parameters().find("classification"); it != o.parameters().end()) {
      if (it->second.parameter_choice_case() != inference::InferParameter::kInt64Param ||
          it->second.int64_param() < 0) {
        return InvalidArgument(fmt::format(
            "output '{}': parameter 'classification' must be a non-negative int64", r.name));
      }
      r.class_count = it->second.int64_param();
    }
    out.outputs.push_back(std::move(r));
  }
  return out;
}

void ToProto(const InferResponse& response, inference::ModelInferResponse& out) {
  out.set_model_name(response.model_name);
  out.set_model_version(response.model_version);
  out.set_id(response.id);
  for (const Tensor& t : response.outputs) {
    auto* o = out.add_outputs();
    o->set_name(t.name);
    o->set_datatype(std::string(DataTypeName(t.datatype)));
    for (int64_t d : t.shape) o->add_shape(d);
    std::string* raw = out.add_raw_output_contents();
    AppendRawData(*raw, t);
  }
}

}  // namespace easel::serving::kserve
