#!/usr/bin/env bash
# Scaling of the CPU backend: one run of remnant_profile_case per row, the
# rows of the four tables in docs/PERFORMANCE.md (submunitions, realizations,
# grid cells, threads) and the peak memory of each run.
#
#   bench/scaling.sh            # all tables
#   bench/scaling.sh items      # one of: items realizations cells threads
#
# Environment: BUILD_DIR (default <repo>/build-bench; configured like
# run_bench.sh when missing). Needs the bundled laos dataset for the
# submunitions table (scripts/build.sh builds it; or set REMNANT_DATASETS).
#
# Times are the engine's own clock: run_ensemble (engine setup, epistemic
# draws, every batch, reading the accumulators back; the plan is built
# before), split by remnant_profile_case into the steady state (the time per
# realization of the batches after the first: draws, deposit, accumulate) and
# the rest of the run (setup, the first batch's histogram growth, read-back).
# Peak memory is the whole process's resident maximum (/usr/bin/time).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build-bench}"
which="${1:-all}"

if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREMNANT_BUILD_TESTS=OFF
fi
cmake --build "$build" --target remnant_profile_case >/dev/null
bin="$build/bench/remnant_profile_case"
out="$(mktemp)"
trap 'rm -f "$out" "$out.time"' EXIT

echo "nproc $(nproc); $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'); git $(git -C "$repo" rev-parse --short=12 HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"

header() {
  echo
  echo "### $1"
  echo
  echo "| $2 | submunitions per realization | realizations | cells | threads | batch | run_ensemble s | steady s per realization | steady submunitions/s | rest of the run s | peak MiB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}

# row LABEL ARGS...: one run, one table row.
row() {
  local label="$1"
  shift
  /usr/bin/time -f "%M" -o "$out.time" "$bin" "$@" >"$out"
  local items r cells threads batch secs per rate rest peak
  items=$(sed -n 's/^submunitions\/realization \([0-9]*\),.*/\1/p' "$out")
  r=$(sed -n 's/.*realizations \([0-9]*\), cells.*/\1/p' "$out")
  cells=$(sed -n 's/.*, cells \([0-9]*\),.*/\1/p' "$out")
  threads=$(sed -n 's/.*threads \([0-9]*\), batch.*/\1/p' "$out")
  batch=$(sed -n 's/.*, batch \([0-9]*\),.*/\1/p' "$out")
  secs=$(sed -n 's/^run_ensemble \([0-9.]*\) s.*/\1/p' "$out")
  per=$(sed -n 's/^steady state: \([0-9.]*\) s per realization.*/\1/p' "$out")
  rate=$(sed -n 's/^steady state: .*, \([0-9.e+]*\) submunitions per second;.*/\1/p' "$out")
  rest=$(sed -n 's/^steady state: .*the rest of the run: \([0-9.-]*\) s/\1/p' "$out")
  peak=$(cat "$out.time")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.3g | %s | %d |\n' "$label" "$items" "$r" "$cells" "$threads" \
    "$batch" "$secs" "$per" "$rate" "$rest" "$((peak / 1024))"
}

laos="$repo/configs/laos-1964-1973.toml"

if [[ "$which" == all || "$which" == items ]]; then
  header "Submunitions (Laos dataset grid, 845 x 972 cells; about 5,400 submunitions per strike site; batch 1, 1 thread)" "total"
  for n in 100000 1000000 10000000 100000000; do
    sites=$((n / 5400 > 0 ? n / 5400 : 1))
    r=$((n >= 100000000 ? 4 : n >= 10000000 ? 8 : 16))
    row "$n" --scenario "$laos" --set "inventory.total_submunitions=$n" --set "sites.count=$sites" \
      --realizations "$r" --batch 1 --threads 1
  done
fi

if [[ "$which" == all || "$which" == realizations ]]; then
  header "Realizations (benchmark scenario, 1,002,864 submunitions, 1000 x 1000 cells; batch 8; 1 thread)" "realizations"
  for r in 16 64 256; do
    row "$r" --full --realizations "$r" --batch 8 --threads 1
  done
  header "Realizations, automatic batch (as many realizations as fit in 256 MiB of grids, at most 32)" "realizations"
  for r in 4 32 128; do
    row "$r" --full --realizations "$r" --batch 0 --threads 1
  done
fi

if [[ "$which" == all || "$which" == cells ]]; then
  header "Grid cells (benchmark scenario on the same 50 km square, cell size varied; batch 4, 1 thread)" "cells"
  for nx in 100 316 1000 3162; do
    dx=$(awk -v n="$nx" 'BEGIN { printf "%.6f", 50000 / n }')
    row "$((nx * nx))" --full --set "grid.nx=$nx" --set "grid.ny=$nx" --set "grid.cell_size_m=$dx" \
      --realizations 16 --batch 4 --threads 1
  done
fi

if [[ "$which" == all || "$which" == threads ]]; then
  header "Threads (benchmark scenario, 32 realizations, batch 8)" "threads"
  for t in 1 2; do
    row "$t" --full --realizations 32 --batch 8 --threads "$t"
  done
  if [[ -x "$build/bench/remnant_bench" ]]; then
    echo
    echo "Control at the same moment (a trivially parallel loop; read the engine's 2/1-thread ratio against it):"
    "$build/bench/remnant_bench" --benchmark_filter='BM_OmpControl' 2>/dev/null | grep BM_OmpControl || true
  fi
fi
