#include "data/manifest.h"

#include <charconv>


namespace easel::data {

Result<ManifestReader> ManifestReader::Open(store::BlobStore& blobs, const DatasetVersion& v) {
  EASEL_ASSIGN_OR_RETURN(std::string splits, blobs.ReadAll(v.splits_digest));
  if (static_cast<int64_t>(splits.size()) != v.num_samples) {
    return DataLoss("the version's splits do not match its samples");
  }
  return ManifestReader(blobs, v.manifest_digest, static_cast<uint64_t>(v.manifest_size),
                        std::move(splits));
}

Status ManifestReader::ForEach(ManifestPosition from, const Visitor& fn) const {
  if (from.offset > size_ || from.index < 0 || from.index > num_samples()) {
    return InvalidArgument("page_token is not valid for this version");
  }
  if (from.offset == size_) return OkStatus();
  if (from.offset > 0) {
    // A position must follow a newline: check the byte before it.
    std::string prev;
    EASEL_RETURN_IF_ERROR(blobs_->Read(manifest_, from.offset - 1, 1, [&](const char* p, size_t n) {
      prev.append(p, n);
      return true;
    }));
    if (prev != "\n") return InvalidArgument("page_token is not valid for this version");
  }
  std::string line;
  ManifestPosition pos = from;
  Status inner;
  bool stop = false;
  Status read = blobs_->Read(manifest_, from.offset, size_ - from.offset, [&](const char* p, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      if (p[i] != '\n') continue;
      line.append(p + start, i - start);
      start = i + 1;
      pos.offset += line.size() + 1;
      if (pos.index >= num_samples()) {
        inner = DataLoss("the manifest has more samples than the version records");
        return false;
      }
      auto sample = SampleFromLine(line);
      if (!sample.ok()) {
        inner = DataLoss("a manifest line does not parse: " + sample.status().message());
        return false;
      }
      const Split split = split_of(pos.index);
      ++pos.index;
      line.clear();
      auto more = fn(*sample, split, pos);
      if (!more.ok()) {
        inner = more.status();
        return false;
      }
      if (!*more) {
        stop = true;
        return false;
      }
    }
    line.append(p + start, n - start);
    return true;
  });
  EASEL_RETURN_IF_ERROR(inner);
  if (stop) return OkStatus();
  return read;
}

Status ManifestReader::ForEachSample(const std::function<Status(const Sample&, Split)>& fn) const {
  return ForEach({}, [&](const Sample& s, Split split, const ManifestPosition&) -> Result<bool> {
    EASEL_RETURN_IF_ERROR(fn(s, split));
    return true;
  });
}

Result<std::pair<Sample, Split>> ManifestReader::Find(const std::string& id) const {
  std::optional<std::pair<Sample, Split>> found;
  EASEL_RETURN_IF_ERROR(
      ForEach({}, [&](const Sample& s, Split split, const ManifestPosition&) -> Result<bool> {
        if (s.id != id) return true;
        found.emplace(s, split);
        return false;
      }));
  if (!found) return NotFound("sample '" + id + "' is not in this version");
  return std::move(*found);
}

std::string PositionKey(const ManifestPosition& p) {
  return std::to_string(p.offset) + ":" + std::to_string(p.index);
}

Result<ManifestPosition> ParsePositionKey(const std::string& key) {
  auto bad = [] { return InvalidArgument("page_token is not valid"); };
  const std::string* raw = &key;
  const size_t colon = raw->find(':');
  if (colon == std::string::npos) return bad();
  ManifestPosition p;
  const char* b = raw->data();
  auto r1 = std::from_chars(b, b + colon, p.offset);
  auto r2 = std::from_chars(b + colon + 1, b + raw->size(), p.index);
  if (r1.ec != std::errc() || r1.ptr != b + colon || r2.ec != std::errc() ||
      r2.ptr != b + raw->size()) {
    return bad();
  }
  return p;
}

}  // namespace easel::data
