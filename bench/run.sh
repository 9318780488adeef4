#!/usr/bin/env bash
# The benchmark set `make bench` runs: bench/run.sh BUILD_DIR [extra args for the benchmark].
# Each benchmark measures easel and its anchor in the same run and prints the ratio.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: bench/run.sh BUILD_DIR [--quick] [...]" >&2
  exit 2
fi
build_dir=$1
shift
bench=$build_dir/bench/easel_foundation_bench
if [[ ! -x $bench ]]; then
  echo "bench/run.sh: $bench is missing; configure with -DEASEL_BUILD_BENCH=ON and build" >&2
  exit 2
fi
"$bench" --easel "$build_dir/easel" "$@"
"$build_dir/bench/easel_data_bench" --easel "$build_dir/easel" "$@"
"$build_dir/bench/easel_xgboost_bench" "$@"
"$build_dir/bench/easel_forest_bench" "$@"
"$build_dir/bench/easel_hpo_bench" "$@"
"$build_dir/bench/easel_image_classifier_bench" "$@"
"$build_dir/bench/easel_automl_bench" --easel "$build_dir/easel" "$@"
"$build_dir/bench/easel_serving_bench" --easel "$build_dir/easel" "$@"
