#include "serving/kserve/json_codec.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/json.h"
#include "testing/random_edits.h"

namespace easel::serving::kserve {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
std::string PackLe(std::initializer_list<T> values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

std::string LengthPrefixed(std::initializer_list<std::string> elements) {
  std::string out;
  for (const std::string& element : elements) {
    out += PackLe<uint32_t>({static_cast<uint32_t>(element.size())});
    out += element;
  }
  return out;
}

Result<InferRequest> Parse(std::string_view json, const CodecLimits& limits = {}) {
  return ParseInferRequest(json, std::nullopt, limits);
}

// A request with one input whose fields are spliced in verbatim.
std::string OneInput(std::string_view fields) {
  return std::string(R"({"inputs":[{)") + std::string(fields) + "}]}";
}

void ExpectInvalid(const Result<InferRequest>& result, std::string_view phrase) {
  ASSERT_FALSE(result.ok()) << "expected an error containing: " << phrase;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(std::string(phrase)));
}

TEST(ParseInferRequestTest, ParsesJsonInput) {
  auto r = Parse(R"({"id":"r1","parameters":{"p":1},"inputs":[
      {"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6.5],
       "parameters":{"k":"v"}}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "r1");
  EXPECT_EQ(r->parameters["p"], 1);
  EXPECT_FALSE(r->binary_outputs);
  EXPECT_TRUE(r->outputs.empty());
  ASSERT_EQ(r->inputs.size(), 1u);
  const Tensor& x = r->inputs[0];
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.datatype, DataType::kFp32);
  EXPECT_THAT(x.shape, ElementsAre(2, 3));
  EXPECT_EQ(x.parameters["k"], "v");
  EXPECT_EQ(x.data, PackLe<float>({1, 2, 3, 4, 5, 6.5f}));
}

