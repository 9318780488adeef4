#include "labeling/annotations.h"

#include <algorithm>
#include <cmath>

#include "common/time.h"

namespace easel::labeling {

namespace {

constexpr const char* kColumns =
    "sample_id, position, labels_json, boxes_json, status, author, updated_at, source_json";

Status Bad(std::string field, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message),
                Json{{"field", std::move(field)}});
}

Json BoxesToJson(const std::vector<data::Box>& boxes) {
  Json out = Json::array();
  for (const data::Box& b : boxes) {
    out.push_back({{"label", b.label}, {"x", b.x}, {"y", b.y}, {"w", b.w}, {"h", b.h}});
  }
  return out;
}

Annotation FromRow(const store::Row& r) {
  Annotation a;
  a.sample_id = r.Str(0);
  a.position = r.Int(1);
  if (auto labels = ParseJson(r.Str(2)); labels.ok() && labels->is_array()) {
    for (const Json& l : *labels) {
      if (l.is_string()) a.labels.push_back(l.get<std::string>());
    }
  }
  if (auto boxes = ParseJson(r.Str(3)); boxes.ok() && boxes->is_array()) {
    for (const Json& b : *boxes) {
      if (!b.is_object()) continue;
      a.boxes.push_back(data::Box{b.value("label", ""), b.value("x", 0.0), b.value("y", 0.0),
                                  b.value("w", 0.0), b.value("h", 0.0)});
    }
  }
  a.status = ParseAnnotationStatus(r.Str(4)).value_or(AnnotationStatus::kUnlabeled);
  a.author = r.Str(5);
  a.updated_at = r.Int(6);
  if (auto source = r.OptStr(7)) {
    if (auto j = ParseJson(*source); j.ok() && j->is_object()) a.source = std::move(*j);
  }
  return a;
}

// A positive image dimension from sample meta, if recorded.
std::optional<double> MetaDimension(const Json& meta, const char* key) {
  if (!meta.is_object()) return std::nullopt;
  auto it = meta.find(key);
  if (it == meta.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}

}  // namespace

std::string_view ToString(AnnotationStatus status) {
  switch (status) {
    case AnnotationStatus::kUnlabeled:
      return "unlabeled";
    case AnnotationStatus::kLabeled:
      return "labeled";
    case AnnotationStatus::kReviewed:
      return "reviewed";
    case AnnotationStatus::kRejected:
      return "rejected";
  }
  return "unlabeled";
}

Result<AnnotationStatus> ParseAnnotationStatus(std::string_view name) {
  if (name == "unlabeled") return AnnotationStatus::kUnlabeled;
  if (name == "labeled") return AnnotationStatus::kLabeled;
  if (name == "reviewed") return AnnotationStatus::kReviewed;
  if (name == "rejected") return AnnotationStatus::kRejected;
  return Bad("status", "unknown status; use unlabeled, labeled, reviewed or rejected");
}

Json AnnotationToJson(const Annotation& a) {
  Json j = {{"sample_id", a.sample_id},
            {"labels", a.labels},
            {"boxes", BoxesToJson(a.boxes)},
            {"status", std::string(ToString(a.status))}};
  j["author"] = a.author.empty() ? Json(nullptr) : Json(a.author);
  j["updated_at"] = a.updated_at == 0 ? Json(nullptr) : Json(FormatRfc3339(a.updated_at));
  if (a.source.is_object()) j["source"] = a.source;
  return j;
}

