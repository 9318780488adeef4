#include "serving/tensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace easel::serving {

// `data` is defined as little-endian; reading it with memcpy is only right on such a host.
static_assert(std::endian::native == std::endian::little, "easel assumes a little-endian host");

namespace {

constexpr std::array<std::pair<DataType, std::string_view>, 13> kDataTypeNames = {{
    {DataType::kBool, "BOOL"},
    {DataType::kUint8, "UINT8"},
    {DataType::kUint16, "UINT16"},
    {DataType::kUint32, "UINT32"},
    {DataType::kUint64, "UINT64"},
    {DataType::kInt8, "INT8"},
    {DataType::kInt16, "INT16"},
    {DataType::kInt32, "INT32"},
    {DataType::kInt64, "INT64"},
    {DataType::kFp16, "FP16"},
    {DataType::kFp32, "FP32"},
    {DataType::kFp64, "FP64"},
    {DataType::kBytes, "BYTES"},
}};

// Elements of type T packed in `data`, each converted to Out.
template <typename T, typename Out>
void AppendAs(const std::string& data, std::vector<Out>& out) {
  for (size_t offset = 0; offset + sizeof(T) <= data.size(); offset += sizeof(T)) {
    T value;
    std::memcpy(&value, data.data() + offset, sizeof(T));
    out.push_back(static_cast<Out>(value));
  }
}

}  // namespace

std::string_view DataTypeName(DataType type) {
  for (const auto& [t, name] : kDataTypeNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

Result<DataType> ParseDataType(std::string_view name) {
  for (const auto& [t, known] : kDataTypeNames) {
    if (known == name) return t;
  }
  std::vector<std::string_view> known;
  for (const auto& entry : kDataTypeNames) known.push_back(entry.second);
  return InvalidArgument(
      fmt::format("unknown datatype '{}'; known datatypes: {}", name, fmt::join(known, ", ")));
}

size_t ElementSize(DataType type) {
  switch (type) {
    case DataType::kBool:
    case DataType::kUint8:
    case DataType::kInt8:
      return 1;
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kFp16:
      return 2;
    case DataType::kUint32:
    case DataType::kInt32:
    case DataType::kFp32:
      return 4;
    case DataType::kUint64:
    case DataType::kInt64:
    case DataType::kFp64:
      return 8;
    case DataType::kBytes:
      return 0;
  }
  return 0;
}

uint16_t FloatToHalf(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) {
    // Keep the top payload bits and force the quiet bit so a NaN never becomes infinity.
    return sign | 0x7e00u | static_cast<uint16_t>((abs >> 13) & 0x3ffu);
  }
  // 65520 is halfway between 65504 (odd mantissa) and 65536, so it and above round to infinity.
  if (abs >= 0x477ff000u) return sign | 0x7c00u;
  if (abs >= 0x38800000u) {  // a normal half (>= 2^-14)
    uint32_t half = ((abs >> 23) - 127 + 15) << 10 | ((abs >> 13) & 0x3ffu);
    const uint32_t rest = abs & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into exponent
    return sign | static_cast<uint16_t>(half);
  }
  // 2^-25 is the tie between zero and the smallest subnormal; it rounds to even (zero).
  if (abs <= 0x33000000u) return sign;
  const uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
  const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
  uint32_t half = mantissa >> shift;
  const uint32_t rest = mantissa & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (half & 1u))) ++half;  // 0x400 is the smallest normal
  return sign | static_cast<uint16_t>(half);
}

float HalfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | mantissa << 13);
  if (exponent == 0) {
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // exact
    return sign != 0 ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | (exponent + 112) << 23 | mantissa << 13);
}

double HalfTextValue(uint16_t half) {
  const double value = HalfToFloat(half);
  if (!std::isfinite(value)) return value;
  auto read_with = [value](int digits) {
    char text[32];
    const char* end =
        std::to_chars(text, text + sizeof text, value, std::chars_format::scientific, digits - 1)
            .ptr;
    double read = 0;
    std::from_chars(text, end, read);
    return read;
  };
  // Five significant digits always read back (a half has 11 bits of mantissa); the first digit
  // count that does, correctly rounded, is the shortest text.
  for (int digits = 1; digits < 5; ++digits) {
    const double read = read_with(digits);
    if (FloatToHalf(static_cast<float>(read)) == half) return read;
  }
  return read_with(5);
}

