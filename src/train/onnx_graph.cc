#include "train/onnx_graph.h"

#include <fmt/format.h>

#include <functional>
#include <set>

namespace easel::train {
namespace {

constexpr size_t kMaxValues = 100000;
constexpr size_t kMaxRank = 1024;

// Protobuf wire types.
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;     // kVarint
  std::string_view bytes;  // kLength
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ == data_.size(); }

  // The next field, or false (with error() set) at malformed input.
  bool Next(Field& f) {
    uint64_t key = 0;
    if (!Varint(key)) return false;
    f.number = static_cast<uint32_t>(key >> 3);
    f.wire = static_cast<uint32_t>(key & 7);
    if (f.number == 0 || (key >> 3) > 0x1fffffff) return Fail("a field number is invalid");
    switch (f.wire) {
      case kVarint:
        return Varint(f.varint);
      case kFixed64:
        return Skip(8);
      case kFixed32:
        return Skip(4);
      case kLength: {
        uint64_t n = 0;
        if (!Varint(n)) return false;
        if (n > data_.size() - pos_) return Fail("a length runs past the end");
        f.bytes = data_.substr(pos_, n);
        pos_ += n;
        return true;
      }
      default:
        return Fail(fmt::format("wire type {} is not one ONNX uses", f.wire));
    }
  }
  const std::string& error() const { return error_; }

 private:
  bool Varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Fail("it ends inside a number");
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return Fail("a number is longer than ten bytes");
  }
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return Fail("a value runs past the end");
    pos_ += n;
    return true;
  }
  bool Fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

Status NotOnnx(const std::string& why) {
  return InvalidArgument("it is not an ONNX model: " + why);
}

// Calls `on_field` for every field of the message in `bytes`; a field of a known number with
// the wrong wire type is malformed.
Status ForEachField(std::string_view bytes, const std::function<Status(const Field&)>& on_field) {
  Reader r(bytes);
  Field f;
  while (!r.done()) {
    if (!r.Next(f)) return NotOnnx(r.error());
    EASEL_RETURN_IF_ERROR(on_field(f));
  }
  return OkStatus();
}

Status Expect(const Field& f, uint32_t wire) {
  if (f.wire == wire) return OkStatus();
  return NotOnnx(fmt::format("field {} has wire type {}, not {}", f.number, f.wire, wire));
}

// TensorShapeProto.Dimension: dim_value (1) or dim_param (2).
Status ReadDimension(std::string_view bytes, int64_t& out) {
  out = -1;
  return ForEachField(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) {
      EASEL_RETURN_IF_ERROR(Expect(f, kVarint));
      out = static_cast<int64_t>(f.varint) >= 0 ? static_cast<int64_t>(f.varint) : -1;
    }
    return OkStatus();
  });
}

// TypeProto.Tensor: elem_type (1), shape (2: TensorShapeProto, repeated dim = 1).
Status ReadTensorType(std::string_view bytes, OnnxValue& v) {
  return ForEachField(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) {
      EASEL_RETURN_IF_ERROR(Expect(f, kVarint));
      v.elem_type = static_cast<int32_t>(f.varint);
    } else if (f.number == 2) {
      EASEL_RETURN_IF_ERROR(Expect(f, kLength));
      v.has_shape = true;
      v.shape.clear();
      return ForEachField(f.bytes, [&](const Field& d) -> Status {
        if (d.number != 1) return OkStatus();
        EASEL_RETURN_IF_ERROR(Expect(d, kLength));
        if (v.shape.size() >= kMaxRank) return NotOnnx("a shape has too many dimensions");
        int64_t dim = -1;
        EASEL_RETURN_IF_ERROR(ReadDimension(d.bytes, dim));
        v.shape.push_back(dim);
        return OkStatus();
      });
    }
    return OkStatus();
  });
}

// ValueInfoProto: name (1), type (2: TypeProto, tensor_type = 1).
Status ReadValue(std::string_view bytes, OnnxValue& v) {
  return ForEachField(bytes, [&](const Field& f) -> Status {
    if (f.number == 1) {
      EASEL_RETURN_IF_ERROR(Expect(f, kLength));
      v.name = std::string(f.bytes);
    } else if (f.number == 2) {
      EASEL_RETURN_IF_ERROR(Expect(f, kLength));
      return ForEachField(f.bytes, [&](const Field& t) -> Status {
        if (t.number != 1) return OkStatus();
        EASEL_RETURN_IF_ERROR(Expect(t, kLength));
        return ReadTensorType(t.bytes, v);
      });
    }
    return OkStatus();
  });
}