Result<Annotation> AnnotationFromJson(const Json& body) {
  EASEL_RETURN_IF_ERROR(RequireObject(body, "request body"));
  for (const auto& [key, value] : body.items()) {
    if (key != "labels" && key != "boxes" && key != "status") {
      return Bad(key, "unknown field '" + key + "'; an annotation has labels, boxes and status");
    }
  }
  Annotation a;
  if (auto it = body.find("labels"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Bad("labels", "labels must be an array of strings");
    if (it->size() > kMaxLabels) return Bad("labels", "too many labels");
    for (const Json& l : *it) {
      if (!l.is_string()) return Bad("labels", "labels must be an array of strings");
      a.labels.push_back(l.get<std::string>());
    }
  }
  if (auto it = body.find("boxes"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Bad("boxes", "boxes must be an array of {label, x, y, w, h}");
    if (it->size() > kMaxBoxesPerSample) {
      return Bad("boxes", "a sample has at most " + std::to_string(kMaxBoxesPerSample) + " boxes");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& b = (*it)[i];
      const std::string field = "boxes[" + std::to_string(i) + "]";
      if (!b.is_object()) return Bad(field, field + " must be an object {label, x, y, w, h}");
      data::Box box;
      for (const auto& [key, value] : b.items()) {
        if (key == "label") {
          if (!value.is_string()) return Bad(field + ".label", field + ".label must be a string");
          box.label = value.get<std::string>();
        } else if (key == "x" || key == "y" || key == "w" || key == "h") {
          if (!value.is_number()) {
            return Bad(field + "." + key, field + "." + key + " must be a number");
          }
          const double v = value.get<double>();
          (key == "x" ? box.x : key == "y" ? box.y : key == "w" ? box.w : box.h) = v;
        } else {
          return Bad(field + "." + key, field + " has an unknown field '" + key + "'");
        }
      }
      for (const char* key : {"label", "x", "y", "w", "h"}) {
        if (!b.contains(key)) return Bad(field + "." + key, field + " needs '" + key + "'");
      }
      a.boxes.push_back(std::move(box));
    }
  }
  if (auto it = body.find("status"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return Bad("status", "status must be a string");
    EASEL_ASSIGN_OR_RETURN(a.status, ParseAnnotationStatus(it->get<std::string>()));
  }
  return a;
}

Status ValidateAnnotation(const Task& task, const data::Sample& sample, Annotation& a) {
  for (size_t i = 0; i < a.labels.size(); ++i) {
    if (!task.HasLabel(a.labels[i])) {
      return Bad("labels", "label '" + a.labels[i] + "' is not one of the task's labels");
    }
  }
  if (a.status == AnnotationStatus::kUnlabeled) {
    if (!a.labels.empty() || !a.boxes.empty()) {
      return Bad("status", "an unlabeled annotation has neither labels nor boxes");
    }
    return OkStatus();
  }
  if (task.kind != TaskKind::kDetection) {
    if (!a.boxes.empty())
      return Bad("boxes",
                 "a " + std::string(ToString(task.kind)) + " task takes labels, not boxes");
    if (IsApplied(a.status) && a.labels.size() != 1) {
      return Bad("labels",
                 "a " + std::string(ToString(task.kind)) + " annotation has exactly one label");
    }
    if (a.labels.size() > 1) return Bad("labels", "an annotation has at most one label");
    return OkStatus();
  }
  if (!a.labels.empty()) return Bad("labels", "a detection task takes boxes, not labels");
  const std::optional<double> width = MetaDimension(sample.meta, "width");
  const std::optional<double> height = MetaDimension(sample.meta, "height");
  constexpr double kSlack = 1e-9;  // rounding must not push an edge box outside
  for (size_t i = 0; i < a.boxes.size(); ++i) {
    data::Box& b = a.boxes[i];
    const std::string field = "boxes[" + std::to_string(i) + "]";
    if (!task.HasLabel(b.label)) {
      return Bad(field + ".label", "label '" + b.label + "' is not one of the task's labels");
    }
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.w) || !std::isfinite(b.h)) {
      return Bad(field, field + " has a coordinate that is not a finite number");
    }
    b.x = data::RoundBoxCoordinate(b.x);
    b.y = data::RoundBoxCoordinate(b.y);
    b.w = data::RoundBoxCoordinate(b.w);
    b.h = data::RoundBoxCoordinate(b.h);
    if (b.w <= 0 || b.h <= 0) return Bad(field, field + " must have a positive width and height");
    if (b.x < 0 || b.y < 0) return Bad(field, field + " starts outside the image");
    if ((width && b.x + b.w > *width + kSlack) || (height && b.y + b.h > *height + kSlack)) {
      return Bad(field, field + " reaches outside the image (" +
                            std::to_string(static_cast<int64_t>(width.value_or(0))) + "x" +
                            std::to_string(static_cast<int64_t>(height.value_or(0))) + ")");
    }
  }
  return OkStatus();
}

Result<Annotation> AnnotationStore::Put(const Task& task, const std::string& sample_id,
                                        Annotation a, const std::string& user_id) {
  EASEL_ASSIGN_OR_RETURN(TaskSample s, tasks_.GetSample(task, sample_id));
  EASEL_RETURN_IF_ERROR(ValidateAnnotation(task, s.sample, a));
  a.sample_id = sample_id;
  a.position = s.position;
  a.author = user_id;
  a.updated_at = NowMillis();
  a.source = nullptr;  // a person's answer
  EASEL_RETURN_IF_ERROR(db_.Transaction(
      [&](store::SqlSession& session) { return UpsertAnnotation(session, task, a); }));
  return a;
}

Status UpsertAnnotation(store::SqlSession& session, const Task& task, const Annotation& a) {
  EASEL_RETURN_IF_ERROR(session.Exec(
      std::string("INSERT INTO labeling_annotations (task_id, ") + kColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, sample_id) DO UPDATE SET "
          "labels_json = excluded.labels_json, boxes_json = excluded.boxes_json, "
          "status = excluded.status, author = excluded.author, updated_at = excluded.updated_at, "
          "source_json = excluded.source_json",
      {task.id, a.sample_id, a.position, DumpJson(Json(a.labels)), DumpJson(BoxesToJson(a.boxes)),
       std::string(ToString(a.status)), a.author, a.updated_at,
       a.source.is_object() ? store::SqlValue(DumpJson(a.source)) : store::SqlValue()}));
  // The work the lease reserved is done (or handed back with a reset).
  return session
      .Exec("DELETE FROM labeling_leases WHERE task_id = ? AND sample_id = ?",
            {task.id, a.sample_id})
      .status();
}