int64_t Tensor::element_count() const {
  int64_t count = 1;
  for (int64_t dim : shape) {
    // Saturate rather than overflow: callers validate shapes with CheckedElementCount.
    if (__builtin_mul_overflow(count, dim, &count)) return std::numeric_limits<int64_t>::max();
  }
  return count;
}

namespace {

// Every element of `t` as Out: what ToFloats and ToDoubles share.
template <typename Out>
Result<std::vector<Out>> NumbersOf(const Tensor& t) {
  if (t.datatype == DataType::kBytes) {
    return InvalidArgument(fmt::format("tensor '{}' is BYTES and has no numeric values", t.name));
  }
  const std::string& data = t.data;
  const int64_t count = t.element_count();
  const size_t element_size = ElementSize(t.datatype);
  if (count < 0 || data.size() % element_size != 0 ||
      data.size() / element_size != static_cast<uint64_t>(count)) {
    return InvalidArgument(
        fmt::format("tensor '{}': shape [{}] of {} needs {} elements but data holds {} bytes",
                    t.name, fmt::join(t.shape, ","), DataTypeName(t.datatype), count, data.size()));
  }
  std::vector<Out> out;
  out.reserve(static_cast<size_t>(count));
  switch (t.datatype) {
    case DataType::kBool:  // any non-zero byte is true, as in the binary extension
      for (char byte : data) out.push_back(byte != 0 ? 1 : 0);
      break;
    case DataType::kUint8:
      AppendAs<uint8_t>(data, out);
      break;
    case DataType::kUint16:
      AppendAs<uint16_t>(data, out);
      break;
    case DataType::kUint32:
      AppendAs<uint32_t>(data, out);
      break;
    case DataType::kUint64:
      AppendAs<uint64_t>(data, out);
      break;
    case DataType::kInt8:
      AppendAs<int8_t>(data, out);
      break;
    case DataType::kInt16:
      AppendAs<int16_t>(data, out);
      break;
    case DataType::kInt32:
      AppendAs<int32_t>(data, out);
      break;
    case DataType::kInt64:
      AppendAs<int64_t>(data, out);
      break;
    case DataType::kFp16:
      for (size_t offset = 0; offset < data.size(); offset += 2) {
        uint16_t half;
        std::memcpy(&half, data.data() + offset, 2);
        out.push_back(HalfToFloat(half));
      }
      break;
    case DataType::kFp32:
      AppendAs<float>(data, out);
      break;
    case DataType::kFp64:
      AppendAs<double>(data, out);
      break;
    case DataType::kBytes:
      break;
  }
  return out;
}

}  // namespace

Result<std::vector<float>> Tensor::ToFloats() const { return NumbersOf<float>(*this); }

Result<std::vector<double>> Tensor::ToDoubles() const { return NumbersOf<double>(*this); }

Tensor Tensor::Fp32(std::string name, std::vector<int64_t> shape, std::span<const float> values) {
  Tensor tensor;
  tensor.name = std::move(name);
  tensor.datatype = DataType::kFp32;
  tensor.shape = std::move(shape);
  tensor.data.resize(values.size_bytes());
  if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), values.size_bytes());
  return tensor;
}

Tensor Tensor::Bytes(std::string name, std::vector<int64_t> shape,
                     std::vector<std::string> values) {
  Tensor tensor;
  tensor.name = std::move(name);
  tensor.datatype = DataType::kBytes;
  tensor.shape = std::move(shape);
  tensor.strings = std::move(values);
  return tensor;
}

