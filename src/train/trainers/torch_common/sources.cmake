# Helpers shared by the LibTorch trainers (torch_tabular, torch_image): exception seam, devices,
# seeding, weights and optimizer state as safetensors, checkpoints. Paths relative to src/train.
set(TRAIN_TORCH_COMMON_SOURCES
    trainers/torch_common/torch_util.cc
    trainers/torch_common/tensor_io.cc
    trainers/torch_common/state_dict.cc
    trainers/torch_common/optim.cc
    trainers/torch_common/checkpoint.cc
    trainers/torch_common/torchscript_check.cc)
set(TRAIN_TORCH_COMMON_TESTS
    trainers/torch_common/torch_util_test.cc
    trainers/torch_common/state_dict_test.cc
    trainers/torch_common/optim_test.cc
    trainers/torch_common/checkpoint_test.cc
    trainers/torch_common/torchscript_check_test.cc)
