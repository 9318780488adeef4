// Studies: GET /api/v1/projects/{project}/studies/{job} — the trial table of a hyperparameter
// search (the `hpo` job of that id), with its best trial and parameter importance.

#include "api/routes.h"
#include "automl/study_json.h"
#include "automl/study_store.h"

namespace easel::api {

void AddStudyRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/v1/projects/{project}/studies/{study}", [&ctx](Call& call) -> Status {
    EASEL_ASSIGN_OR_RETURN(auth::Project p, ProjectFor(call, ctx, auth::Role::kViewer));
    EASEL_RETURN_IF_ERROR(RequireIdShape("study", call.param("study")));
    automl::StudyStore studies(ctx.db);
    EASEL_ASSIGN_OR_RETURN(automl::Study study, studies.Get(p.id, call.param("study")));
    EASEL_ASSIGN_OR_RETURN(auto trials, studies.Trials(study.id));
    call.Reply(200, automl::StudyToJson(study, trials));
    return OkStatus();
  });
}

}  // namespace easel::api
