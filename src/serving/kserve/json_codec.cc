#include "serving/kserve/json_codec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/append_read.h"
#include "common/json.h"

namespace easel::serving::kserve {

// Tensor::data is little-endian; packing host values with memcpy is only right on such a host.
static_assert(std::endian::native == std::endian::little, "easel assumes a little-endian host");

namespace {

std::string ShapeText(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

// The request's JSON, read by simdjson: an order of magnitude faster than building a
// nlohmann::json tree, which at one-row requests was the largest cost of an infer call.
using Value = simdjson::dom::element;
using ValueType = simdjson::dom::element_type;

bool IsInteger(Value v) {
  return v.type() == ValueType::INT64 || v.type() == ValueType::UINT64;
}

// A value known to be an array or an object, as one (by value: the result it comes from is a
// temporary).
simdjson::dom::array ArrayOf(Value v) { return v.get_array().value_unsafe(); }
simdjson::dom::object ObjectOf(Value v) { return v.get_object().value_unsafe(); }

// Member `key` of an object.
std::optional<Value> Member(Value object, std::string_view key) {
  Value v;
  if (ObjectOf(object).at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// A value as nlohmann::json, for parameters the request carries along. `budget` caps the
// elements converted (a snippet of a huge array needs only its start).
Json ToJson(Value v, size_t& budget) {
  if (budget == 0) return Json();
  --budget;
  switch (v.type()) {
    case ValueType::ARRAY: {
      Json out = Json::array();
      for (Value child : ArrayOf(v)) {
        if (budget == 0) break;
        out.push_back(ToJson(child, budget));
      }
      return out;
    }
    case ValueType::OBJECT: {
      Json out = Json::object();
      for (auto field : ObjectOf(v)) {
        if (budget == 0) break;
        out[std::string(field.key)] = ToJson(field.value, budget);
      }
      return out;
    }
    case ValueType::INT64:
      return v.get_int64().value_unsafe();
    case ValueType::UINT64:
      return v.get_uint64().value_unsafe();
    case ValueType::DOUBLE:
      return v.get_double().value_unsafe();
    case ValueType::STRING:
      return std::string(v.get_string().value_unsafe());
    case ValueType::BOOL:
      return v.get_bool().value_unsafe();
    case ValueType::NULL_VALUE:
      return nullptr;
  }
  return Json();
}

Json ToJson(Value v) {
  size_t unlimited = SIZE_MAX;
  return ToJson(v, unlimited);
}

// A client's value quoted in an error, cut short so a huge array cannot flood the message.
std::string Snippet(Value value) {
  size_t budget = 64;
  std::string text = DumpJson(ToJson(value, budget));
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// A non-negative JSON integer that fits int64_t, else nullopt.
std::optional<int64_t> AsCount(Value value) {
  if (value.type() != ValueType::INT64) return std::nullopt;  // UINT64: above INT64_MAX
  const int64_t v = value.get_int64().value_unsafe();
  return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
}

// Each input and output is a JSON object.
Status MustBeObject(Value item, std::string_view kind, size_t index) {
  if (item.is_object()) return OkStatus();
  return InvalidArgument(fmt::format("{} {} must be a JSON object", kind, index));
}

// The 'name' of the index-th input or output: a non-empty string.
Result<std::string_view> ItemName(const std::optional<Value>& name, std::string_view kind,
                                  size_t index) {
  if (!name || !name->is_string() || name->get_string().value_unsafe().empty()) {
    return InvalidArgument(fmt::format("{} {}: 'name' must be a non-empty string", kind, index));
  }
  return name->get_string().value_unsafe();
}

template <typename T>
void Pack(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Rounds a double to half precision once. Going through a plain float cast would round twice and
// can land on the wrong side of a tie (1 + 2^-11 + 2^-40 would become 1, not 1 + 2^-10), so the
// float step rounds to odd instead: truncate and keep a sticky bit, which float's 13 spare bits
// carry safely into FloatToHalf's single correct rounding.
uint16_t DoubleToHalf(double value) {
  float f = static_cast<float>(value);
  if (static_cast<double>(f) != value) {
    if (std::fabs(static_cast<double>(f)) > std::fabs(value)) f = std::nextafter(f, 0.0f);
    f = std::bit_cast<float>(std::bit_cast<uint32_t>(f) | 1u);
  }
  return FloatToHalf(f);
}

// Calls fn with a zero of the C++ type that stores `type`'s elements; `type` must be one of the
// eight integer datatypes.
template <typename Fn>
auto VisitIntegerType(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kUint8:
      return fn(uint8_t{0});
    case DataType::kUint16:
      return fn(uint16_t{0});
    case DataType::kUint32:
      return fn(uint32_t{0});
    case DataType::kUint64:
      return fn(uint64_t{0});
    case DataType::kInt8:
      return fn(int8_t{0});
    case DataType::kInt16:
      return fn(int16_t{0});
    case DataType::kInt32:
      return fn(int32_t{0});
    default:
      return fn(int64_t{0});
  }
}

template <typename T>
Status PackInteger(Value value, DataType type, std::string_view what, std::string& out) {
  if (!IsInteger(value)) {
    return InvalidArgument(fmt::format("{}: {} data must be integers, got {}", what,
                                       DataTypeName(type), Snippet(value)));
  }
  const bool is_unsigned = value.type() == ValueType::UINT64;
  bool in_range;
  if (is_unsigned) {
    in_range = value.get_uint64().value_unsafe() <=
               static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else {
    const int64_t v = value.get_int64().value_unsafe();
    in_range =
        v < 0 ? v >= static_cast<int64_t>(std::numeric_limits<T>::min())
              : static_cast<uint64_t>(v) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  }
  if (!in_range) {
    return InvalidArgument(fmt::format("{}: value {} is out of range for {}", what, Snippet(value),
                                       DataTypeName(type)));
  }
  Pack<T>(out, is_unsigned ? static_cast<T>(value.get_uint64().value_unsafe())
                           : static_cast<T>(value.get_int64().value_unsafe()));
  return OkStatus();
}

// One look at the type: is_number() tries each number type's getter in turn, which in a large
// tensor costs more than the parse.
bool IsNumber(ValueType kind) {
  return kind == ValueType::DOUBLE || kind == ValueType::INT64 || kind == ValueType::UINT64;
}

// The smallest magnitude that rounds to infinity in a floating `type`: halfway past its largest
// finite value.
double RangeLimit(DataType type) {
  return type == DataType::kFp16   ? 65520.0
         : type == DataType::kFp32 ? 0x1.ffffffp127
                                   : std::numeric_limits<double>::infinity();
}

Status PackFloat(Value value, DataType type, std::string_view what, std::string& out) {
  if (!IsNumber(value.type())) {
    return InvalidArgument(fmt::format("{}: {} data must be numbers, got {}", what,
                                       DataTypeName(type), Snippet(value)));
  }
  const double v = value.get_double().value_unsafe();
  if (!std::isfinite(v) || std::fabs(v) >= RangeLimit(type)) {
    return InvalidArgument(fmt::format("{}: value {} is out of range for {}", what, Snippet(value),
                                       DataTypeName(type)));
  }
  if (type == DataType::kFp16) {
    Pack<uint16_t>(out, DoubleToHalf(v));
  } else if (type == DataType::kFp32) {
    Pack<float>(out, static_cast<float>(v));
  } else {
    Pack<double>(out, v);
  }
  return OkStatus();
}

Status PackElement(Value value, Tensor& tensor, std::string_view what) {
  std::string& out = tensor.data;
  switch (tensor.datatype) {
    case DataType::kBool:
      if (!value.is_bool()) {
        return InvalidArgument(
            fmt::format("{}: BOOL data must be true or false, got {}", what, Snippet(value)));
      }
      out.push_back(value.get_bool().value_unsafe() ? 1 : 0);
      return OkStatus();
    case DataType::kFp16:
    case DataType::kFp32:
    case DataType::kFp64:
      return PackFloat(value, tensor.datatype, what, out);
    case DataType::kBytes:
      if (!value.is_string()) {
        return InvalidArgument(
            fmt::format("{}: BYTES data must be strings, got {}", what, Snippet(value)));
      }
      tensor.strings.emplace_back(value.get_string().value_unsafe());
      return OkStatus();
    default:
      return VisitIntegerType(tensor.datatype, [&](auto zero) {
        return PackInteger<decltype(zero)>(value, tensor.datatype, what, out);
      });
  }
}

// Nested arrays flatten row-major; their depth is bounded by the JSON depth limit.
void CountLeaves(Value node, int64_t& count) {
  if (!node.is_array()) {
    ++count;
    return;
  }
  for (Value child : ArrayOf(node)) CountLeaves(child, count);
}

Status PackLeaves(Value node, Tensor& tensor, std::string_view what) {
  if (!node.is_array()) return PackElement(node, tensor, what);
  for (Value child : ArrayOf(node)) {
    EASEL_RETURN_IF_ERROR(PackLeaves(child, tensor, what));
  }
  return OkStatus();
}

// FP32 and FP64 data, the common case, written straight into `out` (room for every leaf):
// one look at each element's type, none of PackElement's dispatch and appends. An element that
// is not a number within the type's range takes PackElement's way, which says why.
template <typename T>
Status PackFloats(Value node, Tensor& tensor, char*& out, std::string_view what) {
  const double limit = RangeLimit(tensor.datatype);
  for (Value child : ArrayOf(node)) {
    const ValueType kind = child.type();
    if (kind == ValueType::ARRAY) {
      EASEL_RETURN_IF_ERROR(PackFloats<T>(child, tensor, out, what));
      continue;
    }
    const bool number = IsNumber(kind);
    const double v = number ? child.get_double().value_unsafe() : 0;
    if (number && std::fabs(v) < limit) {
      const T value = static_cast<T>(v);
      std::memcpy(out, &value, sizeof value);
    } else {
      std::string packed;
      EASEL_RETURN_IF_ERROR(PackFloat(child, tensor.datatype, what, packed));
      std::memcpy(out, packed.data(), sizeof(T));
    }
    out += sizeof(T);
  }
  return OkStatus();
}

Status DecodeJsonData(Value data, int64_t count, Tensor& tensor, std::string_view what) {
  if (!data.is_array()) return InvalidArgument(fmt::format("{}: 'data' must be an array", what));
  // Counting first means the declared shape never sizes an allocation the body does not back.
  int64_t leaves = 0;
  CountLeaves(data, leaves);
  if (leaves != count) {
    return InvalidArgument(fmt::format("{}: shape {} has {} elements but data has {}", what,
                                       ShapeText(tensor.shape), count, leaves));
  }
  if (tensor.datatype == DataType::kFp32 || tensor.datatype == DataType::kFp64) {
    tensor.data.resize(static_cast<size_t>(count) * ElementSize(tensor.datatype));
    char* out = tensor.data.data();
    return tensor.datatype == DataType::kFp32 ? PackFloats<float>(data, tensor, out, what)
                                              : PackFloats<double>(data, tensor, out, what);
  }
  if (tensor.datatype == DataType::kBytes) {
    tensor.strings.reserve(static_cast<size_t>(count));
  } else {
    tensor.data.reserve(static_cast<size_t>(count) * ElementSize(tensor.datatype));
  }
  return PackLeaves(data, tensor, what);
}

// "input 'x'", the prefix of an input's errors. Built for every input of every request, so
// without fmt; short names fit the string's own buffer.
std::string InputWhat(const std::string& name) { return "input '" + name + "'"; }

// An input read from the JSON header; one with binary_size still waits for its bytes.
struct PendingInput {
  Tensor tensor;
  int64_t count = 0;
  std::optional<uint64_t> binary_size;
};

// How much room a streamed input's bytes get at a time: memory is backed only as the bytes
// arrive, so a client that declares a large tensor and sends little of it costs little.
constexpr size_t kStreamPiece = 1 << 20;

// The binary section as the inputs take their bytes from it: bytes in memory, or a reader.
class Section {
 public:
  explicit Section(std::string_view bytes) : bytes_(bytes), remaining_(bytes.size()) {}
  explicit Section(const BinaryReader& reader) : reader_(&reader), remaining_(reader.size) {}

  uint64_t remaining() const { return remaining_; }

  // The next `n` bytes (at most remaining()) as `out`'s contents.
  Status ReadInto(size_t n, std::string& out) {
    if (reader_ == nullptr) {
      out.assign(Consume(n));
      return OkStatus();
    }
    remaining_ -= n;
    out.clear();
    return AppendRead(out, n, kStreamPiece, reader_->read);
  }
  // The next `n` bytes (at most remaining()): in place when in memory, else read into `scratch`.
  Result<std::string_view> Next(size_t n, std::string& scratch) {
    if (reader_ == nullptr) return Consume(n);
    EASEL_RETURN_IF_ERROR(ReadInto(n, scratch));
    return std::string_view(scratch);
  }

 private:
  std::string_view Consume(size_t n) {
    const std::string_view bytes = bytes_.substr(0, n);
    bytes_.remove_prefix(n);
    remaining_ -= n;
    return bytes;
  }

  std::string_view bytes_;
  const BinaryReader* reader_ = nullptr;
  uint64_t remaining_ = 0;
};

Status TakeBinary(PendingInput& input, Section& section) {
  Tensor& tensor = input.tensor;
  const std::string what = InputWhat(tensor.name);
  const uint64_t size = *input.binary_size;
  if (tensor.datatype != DataType::kBytes) {
    const size_t element_size = ElementSize(tensor.datatype);
    if (size % element_size != 0 || size / element_size != static_cast<uint64_t>(input.count)) {
      return InvalidArgument(fmt::format(
          "{}: binary_data_size is {} but shape {} of {} needs {} elements of {} bytes", what, size,
          ShapeText(tensor.shape), DataTypeName(tensor.datatype), input.count, element_size));
    }
  }
  if (size > section.remaining()) {
    return InvalidArgument(
        fmt::format("{}: binary data ends early: binary_data_size is {} but {} bytes remain", what,
                    size, section.remaining()));
  }
  if (tensor.datatype != DataType::kBytes) return section.ReadInto(size, tensor.data);
  std::string scratch;
  EASEL_ASSIGN_OR_RETURN(std::string_view bytes, section.Next(size, scratch));
  return SetRawData(tensor, bytes, input.count, what);
}

// The members of an input object that the protocol defines, found in one pass over its fields
// (a request may carry one input per column, so this runs many times per request). A repeated
// key counts once, at its first occurrence.
struct InputFields {
  std::optional<Value> name, shape, datatype, parameters, data;
};

InputFields FieldsOf(Value input) {
  InputFields f;
  for (auto field : ObjectOf(input)) {
    const std::string_view key = field.key;
    std::optional<Value>* slot = key == "name"         ? &f.name
                                 : key == "shape"      ? &f.shape
                                 : key == "datatype"   ? &f.datatype
                                 : key == "data"       ? &f.data
                                 : key == "parameters" ? &f.parameters
                                                       : nullptr;
    if (slot && !*slot) *slot = field.value;
  }
  return f;
}

Result<PendingInput> ParseInput(Value input, size_t index, const CodecLimits& limits) {
  EASEL_RETURN_IF_ERROR(MustBeObject(input, "input", index));
  const InputFields fields = FieldsOf(input);
  PendingInput pending;
  Tensor& tensor = pending.tensor;
  EASEL_ASSIGN_OR_RETURN(std::string_view name, ItemName(fields.name, "input", index));
  tensor.name = name;
  const std::string what = InputWhat(tensor.name);

  const std::optional<Value>& shape = fields.shape;
  if (!shape) return InvalidArgument(fmt::format("{}: 'shape' is required", what));
  if (!shape->is_array()) {
    return InvalidArgument(fmt::format("{}: 'shape' must be an array of integers", what));
  }
  for (Value dim : ArrayOf(*shape)) {
    if (!IsInteger(dim)) {
      return InvalidArgument(
          fmt::format("{}: 'shape' must be an array of integers, got {}", what, Snippet(dim)));
    }
    if (dim.type() == ValueType::UINT64) {
      return InvalidArgument(fmt::format("{}: dimension {} is too large", what, Snippet(dim)));
    }
    tensor.shape.push_back(dim.get_int64().value_unsafe());
  }

  const std::optional<Value>& datatype = fields.datatype;
  if (!datatype) return InvalidArgument(fmt::format("{}: 'datatype' is required", what));
  if (!datatype->is_string()) {
    return InvalidArgument(fmt::format("{}: 'datatype' must be a string", what));
  }
  Result<DataType> parsed_type = ParseDataType(datatype->get_string().value_unsafe());
  if (!parsed_type.ok()) {
    return InvalidArgument(fmt::format("{}: {}", what, parsed_type.status().message()));
  }
  tensor.datatype = *parsed_type;

  if (const std::optional<Value>& params = fields.parameters) {
    if (!params->is_object()) {
      return InvalidArgument(fmt::format("{}: 'parameters' must be an object", what));
    }
    if (std::optional<Value> size = Member(*params, "binary_data_size")) {
      if (!AsCount(*size)) {
        return InvalidArgument(
            fmt::format("{}: parameters.binary_data_size must be a non-negative integer", what));
      }
      pending.binary_size = static_cast<uint64_t>(*AsCount(*size));
    }
    // binary_data_size describes this request's framing, not the tensor: it goes no further.
    if (ObjectOf(*params).size() > (pending.binary_size ? 1u : 0u)) {
      tensor.parameters = ToJson(*params);
      tensor.parameters.erase("binary_data_size");
    }
  }

  EASEL_ASSIGN_OR_RETURN(pending.count,
                         CheckedElementCount(tensor.shape, limits.max_elements, what));
  const std::optional<Value>& data = fields.data;
  if (data && pending.binary_size) {
    return InvalidArgument(fmt::format("{} has both 'data' and parameters.binary_data_size", what));
  }
  if (!data && !pending.binary_size) {
    return InvalidArgument(
        fmt::format("{} has neither 'data' nor parameters.binary_data_size", what));
  }
  if (data) EASEL_RETURN_IF_ERROR(DecodeJsonData(*data, pending.count, tensor, what));
  return pending;
}

Result<RequestedOutput> ParseOutput(Value output, size_t index, bool default_binary) {
  RequestedOutput requested;
  EASEL_RETURN_IF_ERROR(MustBeObject(output, "output", index));
  EASEL_ASSIGN_OR_RETURN(std::string_view name, ItemName(Member(output, "name"), "output", index));
  requested.name = name;
  requested.binary = default_binary;
  std::optional<Value> params = Member(output, "parameters");
  if (!params) return requested;
  if (!params->is_object()) {
    return InvalidArgument(
        fmt::format("output '{}': 'parameters' must be an object", requested.name));
  }
  if (std::optional<Value> binary = Member(*params, "binary_data")) {
    if (!binary->is_bool()) {
      return InvalidArgument(
          fmt::format("output '{}': parameters.binary_data must be a boolean", requested.name));
    }
    requested.binary = binary->get_bool().value_unsafe();
  }
  if (std::optional<Value> classes = Member(*params, "classification")) {
    std::optional<int64_t> class_count = AsCount(*classes);
    if (!class_count) {
      return InvalidArgument(fmt::format(
          "output '{}': parameters.classification must be a non-negative integer", requested.name));
    }
    requested.class_count = *class_count;
  }
  return requested;
}

// Headers up to this size parse with the calling thread's parser, which keeps its buffers
// between requests; larger ones get a parser of their own, so no thread holds on to the
// memory of one huge request. A parser needs about 14 bytes per document byte, and every HTTP
// and gRPC thread may hold one: 64 KB keeps that under 1 MB per thread.
constexpr size_t kReusedParserBytes = 64 << 10;

// Parses `text` into `parser`. The same errors as ParseJson: simdjson says neither where a
// malformed document goes wrong nor accepts integers beyond 64 bits, so those documents go
// through ParseJson for its answer.
Result<Value> ParseDocument(simdjson::dom::parser& parser, std::string_view text, int max_depth) {
  // simdjson counts the depth of a scalar inside n containers as n + 1.
  const size_t depth = static_cast<size_t>(std::max(0, max_depth)) + 1;
  // parse() grows the buffers as documents need; the depth limit is set here.
  if (parser.max_depth() != depth &&
      parser.allocate(std::max<size_t>(text.size(), 1), depth) != simdjson::SUCCESS) {
    return ResourceExhausted("cannot allocate memory to parse the request");
  }
  Value root;
  const simdjson::error_code error = parser.parse(text.data(), text.size()).get(root);
  if (error == simdjson::SUCCESS) return root;
  if (error == simdjson::DEPTH_ERROR) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("JSON nesting is deeper than the limit of {}", max_depth),
                  Json{{"max_depth", max_depth}});
  }
  Result<Json> again = ParseJson(text, max_depth);
  if (!again.ok()) return again.status();
  return InvalidArgument("a number in the request does not fit 64 bits");
}

Result<InferRequest> ParseRequest(std::string_view header, Section& section,
                                  const CodecLimits& limits) {
  thread_local simdjson::dom::parser reused;
  std::optional<simdjson::dom::parser> own;
  simdjson::dom::parser& parser = header.size() <= kReusedParserBytes ? reused : own.emplace();
  EASEL_ASSIGN_OR_RETURN(Value root, ParseDocument(parser, header, limits.max_json_depth));
  if (!root.is_object()) return InvalidArgument("infer request body must be a JSON object");

  InferRequest request;
  if (std::optional<Value> id = Member(root, "id")) {
    if (!id->is_string()) return InvalidArgument("'id' must be a string");
    request.id = std::string(id->get_string().value_unsafe());
  }
  if (std::optional<Value> params = Member(root, "parameters")) {
    if (!params->is_object()) return InvalidArgument("'parameters' must be an object");
    if (std::optional<Value> binary_output = Member(*params, "binary_data_output")) {
      if (!binary_output->is_bool()) {
        return InvalidArgument("parameters.binary_data_output must be a boolean");
      }
      request.binary_outputs = binary_output->get_bool().value_unsafe();
    }
    request.parameters = ToJson(*params);
  }

  std::optional<Value> inputs = Member(root, "inputs");
  if (!inputs) return InvalidArgument("'inputs' is required");
  if (!inputs->is_array() || ArrayOf(*inputs).size() == 0) {
    return InvalidArgument("'inputs' must be a non-empty array");
  }
  std::vector<PendingInput> pending;
  pending.reserve(ArrayOf(*inputs).size());
  size_t index = 0;
  for (Value item : ArrayOf(*inputs)) {
    EASEL_ASSIGN_OR_RETURN(PendingInput input, ParseInput(item, index++, limits));
    pending.push_back(std::move(input));
  }
  // Duplicate names, found by sorting (a request may carry one input per column).
  std::vector<std::string_view> names;
  names.reserve(pending.size());
  for (const PendingInput& input : pending) names.push_back(input.tensor.name);
  std::sort(names.begin(), names.end());
  if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
    return InvalidArgument(fmt::format("input '{}' appears more than once", *twice));
  }
  for (PendingInput& input : pending) {
    if (input.binary_size) EASEL_RETURN_IF_ERROR(TakeBinary(input, section));
  }
  if (section.remaining() != 0) {
    return InvalidArgument(fmt::format(
        "binary section has {} bytes left over after the last binary input", section.remaining()));
  }
  request.inputs.reserve(pending.size());
  for (PendingInput& input : pending) request.inputs.push_back(std::move(input.tensor));

  if (std::optional<Value> outputs = Member(root, "outputs")) {
    if (!outputs->is_array()) return InvalidArgument("'outputs' must be an array");
    std::set<std::string, std::less<>> output_names;
    index = 0;
    for (Value item : ArrayOf(*outputs)) {
      EASEL_ASSIGN_OR_RETURN(RequestedOutput output,
                             ParseOutput(item, index++, request.binary_outputs));
      if (!output_names.insert(output.name).second) {
        return InvalidArgument(fmt::format("output '{}' is requested more than once", output.name));
      }
      request.outputs.push_back(std::move(output));
    }
  }
  return request;
}

// ---- Response ----

template <typename T>
void AppendNumber(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) {
      out += "null";
      return;
    }
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest form
  const std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  out += text;
  if constexpr (std::is_floating_point_v<T>) {
    // "2" or "-0" would read back as an integer (losing the zero's sign) and reach clients as
    // one, so an integral float keeps a fraction.
    if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
  }
}

template <typename T, typename Convert>
void AppendElements(std::string& out, const std::string& data, Convert convert) {
  const size_t count = data.size() / sizeof(T);
  for (size_t i = 0; i < count; ++i) {
    T value;
    std::memcpy(&value, data.data() + i * sizeof(T), sizeof(T));
    if (i > 0) out.push_back(',');
    convert(out, value);
  }
}

template <typename T>
void AppendNumbers(std::string& out, const std::string& data) {
  AppendElements<T>(out, data, [](std::string& o, T v) { AppendNumber(o, v); });
}

void AppendJsonData(std::string& out, const Tensor& tensor) {
  out.push_back('[');
  const std::string& data = tensor.data;
  switch (tensor.datatype) {
    case DataType::kBool:
      AppendElements<uint8_t>(out, data,
                              [](std::string& o, uint8_t v) { o += v != 0 ? "true" : "false"; });
      break;
    case DataType::kFp16:
      AppendElements<uint16_t>(out, data,
                               [](std::string& o, uint16_t v) { AppendNumber(o, HalfToFloat(v)); });
      break;
    case DataType::kFp32:
      AppendNumbers<float>(out, data);
      break;
    case DataType::kFp64:
      AppendNumbers<double>(out, data);
      break;
    case DataType::kBytes:
      for (size_t i = 0; i < tensor.strings.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += DumpJson(Json(tensor.strings[i]));
      }
      break;
    default:
      VisitIntegerType(tensor.datatype,
                       [&](auto zero) { AppendNumbers<decltype(zero)>(out, data); });
      break;
  }
  out.push_back(']');
}

// ParseRequest checks types before every access, so this only guards against a missed case.
Result<InferRequest> GuardedParse(std::string_view header, Section& section,
                                  const CodecLimits& limits) {
  try {
    return ParseRequest(header, section, limits);
  } catch (const std::exception& e) {
    return InvalidArgument(fmt::format("malformed infer request: {}", e.what()));
  }
}

}  // namespace

Status CheckHeaderLength(size_t header_length, uint64_t body_size) {
  if (header_length <= body_size) return OkStatus();
  return InvalidArgument(
      fmt::format("Inference-Header-Content-Length is {} but the body has only {} bytes",
                  header_length, body_size));
}

Result<InferRequest> ParseInferRequest(std::string_view body, std::optional<size_t> header_length,
                                       const CodecLimits& limits) {
  if (!header_length) {
    Section none{std::string_view()};
    return GuardedParse(body, none, limits);
  }
  EASEL_RETURN_IF_ERROR(CheckHeaderLength(*header_length, body.size()));
  Section section(body.substr(*header_length));
  return GuardedParse(body.substr(0, *header_length), section, limits);
}

Result<InferRequest> ParseInferRequest(std::string_view header, const BinaryReader& binary,
                                       const CodecLimits& limits) {
  Section section(binary);
  return GuardedParse(header, section, limits);
}

EncodedResponse EncodeInferResponse(const InferResponse& response, const InferRequest& request) {
  std::string json = "{\"model_name\":" + DumpJson(Json(response.model_name));
  if (!response.model_version.empty()) {
    json += ",\"model_version\":" + DumpJson(Json(response.model_version));
  }
  if (!response.id.empty()) json += ",\"id\":" + DumpJson(Json(response.id));
  json += ",\"outputs\":[";
  std::string binary;
  bool any_binary = false;
  for (size_t i = 0; i < response.outputs.size(); ++i) {
    const Tensor& output = response.outputs[i];
    bool as_binary = request.binary_outputs;
    for (const RequestedOutput& requested : request.outputs) {
      if (requested.name == output.name) as_binary = requested.binary;
    }
    if (i > 0) json.push_back(',');
    json += "{\"name\":" + DumpJson(Json(output.name));
    json += fmt::format(",\"datatype\":\"{}\",\"shape\":{}", DataTypeName(output.datatype),
                        ShapeText(output.shape));
    Json params = output.parameters.is_object() ? output.parameters : Json::object();
    params.erase("binary_data_size");
    if (as_binary) {
      const size_t before = binary.size();
      AppendRawData(binary, output);
      params["binary_data_size"] = binary.size() - before;
      any_binary = true;
    }
    if (!params.empty()) json += ",\"parameters\":" + DumpJson(params);
    if (!as_binary) {
      json += ",\"data\":";
      AppendJsonData(json, output);
    }
    json.push_back('}');
  }
  json += "]}";

  EncodedResponse encoded;
  if (any_binary) {
    encoded.header_length = json.size();
    json += binary;
  }
  encoded.body = std::move(json);
  return encoded;
}

Result<size_t> ParseHeaderLength(std::string_view value) {
  const std::string_view original = value;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  const bool digits_only = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  size_t length = 0;
  // Digits only, because from_chars would stop quietly at the first junk character.
  if (!digits_only ||
      std::from_chars(value.data(), value.data() + value.size(), length).ec != std::errc()) {
    return InvalidArgument(
        fmt::format("Inference-Header-Content-Length must be a non-negative integer, got '{}'",
                    original.substr(0, 40)));
  }
  return length;
}

}  // namespace easel::serving::kserve
