#!/usr/bin/env bash
# The README's second command and the CI entry point: installs the
# dependencies, builds Remnant with its tests and runs them. Exits non-zero on
# any failure, and also when no test is found.
#
#   scripts/test.sh [CTEST_ARGS...]      e.g. -R Reproducibility
#
# Environment: REMNANT_BUILD_DIR (default build), REMNANT_TEST_JOBS (default 2).
# Tests that need a GPU report themselves as skipped where none answers.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${REMNANT_BUILD_DIR:-build}

bash scripts/install-deps.sh
REMNANT_BUILD_TARGETS='' bash scripts/build.sh -DREMNANT_BUILD_TESTS=ON  # everything: tests and benchmarks
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "${REMNANT_TEST_JOBS:-2}" "$@"
