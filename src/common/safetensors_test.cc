#include "common/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace easel::safetensors {
namespace {

using ::testing::HasSubstr;

// A file: the 8-byte length, the header text as given, then the data.
std::string Make(std::string_view header, std::string_view data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += header;
  out += data;
  return out;
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

void ExpectInvalid(std::string_view bytes, std::string_view fragment) {
  Result<File> file = File::Parse(bytes);
  ASSERT_FALSE(file.ok()) << "accepted a malformed file";
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(file.status().message(), HasSubstr(std::string(fragment)));
}

TEST(SafetensorsTest, DTypeNamesAndSizes) {
  EXPECT_EQ(DTypeName(DType::kBF16), "BF16");
  EXPECT_EQ(DTypeName(DType::kBool), "BOOL");
  EXPECT_EQ(DTypeSize(DType::kF64), 8u);
  EXPECT_EQ(DTypeSize(DType::kF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kU8), 1u);
}

TEST(SafetensorsTest, RoundTripKeepsTensorsAndMetadata) {
  Writer w;
  ASSERT_TRUE(w.Add("z.weight", DType::kF32, {2, 2}, Bytes<float>({1, 2, 3, 4})).ok());
  ASSERT_TRUE(w.Add("a.count", DType::kI64, {}, Bytes<int64_t>({42})).ok());
  ASSERT_TRUE(w.Add("m.empty", DType::kF64, {0, 3}, "").ok());
  ASSERT_TRUE(w.Add("m.flags", DType::kBool, {3}, std::string("\1\0\1", 3)).ok());
  w.SetMetadata({{"format", "easel"}, {"epoch", "3"}});
  std::string bytes = w.Finish();

  Result<File> file = File::Parse(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->tensors().size(), 4u);
  EXPECT_EQ(file->tensors()[0].name, "a.count");  // sorted by name
  EXPECT_EQ(file->tensors()[3].name, "z.weight");
  const TensorInfo* w_info = file->Find("z.weight");
  ASSERT_NE(w_info, nullptr);
  EXPECT_EQ(w_info->dtype, DType::kF32);
  EXPECT_EQ(w_info->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(w_info->data, Bytes<float>({1, 2, 3, 4}));
  const TensorInfo* c = file->Find("a.count");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->shape.empty());
  EXPECT_EQ(c->data, Bytes<int64_t>({42}));
  EXPECT_EQ(file->Find("m.empty")->data.size(), 0u);
  EXPECT_EQ(file->Find("m.flags")->data, std::string("\1\0\1", 3));
  EXPECT_EQ(file->Find("missing"), nullptr);
  EXPECT_EQ(file->metadata().at("format"), "easel");
  EXPECT_EQ(file->metadata().at("epoch"), "3");
}

TEST(SafetensorsTest, FinishIsDeterministicAndAligned) {
  auto build = [](bool reverse) {
    Writer w;
    std::vector<std::string> names = {"b", "a", "c"};
    if (reverse) std::reverse(names.begin(), names.end());
    for (const std::string& n : names) {
      EXPECT_TRUE(w.Add(n, DType::kU8, {3}, "xyz").ok());
    }
    return w.Finish();
  };
  std::string one = build(false);
  EXPECT_EQ(one, build(true));
  uint64_t n = 0;
  std::memcpy(&n, one.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(one.substr(one.size() - 9), "xyzxyzxyz");  // a, b, c in name order
}

TEST(SafetensorsTest, WriterRejectsBadInput) {
  Writer w;
  EXPECT_EQ(w.Add("x", DType::kF32, {3}, Bytes<float>({1, 2})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Add("x", DType::kF32, {-1}, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Add("__metadata__", DType::kU8, {0}, "").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(w.Add("x", DType::kU8, {1}, "a").ok());
  EXPECT_EQ(w.Add("x", DType::kU8, {1}, "a").code(), StatusCode::kInvalidArgument);
}

// Written by Debian's python3-torch without the `safetensors` package (not packaged), by
// hand-rolling the format:
//   import json, struct, torch
//   t = {"a.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
//        "a.bias": torch.tensor([1.5, -2.0], dtype=torch.float16),
//        "b.scale": torch.tensor([0.5, 3.0], dtype=torch.bfloat16),
//        "n": torch.tensor(7, dtype=torch.int64), "mask": torch.tensor([True, False, True])}
//   header, data = {"__metadata__": {"format": "pt"}}, b""
//   for name in sorted(t):
//       b = t[name].reshape(-1).contiguous().view(torch.uint8).numpy().tobytes()
//       dt = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
//             torch.int64: "I64", torch.bool: "BOOL"}[t[name].dtype]
//       header[name] = {"dtype": dt, "shape": list(t[name].shape),
//                       "data_offsets": [len(data), len(data) + len(b)]}
//       data += b
//   h = json.dumps(header).encode()
//   print((struct.pack("<Q", len(h)) + h + data).hex())
constexpr std::string_view kPythonFile =
    "73010000000000007b225f5f6d657461646174615f5f223a207b22666f726d6174223a20227074227d2c2022"
    "612e62696173223a207b226474797065223a2022463136222c20227368617065223a205b325d2c2022646174"
    "615f6f666673657473223a205b302c20345d7d2c2022612e776569676874223a207b226474797065223a2022"
    "463332222c20227368617065223a205b322c20335d2c2022646174615f6f666673657473223a205b342c2032"
    "385d7d2c2022622e7363616c65223a207b226474797065223a202242463136222c20227368617065223a205b"
    "325d2c2022646174615f6f666673657473223a205b32382c2033325d7d2c20226d61736b223a207b22647479"
    "7065223a2022424f4f4c222c20227368617065223a205b335d2c2022646174615f6f666673657473223a205b"
    "33322c2033355d7d2c20226e223a207b226474797065223a2022493634222c20227368617065223a205b5d2c"
    "2022646174615f6f666673657473223a205b33352c2034335d7d7d003e00c0000000000000803e0000003f00"
    "00403f0000803f0000a03f003f40400100010700000000000000";

TEST(SafetensorsTest, ParsesFileWrittenByPython) {
  std::string bytes = FromHex(kPythonFile);
  Result<File> file = File::Parse(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->metadata().at("format"), "pt");
  ASSERT_EQ(file->tensors().size(), 5u);

  const TensorInfo* w = file->Find("a.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->data, Bytes<float>({0, 0.25f, 0.5f, 0.75f, 1, 1.25f}));
  // 1.5 and -2.0 in IEEE half; 0.5 and 3.0 in bfloat16 (the top half of the float32).
  EXPECT_EQ(file->Find("a.bias")->dtype, DType::kF16);
  EXPECT_EQ(file->Find("a.bias")->data, Bytes<uint16_t>({0x3e00, 0xc000}));
  EXPECT_EQ(file->Find("b.scale")->dtype, DType::kBF16);
  EXPECT_EQ(file->Find("b.scale")->data, Bytes<uint16_t>({0x3f00, 0x4040}));
  EXPECT_EQ(file->Find("mask")->data, std::string("\1\0\1", 3));
  EXPECT_EQ(file->Find("n")->data, Bytes<int64_t>({7}));
  EXPECT_TRUE(file->Find("n")->shape.empty());
}

TEST(SafetensorsTest, RejectsBadLengths) {
  ExpectInvalid("", "shorter than 8 bytes");
  ExpectInvalid(std::string("\x10\0\0\0\0\0\0\0{}", 10), "past the end");
  std::string huge(8, '\0');
  huge[4] = 1;  // 2^32
  ExpectInvalid(huge + "{}", "exceeds the limit");
  std::string max(8, '\xff');
  ExpectInvalid(max, "exceeds the limit");
}

TEST(SafetensorsTest, RejectsBadHeaders) {
  ExpectInvalid(Make("{not json", ""), "not valid JSON");
  ExpectInvalid(Make("[1, 2]", ""), "not a JSON object");
  ExpectInvalid(Make("\"x\"", ""), "not a JSON object");
  ExpectInvalid(Make(R"({"t": 3})", ""), "not an object");
  ExpectInvalid(Make(R"({"t": {"shape": [1], "data_offsets": [0, 4]}})", "abcd"), "dtype");
  ExpectInvalid(Make(R"({"t": {"dtype": "F32", "data_offsets": [0, 4]}})", "abcd"), "shape");
  ExpectInvalid(Make(R"({"t": {"dtype": "F32", "shape": [1]}})", "abcd"), "data_offsets");
  ExpectInvalid(Make(R"({"__metadata__": {"k": 1}})", ""), "is not a string");
  ExpectInvalid(Make(R"({"__metadata__": [1]})", ""), "not an object");
  std::string deep(100, '[');
  ExpectInvalid(Make("{\"t\": " + deep + std::string(100, ']') + "}", ""), "too deep");
}

TEST(SafetensorsTest, RejectsUnknownDType) {
  ExpectInvalid(Make(R"({"t": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}})", "a"),
                "unknown dtype 'F8'");
}

TEST(SafetensorsTest, RejectsBadShapes) {
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}})", ""),
                "non-negative integer");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [1.5], "data_offsets": [0, 1]}})", "a"),
                "non-negative integer");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": ["1"], "data_offsets": [0, 1]}})", "a"),
                "non-negative integer");
  // 2^62 * 2^62 wraps a 64-bit count; so does 2^62 elements of 8 bytes.
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [4611686018427387904, 4611686018427387904],
                         "data_offsets": [0, 0]}})",
                     ""),
                "overflows");
  ExpectInvalid(Make(R"({"t": {"dtype": "F64", "shape": [4611686018427387904],
                         "data_offsets": [0, 0]}})",
                     ""),
                "overflows");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [18446744073709551615],
                         "data_offsets": [0, 0]}})",
                     ""),
                "non-negative integer");
}

