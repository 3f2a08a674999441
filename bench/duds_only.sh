#!/usr/bin/env bash
# The dud-only pass (run --duds-only) against the full pass on Lebanon, side by
# side in one run: PAIRS pairs of `remnant run configs/lebanon-2006.toml`, the
# full run and the dud-only run alternated (so that the load of a shared
# machine falls on both alike), each timed as a whole process (/usr/bin/time:
# wall and user CPU) and by the engine's own clock (the JSON's "seconds":
# run_ensemble, draws, every batch, read-back). Prints one row per run, the
# medians and their ratios, and checks that both give the same total duds and
# hazard area (the dud-only pass places the same duds; tests/duds_only_test.cpp).
#
#   bench/duds_only.sh [REMNANT_BINARY]      default: build/remnant
#
# Environment: PAIRS (default 3), REALIZATIONS (default 4), THREADS (default 2),
# SCENARIO (default configs/lebanon-2006.toml).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$repo/build/remnant}"
pairs="${PAIRS:-3}"
realizations="${REALIZATIONS:-4}"
threads="${THREADS:-2}"
scenario="${SCENARIO:-$repo/configs/lebanon-2006.toml}"
[[ -x $bin ]] || { echo "duds_only.sh: no remnant binary at $bin" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One run: "<wall> <user> <engine seconds> <total duds mean> <hazard km2 mean>".
one() {
  local json="$work/run.json" times="$work/time.txt"
  /usr/bin/time -f "%e %U" -o "$times" "$bin" run "$scenario" -r "$realizations" --threads "$threads" \
    --backend cpu --json -q "$@" >"$json"
  python3 - "$json" "$times" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
wall, user = open(sys.argv[2]).read().split()[-2:]
print(wall, user, d["seconds"], repr(d["total_duds"]["mean"]), repr(d["hazard_area_km2"]["mean"]))
EOF
}

echo "scenario $scenario, -r $realizations, --threads $threads, $pairs alternated pairs; $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %8s %8s %9s  %s\n" pass wall_s user_s engine_s "total duds / hazard km2 (means)"
: >"$work/full" && : >"$work/fast"
for ((i = 0; i < pairs; i++)); do
  for pass in full fast; do
    args=()
    [[ $pass == fast ]] && args=(--duds-only)
    row="$(one "${args[@]}")"
    echo "$row" >>"$work/$pass"
    read -r wall user engine duds hazard <<<"$row"
    printf "%-10s %8s %8s %9.3f  %s / %s\n" "$pass" "$wall" "$user" "$engine" "$duds" "$hazard"
  done
done

python3 - "$work/full" "$work/fast" <<'EOF'
import statistics, sys
rows = [[line.split() for line in open(p)] for p in sys.argv[1:3]]
full, fast = rows
if {tuple(r[3:]) for r in full} != {tuple(r[3:]) for r in fast} or len({tuple(r[3:]) for r in full}) != 1:
    sys.exit("duds_only.sh: the full and the dud-only runs disagree on the total duds or the hazard area")
for i, name in ((0, "wall"), (1, "user CPU"), (2, "engine")):
    a = statistics.median(float(r[i]) for r in full)
    b = statistics.median(float(r[i]) for r in fast)
    print(f"median {name:8s}: full {a:.3f} s, dud-only {b:.3f} s, ratio {a / b:.2f}x")
print("same total duds and hazard area in both passes")
EOF