TEST(ParseInferRequestTest, NestedDataFlattensRowMajor) {
  auto r = Parse(OneInput(R"("name":"x","shape":[2,2,2],"datatype":"INT32",
                              "data":[[[1,2],[3,4]],[[5,6],[7,8]]])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs[0].data, PackLe<int32_t>({1, 2, 3, 4, 5, 6, 7, 8}));
  // Nesting that does not follow the shape still flattens in order when the count matches.
  r = Parse(OneInput(R"("name":"x","shape":[4],"datatype":"INT32","data":[[1],[2,3],4])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs[0].data, PackLe<int32_t>({1, 2, 3, 4}));
  // A scalar has one element; an empty shape dimension has none.
  r = Parse(OneInput(R"("name":"x","shape":[],"datatype":"INT8","data":[7])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inputs[0].data, PackLe<int8_t>({7}));
  r = Parse(OneInput(R"("name":"x","shape":[2,0],"datatype":"FP32","data":[[],[]])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->inputs[0].data.empty());
}

TEST(ParseInferRequestTest, EveryDatatype) {
  struct Case {
    const char* datatype;
    const char* data;
    std::string packed;
  };
  const Case cases[] = {
      {"BOOL", "[true,false]", std::string("\x01\x00", 2)},
      {"UINT8", "[0,255]", PackLe<uint8_t>({0, 255})},
      {"UINT16", "[0,65535]", PackLe<uint16_t>({0, 65535})},
      {"UINT32", "[0,4294967295]", PackLe<uint32_t>({0, 4294967295u})},
      {"UINT64", "[0,18446744073709551615]", PackLe<uint64_t>({0, UINT64_MAX})},
      {"INT8", "[-128,127]", PackLe<int8_t>({-128, 127})},
      {"INT16", "[-32768,32767]", PackLe<int16_t>({-32768, 32767})},
      {"INT32", "[-2147483648,2147483647]", PackLe<int32_t>({INT32_MIN, INT32_MAX})},
      {"INT64", "[-9223372036854775808,9223372036854775807]",
       PackLe<int64_t>({INT64_MIN, INT64_MAX})},
      {"FP16", "[1.0,-2]", PackLe<uint16_t>({0x3c00, 0xc000})},
      {"FP32", "[0.1,-3]", PackLe<float>({0.1f, -3.0f})},
      {"FP64", "[0.1,1e300]", PackLe<double>({0.1, 1e300})},
  };
  for (const Case& c : cases) {
    auto r = Parse(OneInput(
        fmt::format(R"("name":"x","shape":[2],"datatype":"{}","data":{})", c.datatype, c.data)));
    ASSERT_TRUE(r.ok()) << c.datatype << ": " << r.status().ToString();
    EXPECT_EQ(DataTypeName(r->inputs[0].datatype), c.datatype);
    EXPECT_EQ(r->inputs[0].data, c.packed) << c.datatype;
  }
  auto r = Parse(OneInput(R"("name":"s","shape":[2],"datatype":"BYTES","data":["ab",""])"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->inputs[0].strings, ElementsAre("ab", ""));
  EXPECT_TRUE(r->inputs[0].data.empty());
}

TEST(ParseInferRequestTest, ParsesABodyOfSeveralMegabytes) {
  // Past the size the calling thread's reused parser takes, and back under it.
  std::string data = "[";
  for (int i = 0; i < 400'000; ++i) data += (i ? ",0." : "0.") + std::to_string(i % 10);
  data += "]";
  auto big = Parse(OneInput(R"("name":"x","shape":[400000],"datatype":"FP32","data":)" + data));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  ASSERT_EQ(big->inputs[0].data.size(), 400'000u * 4);
  float last;
  std::memcpy(&last, big->inputs[0].data.data() + big->inputs[0].data.size() - 4, 4);
  EXPECT_EQ(last, 0.9f);
  auto small = Parse(OneInput(R"("name":"y","shape":[2],"datatype":"INT32","data":[7,8])"));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->inputs[0].data, PackLe<int32_t>({7, 8}));
}

TEST(ParseInferRequestTest, ElementTypeErrors) {
  auto input = [](const char* datatype, const char* data) {
    return Parse(OneInput(
        fmt::format(R"("name":"x","shape":[1],"datatype":"{}","data":{})", datatype, data)));
  };
  ExpectInvalid(input("UINT8", "[256]"), "input 'x': value 256 is out of range for UINT8");
  ExpectInvalid(input("UINT8", "[-1]"), "value -1 is out of range for UINT8");
  ExpectInvalid(input("INT8", "[-129]"), "value -129 is out of range for INT8");
  ExpectInvalid(input("INT16", "[32768]"), "out of range for INT16");
  ExpectInvalid(input("UINT32", "[4294967296]"), "out of range for UINT32");
  ExpectInvalid(input("INT32", "[2147483648]"), "out of range for INT32");
  ExpectInvalid(input("INT64", "[9223372036854775808]"), "out of range for INT64");
  ExpectInvalid(input("UINT64", "[-5]"), "out of range for UINT64");
  ExpectInvalid(input("INT32", "[1.5]"), "input 'x': INT32 data must be integers, got 1.5");
  ExpectInvalid(input("INT32", "[1.0]"), "INT32 data must be integers");
  ExpectInvalid(input("UINT16", R"(["1"])"), "UINT16 data must be integers");
  ExpectInvalid(input("INT64", "[true]"), "INT64 data must be integers");
  ExpectInvalid(input("BOOL", "[1]"), "input 'x': BOOL data must be true or false, got 1");
  ExpectInvalid(input("BOOL", R"(["true"])"), "BOOL data must be true or false");
  ExpectInvalid(input("FP32", "[1e39]"), "out of range for FP32");
  ExpectInvalid(input("FP32", "[-3.5e38]"), "out of range for FP32");
  ExpectInvalid(input("FP16", "[65520]"), "out of range for FP16");
  ExpectInvalid(input("FP64", "[1e400]"), "malformed JSON");  // no JSON number overflows quietly
  ExpectInvalid(input("FP32", R"(["1.0"])"), "FP32 data must be numbers");
  ExpectInvalid(input("FP64", "[null]"), "FP64 data must be numbers");
  ExpectInvalid(input("FP32", R"([{"a":1}])"), "FP32 data must be numbers");
  ExpectInvalid(input("BYTES", "[1]"), "input 'x': BYTES data must be strings, got 1");
  ExpectInvalid(input("FP32", "[123456789012345678901234567890]"),
                "a number in the request does not fit 64 bits");
  ExpectInvalid(input("FP32", "[1, 2"), "malformed JSON at byte");
}

TEST(ParseInferRequestTest, FloatEdgesAreExact) {
  auto one = [](const char* datatype, double value) {
    auto r = Parse(OneInput(fmt::format(R"("name":"x","shape":[1],"datatype":"{}","data":[{}])",
                                        datatype, DumpJson(Json(value)))));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->inputs[0].data : std::string();
  };
  const float float_max = std::numeric_limits<float>::max();
  EXPECT_EQ(one("FP32", float_max), PackLe<float>({float_max}));
  EXPECT_EQ(one("FP32", 3.4028235e38), PackLe<float>({float_max}));  // its shortest decimal
  EXPECT_EQ(one("FP16", 65504), PackLe<uint16_t>({0x7bff}));
  EXPECT_EQ(one("FP16", 65519.99), PackLe<uint16_t>({0x7bff}));
  EXPECT_EQ(one("FP16", 5.96e-8), PackLe<uint16_t>({0x0001}));
  EXPECT_EQ(one("FP16", -0.0), PackLe<uint16_t>({0x8000}));
  // Just above a half tie: a naive double->float->half conversion would round down to 1.0.
  EXPECT_EQ(one("FP16", 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)),
            PackLe<uint16_t>({0x3c01}));
}

TEST(ParseInferRequestTest, StructureErrors) {
  ExpectInvalid(Parse("[1,2]"), "must be a JSON object");
  ExpectInvalid(Parse(R"({"inputs":[)"), "malformed JSON");
  ExpectInvalid(Parse(""), "malformed JSON");
  ExpectInvalid(Parse("{}"), "'inputs' is required");
  ExpectInvalid(Parse(R"({"inputs":[]})"), "'inputs' must be a non-empty array");
  ExpectInvalid(Parse(R"({"inputs":{}})"), "'inputs' must be a non-empty array");
  ExpectInvalid(Parse(R"({"inputs":[5]})"), "input 0 must be a JSON object");
  ExpectInvalid(Parse(R"({"id":5,"inputs":[]})"), "'id' must be a string");
  ExpectInvalid(Parse(R"({"parameters":[],"inputs":[]})"), "'parameters' must be an object");
  ExpectInvalid(Parse(R"({"parameters":{"binary_data_output":1},"inputs":[]})"),
                "parameters.binary_data_output must be a boolean");

  ExpectInvalid(Parse(OneInput(R"("shape":[1],"datatype":"FP32","data":[1])")),
                "input 0: 'name' must be a non-empty string");
  ExpectInvalid(Parse(OneInput(R"("name":"","shape":[1],"datatype":"FP32","data":[1])")),
                "'name' must be a non-empty string");
  ExpectInvalid(Parse(OneInput(R"("name":3,"shape":[1],"datatype":"FP32","data":[1])")),
                "'name' must be a non-empty string");
  ExpectInvalid(Parse(OneInput(R"("name":"x","datatype":"FP32","data":[1])")),
                "input 'x': 'shape' is required");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1.5],"datatype":"FP32","data":[1])")),
                "input 'x': 'shape' must be an array of integers");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":"2","datatype":"FP32","data":[1])")),
                "'shape' must be an array of integers");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[2,-1],"datatype":"FP32","data":[1])")),
                "input 'x': negative dimension -1");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"data":[1])")),
                "input 'x': 'datatype' is required");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":7,"data":[1])")),
                "input 'x': 'datatype' must be a string");
  auto r = Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FLOAT","data":[1])"));
  ExpectInvalid(r, "input 'x': unknown datatype 'FLOAT'");
  ExpectInvalid(r, "FP32");
  ExpectInvalid(
      Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":3)")),
      "input 'x': 'parameters' must be an object");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5])")),
                "input 'x': shape [2,3] has 6 elements but data has 5");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32","data":[[1,2]])")),
                "shape [1] has 1 elements but data has 2");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32","data":1)")),
                "input 'x': 'data' must be an array");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32")")),
                "input 'x' has neither 'data' nor parameters.binary_data_size");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32","data":[1],
                                  "parameters":{"binary_data_size":4})")),
                "input 'x' has both 'data' and parameters.binary_data_size");
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[1],"datatype":"FP32",
                                  "parameters":{"binary_data_size":-4})")),
                "parameters.binary_data_size must be a non-negative integer");
  ExpectInvalid(Parse(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]},
                                    {"name":"x","shape":[1],"datatype":"FP32","data":[2]}]})"),
                "input 'x' appears more than once");
}

