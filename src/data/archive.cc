// The one file that calls libarchive.
#include "data/archive.h"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdio>
#include <set>
#include <system_error>

namespace easel::data {
namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kMaxDisplay = 200;

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

Status LibError(struct archive* a, std::string_view what) {
  const char* msg = archive_error_string(a);
  return InvalidArgument(std::string(what) + ": " + (msg != nullptr ? msg : "unreadable archive"));
}

// Why this entry type is refused; empty for a regular file. Directories are skipped silently.
std::string_view TypeRejection(struct archive_entry* e, bool* is_dir) {
  *is_dir = false;
  if (archive_entry_hardlink(e) != nullptr) return "hardlink";
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      return {};
    case AE_IFDIR:
      *is_dir = true;
      return {};
    case AE_IFLNK:
      return "symlink";
    case AE_IFCHR:
    case AE_IFBLK:
      return "device";
    case AE_IFIFO:
      return "fifo";
    case AE_IFSOCK:
      return "socket";
    default:
      return "not a regular file";
  }
}

}  // namespace

std::string DisplayName(std::string_view name) {
  std::string out;
  for (unsigned char c : name.substr(0, kMaxDisplay)) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > kMaxDisplay) out += "...";
  return out;
}

Result<std::string> NormalizeEntryPath(std::string_view name, const ArchiveLimits& limits) {
  if (name.empty()) return InvalidArgument("empty name");
  if (name.size() > static_cast<size_t>(limits.max_path_bytes)) {
    return InvalidArgument("path longer than " + std::to_string(limits.max_path_bytes) + " bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("control character in name");
    if (c == '\\') return InvalidArgument("backslash in name");
  }
  if (name.front() == '/') return InvalidArgument("absolute path");
  std::string out;
  int depth = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view seg = name.substr(start, end - start);
    start = end + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") return InvalidArgument("'..' segment");
    if (++depth > limits.max_depth) {
      return InvalidArgument("deeper than " + std::to_string(limits.max_depth) + " segments");
    }
    if (!out.empty()) out += '/';
    out += seg;
  }
  if (out.empty()) return InvalidArgument("empty name");
  return out;
}

struct ArchiveReader::State {
  ArchivePtr archive;
  ArchiveLimits limits;
  uint64_t archive_size = 0;
  struct archive_entry* pending = nullptr;  // header read by Open, not yet handed out
  bool ended = false;                       // libarchive said ARCHIVE_EOF: ask it no more
  bool content_available = false;           // the current entry's content is unread
  uint64_t total = 0;
  uint64_t entries = 0;
  Status failed;
  std::set<std::string> seen;
  std::vector<RejectedEntry> rejected;

  Status Fail(Status s) {
    failed = s;
    return s;
  }
  // Reads the next header into *entry; nullptr at the end, and on every call after it.
  Status ReadHeader(struct archive_entry** entry) {
    int r = ended ? ARCHIVE_EOF : archive_read_next_header(archive.get(), entry);
    if (r == ARCHIVE_EOF) {
      ended = true;
      *entry = nullptr;
      return OkStatus();
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      // No format recognized the first header: a plain file (possibly compressed).
      if (entries == 0 && archive_format(archive.get()) == 0) {
        return InvalidArgument("not an archive");
      }
      return LibError(archive.get(), "corrupt archive");
    }
    if (++entries > limits.max_entries) {
      return ResourceExhausted("archive has more than max_entries (" +
                               std::to_string(limits.max_entries) + ") entries");
    }
    return OkStatus();
  }
};

ArchiveReader::ArchiveReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ArchiveReader::ArchiveReader(ArchiveReader&&) noexcept = default;
ArchiveReader& ArchiveReader::operator=(ArchiveReader&&) noexcept = default;
ArchiveReader::~ArchiveReader() = default;

Result<ArchiveReader> ArchiveReader::Open(const fs::path& path, const ArchiveLimits& limits) {
  std::error_code ec;
  uint64_t size = fs::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return NotFound("archive not found");
    return InvalidArgument("cannot read archive: " + ec.message());
  }
  auto state = std::make_unique<State>();
  state->archive.reset(archive_read_new());
  state->limits = limits;
  state->archive_size = size;
  struct archive* a = state->archive.get();
  if (a == nullptr) return Internal("archive_read_new failed");
  // Explicit formats and filters: no "raw" or "empty" format (a plain file is not an archive),
  // and no filter that may run an external program.
  archive_read_support_format_tar(a);
  archive_read_support_format_zip(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  if (archive_read_open_filename(a, path.c_str(), kChunk) != ARCHIVE_OK) {
    // libarchive reports "no format bids" with EILSEQ (its ARCHIVE_ERRNO_FILE_FORMAT on Linux).
    if (archive_errno(a) == EILSEQ) return InvalidArgument("not an archive");
    return LibError(a, "cannot open archive");
  }
  EASEL_RETURN_IF_ERROR(state->ReadHeader(&state->pending));
  return ArchiveReader(std::move(state));
}

