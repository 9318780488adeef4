#pragma once
// safetensors: the tensor container easel reads and writes weights in (DESIGN.md §3: weights
// come from safetensors or easel's own formats, never from pickles). No LibTorch here: a tensor
// is a dtype, a shape and little-endian bytes, so any module can read or write weights.
//
// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 N, N bytes
// of a JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {string: string}}, then the data buffer; offsets are relative to the buffer's start.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace easel::safetensors {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

// Bytes per element (kBool: 1).
size_t DTypeSize(DType dtype);
// The header spelling: "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL".
std::string_view DTypeName(DType dtype);

// The largest header Parse accepts; larger ones are treated as hostile.
inline constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // empty: a scalar (one element)
  std::string_view data;       // points into the bytes given to File::Parse
};

// A parsed, validated view over a safetensors file. It does not own the bytes: the caller
// keeps them alive (and unmoved) for as long as the File or any TensorInfo::data is used.
// Immutable after Parse, so safe to share between threads.
class File {
 public:
  // Validates everything a hostile file could get wrong and answers INVALID_ARGUMENT naming
  // the problem: a header length beyond the file or above kMaxHeaderBytes, a header that is
  // not a JSON object, unknown dtypes, negative or overflowing shapes, offsets out of range or
  // disagreeing with shape × dtype size, overlaps or holes in the data buffer (the format
  // requires it to be exactly covered), duplicate names, non-string metadata. Never reads
  // outside `bytes`.
  static Result<File> Parse(std::string_view bytes);

  // Sorted by name.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // Null when there is no tensor of that name.
  const TensorInfo* Find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Builds a safetensors file in memory. Not thread-safe.
class Writer {
 public:
  // Copies `data` (little-endian elements). INVALID_ARGUMENT when data.size() differs from
  // shape × DTypeSize(dtype), a dimension is negative, the name is empty or "__metadata__",
  // or the name was already added.
  Status Add(std::string name, DType dtype, std::vector<int64_t> shape, std::string_view data);
  void SetMetadata(std::map<std::string, std::string> metadata);

  // The file's bytes. Deterministic: tensors laid out in name order, the header padded with
  // spaces to a multiple of 8 bytes (so the data buffer stays aligned), no timestamps.
  std::string Finish() const;

 private:
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    std::string data;
  };
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace easel::safetensors