TEST(ParseInferRequestTest, Limits) {
  CodecLimits limits;
  limits.max_elements = 4;
  const std::string body =
      OneInput(R"("name":"x","shape":[5],"datatype":"FP32","data":[1,2,3,4,5])");
  ExpectInvalid(Parse(body, limits), "input 'x': shape [5] has more than the limit of 4 elements");
  EXPECT_TRUE(Parse(body).ok());
  // A huge declared shape fails on the limit, not on an allocation.
  ExpectInvalid(Parse(OneInput(R"("name":"x","shape":[4294967296,4294967296],"datatype":"FP32",
                                  "data":[1])")),
                "more than the limit");

  const std::string deep = OneInput(R"("name":"x","shape":[1],"datatype":"FP32","data":)" +
                                    std::string(70, '[') + "1" + std::string(70, ']'));
  ExpectInvalid(Parse(deep), "nesting");
  limits = CodecLimits{};
  limits.max_json_depth = 100;
  auto parsed = Parse(deep, limits);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->inputs[0].data, PackLe<float>({1}));
}

TEST(ParseInferRequestTest, RequestedOutputs) {
  auto r = Parse(R"({"parameters":{"binary_data_output":true},
      "inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],
      "outputs":[{"name":"a"},{"name":"b","parameters":{"binary_data":false}},
                 {"name":"c","parameters":{"classification":3}}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->binary_outputs);
  ASSERT_EQ(r->outputs.size(), 3u);
  EXPECT_EQ(r->outputs[0].name, "a");
  EXPECT_TRUE(r->outputs[0].binary);  // inherits binary_data_output
  EXPECT_FALSE(r->outputs[1].binary);
  EXPECT_EQ(r->outputs[2].class_count, 3);
  EXPECT_EQ(r->outputs[0].class_count, 0);

  r = Parse(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],
                "outputs":[{"name":"a","parameters":{"binary_data":true}}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->binary_outputs);
  EXPECT_TRUE(r->outputs[0].binary);

  auto with_outputs = [](const char* outputs) {
    return Parse(std::string(R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}],
                                 "outputs":)") +
                 outputs + "}");
  };
  ExpectInvalid(with_outputs(R"({"name":"a"})"), "'outputs' must be an array");
  ExpectInvalid(with_outputs(R"([1])"), "output 0 must be a JSON object");
  ExpectInvalid(with_outputs(R"([{"parameters":{}}])"), "output 0: 'name' must be a non-empty");
  ExpectInvalid(with_outputs(R"([{"name":"a","parameters":[]}])"),
                "output 'a': 'parameters' must be an object");
  ExpectInvalid(with_outputs(R"([{"name":"a","parameters":{"binary_data":"yes"}}])"),
                "output 'a': parameters.binary_data must be a boolean");
  ExpectInvalid(with_outputs(R"([{"name":"a","parameters":{"classification":-1}}])"),
                "output 'a': parameters.classification must be a non-negative integer");
  ExpectInvalid(with_outputs(R"([{"name":"a","parameters":{"classification":2.5}}])"),
                "parameters.classification must be a non-negative integer");
  ExpectInvalid(with_outputs(R"([{"name":"a"},{"name":"a"}])"),
                "output 'a' is requested more than once");
}

