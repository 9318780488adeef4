#include "labeling/zip_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <optional>
#include <unordered_set>

#include "data/archive.h"

namespace easel::labeling {

namespace {

// Every entry gets the same time, so the same export gives the same bytes (and blob).
constexpr time_t kEntryTime = 946684800;  // 2000-01-01T00:00:00Z

}  // namespace

struct ZipExportWriter::State {
  store::BlobStore* blobs = nullptr;
  std::optional<store::BlobStore::Writer> out;
  archive* zip = nullptr;
  Status error;  // the first failure; every later call and Finish() answer it
  bool entry_open = false;
  std::unordered_set<std::string> paths;
  uint64_t entries = 0;
  std::function<void(double, std::string)> progress;
  std::function<bool()> cancelled;

  ~State() {
    // Frees libarchive first: closing may still write to `out`, which is then dropped unpublished.
    if (zip != nullptr) archive_write_free(zip);
  }

  // Records a libarchive failure (keeping an earlier, more precise error from the blob writer).
  Status Fail(Status st) {
    if (error.ok()) error = std::move(st);
    return error;
  }
  Status ArchiveError(const char* what) {
    const char* detail = archive_error_string(zip);
    return Fail(Internal(std::string("writing the export archive failed (") + what +
                         "): " + (detail != nullptr ? detail : "unknown error")));
  }

  Status WriteData(const char* p, size_t n) {
    while (n > 0) {
      const la_ssize_t w = archive_write_data(zip, p, n);
      if (w <= 0) return ArchiveError("data");
      p += w;
      n -= static_cast<size_t>(w);
    }
    return OkStatus();
  }

  // Writes the header of a new entry; `size` unknown makes it streamable (data descriptor).
  Status StartEntry(const std::string& path, std::optional<uint64_t> size, bool deflate) {
    EASEL_RETURN_IF_ERROR(error);
    if (entry_open) return FailedPrecondition("another export file is still open");
    if (cancelled && cancelled()) return Cancelled("the export was cancelled");
    auto normalized = data::NormalizeEntryPath(path, data::ArchiveLimits{});
    if (!normalized.ok() || *normalized != path) {
      return Fail(InvalidArgument("export entry '" + data::DisplayName(path) +
                                  "' is not a normalized relative path"));
    }
    if (!paths.insert(path).second) {
      return Fail(
          InvalidArgument("export entry '" + data::DisplayName(path) + "' is written twice"));
    }
    if ((deflate ? archive_write_zip_set_compression_deflate(zip)
                 : archive_write_zip_set_compression_store(zip)) != ARCHIVE_OK) {
      return ArchiveError("compression");
    }
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname_utf8(entry, path.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, kEntryTime, 0);
    if (size) archive_entry_set_size(entry, static_cast<la_int64_t>(*size));
    const int r = archive_write_header(zip, entry);
    archive_entry_free(entry);
    if (r < ARCHIVE_WARN) return ArchiveError("header");
    entry_open = true;
    ++entries;
    return OkStatus();
  }

