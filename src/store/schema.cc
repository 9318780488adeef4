#include "store/schema.h"

#include <fmt/format.h>

#include "common/log.h"
#include "common/time.h"

namespace easel::store {

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1,
       "identity, artifacts and jobs",
       {
           R"(CREATE TABLE users (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                password_hash TEXT,
                is_admin BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL))",
           R"(CREATE TABLE tokens (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT,
                revoked_at BIGINT))",
           "CREATE INDEX tokens_user ON tokens(user_id, id)",
           R"(CREATE TABLE projects (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                description TEXT NOT NULL DEFAULT '',
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL))",
           R"(CREATE TABLE project_members (
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                added_at BIGINT NOT NULL,
                PRIMARY KEY (project_id, user_id)))",
           "CREATE INDEX project_members_user ON project_members(user_id)",
           R"(CREATE TABLE blobs (
                digest TEXT PRIMARY KEY,
                size BIGINT NOT NULL,
                refcount BIGINT NOT NULL,
                created_at BIGINT NOT NULL))",
           R"(CREATE TABLE artifacts (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                size BIGINT NOT NULL,
                content_type TEXT NOT NULL,
                created_by TEXT,
                created_at BIGINT NOT NULL))",
           "CREATE INDEX artifacts_project ON artifacts(project_id, id)",
           R"(CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                spec TEXT NOT NULL,
                state TEXT NOT NULL,
                attempt BIGINT NOT NULL DEFAULT 0,
                max_attempts BIGINT NOT NULL,
                timeout_s BIGINT NOT NULL,
                created_by TEXT,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT,
                heartbeat_at BIGINT,
                progress_fraction DOUBLE PRECISION NOT NULL DEFAULT 0,
                progress_message TEXT NOT NULL DEFAULT '',
                result TEXT,
                error TEXT,
                cancel_requested BIGINT NOT NULL DEFAULT 0,
                runner TEXT,
                worker_pid BIGINT,
                log_digest TEXT))",
           "CREATE INDEX jobs_state ON jobs(state, id)",
           "CREATE INDEX jobs_project ON jobs(project_id, id)",
           R"(CREATE TABLE job_metrics (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                step BIGINT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                time BIGINT NOT NULL))",
           "CREATE INDEX job_metrics_job ON job_metrics(job_id, name, step)",
       }},
      {2,
       "datasets, versions and uploads",
       {
           R"(CREATE TABLE datasets (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_by TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (project_id, name)))",
           // One row per immutable version. The manifest blob lists the samples; the splits
           // blob holds one byte per sample. Both, and every image blob (version_blobs), are
           // counted references.
           R"(CREATE TABLE dataset_versions (
                id TEXT PRIMARY KEY,
                dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                version BIGINT NOT NULL,
                content_hash TEXT NOT NULL,
                manifest_digest TEXT NOT NULL REFERENCES blobs(digest),
                manifest_size BIGINT NOT NULL,
                splits_digest TEXT NOT NULL REFERENCES blobs(digest),
                num_samples BIGINT NOT NULL,
                schema_json TEXT NOT NULL,
                stats_json TEXT NOT NULL,
                splits_json TEXT NOT NULL,
                source_json TEXT NOT NULL,
                created_by TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (dataset_id, version)))",
           R"(CREATE TABLE dataset_version_blobs (
                version_id TEXT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                PRIMARY KEY (version_id, digest)))",
           // Uploaded files waiting for their import job; removed when the job ends.
           R"(CREATE TABLE dataset_uploads (
                id TEXT PRIMARY KEY,
                dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                size BIGINT NOT NULL,
                file_name TEXT NOT NULL,
                created_at BIGINT NOT NULL))",
       }},
      {3,
       "labeling",
       {
           // A task labels one fixed dataset version; it goes with its dataset or project.
           R"(CREATE TABLE labeling_tasks (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
                version BIGINT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                labels_json TEXT NOT NULL,
                instructions TEXT NOT NULL DEFAULT '',
                seed BIGINT NOT NULL,
                num_samples BIGINT NOT NULL,
                created_by TEXT,
                created_at BIGINT NOT NULL,
                committed_version BIGINT,
                UNIQUE (project_id, name)))",
           // The task's samples, filled at creation: where each sample's manifest line is
           // (so one sample is read without a scan), its split, and its place in the seeded
           // random queue order.
           R"(CREATE TABLE labeling_task_samples (
                task_id TEXT NOT NULL REFERENCES labeling_tasks(id) ON DELETE CASCADE,
                sample_id TEXT NOT NULL,
                position BIGINT NOT NULL,
                split BIGINT NOT NULL,
                line_offset BIGINT NOT NULL,
                line_length BIGINT NOT NULL,
                queue_rank BIGINT NOT NULL,
                PRIMARY KEY (task_id, sample_id)))",
           "CREATE INDEX labeling_task_samples_rank ON labeling_task_samples(task_id, queue_rank)",
           R"(CREATE TABLE labeling_annotations (
                task_id TEXT NOT NULL,
                sample_id TEXT NOT NULL,
                position BIGINT NOT NULL,
                labels_json TEXT NOT NULL,
                boxes_json TEXT NOT NULL,
                status TEXT NOT NULL,
                author TEXT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (task_id, sample_id),
                FOREIGN KEY (task_id, sample_id)
                  REFERENCES labeling_task_samples(task_id, sample_id) ON DELETE CASCADE))",
           "CREATE INDEX labeling_annotations_position ON labeling_annotations(task_id, position)",
           "CREATE INDEX labeling_annotations_status ON labeling_annotations(task_id, status, "
           "sample_id)",
           // A sample handed out by the queue is reserved for its annotator until expires_at.
           R"(CREATE TABLE labeling_leases (
                task_id TEXT NOT NULL,
                sample_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (task_id, sample_id),
                FOREIGN KEY (task_id, sample_id)
                  REFERENCES labeling_task_samples(task_id, sample_id) ON DELETE CASCADE))",
       }},
      {4,
       "models",
       {
           R"(CREATE TABLE models (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_by TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (project_id, name)))",
           // One row per immutable version. dataset_id has no foreign key: lineage outlives a
           // deleted dataset (its name and hash stay in lineage_json).
           R"(CREATE TABLE model_versions (
                id TEXT PRIMARY KEY,
                model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
                version BIGINT NOT NULL,
                algorithm TEXT NOT NULL,
                task TEXT NOT NULL,
                format TEXT NOT NULL,
                params_json TEXT NOT NULL,
                metrics_json TEXT NOT NULL,
                signature_json TEXT NOT NULL,
                lineage_json TEXT NOT NULL,
                dataset_id TEXT,
                dataset_version BIGINT,
                job_id TEXT,
                parent_id TEXT,
                created_by TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (model_id, version)))",
           "CREATE INDEX model_versions_dataset ON model_versions(dataset_id, dataset_version)",
           // The version's files (weights, descriptors, transform pipeline), each a counted
           // blob reference.
           R"(CREATE TABLE model_version_files (
                version_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                size BIGINT NOT NULL,
                PRIMARY KEY (version_id, name)))",
           // Evaluations of a version on a dataset version's split; the document (metrics,
           // curves, confusion matrix) is a blob.
           R"(CREATE TABLE model_evaluations (
                id TEXT PRIMARY KEY,
                version_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
                dataset_id TEXT NOT NULL,
                dataset_version BIGINT NOT NULL,
                split TEXT NOT NULL,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                job_id TEXT,
                created_at BIGINT NOT NULL))",
           "CREATE INDEX model_evaluations_version ON model_evaluations(version_id, created_at)",
           R"(CREATE TABLE model_aliases (
                model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
                alias TEXT NOT NULL,
                version BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (model_id, alias)))",
       }},
      {5,
       "labeling pre-labels",
       {
           // A model's guess for one sample of a task, and how sure it was (labeling/
           // prelabel_store.h). model_version_id has no foreign key: a pre-label stays readable
           // after its model version is deleted, as lineage does. job_id lets a retried
           // prelabel job tell its own rows from older ones.
           R"(CREATE TABLE labeling_prelabels (
                task_id TEXT NOT NULL,
                sample_id TEXT NOT NULL,
                label TEXT NOT NULL,
                confidence DOUBLE PRECISION NOT NULL,
                margin DOUBLE PRECISION NOT NULL,
                entropy DOUBLE PRECISION NOT NULL,
                model_version_id TEXT NOT NULL,
                model TEXT NOT NULL,
                model_version BIGINT NOT NULL,
                job_id TEXT,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (task_id, sample_id),
                FOREIGN KEY (task_id, sample_id)
                  REFERENCES labeling_task_samples(task_id, sample_id) ON DELETE CASCADE))",
           // The uncertainty queue walks one of these in order.
           "CREATE INDEX labeling_prelabels_confidence ON labeling_prelabels(task_id, confidence)",
           "CREATE INDEX labeling_prelabels_margin ON labeling_prelabels(task_id, margin)",
           "CREATE INDEX labeling_prelabels_entropy ON labeling_prelabels(task_id, entropy)",
           // Where an annotation came from when no person typed it: {kind: "prelabel", ...}.
           "ALTER TABLE labeling_annotations ADD COLUMN source_json TEXT",
       }},
      {6,
       "child jobs and search studies",
       {
           // A job started by another job (a search's trials): cancelling the parent cancels
           // it, and the parent finds its children through the index. No foreign key: a child
           // stays readable when a parent row is pruned.
           "ALTER TABLE jobs ADD COLUMN parent_id TEXT",
           "CREATE INDEX jobs_parent ON jobs(parent_id)",
           // A hyperparameter search (automl/study_store.h); its id is the id of the job that
           // runs it, so a re-queued job finds its study again.
           R"(CREATE TABLE studies (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                spec TEXT NOT NULL,
                created_at BIGINT NOT NULL))",
           R"(CREATE TABLE study_trials (
                study_id TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
                number BIGINT NOT NULL,
                params TEXT NOT NULL,
                state TEXT NOT NULL,
                value DOUBLE PRECISION,
                intermediate TEXT NOT NULL,
                job_id TEXT,
                note TEXT NOT NULL DEFAULT '',
                model TEXT,
                evaluation_digest TEXT REFERENCES blobs(digest),
                started_at BIGINT NOT NULL,
                finished_at BIGINT,
                PRIMARY KEY (study_id, number)))",
           // The model a finished trial trained, kept until the study registers its best.
           R"(CREATE TABLE study_trial_files (
                study_id TEXT NOT NULL,
                number BIGINT NOT NULL,
                name TEXT NOT NULL,
                digest TEXT NOT NULL REFERENCES blobs(digest),
                PRIMARY KEY (study_id, number, name),
                FOREIGN KEY (study_id, number)
                  REFERENCES study_trials(study_id, number) ON DELETE CASCADE))",
       }},
      {7,
       "serving endpoints",
       {
           // An online serving endpoint (serving/endpoint_store.h). Names are unique across
           // the server: the KServe v2 data plane addresses a model by name alone.
           R"(CREATE TABLE endpoints (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                name TEXT NOT NULL UNIQUE,
                config TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL))",
           // The versions an endpoint serves: a version cannot be deleted from under it.
           R"(CREATE TABLE endpoint_routes (
                endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                version_id TEXT NOT NULL REFERENCES model_versions(id),
                PRIMARY KEY (endpoint_id, position)))",
           "CREATE INDEX endpoint_routes_version ON endpoint_routes(version_id)",
       }},
  };
  return *migrations;
}