// ---- Binary tensor data extension ----

struct BinaryBody {
  std::string body;
  size_t header_length;
};

BinaryBody WithBinary(const std::string& json, const std::string& binary) {
  return {json + binary, json.size()};
}

// The body parsed as the server reads one sent as is: the JSON header first, then each input's
// bytes from a reader (which records the size of every read).
Result<InferRequest> ParseStreamed(const BinaryBody& b, std::vector<size_t>* reads = nullptr) {
  std::string_view rest = std::string_view(b.body).substr(b.header_length);
  const BinaryReader reader{.size = rest.size(), .read = [&](char* out, size_t n) {
                              if (reads != nullptr) reads->push_back(n);
                              std::memcpy(out, rest.data(), n);
                              rest.remove_prefix(n);
                              return OkStatus();
                            }};
  return ParseInferRequest(std::string_view(b.body).substr(0, b.header_length), reader);
}

// The body parsed whole, and streamed: both must give the same request or the same error.
Result<InferRequest> ParseBinary(const BinaryBody& b) {
  Result<InferRequest> whole = ParseInferRequest(b.body, b.header_length);
  Result<InferRequest> streamed = ParseStreamed(b);
  EXPECT_EQ(whole.status().ToString(), streamed.status().ToString());
  if (whole.ok() && streamed.ok()) {
    EXPECT_EQ(whole->inputs.size(), streamed->inputs.size());
    for (size_t i = 0; i < std::min(whole->inputs.size(), streamed->inputs.size()); ++i) {
      const Tensor& a = whole->inputs[i];
      const Tensor& b = streamed->inputs[i];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.datatype, b.datatype);
      EXPECT_EQ(a.shape, b.shape);
      EXPECT_EQ(a.data, b.data) << a.name;
      EXPECT_EQ(a.strings, b.strings) << a.name;
      EXPECT_EQ(a.parameters, b.parameters) << a.name;
    }
  }
  return whole;
}