Result<std::optional<Annotation>> AnnotationStore::Get(const Task& task,
                                                       const std::string& sample_id) {
  EASEL_ASSIGN_OR_RETURN(auto row,
                         db_.QueryOne(std::string("SELECT ") + kColumns +
                                          " FROM labeling_annotations WHERE task_id = ? AND "
                                          "sample_id = ?",
                                      {task.id, sample_id}));
  if (row) return std::optional<Annotation>(FromRow(*row));
  EASEL_ASSIGN_OR_RETURN(auto in_task, db_.QueryOne("SELECT 1 FROM labeling_task_samples "
                                                    "WHERE task_id = ? AND sample_id = ?",
                                                    {task.id, sample_id}));
  if (!in_task) {
    return NotFound("sample '" + sample_id + "' is not in labeling task '" + task.name + "'");
  }
  return std::optional<Annotation>();
}

Result<std::vector<Annotation>> AnnotationStore::List(const Task& task,
                                                      std::optional<AnnotationStatus> status,
                                                      const std::string& after, int limit) {
  limit = std::clamp(limit, 1, 1000);
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM labeling_annotations WHERE task_id = ? AND sample_id > ?";
  store::SqlParams params = {task.id, after};
  if (status) {
    sql += " AND status = ?";
    params.emplace_back(std::string(ToString(*status)));
  }
  sql += " ORDER BY sample_id LIMIT ?";
  params.emplace_back(int64_t{limit});
  EASEL_ASSIGN_OR_RETURN(auto rows, db_.Query(sql, params));
  std::vector<Annotation> out;
  for (const store::Row& r : rows) out.push_back(FromRow(r));
  return out;
}

Result<std::vector<Annotation>> AnnotationStore::Applied(const Task& task, int64_t after,
                                                         int limit) {
  EASEL_ASSIGN_OR_RETURN(auto rows,
                         db_.Query(std::string("SELECT ") + kColumns +
                                       " FROM labeling_annotations WHERE task_id = ? AND "
                                       "position > ? AND status IN ('labeled', 'reviewed') "
                                       "ORDER BY position LIMIT ?",
                                   {task.id, after, int64_t{limit}}));
  std::vector<Annotation> out;
  for (const store::Row& r : rows) out.push_back(FromRow(r));
  return out;
}

}  // namespace easel::labeling
