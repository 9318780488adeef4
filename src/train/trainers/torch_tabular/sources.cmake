# The `linear` and `mlp` tabular trainers on LibTorch. Paths relative to src/train.
set(TRAIN_TORCH_TABULAR_SOURCES
    trainers/torch_tabular/params.cc
    trainers/torch_tabular/model_config.cc
    trainers/torch_tabular/dataset.cc
    trainers/torch_tabular/network.cc
    trainers/torch_tabular/trainer.cc
    trainers/torch_tabular/predictor.cc)
set(TRAIN_TORCH_TABULAR_TESTS
    trainers/torch_tabular/params_test.cc
    trainers/torch_tabular/torch_tabular_test.cc
    trainers/torch_tabular/testing.cc)
