#include "serving/batch_predict_kind.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

#include "common/time.h"
#include "jobs/job_context.h"
#include "serving/batch_predict_input.h"
#include "serving/batch_predict_output.h"
#include "serving/batch_predict_spec.h"
#include "serving/compute_lanes.h"
#include "train/model_files.h"

namespace easel::serving {
namespace {

// How often a running job saves its checkpoint (and syncs its output): each costs a few disk
// syncs, and a killed attempt redoes the rows predicted since the last one.
constexpr std::chrono::milliseconds kCheckpointInterval{250};

// What an attempt leaves for the next one.
struct Checkpoint {
  int64_t rows_done = 0;
  uint64_t bytes = 0;         // of the output file, header included; 0: not started
  int64_t model_version = 0;  // what the spec's version meant on the first attempt
  int64_t dataset_version = 0;
  std::string output_digest;  // set once every row is written and the file is a blob
  uint64_t output_size = 0;
  int64_t storing_since = 0;  // ms: when the artifact was about to be created
  std::string artifact_id;    // set once it is

  Json ToJson() const {
    return {{"rows_done", rows_done},         {"bytes", bytes},
            {"model_version", model_version}, {"dataset_version", dataset_version},
            {"output_digest", output_digest}, {"output_size", output_size},
            {"storing_since", storing_since}, {"artifact_id", artifact_id}};
  }
};

Result<Checkpoint> LoadCheckpoint(const jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(std::optional<std::string> bytes, ctx.LoadCheckpoint());
  Checkpoint cp;
  if (!bytes) return cp;
  Result<Json> j = ParseJson(*bytes);
  if (!j.ok() || !j->is_object()) return DataLoss("the job's checkpoint is damaged");
  cp.rows_done = j->value("rows_done", int64_t{0});
  cp.bytes = j->value("bytes", uint64_t{0});
  cp.model_version = j->value("model_version", int64_t{0});
  cp.dataset_version = j->value("dataset_version", int64_t{0});
  cp.output_digest = j->value("output_digest", "");
  cp.output_size = j->value("output_size", uint64_t{0});
  cp.storing_since = j->value("storing_since", int64_t{0});
  cp.artifact_id = j->value("artifact_id", "");
  return cp;
}

Status Save(jobs::JobContext& ctx, const Checkpoint& cp) {
  return ctx.SaveCheckpoint(DumpJson(cp.ToJson()));
}

// A single-row error names the row by its position in the request ("row 0: ..."); the caller
// names it better.
std::string WithoutPosition(const std::string& message) {
  for (std::string_view prefix : {"row 0: ", "image 0: "}) {
    if (message.starts_with(prefix)) return message.substr(prefix.size());
  }
  constexpr std::string_view kElement = " element 0: ";  // "input 'image' element 0: ..."
  if (auto at = message.find(kElement); at != std::string::npos) {
    return message.substr(at + kElement.size());
  }
  return message;
}

// One batch through the backend, as an online request of these rows would go.
class BatchPredictor {
 public:
  BatchPredictor(const Backend& backend, store::BlobStore& blobs, const InputSource& input)
      : backend_(backend), blobs_(blobs), input_(input) {}

  Result<std::vector<float>> Run(std::span<const InputRow> rows) const {
    Result<std::vector<float>> values = Predict(rows);
    if (values.ok() || values.status().code() != StatusCode::kInvalidArgument) return values;
    // Find the row at fault, so that the error names it.
    for (size_t i = 0; i < rows.size(); ++i) {
      Result<std::vector<float>> one = Predict(rows.subspan(i, 1));
      if (!one.ok()) {
        return Status(one.status().code(),
                      Where(rows[i]) + ": " + WithoutPosition(one.status().message()));
      }
    }
    return values;
  }

 private:
  Result<std::vector<float>> Predict(std::span<const InputRow> rows) const {
    Rows prepared;
    if (input_.images()) {
      std::vector<std::string> images;
      images.reserve(rows.size());
      for (const InputRow& row : rows) {
        Result<std::string> bytes = blobs_.ReadAll(row.blob);
        if (!bytes.ok()) {
          return Status(bytes.status().code(), Where(row) + ": " + bytes.status().message());
        }
        images.push_back(std::move(*bytes));
      }
      InferRequest request;
      request.inputs.push_back(Tensor::Bytes(backend_.metadata().inputs.front().name,
                                             {static_cast<int64_t>(rows.size())},
                                             std::move(images)));
      EASEL_ASSIGN_OR_RETURN(prepared, backend_.Prepare(request));
    } else {
      std::vector<const RecordCells*> cells;
      cells.reserve(rows.size());
      for (const InputRow& row : rows) cells.push_back(&row.cells);
      EASEL_ASSIGN_OR_RETURN(prepared, backend_.PrepareRecords(cells));
    }
    return backend_.Execute(prepared);
  }

