# Declarative, serializable transform pipelines (tabular, text, time series, images); included
# by src/data/CMakeLists.txt. OpenCV is confined to image_steps.cc and image_pipeline.cc.
set(DATA_TRANSFORMS_SOURCES
    transforms/category_index.cc
    transforms/encoder_steps.cc
    transforms/hash.cc
    transforms/image_pipeline.cc
    transforms/image_steps.cc
    transforms/numbers.cc
    transforms/op_registry.cc
    transforms/ops.cc
    transforms/pipeline.cc
    transforms/record_pipeline.cc
    transforms/record_step.cc
    transforms/series_steps.cc
    transforms/tabular_steps.cc
    transforms/text_steps.cc
    transforms/tokenizer.cc)
set(DATA_TRANSFORMS_TESTS
    transforms/hash_test.cc
    transforms/image_test.cc
    transforms/pipeline_test.cc
    transforms/series_test.cc
    transforms/spec_test.cc
    transforms/tabular_test.cc
    transforms/text_test.cc)
