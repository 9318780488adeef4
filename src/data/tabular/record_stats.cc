// Statistics of record datasets (tabular, text classification, time series): MakeRecordStats
// of data/stats.h. One ColumnStats per column (column_stats.h documents the type inference),
// plus per type:
//  - text classification: "class_counts" of the labels and "text_length" of the text, which
//    is the first column (the importers put it there);
//  - time series: "time" (time_stats.h) from the column named timestamp, per series of the
//    column named series_id when there is one (names in any case; the first such column, as the
//    version builder picks them).

#include <map>
#include <optional>

#include "data/stats.h"
#include "data/tabular/cells.h"
#include "data/tabular/column_stats.h"
#include "data/tabular/time_stats.h"
#include "data/timestamps.h"

namespace easel::data {
namespace {

class RecordStats : public StatsBuilder {
 public:
  RecordStats(DatasetType type, std::vector<std::string> columns)
      : type_(type), columns_(std::move(columns)), stats_(columns_.size()) {
    if (type_ == DatasetType::kTimeSeries) {
      time_.emplace();
      for (size_t i = 0; i < columns_.size(); ++i) {
        const std::string name = AsciiLower(columns_[i]);
        if (name == "timestamp" && time_column_ < 0) time_column_ = static_cast<int>(i);
        if (name == "series_id" && series_column_ < 0) series_column_ = static_cast<int>(i);
      }
    }
  }

  void Add(const Sample& sample) override {
    ++num_samples_;
    static const std::optional<std::string> kMissing;
    for (size_t i = 0; i < stats_.size(); ++i) {
      stats_[i].Add(i < sample.values.size() ? sample.values[i] : kMissing);
    }
    for (const std::string& label : sample.labels) ++class_counts_[label];
    if (time_) {
      const std::optional<std::string>* time = Cell(sample, time_column_);
      if (time && *time) {
        if (std::optional<int64_t> t = ParseTimestamp(**time)) {
          const std::optional<std::string>* series = Cell(sample, series_column_);
          time_->Add(series && *series ? std::string_view(**series) : std::string_view(), *t);
        }
      }
    }
  }

  // The cell of column `i` of `sample`, or nullptr without one.
  static const std::optional<std::string>* Cell(const Sample& sample, int i) {
    if (i < 0 || static_cast<size_t>(i) >= sample.values.size()) return nullptr;
    return &sample.values[static_cast<size_t>(i)];
  }

  Json Finish() override {
    Json out = {{"num_samples", num_samples_}};
    if (type_ == DatasetType::kTextClassification || !class_counts_.empty()) {
      Json counts = Json::object();
      for (const auto& [label, n] : class_counts_) counts[label] = n;
      out["class_counts"] = std::move(counts);
    }
    Json columns = Json::array();
    for (size_t i = 0; i < stats_.size(); ++i) columns.push_back(stats_[i].ToJson(columns_[i]));
    out["columns"] = std::move(columns);
    if (type_ == DatasetType::kTextClassification) {
      out["text_length"] = stats_.empty() ? LengthStats{}.ToJson() : stats_[0].lengths().ToJson();
    }
    if (time_) out["time"] = time_->ToJson();
    return out;
  }

 private:
  DatasetType type_;
  std::vector<std::string> columns_;
  std::vector<ColumnStats> stats_;
  uint64_t num_samples_ = 0;
  std::map<std::string, uint64_t> class_counts_;
  std::optional<TimeStats> time_;  // time series only
  int time_column_ = -1;
  int series_column_ = -1;
};

}  // namespace

std::unique_ptr<StatsBuilder> MakeRecordStats(DatasetType type, std::vector<std::string> columns) {
  return std::make_unique<RecordStats>(type, std::move(columns));
}

}  // namespace easel::data
