#!/usr/bin/env bash
# The README's second command and the CI entry point: installs the
# dependencies, builds Remnant with its tests and runs them. Exits non-zero on
# any failure, and also when no test is found.
#
#   scripts/test.sh [CTEST_ARGS...]      e.g. -R Reproducibility
#
# Environment: REMNANT_BUILD_DIR (default build), REMNANT_TEST_JOBS (default 2),
# REMNANT_TEST_SANITIZERS (0: skip the sanitizer build's run of the suite),
# REMNANT_FUZZ_SECONDS (seconds per fuzz target, default 60; 0: no fuzzing).
# Tests that need a GPU report themselves as skipped where none answers, with
# the reason; REMNANT_REQUIRE_GPU=1 makes each of them fail instead (for a
# machine that has a GPU: the suite then cannot pass without using it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${REMNANT_BUILD_DIR:-build}

bash scripts/install-deps.sh
REMNANT_BUILD_TARGETS='' bash scripts/build.sh -DREMNANT_BUILD_TESTS=ON  # everything: tests and benchmarks
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "${REMNANT_TEST_JOBS:-2}" "$@"
# The same suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang, build-sanitize/), then each fuzz target for a minute from its corpus
# (docs/RELIABILITY.md).
if [[ ${REMNANT_TEST_SANITIZERS:-1} != 0 ]]; then
  bash scripts/sanitize.sh "$@"
fi
if [[ ${REMNANT_FUZZ_SECONDS:-60} != 0 ]]; then
  bash scripts/fuzz.sh "${REMNANT_FUZZ_SECONDS:-60}"
fi
