#!/usr/bin/env bash
# Configures and builds Remnant: Release, Ninja, in build/ under the repository
# root (or $REMNANT_BUILD_DIR, relative to the root or absolute).
#
#   scripts/build.sh [CMAKE_ARGS...]     e.g. -DREMNANT_WITH_CUDA=OFF
#
# Environment:
#   REMNANT_BUILD_DIR      build directory (default: build)
#   REMNANT_BUILD_TARGETS  space-separated targets to build (default: all)
#   REMNANT_BUILD_JOBS     parallel jobs (default: Ninja's choice)
#   REMNANT_BUILD_DATASETS 0 to skip the bundled region datasets (default 1)
#
# After the build, the bundled region datasets are built into
# $build_dir/datasets (datasets/build_datasets.sh) when they are missing or
# out of date: a stamp there holds a hash of datasets/'s scripts, region file
# and npm lock and of the versions of the Debian packages they read.
#
# nvcc is looked for on PATH, with /usr/local/cuda/bin put first when it
# exists: with nvcc the binary has both backends (CUDA and CPU), without it the
# CPU backend only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${REMNANT_BUILD_DIR:-build}

if [[ -d /usr/local/cuda/bin ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

configure=(cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release)
# The generator can only be chosen when the build directory is new.
[[ -f $build_dir/CMakeCache.txt ]] || configure+=(-G Ninja)
"${configure[@]}" "$@"

build=(cmake --build "$build_dir")
if [[ -n ${REMNANT_BUILD_JOBS:-} ]]; then
  build+=(--parallel "$REMNANT_BUILD_JOBS")
fi
if [[ -n ${REMNANT_BUILD_TARGETS:-} ]]; then
  read -r -a targets <<<"$REMNANT_BUILD_TARGETS"
  build+=(--target "${targets[@]}")
fi
"${build[@]}"

if [[ ${REMNANT_BUILD_DATASETS:-1} != 0 ]]; then
  datasets_dir=$build_dir/datasets
  stamp=$datasets_dir/.stamp
  want=$(
    cd datasets
    sha256sum build_datasets.sh build_region.py towns.js regions.toml package.json package-lock.json
    dpkg-query -W gmt gmt-dcw gmt-gshhg-high ferret-datasets gdal-bin python3-gdal 2>/dev/null || true
  )
  want=$(sha256sum <<<"$want" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "build: building the bundled region datasets into $datasets_dir"
    rm -rf "$datasets_dir"  # also drops regions no longer in regions.toml
    mkdir -p "$build_dir"
    bash datasets/build_datasets.sh "$datasets_dir" >"$build_dir/datasets.log" 2>&1 || {
      cat "$build_dir/datasets.log" >&2
      echo "build: datasets/build_datasets.sh failed (log: $build_dir/datasets.log)" >&2
      exit 1
    }
    echo "$want" >"$stamp"
  fi
fi