Result<int64_t> CheckedElementCount(std::span<const int64_t> shape, int64_t max_elements,
                                    std::string_view what) {
  bool has_zero = false;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return InvalidArgument(
          fmt::format("{}: negative dimension {} in shape [{}]", what, dim, fmt::join(shape, ",")));
    }
    has_zero = has_zero || dim == 0;
  }
  if (has_zero) return int64_t{0};  // however large the other dimensions
  int64_t count = 1;
  for (int64_t dim : shape) {
    // Dividing instead of multiplying keeps the check itself clear of overflow.
    if (count > max_elements / dim) {
      return InvalidArgument(fmt::format("{}: shape [{}] has more than the limit of {} elements",
                                         what, fmt::join(shape, ","), max_elements));
    }
    count *= dim;
  }
  if (count > max_elements) {  // a scalar with a limit below 1
    return InvalidArgument(fmt::format("{}: shape [{}] has more than the limit of {} elements",
                                       what, fmt::join(shape, ","), max_elements));
  }
  return count;
}

const Tensor* InferRequest::FindInput(std::string_view name) const {
  for (const Tensor& input : inputs) {
    if (input.name == name) return &input;
  }
  return nullptr;
}

namespace {

// BYTES elements as raw data: each a 4-byte little-endian length, then its bytes.
Status DecodeLengthPrefixed(std::string_view bytes, int64_t count, Tensor& tensor,
                            std::string_view what) {
  // Each element takes at least its 4-byte length, which bounds the reservation by the body.
  tensor.strings.reserve(std::min<size_t>(static_cast<size_t>(count), bytes.size() / 4));
  size_t pos = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 4) {
      return InvalidArgument(
          fmt::format("{}: BYTES raw data holds only {} of {} elements ({} bytes)", what, i, count,
                      bytes.size()));
    }
    uint32_t length;
    std::memcpy(&length, bytes.data() + pos, 4);
    pos += 4;
    if (bytes.size() - pos < length) {
      return InvalidArgument(
          fmt::format("{}: BYTES element {} has length {} but only {} bytes of binary_data_size {} "
                      "remain",
                      what, i, length, bytes.size() - pos, bytes.size()));
    }
    tensor.strings.emplace_back(bytes.substr(pos, length));
    pos += length;
  }
  if (pos != bytes.size()) {
    return InvalidArgument(
        fmt::format("{}: BYTES raw data has {} bytes left over after {} elements", what,
                    bytes.size() - pos, count));
  }
  return OkStatus();
}

// INVALID_ARGUMENT unless `size` bytes hold exactly `count` of the tensor's fixed-size elements.
Status CheckRawSize(const Tensor& tensor, size_t size, int64_t count, std::string_view what) {
  const size_t element_size = ElementSize(tensor.datatype);
  if (size % element_size != 0 || size / element_size != static_cast<uint64_t>(count)) {
    return InvalidArgument(fmt::format("{}: {} bytes of raw data, but {} elements of {} need {}",
                                       what, size, count, DataTypeName(tensor.datatype),
                                       static_cast<uint64_t>(count) * element_size));
  }
  return OkStatus();
}

}  // namespace

Status SetRawData(Tensor& tensor, std::string_view bytes, int64_t count, std::string_view what) {
  if (tensor.datatype == DataType::kBytes) {
    tensor.strings.clear();
    return DecodeLengthPrefixed(bytes, count, tensor, what);
  }
  EASEL_RETURN_IF_ERROR(CheckRawSize(tensor, bytes.size(), count, what));
  tensor.data.assign(bytes);
  return OkStatus();
}

Status TakeRawData(Tensor& tensor, std::string&& bytes, int64_t count, std::string_view what) {
  if (tensor.datatype == DataType::kBytes) return SetRawData(tensor, bytes, count, what);
  EASEL_RETURN_IF_ERROR(CheckRawSize(tensor, bytes.size(), count, what));
  tensor.data = std::move(bytes);
  return OkStatus();
}

void AppendRawData(std::string& out, const Tensor& tensor) {
  if (tensor.datatype != DataType::kBytes) {
    out += tensor.data;
    return;
  }
  for (const std::string& element : tensor.strings) {
    const auto length = static_cast<uint32_t>(element.size());
    char prefix[4];
    std::memcpy(prefix, &length, 4);  // little-endian: this machine's order (checked above)
    out.append(prefix, 4);
    out += element;
  }
}

}  // namespace easel::serving
