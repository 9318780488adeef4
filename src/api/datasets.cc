// Datasets: /api/v1/projects/{project}/datasets and /api/v1/formats. Imports stream the upload
// (multipart field `file`, or a raw body) into the blob store and hand it to an `import` job;
// versions, samples, previews, diffs and exports read what the jobs made.

#include "data/datasets.h"

#include <shared_mutex>

#include "api/call.h"
#include "api/routes.h"
#include "common/random.h"
#include "data/diff.h"
#include "data/formats.h"
#include "data/images/thumbnail.h"
#include "data/manifest.h"
#include "data/tabular/csv.h"
#include "jobs/job_store.h"

namespace easel::api {
namespace {

using auth::Role;

constexpr size_t kMaxFieldBytes = 64 << 10;  // multipart text fields (format, params, split)
constexpr const char* kDatasetPath = "/api/v1/projects/{project}/datasets/{dataset}";
constexpr const char* kVersionPath =
    "/api/v1/projects/{project}/datasets/{dataset}/versions/{version}";

std::string Path(const char* base, const char* rest) { return std::string(base) + rest; }

// The {sample} of the {version} of the {dataset} named in the path.
struct SampleRef {
  data::DatasetVersion version;
  data::Sample sample;
  data::Split split = data::Split::kTrain;
};
Result<SampleRef> SampleFor(const Call& call, ApiContext& ctx);

struct DatasetRef {
  auth::Project project;
  data::Dataset dataset;
};

Result<DatasetRef> DatasetFor(const Call& call, ApiContext& ctx, Role needed) {
  EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, needed));
  data::DatasetStore store(ctx.db);
  EASEL_ASSIGN_OR_RETURN(data::Dataset d, store.Get(p.id, call.param("dataset")));
  return DatasetRef{std::move(p), std::move(d)};
}

Result<data::DatasetVersion> VersionFor(const Call& call, ApiContext& ctx,
                                        const data::Dataset& dataset) {
  EASEL_ASSIGN_OR_RETURN(int64_t v, data::ParseVersionRef(call.param("version")));
  return data::DatasetStore(ctx.db).GetVersion(dataset.id, v);
}

Result<SampleRef> SampleFor(const Call& call, ApiContext& ctx) {
  EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
  SampleRef out;
  EASEL_ASSIGN_OR_RETURN(out.version, VersionFor(call, ctx, ref.dataset));
  EASEL_ASSIGN_OR_RETURN(data::ManifestReader reader,
                         data::ManifestReader::Open(ctx.blobs, out.version));
  EASEL_ASSIGN_OR_RETURN(auto found, reader.Find(call.param("sample")));
  out.sample = std::move(found.first);
  out.split = found.second;
  return out;
}

// The parts of an import request other than the file.
struct ImportFields {
  std::string format;
  Json params = Json::object();
  Json split;
};

Status ParseImportFields(const std::map<std::string, std::string>& fields, ImportFields& out) {
  for (const auto& [name, value] : fields) {
    if (name == "format") {
      out.format = value;
    } else if (name == "params" || name == "split") {
      auto j = ParseJson(value, 16);
      if (!j.ok()) return InvalidArgument(name + " is not valid JSON: " + j.status().message());
      if (!j->is_object()) return InvalidArgument(name + " must be a JSON object");
      (name == "params" ? out.params : out.split) = std::move(*j);
    } else {
      return InvalidArgument("unknown field '" + name + "'; send file, format, params, split");
    }
  }
  return OkStatus();
}

