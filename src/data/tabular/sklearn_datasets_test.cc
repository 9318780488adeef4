// The real datasets Debian's python3-sklearn ships (iris, wine, breast cancer), rewritten as
// ordinary header CSVs with the class name as label, imported, described and round-tripped.
// Skipped, with the reason printed, when the package is not installed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/stats.h"
#include "data/tabular/formats.h"
#include "data/tabular/test_fakes.h"
#include "testing/temp_dir.h"

namespace easel::data {
namespace {

namespace fs = std::filesystem;

const fs::path kSklearnData = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

std::vector<std::string> SplitComma(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) out.push_back(cell);
  return out;
}

// sklearn's layout: a first line "n_samples,n_features,class names...", then rows of features
// and an integer target. Writes `out` as a CSV with `features` and a "label" column holding the
// class name.
void RewriteWithHeader(const fs::path& in_path, const std::vector<std::string>& features,
                       const fs::path& out_path) {
  std::ifstream in(in_path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  std::vector<std::string> first = SplitComma(line);
  ASSERT_GE(first.size(), 3u);
  ASSERT_EQ(std::stoul(first[1]), features.size());
  const std::vector<std::string> classes(first.begin() + 2, first.end());
  std::ofstream out(out_path);
  for (const std::string& f : features) out << f << ',';
  out << "label\n";
  size_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells = SplitComma(line);
    ASSERT_EQ(cells.size(), features.size() + 1) << line;
    for (size_t i = 0; i < features.size(); ++i) out << cells[i] << ',';
    out << classes.at(std::stoul(cells.back())) << '\n';
    ++rows;
  }
  ASSERT_EQ(rows, std::stoul(first[0]));
}

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

struct Case {
  std::string file;
  std::vector<std::string> features;
  size_t rows;
  std::map<std::string, uint64_t> class_counts;
  std::string checked_column;  // a numeric feature and its known range
  double min, max;
};

class SklearnDatasets : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!fs::exists(kSklearnData)) {
      GTEST_SKIP() << kSklearnData << " is missing: install Debian's python3-sklearn for the real "
                   << "iris, wine and breast cancer datasets";
    }
    blobs_ = std::move(*store::BlobStore::Open(dir_.path() / "data"));
    RegisterTabularImporters(importers_);
    RegisterTabularExporters(exporters_);
  }

  // The rewritten CSV as an upload.
  SourceFiles Upload(const Case& c) {
    const fs::path csv = dir_.path() / c.file;
    RewriteWithHeader(kSklearnData / c.file, c.features, csv);
    auto info = blobs_->PutFile(csv);
    EXPECT_TRUE(info.ok());
    return SourceFiles(*blobs_, {{c.file, info->digest, info->size}});
  }

  Json Stats(DatasetType type, const fakes::FakeImportSink& sink) {
    auto builder = MakeRecordStats(type, sink.columns);
    for (const Sample& s : sink.samples) builder->Add(s);
    return builder->Finish();
  }

  easel::testing::TempDir dir_;
  std::unique_ptr<store::BlobStore> blobs_;
  ImporterRegistry importers_;
  ExporterRegistry exporters_;
};

const Json* Column(const Json& stats, const std::string& name) {
  for (const Json& c : stats["columns"]) {
    if (c["name"] == name) return &c;
  }
  return nullptr;
}

TEST_P(SklearnDatasets, Tabular) {
  const Case& c = GetParam();
  SourceFiles files = Upload(c);
  auto importer = importers_.Detect(files, DatasetType::kTabular);
  ASSERT_TRUE(importer.ok());
  ASSERT_EQ((*importer)->name, "csv");
  fakes::FakeImportSink sink;
  ASSERT_TRUE((*importer)->run(files, DatasetType::kTabular, Json(), sink).ok());
  ASSERT_EQ(sink.samples.size(), c.rows);
  ASSERT_EQ(sink.columns.size(), c.features.size() + 1);

  Json stats = Stats(DatasetType::kTabular, sink);
  EXPECT_EQ(stats["num_samples"], c.rows);
  for (const std::string& f : c.features) {
    const Json* column = Column(stats, f);
    ASSERT_NE(column, nullptr) << f;
    EXPECT_EQ((*column)["type"], "numeric") << f;
    EXPECT_EQ((*column)["missing"], 0) << f;
  }
  const Json* checked = Column(stats, c.checked_column);
  EXPECT_DOUBLE_EQ((*checked)["min"].get<double>(), c.min);
  EXPECT_DOUBLE_EQ((*checked)["max"].get<double>(), c.max);
  EXPECT_GT((*checked)["std"].get<double>(), 0);
  const Json* label = Column(stats, "label");
  EXPECT_EQ((*label)["type"], "categorical");
  std::map<std::string, uint64_t> top;
  for (const Json& entry : (*label)["top"]) top[entry[0]] = entry[1];
  EXPECT_EQ(top, c.class_counts);
}

TEST_P(SklearnDatasets, LabeledRecords) {
  const Case& c = GetParam();
  SourceFiles files = Upload(c);
  fakes::FakeImportSink sink;
  // The features stand in for a text: the first non-label column is taken as it.
  ASSERT_TRUE((*importers_.Find("csv"))
                  ->run(files, DatasetType::kTextClassification, {{"label_column", "label"}}, sink)
                  .ok());
  ASSERT_EQ(sink.samples.size(), c.rows);
  EXPECT_EQ(sink.columns, c.features);
  Json stats = Stats(DatasetType::kTextClassification, sink);
  std::map<std::string, uint64_t> counts;
  for (const auto& [label, n] : stats["class_counts"].items()) counts[label] = n;
  EXPECT_EQ(counts, c.class_counts);

  // Export and import again: the same samples.
  fakes::FakeExportWriter writer;
  ASSERT_TRUE((*exporters_.Find("csv"))
                  ->run(fakes::MakeExportSource(DatasetType::kTextClassification, "real",
                                                sink.columns, &sink.samples),
                        Json(), writer)
                  .ok());
  fakes::FakeImportSink again;
  ASSERT_TRUE((*importers_.Find("csv"))
                  ->run(fakes::MakeUpload(*blobs_, {{"real.csv", writer.entries["real.csv"]}}),
                        DatasetType::kTextClassification, Json(), again)
                  .ok());
  EXPECT_EQ(again.columns, sink.columns);
  EXPECT_TRUE(again.samples == sink.samples);
}

INSTANTIATE_TEST_SUITE_P(
    Real, SklearnDatasets,
    ::testing::Values(Case{"iris.csv",
                           {"sepal_length", "sepal_width", "petal_length", "petal_width"},
                           150,
                           {{"setosa", 50}, {"versicolor", 50}, {"virginica", 50}},
                           "sepal_length",
                           4.3,
                           7.9},
                      Case{"wine_data.csv",
                           {"alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium",
                            "total_phenols", "flavanoids", "nonflavanoid_phenols",
                            "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"},
                           178,
                           {{"class_0", 59}, {"class_1", 71}, {"class_2", 48}},
                           "alcohol",
                           11.03,
                           14.83},
                      Case{"breast_cancer.csv",
                           Numbered("feature_", 30),
                           569,
                           {{"malignant", 212}, {"benign", 357}},
                           "feature_1",
                           6.981,
                           28.11}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return info.param.file.substr(0, info.param.file.find('.'));
    });

}  // namespace
}  // namespace easel::data
