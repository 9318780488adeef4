#include "serving/tensor.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace easel::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string PackLe(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

TEST(DataTypeTest, NamesRoundTrip) {
  const DataType all[] = {DataType::kBool,   DataType::kUint8, DataType::kUint16, DataType::kUint32,
                          DataType::kUint64, DataType::kInt8,  DataType::kInt16,  DataType::kInt32,
                          DataType::kInt64,  DataType::kFp16,  DataType::kFp32,   DataType::kFp64,
                          DataType::kBytes};
  for (DataType type : all) {
    auto parsed = ParseDataType(DataTypeName(type));
    ASSERT_TRUE(parsed.ok()) << DataTypeName(type);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(DataTypeName(DataType::kFp16), "FP16");
  EXPECT_EQ(DataTypeName(DataType::kUint64), "UINT64");
}

TEST(DataTypeTest, UnknownNameListsKnownOnes) {
  auto parsed = ParseDataType("FLOAT32");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("'FLOAT32'"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("BOOL, UINT8"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("FP64, BYTES"));
  EXPECT_FALSE(ParseDataType("fp32").ok());  // names are case-sensitive in the protocol
}

TEST(DataTypeTest, ElementSizes) {
  EXPECT_EQ(ElementSize(DataType::kBool), 1u);
  EXPECT_EQ(ElementSize(DataType::kInt8), 1u);
  EXPECT_EQ(ElementSize(DataType::kUint16), 2u);
  EXPECT_EQ(ElementSize(DataType::kFp16), 2u);
  EXPECT_EQ(ElementSize(DataType::kInt32), 4u);
  EXPECT_EQ(ElementSize(DataType::kFp32), 4u);
  EXPECT_EQ(ElementSize(DataType::kUint64), 8u);
  EXPECT_EQ(ElementSize(DataType::kFp64), 8u);
  EXPECT_EQ(ElementSize(DataType::kBytes), 0u);
}

TEST(HalfTest, ExactValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(0.5f), 0x3800);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0f, -14));
}

TEST(HalfTest, OverflowRoundsToInfinity) {
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7bff);  // below the halfway point
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);  // the tie goes to the even neighbour: infinity
  EXPECT_EQ(FloatToHalf(1e10f), 0x7c00);
  EXPECT_EQ(FloatToHalf(-1e10f), 0xfc00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_TRUE(std::isinf(HalfToFloat(0x7c00)));
  EXPECT_LT(HalfToFloat(0xfc00), 0.0f);
}

TEST(HalfTest, Subnormals) {
  const float smallest = std::ldexp(1.0f, -24);  // 5.96e-8
  EXPECT_EQ(FloatToHalf(smallest), 0x0001);
  EXPECT_EQ(FloatToHalf(5.96e-8f), 0x0001);
  EXPECT_EQ(HalfToFloat(0x0001), smallest);
  EXPECT_EQ(HalfToFloat(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1023.0f, -24)), 0x03ff);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);  // tie to even: zero
  EXPECT_EQ(FloatToHalf(std::ldexp(1.5f, -25)), 0x0001);  // above the tie
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp: tie to even (2)
  EXPECT_EQ(FloatToHalf(std::ldexp(5.0f, -25)), 0x0002);  // 2.5 ulp: tie to even (2)
  EXPECT_EQ(FloatToHalf(-smallest), 0x8001);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  // Rounding up out of the subnormal range lands on the smallest normal.
  EXPECT_EQ(FloatToHalf(std::ldexp(2047.5f, -25)), 0x0400);
}

TEST(HalfTest, RoundsToNearestEven) {
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even is 1.0
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, even is up
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
  EXPECT_EQ(FloatToHalf(0.1f), 0x2e66);
  EXPECT_EQ(FloatToHalf(2047.5f), 0x6800);  // carries into the exponent: 2048
}

TEST(HalfTest, NaNStaysNaN) {
  const uint16_t half = FloatToHalf(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(half & 0x7c00, 0x7c00);
  EXPECT_NE(half & 0x03ff, 0);
  EXPECT_TRUE(std::isnan(HalfToFloat(half)));
  // A signalling NaN whose payload sits only in the low bits must not become infinity.
  const float low_payload = std::bit_cast<float>(0x7f800001u);
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(low_payload))));
  EXPECT_TRUE(std::isnan(HalfToFloat(0xfe00)));
}

TEST(HalfTest, EveryHalfRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float value = HalfToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(value)) continue;
    ASSERT_EQ(FloatToHalf(value), bits) << "half 0x" << std::hex << bits;
  }
}