TEST(BinaryInputTest, FixedSizeAndBytesMixedWithJson) {
  const std::string floats = PackLe<float>({1.5f, -2.0f, 0.25f, 8.0f});
  const std::string strings = LengthPrefixed({"hello", "", std::string("\x00\xff", 2)});
  auto r = ParseBinary(WithBinary(
      R"({"inputs":[
        {"name":"a","shape":[2,2],"datatype":"FP32","parameters":{"binary_data_size":16,"k":1}},
        {"name":"j","shape":[2],"datatype":"INT64","data":[7,8]},
        {"name":"s","shape":[3],"datatype":"BYTES","parameters":{"binary_data_size":19}}]})",
      floats + strings));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->inputs.size(), 3u);
  EXPECT_EQ(r->inputs[0].data, floats);
  EXPECT_EQ(r->inputs[0].parameters, Json({{"k", 1}}));  // the framing size is dropped
  EXPECT_EQ(r->inputs[1].data, PackLe<int64_t>({7, 8}));
  EXPECT_THAT(r->inputs[2].strings, ElementsAre("hello", "", std::string("\x00\xff", 2)));
}

TEST(BinaryInputTest, Errors) {
  const std::string fp32 =
      R"({"inputs":[{"name":"a","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":)";
  ExpectInvalid(ParseBinary(WithBinary(fp32 + "8}}]}", PackLe<float>({1}))),
                "input 'a': binary data ends early");
  ExpectInvalid(ParseBinary(WithBinary(fp32 + "6}}]}", std::string(6, '\0'))),
                "input 'a': binary_data_size is 6 but shape [2] of FP32 needs 2 elements");
  ExpectInvalid(ParseBinary(WithBinary(fp32 + "12}}]}", std::string(12, '\0'))),
                "binary_data_size is 12");
  ExpectInvalid(ParseBinary(WithBinary(fp32 + "8}}]}", std::string(9, '\0'))),
                "binary section has 1 bytes left over");
  // Without the header length the whole body is JSON, so the binary section is empty.
  ExpectInvalid(Parse(fp32 + "8}}]}"), "binary data ends early");
  // Binary bytes nobody claims.
  auto json_only =
      WithBinary(OneInput(R"("name":"x","shape":[1],"datatype":"INT8","data":[1])"), "zz");
  ExpectInvalid(ParseBinary(json_only), "2 bytes left over");
  // A header length that cuts the JSON short, or runs past the body.
  ExpectInvalid(ParseInferRequest(json_only.body, json_only.header_length - 1), "malformed JSON");
  ExpectInvalid(ParseInferRequest(json_only.body, json_only.body.size() + 1),
                fmt::format("Inference-Header-Content-Length is {} but the body has only {} bytes",
                            json_only.body.size() + 1, json_only.body.size()));

  const std::string bytes =
      R"({"inputs":[{"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":)";
  const std::string two = LengthPrefixed({"ab", "c"});  // 11 bytes
  EXPECT_TRUE(ParseBinary(WithBinary(bytes + "11}}]}", two)).ok());
  ExpectInvalid(ParseBinary(WithBinary(bytes + "6}}]}", LengthPrefixed({"ab"}))),
                "input 's': BYTES raw data holds only 1 of 2 elements");
  ExpectInvalid(ParseBinary(WithBinary(bytes + "10}}]}", two.substr(0, 10))),
                "input 's': BYTES element 1 has length 1 but only 0 bytes");
  ExpectInvalid(ParseBinary(WithBinary(bytes + "13}}]}", two + "xy")),
                "input 's': BYTES raw data has 2 bytes left over after 2 elements");
  ExpectInvalid(ParseBinary(WithBinary(bytes + "9}}]}", two.substr(0, 9))),
                "BYTES raw data holds only 1 of 2 elements");
  ExpectInvalid(ParseBinary(WithBinary(bytes + "11}}]}", two.substr(0, 8))),
                "binary data ends early");
}

TEST(BinaryInputTest, AStreamedSectionIsReadInputByInputAndNoFurtherThanAnError) {
  const std::string header =
      R"({"inputs":[{"name":"a","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},)"
      R"({"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":11}},)"
      R"({"name":"b","shape":[3],"datatype":"INT32","parameters":{"binary_data_size":12}}]})";
  const std::string binary =
      PackLe<float>({1.5f, -2}) + LengthPrefixed({"ab", "c"}) + PackLe<int32_t>({7, 8, 9});
  std::vector<size_t> reads;
  Result<InferRequest> r = ParseStreamed(WithBinary(header, binary), &reads);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(reads, ElementsAre(8, 11, 12));
  EXPECT_EQ(r->inputs[2].data, PackLe<int32_t>({7, 8, 9}));

  // Input 'b' is wrong: its bytes and anything after them stay unread.
  reads.clear();
  std::string wrong = header;
  wrong.replace(wrong.find("[3]"), 3, "[4]");
  ExpectInvalid(ParseStreamed(WithBinary(wrong, binary), &reads), "input 'b': binary_data_size");
  EXPECT_THAT(reads, ElementsAre(8, 11));
  // A header that is not JSON reads nothing.
  reads.clear();
  ExpectInvalid(ParseStreamed(WithBinary("{", binary), &reads), "JSON");
  EXPECT_TRUE(reads.empty());

  // A large input is read a piece at a time (memory is backed as its bytes arrive).
  reads.clear();
  const size_t big = (3u << 20) + 8;
  const std::string big_header = R"({"inputs":[{"name":"a","shape":[)" + std::to_string(big / 4) +
                                 R"(],"datatype":"FP32","parameters":{"binary_data_size":)" +
                                 std::to_string(big) + "}}]}";
  std::string big_binary(big, '\0');
  big_binary[big - 1] = 'x';
  r = ParseStreamed(WithBinary(big_header, big_binary), &reads);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(reads, ElementsAre(1u << 20, 1u << 20, 1u << 20, 8u));
  EXPECT_EQ(r->inputs[0].data, big_binary);

  // A read that fails (the client went away) is the answer.
  const BinaryReader failing{.size = binary.size(), .read = [](char*, size_t) {
                               return InvalidArgument("the request body ended early");
                             }};
  ExpectInvalid(ParseInferRequest(header, failing), "the request body ended early");
}