TEST(SafetensorsTest, RejectsBadOffsets) {
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [4], "data_offsets": [0, 5]}})", "abcd"),
                "outside the data buffer");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [0], "data_offsets": [3, 1]}})", "abcd"),
                "outside the data buffer");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [1], "data_offsets": [-1, 0]}})", "a"),
                "outside the data buffer");
  ExpectInvalid(Make(R"({"t": {"dtype": "U8", "shape": [1], "data_offsets": [0]}})", "a"),
                "data_offsets");
  ExpectInvalid(Make(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", "abcd"),
                "need 8");
}

TEST(SafetensorsTest, RejectsOverlapsHolesAndTrailingBytes) {
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]},
                         "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}})",
                     "abcd"),
                "overlaps");
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                         "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}})",
                     "abcd"),
                "hole");
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})", "abcd"),
                "no tensor covers");
  ExpectInvalid(Make(R"({})", "x"), "no tensor covers");
  // Two names on the same bytes is an overlap too.
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                         "b": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})",
                     "ab"),
                "overlaps");
}

TEST(SafetensorsTest, RejectsDuplicateNames) {
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                         "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
                     "ab"),
                "repeats the key 'a'");
  ExpectInvalid(Make(R"({"a": {"dtype": "U8", "dtype": "F32", "shape": [1],
                               "data_offsets": [0, 1]}})",
                     "a"),
                "repeats the key 'dtype'");
}

TEST(SafetensorsTest, AcceptsEmptyFileAndPaddedHeader) {
  Result<File> empty = File::Parse(Make("{}", ""));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->tensors().empty());
  std::string header = R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}})";
  const std::string bytes = Make(header + "      ", "z");  // outlives the File's views
  Result<File> padded = File::Parse(bytes);
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(padded->Find("a")->data, "z");
}

TEST(SafetensorsTest, TruncatedFilesNeverParse) {
  Writer w;
  ASSERT_TRUE(w.Add("a", DType::kF32, {4}, Bytes<float>({1, 2, 3, 4})).ok());
  std::string bytes = w.Finish();
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(File::Parse(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace easel::safetensors