TEST(TensorTest, ElementCount) {
  Tensor tensor;
  EXPECT_EQ(tensor.element_count(), 1);  // scalar
  tensor.shape = {2, 3, 4};
  EXPECT_EQ(tensor.element_count(), 24);
  tensor.shape = {5, 0};
  EXPECT_EQ(tensor.element_count(), 0);
}

TEST(TensorTest, Fp32AndToFloats) {
  const float values[] = {1.5f, -2.0f, 3.25f, 0.0f};
  Tensor tensor = Tensor::Fp32("x", {2, 2}, values);
  EXPECT_EQ(tensor.name, "x");
  EXPECT_EQ(tensor.datatype, DataType::kFp32);
  EXPECT_EQ(tensor.data.size(), 16u);
  auto floats = tensor.ToFloats();
  ASSERT_TRUE(floats.ok());
  EXPECT_THAT(*floats, ElementsAre(1.5f, -2.0f, 3.25f, 0.0f));
}

// A one-dimensional tensor of `type` over packed `data`.
Tensor Packed(DataType type, std::string data) {
  Tensor tensor;
  tensor.datatype = type;
  tensor.shape = {static_cast<int64_t>(data.size() / ElementSize(type))};
  tensor.data = std::move(data);
  return tensor;
}

template <typename T>
std::vector<T> ValuesOf(const Result<std::vector<T>>& result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.value_or(std::vector<T>{});
}

TEST(TensorTest, ToFloatsConvertsEveryNumericType) {
  auto floats_of = [](DataType type, std::string data) {
    return ValuesOf(Packed(type, std::move(data)).ToFloats());
  };
  EXPECT_THAT(floats_of(DataType::kBool, std::string("\x00\x01\x02", 3)),
              ElementsAre(0.0f, 1.0f, 1.0f));
  EXPECT_THAT(floats_of(DataType::kUint8, PackLe<uint8_t>({0, 255})), ElementsAre(0.0f, 255.0f));
  EXPECT_THAT(floats_of(DataType::kUint16, PackLe<uint16_t>({65535})), ElementsAre(65535.0f));
  EXPECT_THAT(floats_of(DataType::kUint32, PackLe<uint32_t>({4000000000u})), ElementsAre(4e9f));
  EXPECT_THAT(floats_of(DataType::kUint64, PackLe<uint64_t>({1ull << 40})),
              ElementsAre(std::ldexp(1.0f, 40)));
  EXPECT_THAT(floats_of(DataType::kInt8, PackLe<int8_t>({-128, 127})),
              ElementsAre(-128.0f, 127.0f));
  EXPECT_THAT(floats_of(DataType::kInt16, PackLe<int16_t>({-300})), ElementsAre(-300.0f));
  EXPECT_THAT(floats_of(DataType::kInt32, PackLe<int32_t>({-70000, 5})),
              ElementsAre(-70000.0f, 5.0f));
  EXPECT_THAT(floats_of(DataType::kInt64, PackLe<int64_t>({-(1ll << 33)})),
              ElementsAre(-std::ldexp(1.0f, 33)));
  EXPECT_THAT(floats_of(DataType::kFp16, PackLe<uint16_t>({0x3c00, 0xc000, 0x0001})),
              ElementsAre(1.0f, -2.0f, std::ldexp(1.0f, -24)));
  EXPECT_THAT(floats_of(DataType::kFp64, PackLe<double>({0.25, -1e10})),
              ElementsAre(0.25f, -1e10f));
}

// Integers a float cannot hold stay exact as doubles: INT64 123456789 is 123456792 as a float.
TEST(TensorTest, ToDoublesKeepsIntegersExact) {
  auto doubles_of = [](DataType type, std::string data) {
    return ValuesOf(Packed(type, std::move(data)).ToDoubles());
  };
  EXPECT_THAT(doubles_of(DataType::kInt64, PackLe<int64_t>({123456789, -(1ll << 53)})),
              ElementsAre(123456789.0, -std::ldexp(1.0, 53)));
  EXPECT_THAT(doubles_of(DataType::kUint32, PackLe<uint32_t>({4000000001u})),
              ElementsAre(4000000001.0));
  EXPECT_THAT(doubles_of(DataType::kBool, std::string("\x00\x02", 2)), ElementsAre(0.0, 1.0));
  EXPECT_THAT(doubles_of(DataType::kFp32, PackLe<float>({5.1f})),
              ElementsAre(static_cast<double>(5.1f)));
  EXPECT_THAT(doubles_of(DataType::kFp16, PackLe<uint16_t>({0xc000})), ElementsAre(-2.0));
  EXPECT_THAT(doubles_of(DataType::kFp64, PackLe<double>({0.1})), ElementsAre(0.1));
  EXPECT_FALSE(Tensor::Bytes("s", {1}, {"a"}).ToDoubles().ok());
}

