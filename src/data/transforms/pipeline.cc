#include "data/transforms/pipeline.h"

#include <fmt/format.h>

#include "data/transforms/hash.h"
#include "data/transforms/image_pipeline.h"
#include "data/transforms/record_pipeline.h"

namespace easel::data::transforms {

namespace {
constexpr int kFormat = 1;
}  // namespace

uint64_t AugmentationSeed(uint64_t base_seed, uint64_t epoch, std::string_view sample_id) {
  uint64_t id_hash =
      uint64_t{MurmurHash3_32(sample_id, 0)} << 32 | MurmurHash3_32(sample_id, 0x9747b28c);
  return Mix64(Mix64(Mix64(base_seed) ^ epoch) ^ id_hash);
}

Pipeline::Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

Result<Pipeline> Pipeline::Create(const Json& spec, DatasetType type,
                                  const std::vector<std::string>& columns) {
  EASEL_RETURN_IF_ERROR(RequireObject(spec, "pipeline spec"));
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    bool known = it.key() == "steps" || it.key() == "series_column" || it.key() == "time_column";
    if (!known) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("unknown pipeline field '{}'; known fields: steps, "
                                "series_column, time_column",
                                it.key()),
                    Json{{"field", it.key()}});
    }
  }
  auto steps = spec.find("steps");
  if (steps == spec.end() || !steps->is_array()) {
    return Status(StatusCode::kInvalidArgument, "field 'steps' must be a list of steps",
                  Json{{"field", "steps"}});
  }
  Pipeline p;
  p.type_ = type;
  p.spec_ = Json::object();
  if (IsImageType(type)) {
    if (spec.contains("series_column") || spec.contains("time_column")) {
      return InvalidArgument("series_column and time_column apply to time_series datasets only");
    }
    Json resolved = Json::array();
    EASEL_ASSIGN_OR_RETURN(p.images_, ImagePipeline::Create(*steps, type, &resolved));
    p.spec_["steps"] = std::move(resolved);
  } else {
    p.columns_ = columns;
    EASEL_ASSIGN_OR_RETURN(p.records_, RecordPipeline::Create(spec, type, columns, &p.spec_));
  }
  return p;
}

Result<Pipeline> Pipeline::Load(const Json& spec, const Json& state, DatasetType type,
                                const std::vector<std::string>& columns) {
  EASEL_ASSIGN_OR_RETURN(Pipeline p, Create(spec, type, columns));
  if (p.records_) {
    EASEL_RETURN_IF_ERROR(p.records_->LoadState(state));
    return p;
  }
  // Image pipelines have no state: only check that it belongs to this spec.
  const Json* steps = state.is_object() && state.contains("steps") ? &state["steps"] : nullptr;
  if (steps == nullptr || !steps->is_array() || steps->size() != p.spec_["steps"].size()) {
    return InvalidArgument("the state does not match the spec's steps");
  }
  return p;
}

Result<Pipeline> Pipeline::FromJson(const Json& stored) {
  EASEL_RETURN_IF_ERROR(RequireObject(stored, "stored pipeline"));
  EASEL_ASSIGN_OR_RETURN(std::optional<int64_t> format,
                         GetOptionalInt(stored, "format", 0, INT32_MAX));
  if (format != kFormat) {
    return InvalidArgument(
        fmt::format("unsupported stored pipeline format (expected {})", kFormat));
  }
  EASEL_ASSIGN_OR_RETURN(std::string type_name, GetString(stored, "dataset_type"));
  EASEL_ASSIGN_OR_RETURN(DatasetType type, ParseDatasetType(type_name));
  std::vector<std::string> columns;
  if (stored.contains("columns")) {
    const Json& c = stored["columns"];
    bool ok = c.is_array() &&
              std::all_of(c.begin(), c.end(), [](const Json& v) { return v.is_string(); });
    if (!ok) return InvalidArgument("field 'columns' must be a list of strings");
    columns = c.get<std::vector<std::string>>();
  }
  if (!stored.contains("spec") || !stored.contains("state")) {
    return InvalidArgument("a stored pipeline needs 'spec' and 'state'");
  }
  EASEL_ASSIGN_OR_RETURN(Pipeline p, Load(stored["spec"], stored["state"], type, columns));
  // The feature names are derived data, stored for readers; a mismatch means the document
  // was edited or damaged.
  if (stored.contains("features") && stored["features"] != Json(p.feature_names())) {
    return InvalidArgument("the stored feature names differ from those of the restored pipeline");
  }
  return p;
}

