# The extra_trees trainer (plain C++, no library); included by src/train/CMakeLists.txt, paths
# relative to src/train.
set(TRAIN_FOREST_SOURCES
    trainers/forest/extra_trees.cc
    trainers/forest/forest_model.cc
    trainers/forest/grow.cc)
set(TRAIN_FOREST_TESTS
    trainers/forest/extra_trees_test.cc
    trainers/forest/forest_model_test.cc
    trainers/testing/sklearn_problems.cc)
