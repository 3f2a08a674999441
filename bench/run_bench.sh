#!/usr/bin/env bash
# Builds the benchmark (if needed) and runs it: 3 repetitions, aggregates only
# (mean, median, stddev, cv). Prints the machine first so a saved log says
# where the numbers came from.
#
#   bench/run_bench.sh [extra Google Benchmark flags, e.g. --benchmark_filter=Cpu]
#
# Environment: BUILD_DIR (default <repo>/build-bench), REPETITIONS (default 3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench}"
reps="${REPETITIONS:-3}"

if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREMNANT_BUILD_TESTS=OFF
fi
cmake --build "$build" --target remnant_bench
bin="$build/bench/remnant_bench"
if [[ ! -x "$bin" ]]; then
  echo "run_bench.sh: $bin was not built (is Google Benchmark installed? apt-get install libbenchmark-dev)" >&2
  exit 1
fi

echo "== machine"
echo "nproc: $(nproc)"
lscpu | sed -n 's/^Model name:[[:space:]]*/lscpu model name: /p'
echo "compiler: $(c++ --version | head -n 1)"
echo "git: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (working tree modified)' || true)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== benchmark"
exec "$bin" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true "$@"