  std::string Where(const InputRow& row) const {
    if (input_.numbered_rows()) return input_.name() + " row " + row.id;
    return "sample " + row.id + (row.file.empty() ? "" : " (" + row.file + ")");
  }

  const Backend& backend_;
  store::BlobStore& blobs_;
  const InputSource& input_;
};

// Writes the predictions of every row not written yet to `path`, checkpointing each batch.
Status PredictAll(jobs::JobContext& ctx, const BackendRegistry& backends, store::BlobStore& blobs,
                  const BatchPredictSpec& s, const BatchPredictTargets& r,
                  const std::filesystem::path& path, Checkpoint& cp) {
  ctx.SetProgress(0, "loading the model");
  EASEL_ASSIGN_OR_RETURN(const BackendFactory* factory, backends.Find(r.model.format));
  EASEL_ASSIGN_OR_RETURN(train::ModelFiles files, train::ReadModelFiles(blobs, r.model));
  EASEL_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                         (*factory)(r.model, files, train::Resources{}));
  const ModelMetadata& metadata = backend->metadata();
  InputColumns columns;
  columns.target = r.model.lineage.value("target", "");
  columns.keep = s.keep_columns;
  for (const TensorSpec& t : metadata.inputs) {
    if (!r.images && (t.name == "rows" || t.name == "features")) {
      return Unimplemented("the model has an input column named '" + t.name +
                           "', which batch predictions cannot send as a column yet");
    }
    columns.inputs.push_back(t.name);
  }

  ctx.SetProgress(0, "reading the input");
  std::unique_ptr<InputSource> input;
  if (r.artifact) {
    EASEL_ASSIGN_OR_RETURN(input, OpenFileInput(blobs, *r.artifact, columns));
  } else {
    std::optional<data::Split> split;
    if (s.split != "all") {
      EASEL_ASSIGN_OR_RETURN(split, data::ParseSplit(s.split));
    }
    EASEL_ASSIGN_OR_RETURN(input, OpenDatasetInput(blobs, *r.dataset, *r.version, split, columns));
  }
  const int64_t total = input->total();
  OutputWriter writer(s.format, metadata, r.images, input->numbered_rows(), s.keep_columns);

  // Cut the file back to what the checkpoint counted; start over when it lost even that.
  Result<DurableFile> file =
      FailedPrecondition("the checkpoint counts more rows than the input has");
  if (cp.bytes > 0 && cp.rows_done <= total) file = DurableFile::Open(path, cp.bytes);
  if (!file.ok()) {
    if (file.status().code() != StatusCode::kFailedPrecondition) return file.status();
    if (cp.bytes > 0) ctx.Log("starting over: " + file.status().message());
    std::error_code ec;
    std::filesystem::remove(path, ec);
    EASEL_ASSIGN_OR_RETURN(file, DurableFile::Open(path, 0));
    EASEL_RETURN_IF_ERROR(file->Append(writer.Header()));
    EASEL_RETURN_IF_ERROR(file->Sync());
    cp.rows_done = 0;
    cp.bytes = file->size();
    cp.model_version = r.model.version;
    cp.dataset_version = r.version ? r.version->version : 0;
    EASEL_RETURN_IF_ERROR(Save(ctx, cp));
  }
  ctx.Log("predicting " + std::to_string(total) + " rows of " + input->name() + " with model '" +
          r.model.model_name + "' version " + std::to_string(r.model.version) +
          (cp.rows_done > 0 ? ", resuming after row " + std::to_string(cp.rows_done) : ""));

