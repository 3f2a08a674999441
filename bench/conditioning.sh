#!/usr/bin/env bash
# Conditioning Lebanon on 50 evidence features (issue 21's speed target: under
# 10 minutes on a 2-core machine), recorded in docs/PERFORMANCE.md.
#
# The evidence is synthetic and says so: one realization of the prior (seed
# TRUTH_SEED) is the "truth"; 30 searched squares of 500 m at land cells drawn
# uniformly (items found ~ Binomial(items there, 0.7)), 15 finds at cells where
# it left items (the items of the cell, at most 5), and 5 cancelled squares of
# 1 km where it left none. Then
# `remnant run configs/lebanon-2006.toml --evidence ... -r PARTICLES` is timed
# as a whole process, with its diagnostics, and the prior run of the same
# realizations beside it.
#
#   bench/conditioning.sh [REMNANT_BINARY]      default: build/remnant
#
# Environment: PARTICLES (default 100), THREADS (default 2), SWEEPS (default 4),
# TRUTH_SEED (default 7).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$repo/build/remnant}"
particles="${PARTICLES:-100}"
threads="${THREADS:-2}"
sweeps="${SWEEPS:-4}"
truth_seed="${TRUTH_SEED:-7}"
scenario="$repo/configs/lebanon-2006.toml"
[[ -x $bin ]] || { echo "conditioning.sh: no remnant binary at $bin" >&2; exit 2; }
command -v gdal_translate >/dev/null || { echo "conditioning.sh: needs gdal_translate (gdal-bin)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The truth: one realization's items per hectare on the 100 m grid (1 ha cells).
"$bin" run "$scenario" -r 1 --seed "$truth_seed" --threads "$threads" -q --geotiff "$work/truth.tif" \
  --layer dud_mean >/dev/null
gdal_translate -q -of XYZ "$work/truth.tif" "$work/truth.xyz"

python3 - "$work/truth.xyz" "$work/evidence.geojson" "$truth_seed" <<'PY'
import json, random, sys
xyz, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
cells = {}
for line in open(xyz):
    x, y, v = line.split()
    v = float(v)
    if v == v and v >= 0:
        cells[(float(x), float(y))] = round(v)  # cell centres; 1 ha cells: items per ha = items
hot = [c for c, v in cells.items() if v > 0]
cold = [c for c, v in cells.items() if v == 0]
def square(cx, cy, half):
    return [[[cx - half, cy - half], [cx + half, cy - half], [cx + half, cy + half], [cx - half, cy + half], [cx - half, cy - half]]]
def items_in(cx, cy, half):
    return sum(v for (x, y), v in cells.items() if abs(x - cx) < half and abs(y - cy) < half)
feats = []
def add(props, geom):
    feats.append({"type": "Feature", "properties": props, "geometry": geom})
# Searched squares where a survey plan would put them without knowing the
# truth (uniformly over the land), so that the evidence is not biased towards
# contaminated ground (the model takes searches to be placed so).
for i, (x, y) in enumerate(rng.sample(sorted(cells), 30)):
    n = items_in(x, y, 250)
    found = sum(rng.random() < 0.7 for _ in range(n))
    add({"kind": "searched", "name": f"S{i}", "items_found": found, "detection_probability": 0.7},
        {"type": "Polygon", "coordinates": square(x, y, 250)})
for i, (x, y) in enumerate(rng.sample(hot, 15)):
    add({"kind": "find", "name": f"F{i}", "items": max(1, min(5, cells[(x, y)]))},
        {"type": "Point", "coordinates": [x, y]})
for i, (x, y) in enumerate(rng.sample(cold, 5)):
    add({"kind": "cancelled", "name": f"C{i}"}, {"type": "Polygon", "coordinates": square(x, y, 500)})
json.dump({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:32636"}},
           "features": feats}, open(out, "w"))
print(f"evidence: {len(feats)} features from a truth of {sum(cells.values())} items in {len(hot)} cells")
PY

timed() {  # label, then the command: prints "<label> <wall s> <user s>"
  local label="$1"; shift
  /usr/bin/time -f "%e %U" -o "$work/time.txt" "$@" >"$work/out.json" 2>"$work/err.txt" ||
    { cat "$work/err.txt" >&2; exit 1; }
  echo "$label $(cat "$work/time.txt")"
}
timed prior "$bin" run "$scenario" -r "$particles" --threads "$threads" -q --json
timed conditioned "$bin" run "$scenario" -r "$particles" --threads "$threads" -q --json \
  --evidence "$work/evidence.geojson" --sweeps "$sweeps"
python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["evidence"]
g = e["diagnostics"]
print("summary:", e["summary"])
print(f"stages {len(g['stages'])}, final ESS {g['final_effective_size']:.1f} of {g['particles']}, "
      f"R-hat {g['r_hat']}, distinct ancestors {g['distinct_ancestors']}, sampler {g['seconds']:.1f} s")
print("final acceptance:", g["stages"][-1]["acceptance"])
print("warnings:", g["warnings"])
print("posterior total duds mean", d["total_duds"]["mean"], "90%", d["total_duds"]["q05"], "-", d["total_duds"]["q95"])
PY
python3 - "$work/truth.xyz" <<'PY'
import sys
print("truth total duds (items per ha of the 1 ha cells, rounded):",
      sum(round(float(v)) for _, _, v in (l.split() for l in open(sys.argv[1])) if float(v) == float(v) and float(v) >= 0))
PY
