#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds Remnant and
# runs the bundled default scenario (Southern Lebanon 2006), writing
# out/lebanon-2006.h5 with its map (out/lebanon-2006.pdf, .png), GeoTIFF
# (out/lebanon-2006.tif) and per-realization totals (out/lebanon-2006.csv), and
# printing the summary.
set -euo pipefail

scenario=configs/lebanon-2006.toml
out=out/lebanon-2006.h5
stem=${out%.h5}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${REMNANT_BUILD_DIR:-build}

bash scripts/install-deps.sh
REMNANT_BUILD_TARGETS=${REMNANT_BUILD_TARGETS:-remnant} bash scripts/build.sh

echo
"$build_dir/remnant" --version
echo
mkdir -p "$(dirname "$out")"
"$build_dir/remnant" run "$scenario" --out "$out" --map "$stem.pdf" --geotiff "$stem.tif" --csv "$stem.csv"
"$build_dir/remnant" export "$out" --out "$stem.png"
echo
echo "Next: $build_dir/remnant info $out (what the file holds),"
echo "      $build_dir/remnant export $out --layer dud_p_any --out p.pdf (other layers),"
echo "      $build_dir/remnant validate $scenario (the resolved inventory),"
echo "      $build_dir/remnant run --help (options), scripts/test.sh (the test suite)."