  const std::string of_total = " of " + std::to_string(total) + " rows";
  auto progress = [&] {
    ctx.SetProgress(total == 0 ? 1.0 : static_cast<double>(cp.rows_done) / total,
                    "predicted " + std::to_string(cp.rows_done) + of_total);
  };
  progress();
  // Batches are appended as they are predicted; a checkpoint syncs the file and counts them, at
  // most every kCheckpointInterval and at the end. A killed attempt redoes the rows after it.
  int64_t rows_written = cp.rows_done;
  auto last_checkpoint = std::chrono::steady_clock::now();
  auto checkpoint = [&]() -> Status {
    EASEL_RETURN_IF_ERROR(file->Sync());
    cp.rows_done = rows_written;
    cp.bytes = file->size();
    EASEL_RETURN_IF_ERROR(Save(ctx, cp));
    last_checkpoint = std::chrono::steady_clock::now();
    progress();
    return OkStatus();
  };
  BatchPredictor predictor(*backend, blobs, *input);
  std::string out;
  // On the lane's thread (below).
  auto flush = [&](const std::vector<InputRow>& batch) -> Status {
    if (ctx.cancelled()) {
      return Cancelled("batch prediction cancelled after " + std::to_string(rows_written) +
                       of_total);
    }
    EASEL_ASSIGN_OR_RETURN(std::vector<float> values, predictor.Run(batch));
    out.clear();
    EASEL_RETURN_IF_ERROR(writer.Append(out, batch, values));
    EASEL_RETURN_IF_ERROR(file->Append(out));
    rows_written += static_cast<int64_t>(batch.size());
    if (std::chrono::steady_clock::now() - last_checkpoint < kCheckpointInterval) return OkStatus();
    return checkpoint();
  };
  // One batch at a time is predicted and written on a lane while this thread reads the next:
  // reading and parsing the input take about as long. One lane for the whole job, so the
  // model's OpenMP team starts once.
  ComputeLanes lane(1);
  std::vector<InputRow> running;  // the batch on the lane
  Status ran;                     // and how it went
  const std::function<void()> run = [&] { ran = flush(running); };
  std::optional<ComputeLanes::Async> on_lane;
  auto finish_running = [&]() -> Status {
    if (!on_lane) return OkStatus();
    on_lane->Wait();
    on_lane.reset();
    running.clear();
    return ran;
  };
  auto start = [&](std::vector<InputRow>& batch) -> Status {
    EASEL_RETURN_IF_ERROR(finish_running());
    running.swap(batch);
    on_lane.emplace(lane, run);
    return OkStatus();
  };
  const size_t batch_rows = static_cast<size_t>(std::min<int64_t>(s.batch_size, total));
  std::vector<InputRow> batch;
  batch.reserve(batch_rows);
  Status read = input->ForEach(cp.rows_done, [&](InputRow& row) -> Status {
    batch.push_back(std::move(row));
    if (static_cast<int64_t>(batch.size()) < s.batch_size) return OkStatus();
    EASEL_RETURN_IF_ERROR(start(batch));
    batch.reserve(batch_rows);
    return OkStatus();
  });
  if (read.ok() && !batch.empty()) read = start(batch);
  // A batch's error comes first: reading stops at it, and names it.
  EASEL_RETURN_IF_ERROR(finish_running());
  EASEL_RETURN_IF_ERROR(read);
  return rows_written == cp.rows_done ? OkStatus() : checkpoint();
}

// The artifact an earlier attempt created from this output before it died, if any.
Result<std::optional<store::Artifact>> FindCreated(jobs::JobContext& ctx, const std::string& name,
                                                   const Checkpoint& cp) {
  std::string after;
  while (true) {
    EASEL_ASSIGN_OR_RETURN(auto page,
                           store::ListArtifacts(ctx.db(), ctx.project_id(), after, 1000));
    for (store::Artifact& a : page) {
      if (a.name == name && a.digest == cp.output_digest && a.created_by == ctx.created_by() &&
          a.created_at >= cp.storing_since) {
        return std::optional<store::Artifact>(std::move(a));
      }
    }
    if (page.size() < 1000) return std::optional<store::Artifact>();
    after = page.back().id;
  }
}

// Stores the finished file as a blob and creates its artifact, once.
Result<store::Artifact> StoreOutput(jobs::JobContext& ctx, store::BlobStore& blobs,
                                    const std::filesystem::path& path, const std::string& name,
                                    OutputFormat format, Checkpoint& cp) {
  ctx.SetProgress(1.0, "storing " + name);
  if (!cp.output_digest.empty() && blobs.Exists(cp.output_digest)) {
    EASEL_ASSIGN_OR_RETURN(auto created, FindCreated(ctx, name, cp));
    if (created) {
      cp.artifact_id = created->id;
      EASEL_RETURN_IF_ERROR(Save(ctx, cp));
      return *created;
    }
  } else {
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, blobs.PutFile(path));
    cp.output_digest = blob.digest;
    cp.output_size = blob.size;
    cp.storing_since = NowMillis();
    EASEL_RETURN_IF_ERROR(Save(ctx, cp));
  }
  EASEL_ASSIGN_OR_RETURN(
      store::Artifact a,
      store::CreateArtifact(ctx.db(), ctx.project_id(), name,
                            std::string(OutputWriter::ContentType(format)),
                            store::BlobInfo{cp.output_digest, cp.output_size}, ctx.created_by()));
  cp.artifact_id = a.id;
  EASEL_RETURN_IF_ERROR(Save(ctx, cp));
  return a;
}

