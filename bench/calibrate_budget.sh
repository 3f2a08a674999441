#!/usr/bin/env bash
# The budget of a calibration (issue 19, item 5): Lebanon's aim errors (every
# carrier type's, as one parameter) and fade-out distance calibrated to the
# hazard area deminers confirmed (38.7 km2, HRW 2008; SD 4.5 km2, the
# difference between the two records of configs/records.toml: an assumption),
# DRAWS draws of R realizations in ROUNDS sequential rounds. Beside it, in the
# same invocation, the same number of realizations as one plain
# `remnant run --duds-only` (the pass every draw runs): the ratio of the two is
# what the calibration's per-draw work (loading and planning the scenario at
# every draw, the posterior, the files) costs over the realizations themselves.
#
#   bench/calibrate_budget.sh                 # 250 draws x 20 realizations = 5,000, 5 rounds
#   DRAWS=50 R=10 bench/calibrate_budget.sh   # a quicker look
#
# Environment: REMNANT (default <repo>/build/remnant), DRAWS, R, ROUNDS,
# THREADS (default: all), OUT_DIR (keep the calibration's files there; default
# a temporary directory, removed).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
remnant="${REMNANT:-$repo/build/remnant}"
draws="${DRAWS:-250}"
r="${R:-20}"
rounds="${ROUNDS:-5}"
threads=()
[[ -n ${THREADS:-} ]] && threads=(--threads "$THREADS")
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
keep="${OUT_DIR:-$out/calibration}"

aim=""
for c in M26 M483A1 M395 M396 CBU-58B; do aim+="${aim:++}munition_overrides.$c.aim_error_cep_m"; done

echo "nproc $(nproc); $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'); git $(git -C "$repo" rev-parse --short=12 HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "calibrate: $draws draws x $r realizations = $((draws * r)) realizations of configs/lebanon-2006.toml, $rounds rounds"

t0=$(date +%s.%N)
"$remnant" calibrate "$repo/configs/lebanon-2006.toml" --vary "$aim=10,350" --vary hazard.fade_out_m=5.0,100.0 \
  --target hazard_area_km2=38.7:4.5 --draws "$draws" --rounds "$rounds" -r "$r" --out-dir "$keep" --quiet --json \
  "${threads[@]}" >"$out/calibration.json"
t1=$(date +%s.%N)
"$remnant" run "$repo/configs/lebanon-2006.toml" -r $((draws * r)) --duds-only --quiet --json "${threads[@]}" \
  >"$out/run.json"
t2=$(date +%s.%N)

awk -v a="$t0" -v b="$t1" -v c="$t2" -v n=$((draws * r)) 'BEGIN {
  cal = b - a; run = c - b;
  printf "calibrate: %.1f s wall (%.1f min), %.1f realizations/s\n", cal, cal / 60, n / cal;
  printf "run -r %d --duds-only: %.1f s wall, %.1f realizations/s\n", n, run, n / run;
  printf "ratio calibrate / run: %.2f\n", cal / run;
}'
grep -E '"(accepted|effective_draws|seconds)"' "$out/calibration.json"
