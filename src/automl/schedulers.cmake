# Trial schedulers (early stopping): the interface and factory, ASHA, median stopping.
list(APPEND AUTOML_SOURCES scheduler.cc asha.cc median_stopping.cc)
list(APPEND AUTOML_TESTS scheduler_test.cc asha_test.cc median_stopping_test.cc
     scheduler_simulation_test.cc)