Result<Json> RunBatchPredict(const train::AlgorithmRegistry& algorithms,
                             const BackendRegistry& backends, jobs::JobContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(BatchPredictSpec s, ParseBatchPredictSpec(ctx.spec()));
  EASEL_ASSIGN_OR_RETURN(store::BlobStore * blobs, ctx.blobs());
  EASEL_ASSIGN_OR_RETURN(Checkpoint cp, LoadCheckpoint(ctx));
  // A resumed job predicts with the version and over the dataset version of its first attempt,
  // whatever "latest" or an alias means now.
  if (cp.model_version > 0) s.model.version = std::to_string(cp.model_version);
  if (cp.dataset_version > 0) s.dataset_version = std::to_string(cp.dataset_version);
  EASEL_ASSIGN_OR_RETURN(BatchPredictTargets r,
                         ResolveBatchPredict(algorithms, backends, ctx.db(), ctx.project_id(), s));

  const std::string format = s.format == OutputFormat::kCsv ? "csv" : "jsonl";
  const std::string name =
      !s.output_name.empty() ? s.output_name
                             : r.model.model_name + "-v" + std::to_string(r.model.version) +
                                   "-predictions" + std::string(OutputWriter::Extension(s.format));
  Json result = {{"output_name", name},
                 {"model", r.model.model_name},
                 {"version", r.model.version},
                 {"output_format", format}};
  if (r.dataset) {
    result["dataset"] = {{"name", r.dataset->name}, {"version", r.version->version}};
    result["split"] = s.split;
  } else {
    result["input_artifact"] = r.artifact->id;
  }
  if (cp.artifact_id.empty()) {
    EASEL_ASSIGN_OR_RETURN(std::filesystem::path dir, ctx.WorkDir());
    const std::filesystem::path path =
        dir / ("predictions" + std::string(OutputWriter::Extension(s.format)));
    if (cp.output_digest.empty()) {
      EASEL_RETURN_IF_ERROR(PredictAll(ctx, backends, *blobs, s, r, path, cp));
    }
    EASEL_ASSIGN_OR_RETURN(store::Artifact a, StoreOutput(ctx, *blobs, path, name, s.format, cp));
    ctx.Log("stored " + std::to_string(cp.rows_done) + " predictions as artifact " + a.id);
  }
  result["artifact_id"] = cp.artifact_id;
  result["rows"] = cp.rows_done;
  return result;
}

}  // namespace

jobs::JobKind BatchPredictJobKind(const train::AlgorithmRegistry& algorithms,
                                  const BackendRegistry& backends) {
  jobs::JobKind kind;
  kind.name = "batch_predict";
  kind.description =
      "Predicts with a model version over a dataset version or an uploaded CSV / JSON-lines "
      "file, into a CSV or JSON-lines artifact (the transforms of online serving).";
  kind.params_schema = {
      {"type", "object"},
      {"required", {"model"}},
      {"properties",
       {{"model", {{"type", "string"}, {"description", "model name, or name@version"}}},
        {"version", {{"type", "string"}, {"description", "a number, latest or an alias"}}},
        {"dataset",
         {{"type", "object"}, {"description", "{name, version?}: the input (or give artifact)"}}},
        {"artifact",
         {{"type", "string"},
          {"description", "the id of an uploaded CSV or JSON-lines file: the input"}}},
        {"split",
         {{"type", "string"},
          {"enum", {"all", "train", "val", "test"}},
          {"default", "all"},
          {"description", "which samples of the dataset"}}},
        {"output_format", {{"type", "string"}, {"enum", {"csv", "jsonl"}}, {"default", "csv"}}},
        {"batch_size",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", kMaxBatchSize},
          {"default", kDefaultBatchSize},
          {"description", "rows per model call"}}},
        {"keep_columns",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description",
           "input columns copied to each output line as input.<column> (an id, the true "
           "label...); table rows only"}}},
        {"output_name",
         {{"type", "string"},
          {"description",
           "the output artifact's file name (default <model>-v<version>-"
           "predictions.csv)"}}}}}};
  kind.validate = [](const Json& spec) { return ParseBatchPredictSpec(spec).status(); };
  kind.check = [&algorithms, &backends](const Json& spec, store::Database& db,
                                        const std::string& project_id) -> Status {
    EASEL_ASSIGN_OR_RETURN(BatchPredictSpec s, ParseBatchPredictSpec(spec));
    return ResolveBatchPredict(algorithms, backends, db, project_id, s).status();
  };
  kind.run = [&algorithms, &backends](jobs::JobContext& ctx) {
    return RunBatchPredict(algorithms, backends, ctx);
  };
  return kind;
}

}  // namespace easel::serving
