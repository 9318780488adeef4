#include "data/version_builder.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/sha256.h"
#include "data/timestamps.h"

namespace easel::data {

namespace {

constexpr size_t kManifestBuffer = 1 << 20;
constexpr size_t kMaxLabelBytes = 256;

bool IsValidLabel(const std::string& label) {
  if (label.empty() || label.size() > kMaxLabelBytes) return false;
  for (unsigned char c : label) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

VersionBuilder::VersionBuilder(store::BlobStore& blobs, Options options)
    : blobs_(blobs), options_(std::move(options)) {
  if (IsImageType(options_.type)) stats_ = MakeImageStats(options_.type);
}

VersionBuilder::~VersionBuilder() = default;

Status VersionBuilder::SetColumns(std::vector<std::string> columns) {
  if (IsImageType(options_.type)) {
    return InvalidArgument("an image dataset has no columns");
  }
  if (!columns_.empty()) return FailedPrecondition("columns are already set");
  if (columns.empty()) return InvalidArgument("the data has no columns");
  std::set<std::string> seen;
  for (const std::string& c : columns) {
    if (c.empty()) return InvalidArgument("a column has an empty name");
    if (!seen.insert(c).second) return InvalidArgument("column '" + c + "' appears twice");
  }
  columns_ = std::move(columns);
  if (options_.type == DatasetType::kTimeSeries) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      const std::string name = Lower(columns_[i]);
      if (name == "timestamp" && time_column_ < 0) time_column_ = static_cast<int>(i);
      if (name == "series_id" && series_column_ < 0) series_column_ = static_cast<int>(i);
    }
    if (time_column_ < 0) return InvalidArgument("a time series needs a 'timestamp' column");
  }
  stats_ = MakeRecordStats(options_.type, columns_);
  return OkStatus();
}

void VersionBuilder::DeclareClasses(const std::vector<std::string>& classes) {
  for (const std::string& c : classes) {
    if (IsValidLabel(c)) classes_.insert(c);
  }
}

void VersionBuilder::Reject(std::string what, std::string reason) {
  ++rejected_count_;
  if (rejected_.size() < options_.max_rejected_listed) {
    rejected_.push_back({DisplayName(what), std::move(reason)});
  }
}

void VersionBuilder::Progress(double fraction, std::string message) {
  if (options_.progress) options_.progress(fraction, std::move(message));
}

bool VersionBuilder::cancelled() const { return options_.cancelled && options_.cancelled(); }

Status VersionBuilder::Add(Sample sample) { return AddWithSplit(std::move(sample), std::nullopt); }

Status VersionBuilder::CheckSample(const Sample& s, std::string* reason) const {
  auto refuse = [&](std::string r) {
    *reason = std::move(r);
    return OkStatus();
  };
  for (const std::string& l : s.labels) {
    if (!IsValidLabel(l))
      return refuse("a label is empty, longer than 256 bytes or has control characters");
  }
  if (s.labels.size() > 1 && options_.type != DatasetType::kTabular) {
    return refuse("more than one label");
  }
  if (IsImageType(options_.type)) {
    if (s.file.empty() || s.blob.empty()) return Internal("an image sample without file or blob");
    if (!s.values.empty()) return Internal("an image sample with record values");
    for (const Box& b : s.boxes) {
      if (options_.type != DatasetType::kObjectDetection)
        return refuse("boxes in a classification dataset");
      if (!IsValidLabel(b.label)) return refuse("a box has no valid label");
      if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.w) ||
          !std::isfinite(b.h) || b.w <= 0 || b.h <= 0) {
        return refuse("a box has a non-positive or non-finite size");
      }
    }
    if (files_.count(s.file)) return refuse("duplicate file");
  } else {
    if (columns_.empty()) return FailedPrecondition("SetColumns must come before the first record");
    if (s.values.size() != columns_.size()) {
      return Internal("a record with " + std::to_string(s.values.size()) + " values for " +
                      std::to_string(columns_.size()) + " columns");
    }
    if (!s.boxes.empty() || !s.blob.empty()) return Internal("a record sample with image data");
    if (options_.type == DatasetType::kTimeSeries) {
      const auto& t = s.values[time_column_];
      if (!t || !ParseTimestamp(*t)) return refuse("the timestamp is missing or not a date-time");
    }
  }
  if (!s.meta.is_null() && !s.meta.is_object()) return Internal("sample meta is not an object");
  return OkStatus();
}

Status VersionBuilder::AddWithSplit(Sample sample, std::optional<Split> split) {
  std::string reason;
  EASEL_RETURN_IF_ERROR(CheckSample(sample, &reason));
  const std::string what = !sample.file.empty()
                               ? sample.file
                               : "record " + std::to_string(num_samples_ + rejected_count_ + 1);
  if (!reason.empty()) {
    Reject(what, std::move(reason));
    return OkStatus();
  }
  for (const std::string& l : sample.labels) classes_.insert(l);
  for (const Box& b : sample.boxes) classes_.insert(b.label);
  ++num_samples_;
  if (IsImageType(options_.type)) {
    files_.insert(sample.file);
    images_.emplace_back(std::move(sample), split);
    return OkStatus();
  }
  sample.id = ids_.Assign(sample);
  AddSplitKey(sample, split);
  stats_->Add(sample);
  return WriteLine(sample);
}

uint32_t VersionBuilder::Number(std::map<std::string, uint32_t>& names, const std::string& name) {
  auto [it, inserted] = names.emplace(name, static_cast<uint32_t>(names.size() + 1));
  return it->second;
}