TEST(BinaryInputTest, TruncatedBodiesNeverThrow) {
  const std::string json =
      R"({"id":"q","inputs":[{"name":"a","shape":[1],"datatype":"BYTES",)"
      R"("parameters":{"binary_data_size":7}},{"name":"b","shape":[2],"datatype":"FP16",)"
      R"("data":[1,2]}],"outputs":[{"name":"o","parameters":{"binary_data":true}}]})";
  const std::string body = json + LengthPrefixed({"xyz"});
  ASSERT_TRUE(ParseInferRequest(body, json.size()).ok());
  for (size_t cut = 0; cut < body.size(); ++cut) {
    const std::string_view prefix(body.data(), cut);
    EXPECT_FALSE(ParseInferRequest(prefix, std::min(cut, json.size())).ok()) << cut;
    EXPECT_FALSE(ParseInferRequest(prefix, std::nullopt).ok()) << cut;
  }
}

// Random edits of valid bodies (testing/random_edits.h, splicing in structural characters and
// extreme numbers), with and without a binary section: every body gives
// either a request whose inputs hold exactly the elements their shapes declare, or
// INVALID_ARGUMENT with a message; a body with a binary section gives the same when it is read
// whole and when it is streamed. Under AddressSanitizer this is also a memory-safety check of
// the parser (README.md, "Sanitizer runs").
TEST(ParseInferRequestTest, MutatedBodiesGiveARequestOrAnErrorNeverAnythingElse) {
  const std::string typed =
      R"({"id":"m","parameters":{"binary_data_output":false},"inputs":[)"
      R"({"name":"a","shape":[2,2],"datatype":"INT16","data":[[1,-2],[300,4]]},)"
      R"({"name":"b","shape":[3],"datatype":"FP16","data":[0.5,1e4,-7]},)"
      R"({"name":"c","shape":[1],"datatype":"BYTES","data":["x\u00e9"]},)"
      R"({"name":"d","shape":[2],"datatype":"BOOL","data":[true,false]},)"
      R"({"name":"e","shape":[1],"datatype":"UINT64","data":[18446744073709551615]}],)"
      R"("outputs":[{"name":"o","parameters":{"classification":2}}]})";
  const std::string header =
      R"({"inputs":[{"name":"a","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},)"
      R"({"name":"s","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":13}}]})";
  const std::string binary = PackLe<float>({1.5f, -2}) + LengthPrefixed({"abc", "de"});
  ASSERT_TRUE(Parse(typed).ok());
  ASSERT_TRUE(ParseInferRequest(header + binary, header.size()).ok());

  const ::easel::testing::EditOptions edits{
      .pieces = {"\"", "[", "]", "{", "}", ",", ":", "-", "0", "1e999", "-1", "null", "true", "[]",
                 "{}", "18446744073709551616", "-9223372036854775809", "\\u0000", "\\ud800",
                 "\xff", std::string(1, '\0')}};
  std::mt19937 rng(20261124);
  auto mutate = [&](const std::string& body) {
    return ::easel::testing::RandomEdits(body, rng, edits);
  };
  auto check = [](const Result<InferRequest>& r, const std::string& body) {
    if (!r.ok()) {
      ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
      ASSERT_FALSE(r.status().message().empty()) << body;
      return;
    }
    for (const Tensor& t : r->inputs) {
      ASSERT_GE(t.element_count(), 0) << body;
      const auto count = static_cast<size_t>(t.element_count());
      if (t.datatype == DataType::kBytes) {
        ASSERT_EQ(t.strings.size(), count) << body;
      } else {
        ASSERT_EQ(t.data.size(), count * ElementSize(t.datatype)) << body;
      }
    }
  };
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string body = mutate(typed);
    const Result<InferRequest> r = Parse(body);
    accepted += r.ok() ? 1 : 0;
    ASSERT_NO_FATAL_FAILURE(check(r, body));
    const std::string with_binary = mutate(header) + binary;
    const size_t length = std::uniform_int_distribution<size_t>(0, with_binary.size())(rng);
    ASSERT_NO_FATAL_FAILURE(check(ParseBinary({with_binary, length}), with_binary));
    const std::string mutated_binary = mutate(header + binary);
    ASSERT_NO_FATAL_FAILURE(
        check(ParseBinary({mutated_binary, std::min(header.size(), mutated_binary.size())}),
              mutated_binary));
  }
  // The edits do not all break the request: some land in values and still parse.
  EXPECT_GT(accepted, 0);
}

