# Search spaces and samplers (random, grid, TPE).
list(APPEND AUTOML_SOURCES
     search_space.cc search_space_parse.cc search_space_schema.cc trial_rng.cc sampler.cc
     random_sampler.cc grid_sampler.cc parzen_estimator.cc tpe_sampler.cc)
list(APPEND AUTOML_TESTS search_space_test.cc samplers_test.cc tpe_test.cc)
