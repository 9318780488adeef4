#include "train/trainers/torch_common/torchscript_check.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>
#include <random>
#include <sstream>

#include "testing/temp_dir.h"

namespace easel::train::torch_util {
namespace {

namespace fs = std::filesystem;

class TorchScriptCheckTest : public ::testing::Test {
 protected:
  fs::path Write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_.path() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  // A tiny linear layer written by LibTorch itself, as torch.jit.save would.
  std::string TinyModule() {
    torch::jit::Module m("Tiny");
    m.register_parameter("weight", torch::ones({3, 4}), /*is_buffer=*/false);
    m.register_parameter("bias", torch::zeros({3}), /*is_buffer=*/false);
    m.define(R"(
def forward(self, x):
    return torch.softmax(torch.matmul(x, self.weight.t()) + self.bias, 1)
)");
    std::ostringstream out;
    m.save(out);
    return out.str();
  }

  // A zip whose entries are `entries` (name → bytes), deflated.
  static std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_set_options(a, "zip:compression=deflate");
    archive_write_open(
        a, &out, nullptr,
        [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
          static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
          return static_cast<la_ssize_t>(n);
        },
        nullptr);
    for (const auto& [name, bytes] : entries) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_write_header(a, e);
      archive_write_data(a, bytes.data(), bytes.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }

  static std::string RandomBytes(size_t n) {
    std::mt19937 gen(7);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(gen());
    return s;
  }

  // The check's sentence, which must never carry the file's path.
  std::string Refusal(const fs::path& p) {
    auto r = CheckTorchScriptFile(p);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().find(dir_.path().string()), std::string::npos)
        << r.status().message();
    return r.status().message();
  }

  testing::TempDir dir_;
};

TEST_F(TorchScriptCheckTest, ReadsForwardsSignature) {
  auto r = CheckTorchScriptFile(Write("tiny.pt", TinyModule()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["signature"]["inputs"],
            Json::parse(R"([{"name":"x","datatype":"FP32","shape":[-1],"torch_type":"Tensor"}])"));
  EXPECT_EQ(
      (*r)["signature"]["outputs"],
      Json::parse(R"([{"name":"output","datatype":"FP32","shape":[-1],"torch_type":"Tensor"}])"));
  EXPECT_EQ((*r)["info"]["parameters"], 15);
  EXPECT_EQ((*r)["info"]["methods"], Json::array({"forward"}));
  EXPECT_GT((*r)["info"]["entries"].get<int>(), 1);
}

TEST_F(TorchScriptCheckTest, TuplesAndScalarsGetTheirOwnEntries) {
  torch::jit::Module m("Pair");
  m.define(R"(
def forward(self, x, k: int, scale: float, name: str):
    return x * k * scale, x.sum()
)");
  std::ostringstream out;
  m.save(out);
  auto r = CheckTorchScriptFile(Write("pair.pt", out.str()));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& in = (*r)["signature"]["inputs"];
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(in[1],
            Json::parse(R"({"name":"k","datatype":"INT64","shape":[1],"torch_type":"int"})"));
  EXPECT_EQ(in[2]["datatype"], "FP64");
  EXPECT_EQ(in[3]["datatype"], "BYTES");
  const Json& outs = (*r)["signature"]["outputs"];
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0]["name"], "output0");
  EXPECT_EQ(outs[1]["name"], "output1");
}

TEST_F(TorchScriptCheckTest, AModuleWithoutForwardIsRefused) {
  torch::jit::Module m("Helper");
  m.define(R"(
def helper(self, x):
    return x
)");
  std::ostringstream out;
  m.save(out);
  EXPECT_EQ(Refusal(Write("helper.pt", out.str())), "the module has no forward method");
}

TEST_F(TorchScriptCheckTest, HostileFilesAreRefusedWithASentence) {
  EXPECT_EQ(Refusal(Write("empty.pt", "")), "the file is empty");
  EXPECT_EQ(Refusal(Write("random.pt", RandomBytes(4096))),
            "it is not a whole zip archive, and TorchScript files are zip archives");
  EXPECT_EQ(Refusal(Write("model.json", R"({"learner": {}})")),
            "it is not a whole zip archive, and TorchScript files are zip archives");
  std::string valid = TinyModule();
  EXPECT_FALSE(Refusal(Write("truncated.pt", valid.substr(0, valid.size() / 2))).empty());
  std::string garbage =
      Refusal(Write("garbage.pt", Zip({{"archive/data.pkl", RandomBytes(1000)},
                                       {"archive/constants.pkl", RandomBytes(500)},
                                       {"archive/version", "3\n"}})));
  EXPECT_EQ(garbage.rfind("LibTorch cannot load it: ", 0), 0u) << garbage;
  EXPECT_EQ(Refusal(dir_.path() / "does-not-exist.pt"), "the file cannot be read");
}

TEST_F(TorchScriptCheckTest, AZipBombIsRefusedBeforeLoading) {
  // 128 MiB of zeros deflate to ~130 KiB: far past 4x the file plus 64 MiB.
  std::string bomb = Zip({{"archive/data.pkl", std::string(128u << 20, '\0')}});
  ASSERT_LT(bomb.size(), 2u << 20);
  std::string sentence = Refusal(Write("bomb.pt", bomb));
  EXPECT_NE(sentence.find("expand to more than"), std::string::npos) << sentence;
}

}  // namespace
}  // namespace easel::train::torch_util
