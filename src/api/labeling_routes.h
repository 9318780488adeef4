#pragma once
// What the labeling route files share (labeling.cc: tasks, queue, annotations, commit and
// exports; labeling_prelabels.cc: pre-labeling and accepting pre-labels). Not a public API.

#include <string>

#include "api/call.h"
#include "api/routes.h"
#include "auth/projects.h"
#include "labeling/task.h"

namespace easel::api {

inline constexpr const char* kLabelingTasksPath = "/api/v1/projects/{project}/labeling-tasks";
inline constexpr const char* kLabelingTaskPath = "/api/v1/projects/{project}/labeling-tasks/{task}";

struct LabelingTaskRef {
  auth::Project project;
  labeling::Task task;
};

// The task named by {task} in {project}, if the caller holds `needed` there. A task of a
// project the caller cannot see is NOT_FOUND, as a task that does not exist.
Result<LabelingTaskRef> LabelingTaskFor(const Call& call, ApiContext& ctx, auth::Role needed);

// POST …/labeling-tasks/{task}/prelabel and POST …/labeling-tasks/{task}/prelabels/accept.
void AddLabelingPrelabelRoutes(Router& router, ApiContext& ctx);

}  // namespace easel::api