void AddImportRoute(Router& router, ApiContext& ctx) {
  router.Add("POST", Path(kDatasetPath, "/imports"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kEditor));
    std::shared_lock gc_guard(ctx.blobs.gc_mutex());
    EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer writer, ctx.blobs.NewWriter());
    std::map<std::string, std::string> fields;
    std::string file_name;
    bool have_file = false;

    if (call.is_multipart()) {
      std::string current;  // the part being read: "file" or a field name
      EASEL_RETURN_IF_ERROR(call.StreamMultipart(
          call.limits().max_upload_bytes,
          [&](const std::string& name, const std::string& filename) -> Status {
            if (name == "file") {
              if (have_file) return InvalidArgument("send one file per import");
              have_file = true;
              file_name = filename;
            } else if (fields.count(name)) {
              return InvalidArgument("field '" + name + "' appears twice");
            }
            current = name;
            if (name != "file") fields[name];
            return OkStatus();
          },
          [&](const char* data, size_t n) -> Status {
            if (current == "file") return writer.Write(data, n);
            std::string& value = fields[current];
            if (value.size() + n > kMaxFieldBytes) {
              return InvalidArgument("field '" + current + "' is longer than 64 KiB");
            }
            value.append(data, n);
            return OkStatus();
          }));
    } else {
      // A raw body: the file itself, with the other fields in the query.
      for (const char* name : {"format", "params", "split"}) {
        if (auto v = call.query(name)) fields[name] = *v;
      }
      file_name = call.query("file_name").value_or("");
      EASEL_RETURN_IF_ERROR(
          call.StreamBody(call.limits().max_upload_bytes,
                          [&](const char* data, size_t n) { return writer.Write(data, n); }));
      have_file = writer.size() > 0;
    }
    if (!have_file) return InvalidArgument("no file: send it as the multipart field 'file'");
    if (file_name.size() > 1024) return InvalidArgument("file name is longer than 1024 bytes");
    ImportFields f;
    EASEL_RETURN_IF_ERROR(ParseImportFields(fields, f));
    if (!f.format.empty()) {
      EASEL_RETURN_IF_ERROR(ctx.formats->importers.FindFor(f.format, ref.dataset.type));
    }

    EASEL_ASSIGN_OR_RETURN(store::BlobInfo blob, writer.Commit());
    data::DatasetStore store(ctx.db);
    EASEL_ASSIGN_OR_RETURN(auto upload, store.AddUpload(ref.dataset.id, blob, file_name));
    Json spec = {{"dataset_id", ref.dataset.id}, {"upload_id", upload.id}};
    if (!f.format.empty()) spec["format"] = f.format;
    if (!f.params.empty()) spec["params"] = f.params;
    if (!f.split.is_null()) spec["split"] = f.split;
    auto job = SubmitJob(ctx, call, ref.project.id, "import", spec);
    if (!job.ok()) {
      store.RemoveUpload(upload.id).IgnoreError();
      return job.status();
    }
    call.Reply(202, {{"job_id", job->id}, {"upload_id", upload.id}, {"size", blob.size}});
    return OkStatus();
  });
}

void AddSampleRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", Path(kVersionPath, "/samples"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, VersionFor(call, ctx, ref.dataset));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    std::optional<data::Split> split;
    if (auto s = call.query("split")) {
      EASEL_ASSIGN_OR_RETURN(split, data::ParseSplit(*s));
    }
    const std::optional<std::string> label = call.query("label");
    data::ManifestPosition from;
    if (!page.after.empty()) {
      EASEL_ASSIGN_OR_RETURN(from, data::ParsePositionKey(page.after));
    }
    EASEL_ASSIGN_OR_RETURN(data::ManifestReader reader, data::ManifestReader::Open(ctx.blobs, v));
    const std::vector<std::string> columns = v.columns();
    Json items = Json::array();
    data::ManifestPosition last = from;
    EASEL_RETURN_IF_ERROR(reader.ForEach(from,
                                         [&](const data::Sample& s, data::Split sp,
                                             const data::ManifestPosition& next) -> Result<bool> {
                                           last = next;
                                           if (split && sp != *split) return true;
                                           if (label) {
                                             bool has = std::find(s.labels.begin(), s.labels.end(),
                                                                  *label) != s.labels.end();
                                             for (const data::Box& b : s.boxes)
                                               has = has || b.label == *label;
                                             if (!has) return true;
                                           }
                                           Json j = data::SampleToJson(s, columns);
                                           j["split"] = std::string(data::ToString(sp));
                                           items.push_back(std::move(j));
                                           return items.size() < static_cast<size_t>(page.limit);
                                         }));
    call.Reply(200, PageJson(std::move(items), page, data::PositionKey(last)));
    return OkStatus();
  });

  router.Add("GET", Path(kVersionPath, "/samples/{sample}"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(SampleRef ref, SampleFor(call, ctx));
    Json j = data::SampleToJson(ref.sample, ref.version.columns());
    j["split"] = std::string(data::ToString(ref.split));
    call.Reply(200, j);
    return OkStatus();
  });

  // The original bytes of an image sample, or a record as a one-row CSV with its header.
  router.Add("GET", Path(kVersionPath, "/samples/{sample}/content"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(SampleRef ref, SampleFor(call, ctx));
    const data::Sample& s = ref.sample;
    const data::DatasetVersion& v = ref.version;
    httplib::Response& res = call.response();
    if (s.blob.empty()) {
      std::string csv;
      const std::vector<std::string> columns = v.columns();
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i) csv += ',';
        data::AppendCsvField(csv, columns[i], /*header=*/true, /*first=*/i == 0);
      }
      csv += "\r\n";
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (i) csv += ',';
        // A missing value is an empty field; an empty string is quoted ("").
        if (s.values[i])
          data::AppendCsvField(csv, *s.values[i], /*header=*/false, /*first=*/i == 0);
      }
      csv += "\r\n";
      res.status = 200;
      res.set_content(csv, "text/csv");
      return OkStatus();
    }
    // Image bytes are content-addressed: they never change under this URL.
    const std::string digest = s.blob;
    const uint64_t size = s.size;
    std::string format = s.meta.is_object() ? s.meta.value("format", "") : "";
    res.status = 200;
    res.set_header("ETag", "\"" + digest + "\"");
    res.set_header("Cache-Control", "private, max-age=31536000, immutable");
    store::BlobStore* blobs = &ctx.blobs;
    res.set_content_provider(
        size, format.empty() ? "application/octet-stream" : "image/" + format,
        [blobs, digest, size](size_t offset, size_t length, httplib::DataSink& sink) {
          Status st = blobs->Read(digest, offset, std::min<uint64_t>(length, size - offset),
                                  [&](const char* p, size_t n) { return sink.write(p, n); });
          return st.ok();
        });
    return OkStatus();
  });

  router.Add("GET", Path(kVersionPath, "/samples/{sample}/thumbnail"),
             [&ctx](Call& call) -> Status {
               EASEL_ASSIGN_OR_RETURN(SampleRef ref, SampleFor(call, ctx));
               int size = 128;
               if (auto q = call.query("size")) {
                 size = std::atoi(q->c_str());
                 if (size < 16 || size > 1024 || std::to_string(size) != *q) {
                   return InvalidArgument("size must be a whole number from 16 to 1024");
                 }
               }
               if (ref.sample.blob.empty())
                 return InvalidArgument("only image samples have thumbnails");
               EASEL_ASSIGN_OR_RETURN(std::string bytes, ctx.blobs.ReadAll(ref.sample.blob));
               EASEL_ASSIGN_OR_RETURN(std::string jpeg, data::MakeThumbnail(bytes, size));
               httplib::Response& res = call.response();
               res.status = 200;
               res.set_header("Cache-Control", "private, max-age=31536000, immutable");
               res.set_content(jpeg, "image/jpeg");
               return OkStatus();
             });
}

}  // namespace

void AddDatasetRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/formats", [&ctx](Call& call) -> Status {
    call.Reply(200, data::FormatsToJson(*ctx.formats));
    return OkStatus();
  });

  router.Add("POST", "/api/v1/projects/{project}/datasets", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string name, GetString(body, "name"));
    EASEL_ASSIGN_OR_RETURN(std::string type_name, GetString(body, "type"));
    EASEL_ASSIGN_OR_RETURN(auto description, GetOptionalString(body, "description"));
    EASEL_ASSIGN_OR_RETURN(data::DatasetType type, data::ParseDatasetType(type_name));
    EASEL_ASSIGN_OR_RETURN(
        data::Dataset d, data::DatasetStore(ctx.db).Create(
                             p.id, name, type, description.value_or(""), call.principal().user_id));
    call.Reply(201, data::DatasetToJson(d));
    return OkStatus();
  });

  router.Add("GET", "/api/v1/projects/{project}/datasets", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    EASEL_ASSIGN_OR_RETURN(auto list,
                           data::DatasetStore(ctx.db).List(p.id, page.after, page.limit));
    Json items = Json::array();
    for (const data::Dataset& d : list) items.push_back(data::DatasetToJson(d));
    call.Reply(200, PageJson(std::move(items), page, list.empty() ? "" : list.back().name));
    return OkStatus();
  });

  router.Add("GET", kDatasetPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
    Json j = data::DatasetToJson(ref.dataset);
    if (ref.dataset.latest_version > 0) {
      auto v = data::DatasetStore(ctx.db).GetVersion(ref.dataset.id, 0);
      if (v.ok()) j["latest"] = data::VersionToJson(*v);
    }
    call.Reply(200, j);
    return OkStatus();
  });

  router.Add("DELETE", kDatasetPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, Role::kEditor));
    EASEL_RETURN_IF_ERROR(data::DatasetStore(ctx.db).Delete(p.id, call.param("dataset")));
    call.ReplyNoContent();
    return OkStatus();
  });

  AddImportRoute(router, ctx);

  router.Add("GET", Path(kDatasetPath, "/versions"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(PageRequest page, call.Page());
    int64_t before = 0;
    if (!page.after.empty()) {
      EASEL_ASSIGN_OR_RETURN(before, data::ParseVersionRef(page.after));
    }
    EASEL_ASSIGN_OR_RETURN(
        auto list, data::DatasetStore(ctx.db).ListVersions(ref.dataset.id, before, page.limit));
    Json items = Json::array();
    for (const data::DatasetVersion& v : list) {
      Json j = data::VersionToJson(v);
      j.erase("stats");  // the list stays small; GET one version for its statistics
      items.push_back(std::move(j));
    }
    call.Reply(200, PageJson(std::move(items), page,
                             list.empty() ? "" : std::to_string(list.back().version)));
    return OkStatus();
  });

  router.Add("GET", kVersionPath, [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, VersionFor(call, ctx, ref.dataset));
    call.Reply(200, data::VersionToJson(v));
    return OkStatus();
  });

  router.Add("GET", Path(kDatasetPath, "/diff"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kViewer));
    auto from_ref = call.query("from");
    auto to_ref = call.query("to");
    if (!from_ref || !to_ref) return InvalidArgument("give the versions to compare: ?from=&to=");
    data::DatasetStore store(ctx.db);
    EASEL_ASSIGN_OR_RETURN(int64_t from_n, data::ParseVersionRef(*from_ref));
    EASEL_ASSIGN_OR_RETURN(int64_t to_n, data::ParseVersionRef(*to_ref));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion from, store.GetVersion(ref.dataset.id, from_n));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion to, store.GetVersion(ref.dataset.id, to_n));
    EASEL_ASSIGN_OR_RETURN(auto from_reader, data::ManifestReader::Open(ctx.blobs, from));
    EASEL_ASSIGN_OR_RETURN(auto to_reader, data::ManifestReader::Open(ctx.blobs, to));
    EASEL_ASSIGN_OR_RETURN(data::VersionDiff diff,
                           data::DiffVersions(from_reader, to_reader, /*max_listed=*/1000));
    call.Reply(200, data::DiffToJson(diff, from.version, to.version));
    return OkStatus();
  });

  router.Add("POST", Path(kVersionPath, "/exports"), [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(DatasetRef ref, DatasetFor(call, ctx, Role::kEditor));
    EASEL_ASSIGN_OR_RETURN(data::DatasetVersion v, VersionFor(call, ctx, ref.dataset));
    EASEL_ASSIGN_OR_RETURN(Json body, call.JsonBody());
    EASEL_ASSIGN_OR_RETURN(std::string format, GetString(body, "format"));
    EASEL_RETURN_IF_ERROR(ctx.formats->exporters.FindFor(format, ref.dataset.type).status());
    Json spec = {{"dataset_id", ref.dataset.id}, {"version", v.version}, {"format", format}};
    if (auto p = body.find("params"); p != body.end() && !p->is_null()) spec["params"] = *p;
    EASEL_ASSIGN_OR_RETURN(jobs::Job job, SubmitJob(ctx, call, ref.project.id, "export", spec));
    call.Reply(202, {{"job_id", job.id}});
    return OkStatus();
  });

  AddSampleRoutes(router, ctx);
}

}  // namespace easel::api