TEST(ParseHeaderLengthTest, AcceptsOnlyNonNegativeIntegers) {
  EXPECT_EQ(*ParseHeaderLength("0"), 0u);
  EXPECT_EQ(*ParseHeaderLength("123"), 123u);
  EXPECT_EQ(*ParseHeaderLength(" 42\t"), 42u);
  for (const char* bad : {"", " ", "-1", "+5", "12a", "1.5", "0x10", "99999999999999999999999"}) {
    auto r = ParseHeaderLength(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr("must be a non-negative integer"));
  }
}

// ---- Responses ----

template <typename T>
Tensor Fixed(std::string name, DataType type, std::vector<int64_t> shape,
             std::initializer_list<T> values) {
  Tensor tensor;
  tensor.name = std::move(name);
  tensor.datatype = type;
  tensor.shape = std::move(shape);
  tensor.data = PackLe<T>(values);
  return tensor;
}

TEST(EncodeInferResponseTest, JsonLayout) {
  InferResponse response{"m", "2", "r1", {}};
  const float values[] = {0.1f, -2.5f, 1e-45f};
  response.outputs.push_back(Tensor::Fp32("y", {3}, values));
  response.outputs.push_back(Tensor::Bytes("s", {2}, {"a\"b", "ok"}));
  EncodedResponse encoded = EncodeInferResponse(response, InferRequest{});
  EXPECT_FALSE(encoded.header_length.has_value());
  EXPECT_EQ(encoded.body, R"({"model_name":"m","model_version":"2","id":"r1","outputs":[)"
                          R"({"name":"y","datatype":"FP32","shape":[3],"data":[0.1,-2.5,1e-45]},)"
                          R"({"name":"s","datatype":"BYTES","shape":[2],"data":["a\"b","ok"]}]})");

  InferResponse bare{"m", "", "", {Fixed<int32_t>("z", DataType::kInt32, {}, {-7})}};
  bare.outputs[0].parameters = {{"unit", "cm"}};
  EXPECT_EQ(EncodeInferResponse(bare, InferRequest{}).body,
            R"({"model_name":"m","outputs":[{"name":"z","datatype":"INT32","shape":[],)"
            R"("parameters":{"unit":"cm"},"data":[-7]}]})");
}

TEST(EncodeInferResponseTest, EveryDatatypeRoundTripsThroughTheParser) {
  InferResponse response{"m", "", "", {}};
  response.outputs = {
      Fixed<uint8_t>("BOOL", DataType::kBool, {3}, {1, 0, 1}),
      Fixed<uint8_t>("UINT8", DataType::kUint8, {2}, {0, 255}),
      Fixed<uint16_t>("UINT16", DataType::kUint16, {1}, {65535}),
      Fixed<uint32_t>("UINT32", DataType::kUint32, {1}, {4294967295u}),
      Fixed<uint64_t>("UINT64", DataType::kUint64, {1}, {UINT64_MAX}),
      Fixed<int8_t>("INT8", DataType::kInt8, {2}, {-128, 127}),
      Fixed<int16_t>("INT16", DataType::kInt16, {1}, {-32768}),
      Fixed<int32_t>("INT32", DataType::kInt32, {1}, {INT32_MIN}),
      Fixed<int64_t>("INT64", DataType::kInt64, {2}, {INT64_MIN, INT64_MAX}),
      Fixed<uint16_t>("FP16", DataType::kFp16, {4}, {0x3c00, 0x2e66, 0x0001, 0x7bff}),
      Fixed<float>("FP32", DataType::kFp32, {6},
                   {0.1f, 1.0f / 3, std::numeric_limits<float>::max(),
                    std::numeric_limits<float>::denorm_min(), -0.0f, 16777217.0f}),
      Fixed<double>("FP64", DataType::kFp64, {3}, {0.1, 1.0 / 3, 1e300}),
      Tensor::Bytes("BYTES", {2}, {"x", ""}),
  };
  for (bool binary : {false, true}) {
    InferRequest request;
    request.binary_outputs = binary;
    EncodedResponse encoded = EncodeInferResponse(response, request);
    EXPECT_EQ(encoded.header_length.has_value(), binary);
    // A response has the shape of a request with outputs for inputs.
    std::string body = encoded.body;
    const size_t key = body.find("\"outputs\"");
    ASSERT_NE(key, std::string::npos);
    body.replace(key, 9, "\"inputs\" ");
    auto parsed = ParseInferRequest(body, encoded.header_length);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_EQ(parsed->inputs.size(), response.outputs.size());
    for (size_t i = 0; i < response.outputs.size(); ++i) {
      const Tensor& want = response.outputs[i];
      const Tensor& got = parsed->inputs[i];
      EXPECT_EQ(got.datatype, want.datatype) << want.name;
      EXPECT_EQ(got.shape, want.shape) << want.name;
      EXPECT_EQ(got.data, want.data) << want.name << (binary ? " binary" : " json");
      EXPECT_EQ(got.strings, want.strings) << want.name;
    }
  }
}

