#!/usr/bin/env bash
# Installs every Debian package that building, running, testing and benchmarking easel need.
# Idempotent: does nothing when everything is present, and runs `apt-get update` only when a
# package is missing and apt does not know it yet. Downloads nothing but Debian packages.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # libraries (DESIGN.md §3)
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev
  nlohmann-json3-dev libsodium-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libsimdjson-dev
  libsoci-dev libboost-dev libsqlite3-dev libpq-dev libarchive-dev
  libopenblas0-pthread
  libopencv-dev libpugixml-dev libyaml-cpp-dev
  libtorch-dev libxgboost-dev libjemalloc-dev
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql curl wrk nginx-light procps
  python3-grpcio python3-protobuf  # tests/fuzz/fuzz.py's gRPC client
  # real datasets for tests and benchmarks (DESIGN.md §6)
  python3-sklearn dataset-fashion-mnist
  # reference implementations the benchmarks measure easel against
  python3-torch python3-xgboost
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only if apt cannot find one of the missing packages.
needs_update=0
for p in "${missing[@]}"; do
  if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then needs_update=1; break; fi
done
if [ "$needs_update" -eq 1 ]; then
  echo "install-deps: refreshing package lists"
  $sudo apt-get update -qq
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