void VersionBuilder::AddSplitKey(const Sample& s, std::optional<Split> split) {
  SplitKey key;
  if (IsClassificationType(options_.type) && !s.labels.empty())
    key.stratum = Number(strata_, s.labels[0]);
  if (options_.type == DatasetType::kTimeSeries) {
    key.time_us = ParseTimestamp(*s.values[time_column_]).value_or(0);
    if (series_column_ >= 0) key.series = Number(series_, s.values[series_column_].value_or(""));
  }
  keys_.push_back(key);
  // Fixed splits are tracked from the first fixed one on; earlier samples are free (-1).
  if (split || !fixed_splits_.empty()) {
    fixed_splits_.resize(keys_.size() - 1, -1);
    fixed_splits_.push_back(split ? static_cast<int8_t>(*split) : -1);
  }
}

Status VersionBuilder::WriteLine(const Sample& s) {
  if (!manifest_) {
    EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer w, blobs_.NewWriter());
    manifest_.emplace(std::move(w));
  }
  buffer_ += SampleToLine(s);
  buffer_ += '\n';
  if (buffer_.size() >= kManifestBuffer) {
    EASEL_RETURN_IF_ERROR(manifest_->Write(buffer_.data(), buffer_.size()));
    buffer_.clear();
  }
  return OkStatus();
}

Result<VersionDraft> VersionBuilder::Finish() {
  if (cancelled()) return Cancelled("the import was cancelled");
  VersionDraft draft;
  if (IsImageType(options_.type)) {
    std::sort(images_.begin(), images_.end(),
              [](const auto& a, const auto& b) { return a.first.file < b.first.file; });
    std::set<std::string> distinct_blobs;
    for (auto& [sample, split] : images_) {
      sample.id = ids_.Assign(sample);
      AddSplitKey(sample, split);
      stats_->Add(sample);
      EASEL_RETURN_IF_ERROR(WriteLine(sample));
      if (distinct_blobs.insert(sample.blob).second) {
        draft.blobs.push_back({sample.blob, sample.size});
      }
    }
    images_.clear();
    images_.shrink_to_fit();
  }
  if (num_samples_ == 0) {
    Json details = Json::object();
    Json list = Json::array();
    for (const RejectedEntry& r : rejected_)
      list.push_back({{"file", r.name}, {"reason", r.reason}});
    details["rejected"] = std::move(list);
    return Status(StatusCode::kInvalidArgument,
                  rejected_count_ == 0 ? "nothing to import: the upload holds no samples"
                                       : "nothing to import: every sample was rejected",
                  std::move(details));
  }
  if (!buffer_.empty()) {
    EASEL_RETURN_IF_ERROR(manifest_->Write(buffer_.data(), buffer_.size()));
    buffer_.clear();
  }
  EASEL_ASSIGN_OR_RETURN(draft.manifest, manifest_->Commit());
  manifest_.reset();

  // Splits: samples with a fixed split keep it; the rest are assigned together.
  std::vector<Split> splits;
  if (fixed_splits_.empty()) {
    splits = AssignSplits(options_.type, keys_, options_.split);
  } else {
    std::vector<SplitKey> free_keys;
    std::vector<size_t> free_index;
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (fixed_splits_[i] < 0) {
        free_keys.push_back(keys_[i]);
        free_index.push_back(i);
      }
    }
    std::vector<Split> assigned = AssignSplits(options_.type, free_keys, options_.split);
    splits.resize(keys_.size());
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (fixed_splits_[i] >= 0) splits[i] = static_cast<Split>(fixed_splits_[i]);
    }
    for (size_t j = 0; j < free_index.size(); ++j) splits[free_index[j]] = assigned[j];
  }
  std::string split_bytes(splits.size(), '\0');
  int64_t counts[3] = {0, 0, 0};
  for (size_t i = 0; i < splits.size(); ++i) {
    split_bytes[i] = static_cast<char>(splits[i]);
    ++counts[static_cast<int>(splits[i])];
  }
  EASEL_ASSIGN_OR_RETURN(draft.splits, blobs_.Put(split_bytes));

  draft.num_samples = num_samples_;
  draft.stats = stats_ ? stats_->Finish() : Json::object();
  draft.stats["num_samples"] = num_samples_;
  draft.schema = SchemaFromStats(draft.stats);
  draft.schema["classes"] = Json(std::vector<std::string>(classes_.begin(), classes_.end()));
  if (IsRecordType(options_.type) && !draft.schema.contains("columns")) {
    Json cols = Json::array();
    for (const std::string& c : columns_) cols.push_back({{"name", c}, {"type", "text"}});
    draft.schema["columns"] = std::move(cols);
  }
  draft.splits_summary = {
      {"spec", SplitSpecToJson(options_.split)},
      {"counts", {{"train", counts[0]}, {"val", counts[1]}, {"test", counts[2]}}}};

  // The content hash covers what the samples are, not how they were split.
  Sha256 h;
  h.Update("easel.dataset.v1\n");
  h.Update(ToString(options_.type));
  h.Update("\n");
  h.Update(DumpJson(Json(columns_)));
  h.Update("\n");
  h.Update(DumpJson(draft.schema["classes"]));
  h.Update("\n");
  h.Update(draft.manifest.digest);
  draft.content_hash = h.HexDigest();
  return draft;
}

}  // namespace easel::data
