#pragma once
// The API representations of models, versions and evaluations (API.md "Models").

#include "common/json.h"
#include "models/model_store.h"

namespace easel::models {

// {name, description, latest_version, aliases: {alias: version}, created_at, created_by}
Json ModelToJson(const Model& m);
// {model, version, algorithm, task, format, params, metrics, dataset: {name, version,
//  content_hash}?, job_id, parent?, signature, lineage, files: [{name, size, digest}], aliases,
//  created_at, created_by}
Json VersionToJson(const ModelVersion& v);
// {id, dataset: {name?, version}, split, job_id, created_at}; the document itself is separate.
Json EvaluationToJson(const Evaluation& e);

}  // namespace easel::models
