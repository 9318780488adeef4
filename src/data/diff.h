#pragma once
// What changed between two versions of a dataset, by sample id (ids are content-derived, so
// the same sample has the same id in both): samples added, removed, and relabelled (same id,
// different labels or boxes).

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "data/manifest.h"

namespace easel::data {

struct Relabel {
  std::string id;
  Sample from;
  Sample to;
};

struct VersionDiff {
  int64_t added = 0, removed = 0, relabelled = 0, unchanged = 0;
  // The first `max_listed` of each, in manifest order.
  std::vector<std::string> added_ids;
  std::vector<std::string> removed_ids;
  std::vector<Relabel> relabelled_samples;
};

// Streams both manifests; memory is a hash per sample of `from`.
Result<VersionDiff> DiffVersions(const ManifestReader& from, const ManifestReader& to,
                                 size_t max_listed);

// {from, to, counts: {added, removed, relabelled, unchanged}, added: [ids], removed: [ids],
// relabelled: [{id, from: {labels, boxes?}, to: {...}}], truncated}
Json DiffToJson(const VersionDiff& diff, int64_t from_version, int64_t to_version);

}  // namespace easel::data
