# The image_classifier trainer (LibTorch); included by src/train/CMakeLists.txt, paths relative
# to src/train. LibTorch headers appear only in nets.*, epoch.*, train.cc and predictor.cc; the
# rest (params, model.json, the batch loader, run state) builds without them.
set(TRAIN_TORCH_IMAGE_SOURCES
    trainers/torch_image/batch_loader.cc
    trainers/torch_image/epoch.cc
    trainers/torch_image/model_spec.cc
    trainers/torch_image/nets.cc
    trainers/torch_image/params.cc
    trainers/torch_image/predictor.cc
    trainers/torch_image/run_state.cc
    trainers/torch_image/train.cc)
set(TRAIN_TORCH_IMAGE_TESTS
    trainers/torch_image/batch_loader_test.cc
    trainers/torch_image/gradcam_test.cc
    trainers/torch_image/image_classifier_test.cc
    trainers/torch_image/nets_test.cc
    trainers/torch_image/params_test.cc
    trainers/torch_image/run_state_test.cc
    trainers/torch_image/test_support.cc)