// A half reads as its shortest text would: the fewest digits that give back the same half.
TEST(TensorTest, HalfTextValueIsTheShortestTextThatReadsBack) {
  EXPECT_EQ(HalfTextValue(FloatToHalf(0.1f)), 0.1);  // the half is 0.0999755859375
  EXPECT_EQ(HalfTextValue(FloatToHalf(5.1f)), 5.1);  // 5.1015625
  EXPECT_EQ(HalfTextValue(FloatToHalf(-2.0f)), -2.0);
  EXPECT_EQ(HalfTextValue(0x7bff), 65500.0);  // 65504, the largest half
  EXPECT_EQ(HalfTextValue(0x0001), 6e-8);     // the smallest subnormal, 2^-24
  EXPECT_TRUE(std::isnan(HalfTextValue(0x7e00)));
  EXPECT_EQ(HalfTextValue(0xfc00), -std::numeric_limits<double>::infinity());
  // Every finite half: the value reads back as the same half, and the correctly rounded text
  // with one digit fewer than the value's own does not.
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto half = static_cast<uint16_t>(bits);
    const float exact = HalfToFloat(half);
    if (!std::isfinite(exact)) continue;
    const double value = HalfTextValue(half);
    ASSERT_EQ(FloatToHalf(static_cast<float>(value)), half) << bits;
    int digits = 1;  // the fewest that write `value` exactly
    while (std::stod(fmt::format("{:.{}e}", value, digits - 1)) != value) ++digits;
    if (digits > 1) {
      const double shorter = std::stod(fmt::format("{:.{}e}", exact, digits - 2));
      EXPECT_NE(FloatToHalf(static_cast<float>(shorter)), half) << bits;
    }
  }
}

TEST(TensorTest, ToFloatsRejectsBytesAndBadSizes) {
  Tensor bytes = Tensor::Bytes("s", {2}, {"a", "b"});
  EXPECT_EQ(bytes.datatype, DataType::kBytes);
  EXPECT_THAT(bytes.strings, ElementsAre("a", "b"));
  auto r = bytes.ToFloats();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("BYTES"));

  const float values[] = {1.0f, 2.0f, 3.0f};
  Tensor short_data = Tensor::Fp32("y", {2, 2}, values);
  r = short_data.ToFloats();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("tensor 'y'"));

  Tensor ragged;
  ragged.datatype = DataType::kInt32;
  ragged.shape = {1};
  ragged.data = std::string(5, '\0');
  EXPECT_FALSE(ragged.ToFloats().ok());
}

TEST(CheckedElementCountTest, CountsAndLimits) {
  const int64_t shape[] = {2, 3, 4};
  EXPECT_EQ(*CheckedElementCount(shape, 100, "input 'x'"), 24);
  EXPECT_EQ(*CheckedElementCount(shape, 24, "input 'x'"), 24);
  EXPECT_EQ(*CheckedElementCount({}, 10, "input 'x'"), 1);
  auto r = CheckedElementCount(shape, 23, "input 'x'");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("input 'x'"));
  EXPECT_THAT(r.status().message(), HasSubstr("limit of 23"));
}

TEST(CheckedElementCountTest, NegativeDimension) {
  const int64_t shape[] = {0, -1};  // a zero earlier must not hide the negative one
  auto r = CheckedElementCount(shape, 100, "input 'x'");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("negative dimension -1"));
}

TEST(CheckedElementCountTest, NoOverflow) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  const int64_t shape[] = {1 << 20, 1 << 20, 1 << 20, 1 << 20};  // 2^80 wraps int64 to 0
  EXPECT_FALSE(CheckedElementCount(shape, big, "t").ok());
  const int64_t huge[] = {big, big};
  EXPECT_FALSE(CheckedElementCount(huge, big, "t").ok());
  const int64_t with_zero[] = {big, 0, big};
  EXPECT_EQ(*CheckedElementCount(with_zero, 10, "t"), 0);
}

TEST(InferRequestTest, FindInput) {
  InferRequest request;
  request.inputs.push_back(Tensor::Bytes("a", {1}, {"x"}));
  request.inputs.push_back(Tensor::Fp32("b", {0}, {}));
  ASSERT_NE(request.FindInput("b"), nullptr);
  EXPECT_EQ(request.FindInput("b")->datatype, DataType::kFp32);
  EXPECT_EQ(request.FindInput("a")->strings.at(0), "x");
  EXPECT_EQ(request.FindInput("c"), nullptr);
}

}  // namespace
}  // namespace easel::serving
