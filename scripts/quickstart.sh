#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds Remnant and
# runs the bundled default scenario (Southern Lebanon 2006), writing
# out/lebanon-2006.h5 and printing the summary.
set -euo pipefail

scenario=configs/lebanon-2006.toml
out=out/lebanon-2006.h5

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build_dir=${REMNANT_BUILD_DIR:-build}

bash scripts/install-deps.sh
REMNANT_BUILD_TARGETS=${REMNANT_BUILD_TARGETS:-remnant} bash scripts/build.sh

echo
"$build_dir/remnant" --version
echo
mkdir -p "$(dirname "$out")"
"$build_dir/remnant" run "$scenario" --out "$out"
echo
echo "Next: $build_dir/remnant validate $scenario (the resolved inventory),"
echo "      h5dump -H $out (layout), $build_dir/remnant run --help (options),"
echo "      scripts/test.sh (the test suite)."