TEST(EncodeInferResponseTest, JsonValuesOfSpecialTypes) {
  InferResponse response{"m", "", "", {}};
  response.outputs = {
      Fixed<uint8_t>("b", DataType::kBool, {2}, {2, 0}),
      Fixed<uint16_t>("h", DataType::kFp16, {3}, {0x3c00, 0x8000, 0x7c00}),
      Fixed<float>("f", DataType::kFp32, {2}, {std::nanf(""), -INFINITY}),
      Tensor::Bytes("s", {1}, {std::string("\xff", 1)}),
  };
  EncodedResponse encoded = EncodeInferResponse(response, InferRequest{});
  auto json = ParseJson(encoded.body);
  ASSERT_TRUE(json.ok()) << encoded.body;
  const Json& outputs = (*json)["outputs"];
  EXPECT_EQ(outputs[0]["data"], Json::parse("[true,false]"));
  EXPECT_EQ(outputs[1]["data"].dump(), "[1.0,-0.0,null]");  // FP16 as float; inf has no JSON
  EXPECT_EQ(outputs[2]["data"], Json::parse("[null,null]"));
  EXPECT_EQ(outputs[3]["data"][0], "\xEF\xBF\xBD");  // invalid UTF-8 replaced, not thrown
}

TEST(EncodeInferResponseTest, BinaryOutputsFollowTheHeader) {
  InferResponse response{"m", "1", "", {}};
  const float values[] = {1.0f, 2.0f};
  response.outputs.push_back(Tensor::Fp32("a", {2}, values));
  response.outputs.push_back(Fixed<int8_t>("j", DataType::kInt8, {1}, {5}));
  response.outputs.push_back(Tensor::Bytes("s", {2}, {"hi", ""}));
  response.outputs[0].parameters = {{"binary_data_size", 999}, {"keep", true}};
  InferRequest request;
  request.outputs = {{"a", true, 0}, {"s", true, 0}};  // "j" has no entry: JSON by default

  EncodedResponse encoded = EncodeInferResponse(response, request);
  ASSERT_TRUE(encoded.header_length.has_value());
  auto header = ParseJson(std::string_view(encoded.body).substr(0, *encoded.header_length));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  const Json& outputs = (*header)["outputs"];
  EXPECT_EQ(outputs[0]["parameters"], Json({{"binary_data_size", 8}, {"keep", true}}));
  EXPECT_FALSE(outputs[0].contains("data"));
  EXPECT_EQ(outputs[1]["data"], Json::parse("[5]"));
  EXPECT_FALSE(outputs[1].contains("parameters"));
  EXPECT_EQ(outputs[2]["parameters"]["binary_data_size"], 10);
  EXPECT_EQ(encoded.body.substr(*encoded.header_length),
            PackLe<float>({1.0f, 2.0f}) + LengthPrefixed({"hi", ""}));

  // binary_outputs is the default; an entry in request.outputs overrides it.
  request.binary_outputs = true;
  request.outputs = {{"a", false, 0}};
  encoded = EncodeInferResponse(response, request);
  ASSERT_TRUE(encoded.header_length.has_value());
  EXPECT_EQ(encoded.body.substr(*encoded.header_length),
            PackLe<int8_t>({5}) + LengthPrefixed({"hi", ""}));
}

}  // namespace
}  // namespace easel::serving::kserve