Result<std::optional<ArchiveEntry>> ArchiveReader::Next() {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  s.content_available = false;
  while (true) {
    struct archive_entry* e = s.pending;
    s.pending = nullptr;
    if (e == nullptr) {
      Status st = s.ReadHeader(&e);
      if (!st.ok()) return s.Fail(std::move(st));
      if (e == nullptr) return std::optional<ArchiveEntry>();
    }
    const char* raw = archive_entry_pathname_utf8(e);
    if (raw == nullptr) raw = archive_entry_pathname(e);
    if (raw == nullptr) {
      s.rejected.push_back({"<unreadable name>", "name not readable"});
      continue;
    }
    std::string_view name(raw);
    bool is_dir = false;
    std::string_view type_reason = TypeRejection(e, &is_dir);
    if (!type_reason.empty()) {
      s.rejected.push_back({DisplayName(name), std::string(type_reason)});
      continue;
    }
    Result<std::string> path = NormalizeEntryPath(name, s.limits);
    if (!path.ok()) {
      s.rejected.push_back({DisplayName(name), path.status().message()});
      continue;
    }
    if (is_dir) continue;
    if (!s.seen.insert(*path).second) {
      s.rejected.push_back({DisplayName(name), "duplicate path"});
      continue;
    }
    ArchiveEntry entry{std::move(*path), std::nullopt};
    if (archive_entry_size_is_set(e) != 0 && archive_entry_size(e) >= 0) {
      entry.declared_size = static_cast<uint64_t>(archive_entry_size(e));
    }
    s.content_available = true;
    return std::optional<ArchiveEntry>(std::move(entry));
  }
}

Status ArchiveReader::ReadContent(const std::function<Status(const char*, size_t)>& sink) {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  if (!s.content_available) return FailedPrecondition("no entry content to read");
  s.content_available = false;
  const double ratio_budget = s.limits.max_ratio * static_cast<double>(s.archive_size);
  std::vector<char> buf(kChunk);
  uint64_t entry_bytes = 0;
  while (true) {
    la_ssize_t n = archive_read_data(s.archive.get(), buf.data(), buf.size());
    if (n == 0) return OkStatus();
    if (n < 0) return s.Fail(LibError(s.archive.get(), "corrupt archive data"));
    const auto un = static_cast<uint64_t>(n);
    if (entry_bytes + un > s.limits.max_entry_bytes) {
      return s.Fail(ResourceExhausted("an entry exceeds max_entry_bytes (" +
                                      std::to_string(s.limits.max_entry_bytes) + ")"));
    }
    if (s.total + un > s.limits.max_total_bytes) {
      return s.Fail(ResourceExhausted("archive content exceeds max_total_bytes (" +
                                      std::to_string(s.limits.max_total_bytes) + ")"));
    }
    if (s.total + un > s.limits.ratio_grace_bytes &&
        static_cast<double>(s.total + un) > ratio_budget) {
      return s.Fail(ResourceExhausted("archive expands more than max_ratio (" +
                                      std::to_string(s.limits.max_ratio) + " times its size)"));
    }
    entry_bytes += un;
    s.total += un;
    Status st = sink(buf.data(), static_cast<size_t>(n));
    if (!st.ok()) return s.Fail(std::move(st));
  }
}

const std::vector<RejectedEntry>& ArchiveReader::rejected() const { return state_->rejected; }
uint64_t ArchiveReader::total_bytes() const { return state_->total; }
uint64_t ArchiveReader::entries_seen() const { return state_->entries; }

double ArchiveReader::fraction_read() const {
  if (state_->archive_size == 0) return 0;
  const int64_t consumed = archive_filter_bytes(state_->archive.get(), -1);
  return consumed <= 0 ? 0.0
                       : std::min(1.0, static_cast<double>(consumed) /
                                           static_cast<double>(state_->archive_size));
}

Result<ExtractReport> ExtractToBlobs(const fs::path& archive, store::BlobStore& blobs,
                                     const ArchiveLimits& limits,
                                     const std::function<Status(const ArchiveReader&)>& after_entry) {
  EASEL_ASSIGN_OR_RETURN(ArchiveReader reader, ArchiveReader::Open(archive, limits));
  ExtractReport report;
  while (true) {
    EASEL_ASSIGN_OR_RETURN(std::optional<ArchiveEntry> entry, reader.Next());
    if (!entry) break;
    EASEL_ASSIGN_OR_RETURN(store::BlobStore::Writer writer, blobs.NewWriter());
    EASEL_RETURN_IF_ERROR(
        reader.ReadContent([&](const char* p, size_t n) { return writer.Write(p, n); }));
    EASEL_ASSIGN_OR_RETURN(store::BlobInfo info, writer.CommitDeferred());
    report.entries.push_back({std::move(entry->path), std::move(info.digest), info.size});
    if (after_entry) EASEL_RETURN_IF_ERROR(after_entry(reader));
  }
  EASEL_RETURN_IF_ERROR(blobs.Sync());
  report.rejected = reader.rejected();
  return report;
}

}  // namespace easel::data
