# The xgboost trainer (XGBoost's C API); included by src/train/CMakeLists.txt, paths relative
# to src/train. XGBoost is called only from xgb_api.cc (and rounds.cc, for its log callback).
set(TRAIN_XGBOOST_SOURCES
    trainers/xgboost/booster_check.cc
    trainers/xgboost/booster_import.cc
    trainers/xgboost/forest.cc
    trainers/xgboost/model_files.cc
    trainers/xgboost/params.cc
    trainers/xgboost/predictor.cc
    trainers/xgboost/problem.cc
    trainers/xgboost/rounds.cc
    trainers/xgboost/run_state.cc
    trainers/xgboost/train.cc
    trainers/xgboost/xgb_api.cc)
set(TRAIN_XGBOOST_TESTS
    trainers/xgboost/booster_check_test.cc
    trainers/xgboost/booster_import_test.cc
    trainers/xgboost/forest_test.cc
    trainers/xgboost/inputs_test.cc
    trainers/xgboost/predictor_test.cc
    trainers/xgboost/test_support.cc
    trainers/testing/sklearn_problems.cc
    trainers/xgboost/train_test.cc)
