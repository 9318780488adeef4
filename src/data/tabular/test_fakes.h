#pragma once
// Test doubles for the record importers and exporters: an ImportSink that keeps what it is
// given, an ExportWriter that keeps its entries in memory, and helpers to put files in a blob
// store as an upload. Header-only; tests only.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/exporter.h"
#include "data/importer.h"
#include "data/source_files.h"
#include "store/blob_store.h"

namespace easel::data::fakes {

class FakeImportSink : public ImportSink {
 public:
  Status SetColumns(std::vector<std::string> columns) override {
    if (columns_set) return FailedPrecondition("SetColumns called twice");
    if (!samples.empty()) return FailedPrecondition("SetColumns after Add");
    std::set<std::string> seen;
    for (const std::string& c : columns) {
      if (c.empty()) return InvalidArgument("empty column name");
      if (!seen.insert(c).second) return InvalidArgument("duplicate column name '" + c + "'");
    }
    this->columns = std::move(columns);
    columns_set = true;
    return OkStatus();
  }
  void DeclareClasses(const std::vector<std::string>& classes) override {
    declared.insert(declared.end(), classes.begin(), classes.end());
  }
  Status Add(Sample sample) override {
    if (!columns_set) return FailedPrecondition("Add before SetColumns");
    if (sample.values.size() != columns.size()) {
      return Internal("sample has " + std::to_string(sample.values.size()) + " values for " +
                      std::to_string(columns.size()) + " columns");
    }
    samples.push_back(std::move(sample));
    if (cancel_after > 0 && samples.size() >= cancel_after) cancel = true;
    return OkStatus();
  }
  void Reject(std::string what, std::string reason) override {
    rejected.emplace_back(std::move(what), std::move(reason));
  }
  void Progress(double fraction, std::string message) override { progress.push_back(fraction); }
  bool cancelled() const override { return cancel; }

  std::vector<std::string> columns;
  bool columns_set = false;
  std::vector<std::string> declared;
  std::vector<Sample> samples;
  std::vector<std::pair<std::string, std::string>> rejected;
  std::vector<double> progress;
  bool cancel = false;
  size_t cancel_after = 0;  // cancel once this many samples were added (0: never)
};

class FakeExportWriter : public ExportWriter {
 public:
  class File : public ExportFile {
   public:
    File(FakeExportWriter* writer, std::string path) : writer_(writer), path_(std::move(path)) {}
    Status Write(std::string_view bytes) override {
      ++writer_->writes;
      content_ += bytes;
      return OkStatus();
    }
    Status Close() override {
      writer_->open = false;
      writer_->entries[path_] = std::move(content_);
      return OkStatus();
    }

   private:
    FakeExportWriter* writer_;
    std::string path_;
    std::string content_;
  };

  Result<std::unique_ptr<ExportFile>> Open(const std::string& path) override {
    if (open) return FailedPrecondition("an entry is already open");
    if (entries.count(path)) return AlreadyExists("duplicate entry " + path);
    open = true;
    return std::unique_ptr<ExportFile>(std::make_unique<File>(this, path));
  }
  Status AddBytes(const std::string& path, std::string_view bytes) override {
    entries[path] = std::string(bytes);
    return OkStatus();
  }
  Status AddBlob(const std::string& path, const std::string& digest) override {
    return Unimplemented("no blobs in record exports");
  }
  void Progress(double fraction, std::string message) override { progress.push_back(fraction); }
  bool cancelled() const override { return cancel; }

  std::map<std::string, std::string> entries;
  std::vector<double> progress;
  bool open = false;
  bool cancel = false;
  int writes = 0;
};

// An upload of `files` (path -> content) stored in `blobs`.
inline SourceFiles MakeUpload(store::BlobStore& blobs,
                              const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<SourceFile> list;
  for (const auto& [path, content] : files) {
    Result<store::BlobInfo> info = blobs.Put(content);
    list.push_back({path, info->digest, info->size});
  }
  return SourceFiles(blobs, std::move(list));
}

// An ExportSource over `samples` in memory.
inline ExportSource MakeExportSource(DatasetType type, std::string name,
                                     std::vector<std::string> columns,
                                     const std::vector<Sample>* samples) {
  ExportSource source;
  source.type = type;
  source.dataset_name = std::move(name);
  source.columns = std::move(columns);
  source.num_samples = samples->size();
  source.for_each = [samples](const std::function<Status(const Sample&, Split)>& fn) -> Status {
    for (const Sample& s : *samples) EASEL_RETURN_IF_ERROR(fn(s, Split::kTrain));
    return OkStatus();
  };
  return source;
}

}  // namespace easel::data::fakes