  Status FinishEntry() {
    entry_open = false;
    if (archive_write_finish_entry(zip) < ARCHIVE_WARN) return ArchiveError("entry");
    return error;
  }
};

namespace {

la_ssize_t WriteToBlob(archive*, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<ZipExportWriter::State*>(client);
  Status st = state->out->Write(buffer, length);
  if (!st.ok()) {
    state->Fail(std::move(st)).IgnoreError();
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

// One streamed entry. Dropping it without Close() leaves the archive unfinishable.
class ZipFile final : public data::ExportFile {
 public:
  explicit ZipFile(ZipExportWriter::State* state) : state_(state) {}
  ~ZipFile() override {
    if (!closed_) {
      state_->Fail(Internal("an export file was not closed")).IgnoreError();
    }
  }
  Status Write(std::string_view bytes) override {
    if (closed_) return FailedPrecondition("the export file is closed");
    EASEL_RETURN_IF_ERROR(state_->error);
    return state_->WriteData(bytes.data(), bytes.size());
  }
  Status Close() override {
    if (closed_) return OkStatus();
    closed_ = true;
    return state_->FinishEntry();
  }

 private:
  ZipExportWriter::State* state_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<ZipExportWriter>> ZipExportWriter::Create(
    store::BlobStore& blobs, std::function<void(double, std::string)> progress,
    std::function<bool()> cancelled) {
  auto state = std::make_unique<State>();
  state->blobs = &blobs;
  state->progress = std::move(progress);
  state->cancelled = std::move(cancelled);
  EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer out, blobs.NewWriter());
  state->out.emplace(std::move(out));
  state->zip = archive_write_new();
  if (state->zip == nullptr) return Internal("out of memory starting the export archive");
  if (archive_write_set_format_zip(state->zip) != ARCHIVE_OK ||
      // Names are UTF-8 whatever the process locale, and flagged so in the archive.
      archive_write_set_format_option(state->zip, "zip", "hdrcharset", "UTF-8") < ARCHIVE_WARN ||
      // No padding after the end of the archive.
      archive_write_set_bytes_in_last_block(state->zip, 1) != ARCHIVE_OK ||
      archive_write_open2(state->zip, state.get(), nullptr, WriteToBlob, nullptr, nullptr) !=
          ARCHIVE_OK) {
    return state->ArchiveError("start");
  }
  return std::unique_ptr<ZipExportWriter>(new ZipExportWriter(std::move(state)));
}

ZipExportWriter::ZipExportWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
ZipExportWriter::~ZipExportWriter() = default;

Result<std::unique_ptr<data::ExportFile>> ZipExportWriter::Open(const std::string& path) {
  EASEL_RETURN_IF_ERROR(state_->StartEntry(path, std::nullopt, /*deflate=*/true));
  return std::unique_ptr<data::ExportFile>(new ZipFile(state_.get()));
}

Status ZipExportWriter::AddBytes(const std::string& path, std::string_view bytes) {
  EASEL_RETURN_IF_ERROR(state_->StartEntry(path, bytes.size(), /*deflate=*/true));
  EASEL_RETURN_IF_ERROR(state_->WriteData(bytes.data(), bytes.size()));
  return state_->FinishEntry();
}

Status ZipExportWriter::AddBlob(const std::string& path, const std::string& digest) {
  EASEL_RETURN_IF_ERROR(state_->error);
  auto size = state_->blobs->Size(digest);
  if (!size.ok()) return state_->Fail(size.status());
  // Images are compressed already: deflating them again costs time and saves nothing.
  EASEL_RETURN_IF_ERROR(state_->StartEntry(path, *size, /*deflate=*/false));
  if (*size > 0) {
    Status written;
    Status read = state_->blobs->Read(digest, 0, *size, [&](const char* p, size_t n) {
      written = state_->WriteData(p, n);
      return written.ok();
    });
    EASEL_RETURN_IF_ERROR(written);
    if (!read.ok()) return state_->Fail(read);
  }
  return state_->FinishEntry();
}

void ZipExportWriter::Progress(double fraction, std::string message) {
  if (state_->progress) state_->progress(fraction, std::move(message));
}

bool ZipExportWriter::cancelled() const { return state_->cancelled && state_->cancelled(); }

Result<store::BlobInfo> ZipExportWriter::Finish() {
  EASEL_RETURN_IF_ERROR(state_->error);
  if (state_->entry_open) return state_->Fail(Internal("an export file was not closed"));
  if (archive_write_close(state_->zip) != ARCHIVE_OK) return state_->ArchiveError("close");
  EASEL_RETURN_IF_ERROR(state_->error);
  return state_->out->Commit();
}

uint64_t ZipExportWriter::entries() const { return state_->entries; }

}  // namespace easel::labeling
