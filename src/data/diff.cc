#include "data/diff.h"

#include <unordered_map>

namespace easel::data {

namespace {

// What labeling changes: a sample's labels and boxes, nothing else.
Sample LabelsOf(const Sample& s) {
  Sample only;
  only.labels = s.labels;
  only.boxes = s.boxes;
  return only;
}

std::string LabelKey(const Sample& s) { return SampleToLine(LabelsOf(s)); }

// {labels, boxes?}, as sample listings show them.
Json LabelsJson(const Sample& s) {
  Json j = SampleToJson(LabelsOf(s), {});
  j.erase("id");
  return j;
}

}  // namespace

Result<VersionDiff> DiffVersions(const ManifestReader& from, const ManifestReader& to,
                                 size_t max_listed) {
  // id -> label key of every sample of `from`; an entry is erased when `to` has it too, so
  // what is left was removed.
  std::unordered_map<std::string, std::string> before;
  before.reserve(static_cast<size_t>(from.num_samples()));
  std::vector<std::string> order;  // `from` ids in manifest order, for listing removals
  EASEL_RETURN_IF_ERROR(from.ForEachSample([&](const Sample& s, Split) -> Status {
    before.emplace(s.id, LabelKey(s));
    order.push_back(s.id);
    return OkStatus();
  }));
  VersionDiff diff;
  EASEL_RETURN_IF_ERROR(to.ForEachSample([&](const Sample& s, Split) -> Status {
    auto it = before.find(s.id);
    if (it == before.end()) {
      ++diff.added;
      if (diff.added_ids.size() < max_listed) diff.added_ids.push_back(s.id);
      return OkStatus();
    }
    if (it->second == LabelKey(s)) {
      ++diff.unchanged;
    } else {
      ++diff.relabelled;
      if (diff.relabelled_samples.size() < max_listed) {
        // The key is a manifest line of the old labels: read them back from it.
        EASEL_ASSIGN_OR_RETURN(Sample old_labels, SampleFromLine(it->second));
        diff.relabelled_samples.push_back({s.id, std::move(old_labels), s});
      }
    }
    before.erase(it);
    return OkStatus();
  }));
  for (const std::string& id : order) {
    if (!before.count(id)) continue;
    ++diff.removed;
    if (diff.removed_ids.size() < max_listed) diff.removed_ids.push_back(id);
  }
  return diff;
}

Json DiffToJson(const VersionDiff& d, int64_t from_version, int64_t to_version) {
  Json relabelled = Json::array();
  for (const Relabel& r : d.relabelled_samples) {
    relabelled.push_back({{"id", r.id}, {"from", LabelsJson(r.from)}, {"to", LabelsJson(r.to)}});
  }
  const bool truncated = d.added_ids.size() < static_cast<size_t>(d.added) ||
                         d.removed_ids.size() < static_cast<size_t>(d.removed) ||
                         d.relabelled_samples.size() < static_cast<size_t>(d.relabelled);
  return {{"from", from_version},
          {"to", to_version},
          {"counts",
           {{"added", d.added},
            {"removed", d.removed},
            {"relabelled", d.relabelled},
            {"unchanged", d.unchanged}}},
          {"added", d.added_ids},
          {"removed", d.removed_ids},
          {"relabelled", std::move(relabelled)},
          {"truncated", truncated}};
}

}  // namespace easel::data
