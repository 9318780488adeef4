# Every third-party library easel links, all from Debian packages (scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
# simdjson: the KServe data plane's request parser (serving/kserve/json_codec.cc) and the
# reader of dataset manifest lines (data/sample.cc).
find_package(simdjson REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)

# cpp-httplib is a shared library built with TLS, zlib and brotli support: its compile
# definitions must come from pkg-config or the header's ABI silently disagrees with the library.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive)
# jemalloc, the easel binary's allocator. glibc's malloc cost a busy server dearly: its
# per-request frees and large allocations (gRPC's call arenas, LibTorch's activations) consolidated
# and returned memory over and over, and one-image model calls ran 10-50% slower in the server
# than alone (bench/README.md, "Serving").
if(EASEL_JEMALLOC AND CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
  message(STATUS "sanitizer build: the easel binary keeps the system allocator")
  set(EASEL_JEMALLOC OFF)
endif()
if(EASEL_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
# Links `target` with the allocator the easel binary uses, so that what runs beside the server
# (the serving benchmark's in-process limit) allocates alike.
function(easel_link_allocator target)
  if(EASEL_JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()
# Image decoding, resizing and thumbnails (imgcodecs, imgproc); dnn opens imported ONNX models.
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs dnn)

# The KServe v2 gRPC service: code generated from proto/ by protoc and grpc_cpp_plugin. Only
# serving/kserve/grpc* include the generated headers (DESIGN.md §4).
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)

# SOCI ships no CMake config in Debian: link its libraries by name.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE soci_core REQUIRED)
find_library(SOCI_SQLITE soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL soci_postgresql REQUIRED)
add_library(easel_soci INTERFACE)
target_include_directories(easel_soci INTERFACE ${SOCI_INCLUDE_DIR} ${PostgreSQL_INCLUDE_DIRS})
target_link_libraries(easel_soci INTERFACE ${SOCI_CORE} ${SOCI_SQLITE} ${SOCI_POSTGRESQL}
                                           SQLite::SQLite3 PostgreSQL::PostgreSQL ${CMAKE_DL_LIBS})

if(EASEL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(EASEL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# LibTorch: Debian's CPU build by default; a PyTorch installation's CUDA build with
# -DTorch_DIR=<prefix>/share/cmake/Torch. Only train/trainers/torch_*, serving/backends/torch,
# eval/explain and edge/export include its headers (DESIGN.md §4).
find_package(Torch REQUIRED)
# The OpenMP runtime XGBoost and LibTorch run their thread teams on: serving sets how many
# threads a model call may use (omp.h and the library only; easel compiles without -fopenmp).
find_package(OpenMP REQUIRED)
# XGBoost's C API (xgboost/c_api.h only). Found by hand: Debian's CMake config also requires
# the `xgboost` command-line package, which easel does not need.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIBRARY xgboost REQUIRED)
add_library(xgboost::xgboost UNKNOWN IMPORTED)
set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION ${XGBOOST_LIBRARY}
                                                  INTERFACE_INCLUDE_DIRECTORIES ${XGBOOST_INCLUDE_DIR})
