#!/usr/bin/env bash
# The sanitizer build: the whole test suite built by clang with
# AddressSanitizer and UndefinedBehaviorSanitizer (RelWithDebInfo, CPU
# backend) and run under them; the same build has libFuzzer's coverage
# instrumentation and the fuzz targets for scripts/fuzz.sh. scripts/test.sh
# (the README's test command, and CI) runs it after the ordinary suite.
#
#   scripts/sanitize.sh [CTEST_ARGS...]      e.g. -R ResultFile
#
# Environment: REMNANT_SANITIZE_BUILD_DIR (default build-sanitize),
# REMNANT_BUILD_DIR (the ordinary build, default build: its bundled datasets
# are used when it has them), REMNANT_TEST_JOBS (default 2).
# What the sanitizers may not report, and why, is in tests/sanitizers/ and
# docs/RELIABILITY.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
source scripts/sanitizer-env.sh
# This build has no CUDA backend by design: its GPU tests skip even where
# REMNANT_REQUIRE_GPU=1 makes the ordinary build's fail (README).
unset REMNANT_REQUIRE_GPU

build_dir=${REMNANT_SANITIZE_BUILD_DIR:-build-sanitize}
main_datasets=${REMNANT_BUILD_DIR:-build}/datasets
config=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
        -DREMNANT_WITH_CUDA=OFF -DREMNANT_BUILD_BENCH=OFF -DREMNANT_BUILD_TESTS=ON
        -DREMNANT_SANITIZE=address,undefined -DREMNANT_FUZZ=ON)
if [[ -f $main_datasets/.stamp ]]; then
  # The ordinary build's datasets: the same scripts and packages make the same bytes.
  config+=(-DREMNANT_DATASETS_DIR="$(cd "$main_datasets" && pwd)")
  export REMNANT_BUILD_DATASETS=0
else
  config+=(-DREMNANT_DATASETS_DIR="$root/$build_dir/datasets")
fi
REMNANT_BUILD_DIR=$build_dir REMNANT_BUILD_TARGETS='' bash scripts/build.sh "${config[@]}"

# Datasets.BuildIsReproducible runs only GMT, GDAL and node (nothing built
# here) and already ran in the ordinary suite. The MPI tests run apart: Open
# MPI's plugins (dlopen'ed, dlclose'd at exit) leave blocks that
# LeakSanitizer can only name "<unknown module>", so leak checking is off for
# them; AddressSanitizer and UndefinedBehaviorSanitizer stay on.
echo "sanitize: the test suite under AddressSanitizer + UndefinedBehaviorSanitizer ($build_dir)"
ctest=(ctest --test-dir "$build_dir" --output-on-failure -j "${REMNANT_TEST_JOBS:-2}" --timeout 900)
status=0
"${ctest[@]}" --no-tests=error -E '^(Datasets|Mpi)\.' "$@" || status=$?
LSAN_OPTIONS=detect_leaks=0 "${ctest[@]}" --no-tests=ignore -R '^Mpi\.' "$@" || status=$?
exit "$status"