Status Pipeline::Fit(const SampleStream& samples) {
  if (!records_) return OkStatus();
  return records_->Fit(samples);
}

Status Pipeline::Fit(std::span<const Sample> samples) {
  return Fit([samples](const std::function<Status(const Sample&)>& visit) -> Status {
    for (const Sample& s : samples) EASEL_RETURN_IF_ERROR(visit(s));
    return OkStatus();
  });
}

bool Pipeline::fitted() const { return images_ != nullptr || (records_ && records_->fitted()); }

Json Pipeline::State() const {
  if (!fitted()) return nullptr;
  if (records_) return records_->State();
  Json steps = Json::array();
  for (const Json& step : spec_["steps"]) steps.push_back({{"op", step["op"]}});
  return {{"format", kFormat}, {"steps", steps}};
}

Json Pipeline::ToJson() const {
  return {{"format", kFormat},   {"dataset_type", ToString(type_)},
          {"columns", columns_}, {"spec", spec_},
          {"state", State()},    {"features", feature_names()}};
}

const std::vector<std::string>& Pipeline::feature_names() const {
  static const auto* none = new std::vector<std::string>();
  return records_ && records_->fitted() ? records_->feature_names() : *none;
}

size_t Pipeline::history_length() const { return records_ ? records_->history_length() : 0; }

int Pipeline::image_channels() const { return images_ ? images_->channels() : 0; }

Status Pipeline::CheckRecords() const {
  if (!records_) {
    return FailedPrecondition(
        fmt::format("{} pipelines transform images: use TransformImage", ToString(type_)));
  }
  return OkStatus();
}

Status Pipeline::CheckImages() const {
  if (!images_) {
    return FailedPrecondition(
        fmt::format("{} pipelines transform records, not images", ToString(type_)));
  }
  return OkStatus();
}

Result<FeatureRow> Pipeline::Transform(const Sample& sample) const {
  EASEL_RETURN_IF_ERROR(CheckRecords());
  FeatureRow row(num_features());
  EASEL_RETURN_IF_ERROR(records_->Transform(std::span<const Sample>(&sample, 1), row.data()));
  return row;
}

Status Pipeline::TransformBatch(std::span<const Sample> samples, std::span<float> out) const {
  EASEL_RETURN_IF_ERROR(CheckRecords());
  if (out.size() != samples.size() * num_features()) {
    return InvalidArgument(
        fmt::format("the output holds {} floats; {} samples of {} features "
                    "need {}",
                    out.size(), samples.size(), num_features(), samples.size() * num_features()));
  }
  return records_->Transform(samples, out.data());
}

Status Pipeline::TransformColumns(size_t rows, std::span<const InputColumn> columns,
                                  std::span<float> out) const {
  EASEL_RETURN_IF_ERROR(CheckRecords());
  if (out.size() != rows * num_features()) {
    return InvalidArgument(fmt::format("the output holds {} floats; {} rows of {} features need {}",
                                       out.size(), rows, num_features(), rows * num_features()));
  }
  return records_->Transform(rows, columns, out.data());
}

Result<FeatureMatrix> Pipeline::TransformBatch(std::span<const Sample> samples) const {
  EASEL_RETURN_IF_ERROR(CheckRecords());
  FeatureMatrix m;
  m.rows = samples.size();
  m.cols = num_features();
  m.data.resize(m.rows * m.cols);
  EASEL_RETURN_IF_ERROR(records_->Transform(samples, m.data.data()));
  return m;
}

Result<Pipeline::SeriesFeatures> Pipeline::TransformSeries(std::span<const Sample> rows) const {
  EASEL_RETURN_IF_ERROR(CheckRecords());
  SeriesFeatures out;
  out.features.rows = rows.size();
  out.features.cols = num_features();
  out.features.data.resize(rows.size() * num_features());
  EASEL_RETURN_IF_ERROR(records_->TransformSeries(rows, out.features.data.data(), &out.complete));
  return out;
}

Result<ImageTensor> Pipeline::TransformImage(std::string_view encoded,
                                             const TransformOptions& options) const {
  EASEL_RETURN_IF_ERROR(CheckImages());
  return images_->Transform(encoded, options);
}

Result<ImageTensor> Pipeline::TransformImage(const ImageView& pixels,
                                             const TransformOptions& options) const {
  EASEL_RETURN_IF_ERROR(CheckImages());
  return images_->Transform(pixels, options);
}

}  // namespace easel::data::transforms
