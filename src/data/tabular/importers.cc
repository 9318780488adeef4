// Registration of the record importers: their descriptions, parameters and detection.

#include "data/tabular/importers.h"

#include "common/log.h"
#include "data/tabular/formats.h"
#include "data/tabular/source_reading.h"

namespace easel::data {
namespace {

Json Param(std::string_view type, Json fallback, std::string_view description) {
  return {{"type", type}, {"default", std::move(fallback)}, {"description", description}};
}

Importer CsvImporter() {
  Importer i;
  i.name = "csv";
  i.description =
      "A CSV file with a header line (RFC 4180 quoting, delimiter detected). Tabular: every "
      "column is a value. Text classification: a text column and a label column. Time series: "
      "columns timestamp,value[,series_id] then covariates. Empty fields and NA, N/A, n/a, NaN, "
      "nan, null, NULL are missing values unless quoted.";
  i.types = {DatasetType::kTabular, DatasetType::kTextClassification, DatasetType::kTimeSeries};
  i.params_schema = {
      {"delimiter", Param("string", nullptr,
                          "field delimiter: one character, or \"tab\"; detected from the header "
                          "among , ; tab | when absent")},
      {"file", Param("string", nullptr, "the CSV file to import when the upload has several")},
      {"text_column",
       Param("string", nullptr,
             "text classification: the text column (default: \"text\", else the first column "
             "that is not the label)")},
      {"label_column", Param("string", "label",
                             "text classification: the label column; empty cells are unlabeled")},
  };
  i.detect = [](const SourceFiles& files, DatasetType type) {
    return IsImageType(type) ? 0 : DetectOneFile(files, {".csv", ".tsv"});
  };
  i.run = ImportCsv;
  return i;
}

Importer JsonlImporter() {
  Importer i;
  i.name = "jsonl";
  i.description =
      "JSON lines for text classification: one object per line such as {\"text\": \"...\", "
      "\"label\": \"...\"}; other fields are kept with the sample.";
  i.types = {DatasetType::kTextClassification};
  i.params_schema = {
      {"file",
       Param("string", nullptr, "the JSON lines file to import when the upload has several")},
      {"text_column", Param("string", "text", "the field holding the text")},
      {"label_column",
       Param("string", "label", "the field holding the label (absent or null: unlabeled)")},
  };
  i.detect = [](const SourceFiles& files, DatasetType type) {
    return type == DatasetType::kTextClassification ? DetectOneFile(files, {".jsonl", ".ndjson"})
                                                    : 0;
  };
  i.run = ImportJsonl;
  return i;
}

}  // namespace

void RegisterTabularImporters(ImporterRegistry& registry) {
  for (Importer importer : {CsvImporter(), JsonlImporter()}) {
    Status status = registry.Register(std::move(importer));
    if (!status.ok()) EASEL_LOG_ERROR("registering an importer: {}", status.ToString());
  }
}

}  // namespace easel::data
