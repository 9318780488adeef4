#include "labeling/task.h"

#include <algorithm>
#include <set>

#include "common/time.h"

namespace easel::labeling {

std::string_view ToString(TaskKind kind) {
  switch (kind) {
    case TaskKind::kClassification:
      return "classification";
    case TaskKind::kDetection:
      return "detection";
    case TaskKind::kTextClassification:
      return "text_classification";
  }
  return "classification";
}

Result<TaskKind> ParseTaskKind(std::string_view name) {
  if (name == "classification") return TaskKind::kClassification;
  if (name == "detection") return TaskKind::kDetection;
  if (name == "text_classification") return TaskKind::kTextClassification;
  return Status(StatusCode::kInvalidArgument,
                "unknown labeling kind; known kinds: classification, detection, "
                "text_classification",
                Json{{"field", "kind"}});
}

data::DatasetType DatasetTypeFor(TaskKind kind) {
  switch (kind) {
    case TaskKind::kClassification:
      return data::DatasetType::kImageClassification;
    case TaskKind::kDetection:
      return data::DatasetType::kObjectDetection;
    case TaskKind::kTextClassification:
      return data::DatasetType::kTextClassification;
  }
  return data::DatasetType::kImageClassification;
}

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes) return false;
  return std::none_of(label.begin(), label.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

Status ValidateLabels(const std::vector<std::string>& labels) {
  auto bad = [](std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message), Json{{"field", "labels"}});
  };
  if (labels.empty()) return bad("labels must list at least one label");
  if (labels.size() > kMaxLabels) {
    return bad("a task has at most " + std::to_string(kMaxLabels) + " labels");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!IsValidLabel(labels[i])) {
      return bad("labels[" + std::to_string(i) +
                 "] is empty, longer than 256 bytes or has control characters");
    }
    if (!seen.insert(labels[i]).second) {
      return bad("label '" + labels[i] + "' appears twice");
    }
  }
  return OkStatus();
}

bool Task::HasLabel(std::string_view label) const {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

Json TaskToJson(const Task& t, const StatusCounts& c) {
  return {{"id", t.id},
          {"name", t.name},
          {"dataset", t.dataset_name},
          {"version", t.version},
          {"kind", std::string(ToString(t.kind))},
          {"labels", t.labels},
          {"instructions", t.instructions},
          {"seed", t.seed},
          {"num_samples", t.num_samples},
          {"created_by", t.created_by},
          {"created_at", FormatRfc3339(t.created_at)},
          {"committed_version", t.committed_version ? Json(*t.committed_version) : Json(nullptr)},
          {"counts",
           {{"unlabeled", c.unlabeled},
            {"labeled", c.labeled},
            {"reviewed", c.reviewed},
            {"rejected", c.rejected}}}};
}

}  // namespace easel::labeling
