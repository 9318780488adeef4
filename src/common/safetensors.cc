#include "common/safetensors.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "common/json.h"

namespace easel::safetensors {
namespace {

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeEntry, 10> kDTypes = {{
    {DType::kF32, "F32", 4},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8},
    {DType::kI64, "I64", 8},
    {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},
    {DType::kI8, "I8", 1},
    {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
}};

const DTypeEntry& EntryOf(DType dtype) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.dtype == dtype) return e;
  }
  return kDTypes[0];  // unreachable for valid enum values
}

// Parses the header while refusing duplicate keys at any level: nlohmann keeps the last of
// two equal keys silently, which would let two tensors claim one name unnoticed.
Result<Json> ParseHeaderJson(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  constexpr int kMaxDepth = 16;  // a valid header nests 3 deep
  bool too_deep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kMaxDepth) too_deep = true;
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("safetensors header: ") + e.what());
  }
  if (header.is_discarded()) return InvalidArgument("safetensors header is not valid JSON");
  if (too_deep) return InvalidArgument("safetensors header nests too deep");
  if (!duplicate.empty()) {
    return InvalidArgument("safetensors header repeats the key '" + duplicate + "'");
  }
  if (!header.is_object()) return InvalidArgument("safetensors header is not a JSON object");
  return header;
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.name == name) return e.dtype;
  }
  return std::nullopt;
}

// A JSON number that is a non-negative integer, as uint64 (floats and negatives are refused).
std::optional<uint64_t> AsCount(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

struct Span {
  uint64_t begin;
  uint64_t end;
  size_t index;
};

Result<TensorInfo> ParseTensor(const std::string& name, const Json& entry, std::string_view buffer,
                               Span& span) {
  const std::string where = "safetensors tensor '" + name + "'";
  if (!entry.is_object()) return InvalidArgument(where + " is not an object");
  auto dtype_it = entry.find("dtype");
  auto shape_it = entry.find("shape");
  auto offsets_it = entry.find("data_offsets");
  if (dtype_it == entry.end() || !dtype_it->is_string()) {
    return InvalidArgument(where + " has no string 'dtype'");
  }
  if (shape_it == entry.end() || !shape_it->is_array()) {
    return InvalidArgument(where + " has no array 'shape'");
  }
  if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
    return InvalidArgument(where + " needs 'data_offsets' as [begin, end]");
  }
  TensorInfo info;
  info.name = name;
  std::optional<DType> dtype = DTypeFromName(dtype_it->get<std::string>());
  if (!dtype) {
    return InvalidArgument(where + " has unknown dtype '" + dtype_it->get<std::string>() + "'");
  }
  info.dtype = *dtype;

  // Element count with overflow checks: a hostile shape must not wrap into a small size.
  uint64_t bytes = DTypeSize(info.dtype);
  for (const Json& dim : *shape_it) {
    std::optional<uint64_t> d = AsCount(dim);
    if (!d || *d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument(where + " has a shape entry that is not a non-negative integer");
    }
    if (__builtin_mul_overflow(bytes, *d, &bytes)) {
      return InvalidArgument(where + " has a shape whose size overflows");
    }
    info.shape.push_back(static_cast<int64_t>(*d));
  }
  std::optional<uint64_t> begin = AsCount((*offsets_it)[0]);
  std::optional<uint64_t> end = AsCount((*offsets_it)[1]);
  if (!begin || !end || *begin > *end || *end > buffer.size()) {
    return InvalidArgument(where + " has data_offsets outside the data buffer");
  }
  if (*end - *begin != bytes) {
    return InvalidArgument(where + " has data_offsets spanning " + std::to_string(*end - *begin) +
                           " bytes but shape and dtype need " + std::to_string(bytes));
  }
  info.data = buffer.substr(*begin, bytes);
  span.begin = *begin;
  span.end = *end;
  return info;
}

}  // namespace

size_t DTypeSize(DType dtype) { return EntryOf(dtype).size; }
std::string_view DTypeName(DType dtype) { return EntryOf(dtype).name; }

Result<File> File::Parse(std::string_view bytes) {
  if (bytes.size() < 8) return InvalidArgument("safetensors file is shorter than 8 bytes");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) {
    header_size = (header_size << 8) | static_cast<unsigned char>(bytes[i]);
  }
  if (header_size > kMaxHeaderBytes) {
    return InvalidArgument("safetensors header length " + std::to_string(header_size) +
                           " exceeds the limit");
  }
  if (header_size > bytes.size() - 8) {
    return InvalidArgument("safetensors header length " + std::to_string(header_size) +
                           " runs past the end of the file");
  }
  EASEL_ASSIGN_OR_RETURN(Json header, ParseHeaderJson(bytes.substr(8, header_size)));
  const std::string_view buffer = bytes.substr(8 + header_size);

  File file;
  std::vector<Span> spans;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return InvalidArgument("safetensors __metadata__ is not an object");
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) {
          return InvalidArgument("safetensors __metadata__ '" + mkey + "' is not a string");
        }
        file.metadata_.emplace(mkey, mvalue.get<std::string>());
      }
      continue;
    }
    Span span{0, 0, file.tensors_.size()};
    EASEL_ASSIGN_OR_RETURN(TensorInfo info, ParseTensor(key, value, buffer, span));
    file.tensors_.push_back(std::move(info));
    spans.push_back(span);
  }

  // The buffer must be covered exactly: no overlaps, no holes, nothing trailing.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t covered = 0;
  for (const Span& s : spans) {
    if (s.begin != covered) {
      const std::string& name = file.tensors_[s.index].name;
      return InvalidArgument("safetensors tensor '" + name + "' " +
                             (s.begin < covered ? "overlaps the previous tensor"
                                                : "leaves a hole before it in the data buffer"));
    }
    covered = s.end;
  }
  if (covered != buffer.size()) {
    return InvalidArgument("safetensors data buffer has " +
                           std::to_string(buffer.size() - covered) + " bytes no tensor covers");
  }
  // nlohmann objects iterate in key order, so tensors_ is already sorted by name.
  return file;
}

const TensorInfo* File::Find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorInfo& t, std::string_view n) { return t.name < n; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

Status Writer::Add(std::string name, DType dtype, std::vector<int64_t> shape,
                   std::string_view data) {
  if (name.empty() || name == "__metadata__") {
    return InvalidArgument("safetensors tensor name '" + name + "' is reserved or empty");
  }
  uint64_t bytes = DTypeSize(dtype);
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument("safetensors tensor '" + name + "' has a negative dimension");
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) {
      return InvalidArgument("safetensors tensor '" + name + "' has a shape whose size overflows");
    }
  }
  if (bytes != data.size()) {
    return InvalidArgument("safetensors tensor '" + name + "' has " + std::to_string(data.size()) +
                           " bytes but shape and dtype need " + std::to_string(bytes));
  }
  if (entries_.count(name) != 0) {
    return InvalidArgument("safetensors tensor '" + name + "' was added twice");
  }
  entries_.emplace(std::move(name), Entry{dtype, std::move(shape), std::string(data)});
  return OkStatus();
}

void Writer::SetMetadata(std::map<std::string, std::string> metadata) {
  metadata_ = std::move(metadata);
}

std::string Writer::Finish() const {
  Json header = Json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& [name, e] : entries_) {
    header[name] = {{"dtype", std::string(DTypeName(e.dtype))},
                    {"shape", e.shape},
                    {"data_offsets", {offset, offset + e.data.size()}}};
    offset += e.data.size();
  }
  std::string text = DumpJson(header);
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += text;
  for (const auto& [name, e] : entries_) out += e.data;
  return out;
}

}  // namespace easel::safetensors
