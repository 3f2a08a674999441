#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds Remnant and
# runs the bundled default scenario, writing out/example.h5 and printing the
# summary.
set -euo pipefail

# The default scenario (to be replaced by the Lebanon 2006 scenario).
scenario=configs/example.toml
out=out/example.h5

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
echo "Next: h5dump -H $out (layout), $build_dir/remnant run --help (options),"
echo "      scripts/test.sh (the test suite)."
