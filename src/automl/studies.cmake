# Studies: the hpo job kind, its trials as child jobs, and what they record.
list(APPEND AUTOML_SOURCES
     hpo_spec.cc hpo_kind.cc trial_kind.cc study_store.cc study_json.cc param_importance.cc
     automl_kind.cc final_model.cc ensemble_candidates.cc)
list(APPEND AUTOML_TESTS study_store_test.cc param_importance_test.cc hpo_spec_test.cc
     ensemble_candidates_test.cc)