const std::vector<std::pair<std::string, std::string>>& BlobReferenceColumns() {
  static const auto* columns = new std::vector<std::pair<std::string, std::string>>{
      {"artifacts", "digest"},
      {"jobs", "log_digest"},
      {"dataset_versions", "manifest_digest"},
      {"dataset_versions", "splits_digest"},
      {"dataset_version_blobs", "digest"},
      {"dataset_uploads", "digest"},
      {"model_version_files", "digest"},
      {"model_evaluations", "digest"},
      {"study_trials", "evaluation_digest"},
      {"study_trial_files", "digest"},
  };
  return *columns;
}

Status Migrate(Database& db) {
  EASEL_RETURN_IF_ERROR(db.Exec(R"(CREATE TABLE IF NOT EXISTS schema_migrations (
                                     version BIGINT PRIMARY KEY,
                                     name TEXT NOT NULL,
                                     applied_at BIGINT NOT NULL))"));
  for (const Migration& m : Migrations()) {
    bool applied_now = false;
    EASEL_RETURN_IF_ERROR(db.Transaction([&](SqlSession& s) -> Status {
      if (s.dialect() == Dialect::kPostgres) {
        // Another server may be migrating the same database right now.
        EASEL_RETURN_IF_ERROR(s.Exec("SELECT pg_advisory_xact_lock(7419001)"));
      }
      EASEL_ASSIGN_OR_RETURN(
          auto done,
          s.QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?", {int64_t{m.version}}));
      if (done) return OkStatus();
      for (const std::string& stmt : m.statements) EASEL_RETURN_IF_ERROR(s.Exec(stmt));
      EASEL_RETURN_IF_ERROR(
          s.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                 {int64_t{m.version}, m.name, NowMillis()}));
      applied_now = true;
      return OkStatus();
    }));
    if (applied_now) EASEL_LOG_INFO("applied migration {} ({})", m.version, m.name);
  }
  return OkStatus();
}

}  // namespace easel::store
