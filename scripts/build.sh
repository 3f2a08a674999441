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
