# Image datasets: header probing, decode checks, thumbnails, statistics and the image_folder,
# image_csv, coco, voc and yolo formats. Included by src/data/CMakeLists.txt.
find_package(pugixml REQUIRED)
find_package(yaml-cpp REQUIRED)

set(DATA_IMAGES_SOURCES
    images/coco_export.cc
    images/coco_import.cc
    images/formats.cc
    images/image_csv.cc
    images/image_decode.cc
    images/image_export.cc
    images/image_folder.cc
    images/image_import.cc
    images/image_paths.cc
    images/image_probe.cc
    images/image_stats.cc
    images/thumbnail.cc
    images/voc.cc
    images/yolo_export.cc
    images/yolo_import.cc)

# Third-party libraries of these sources, for easel_module(data ... LIBS).
set(DATA_IMAGES_LIBS pugixml::pugixml yaml-cpp)

set(DATA_IMAGES_TESTS
    images/test_support.cc
    images/annotation_edits_test.cc
    images/coco_test.cc
    images/formats_test.cc
    images/image_csv_test.cc
    images/image_folder_test.cc
    images/image_import_test.cc
    images/image_probe_test.cc
    images/image_stats_test.cc
    images/real_digits_test.cc
    images/thumbnail_test.cc
    images/voc_test.cc
    images/yolo_test.cc)
