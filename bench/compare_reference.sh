#!/usr/bin/env bash
# Remnant's CPU backend against the NumPy reference (bench/reference/), side by
# side in one run: both simulate the same scenario files, their results are
# checked for statistical equality, and the throughput ratio (submunitions per
# second) is printed. Exit 0: statistically equal; 1: they differ; 2: setup error.
#
#   bench/compare_reference.sh                 bench mix (24 realizations) + Lebanon 2006 (100), 3 repetitions (~5 min)
#   bench/compare_reference.sh --quick         two small scenarios (quick.toml, sharp.toml), one repetition (~20 s; for tests)
#   bench/compare_reference.sh --reps 5 -r 32 --scenarios bench-mix --workdir /tmp/cmp
#
# Environment: REMNANT_BIN (default <repo>/build/remnant), PYTHON (default
# /usr/bin/python3: Debian's, with python3-numpy, python3-h5py, python3-gdal),
# REMNANT_DATASETS (default: datasets/ beside the binary, build/datasets, build-cpu/datasets).
# Exit 77 when the Python modules are missing (ctest: SKIP_RETURN_CODE 77).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "${PYTHON:-/usr/bin/python3}" "$repo/bench/reference/bench_compare.py" "$@"