// GraphProto: initializer (5: TensorProto, name = 8), input (11), output (12).
Status ReadGraph(std::string_view bytes, OnnxGraph& g) {
  std::set<std::string> initializers;
  std::vector<OnnxValue> inputs;
  EASEL_RETURN_IF_ERROR(ForEachField(bytes, [&](const Field& f) -> Status {
    if (f.number != 5 && f.number != 11 && f.number != 12) return OkStatus();
    EASEL_RETURN_IF_ERROR(Expect(f, kLength));
    if (inputs.size() + g.outputs.size() + initializers.size() >= kMaxValues) {
      return NotOnnx("its graph lists too many values");
    }
    if (f.number == 5) {
      return ForEachField(f.bytes, [&](const Field& t) -> Status {
        if (t.number != 8) return OkStatus();
        EASEL_RETURN_IF_ERROR(Expect(t, kLength));
        initializers.emplace(t.bytes);
        return OkStatus();
      });
    }
    OnnxValue v;
    EASEL_RETURN_IF_ERROR(ReadValue(f.bytes, v));
    (f.number == 11 ? inputs : g.outputs).push_back(std::move(v));
    return OkStatus();
  }));
  for (OnnxValue& v : inputs) {
    if (!initializers.count(v.name)) g.inputs.push_back(std::move(v));
  }
  return OkStatus();
}

}  // namespace

Result<OnnxGraph> ReadOnnxGraph(std::string_view bytes) {
  OnnxGraph g;
  std::string_view graph;
  bool have_graph = false;
  std::string producer_name, producer_version;
  EASEL_RETURN_IF_ERROR(ForEachField(bytes, [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        EASEL_RETURN_IF_ERROR(Expect(f, kVarint));
        g.ir_version = static_cast<int64_t>(f.varint);
        break;
      case 2:
      case 3:
        EASEL_RETURN_IF_ERROR(Expect(f, kLength));
        (f.number == 2 ? producer_name : producer_version) = std::string(f.bytes);
        break;
      case 7:
        EASEL_RETURN_IF_ERROR(Expect(f, kLength));
        graph = f.bytes;
        have_graph = true;
        break;
      case 8: {  // OperatorSetIdProto: domain (1), version (2)
        EASEL_RETURN_IF_ERROR(Expect(f, kLength));
        std::string domain;
        int64_t version = 0;
        EASEL_RETURN_IF_ERROR(ForEachField(f.bytes, [&](const Field& o) -> Status {
          if (o.number == 1 && o.wire == kLength) domain = std::string(o.bytes);
          if (o.number == 2 && o.wire == kVarint) version = static_cast<int64_t>(o.varint);
          return OkStatus();
        }));
        if (domain.empty() || domain == "ai.onnx") g.opset = version;
        break;
      }
      default:
        break;
    }
    return OkStatus();
  }));
  if (!have_graph) return NotOnnx("it has no graph");
  if (g.ir_version <= 0) return NotOnnx("it has no IR version");
  g.producer = producer_name + (producer_version.empty() ? "" : " " + producer_version);
  EASEL_RETURN_IF_ERROR(ReadGraph(graph, g));
  return g;
}

std::string OnnxDatatype(int32_t elem_type) {
  switch (elem_type) {
    case 1:
      return "FP32";
    case 2:
      return "UINT8";
    case 3:
      return "INT8";
    case 4:
      return "UINT16";
    case 5:
      return "INT16";
    case 6:
      return "INT32";
    case 7:
      return "INT64";
    case 8:
      return "BYTES";
    case 9:
      return "BOOL";
    case 10:
      return "FP16";
    case 11:
      return "FP64";
    case 12:
      return "UINT32";
    case 13:
      return "UINT64";
    case 16:
      return "BF16";
    default:
      return "OTHER";
  }
}

}  // namespace easel::train
