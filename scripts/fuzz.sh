#!/usr/bin/env bash
# Fuzzes the scenario loader, the CSV reader of strike-site points and the
# result-file reader (tests/fuzz) with libFuzzer, each for SECONDS (default
# 60), starting from its corpus in tests/fuzz/corpus/NAME (the scenario loader
# also from configs/*.toml) and the inputs that once failed in
# tests/fuzz/regressions/NAME. The targets come
# from the sanitizer build (scripts/sanitize.sh: clang, AddressSanitizer +
# UndefinedBehaviorSanitizer), which is built here when it is missing.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]      NAME: scenario, points_csv, result_file
#
# The corpus in the repository is not changed: libFuzzer works on a copy.
# libFuzzer's random seed is REMNANT_FUZZ_SEED (default 1, so that a CI run
# tries the same inputs on the same code; 0: a new seed each run, for longer
# searches).
# An input that crashes a target (or trips a sanitizer, or leaves HDF5
# objects open, or runs longer than 10 s, or needs more than 2 GB) is saved in
# $REMNANT_FUZZ_OUT (default build-sanitize/fuzz-findings) and the script
# exits 1 naming it. Make it a regression test by copying it into
# tests/fuzz/regressions/NAME/ (ctest's Fuzz.NAME replays it in every build)
# once the bug is mended.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(scenario points_csv result_file)
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "fuzz.sh: SECONDS: expected a whole number of seconds >= 1, got '$seconds'" >&2
  exit 2
fi

build_dir=${REMNANT_SANITIZE_BUILD_DIR:-build-sanitize}
for t in "${targets[@]}"; do
  if [[ ! -d tests/fuzz/corpus/$t ]]; then
    echo "fuzz.sh: no fuzz target '$t'; expected one of: scenario, points_csv, result_file" >&2
    exit 2
  fi
  if [[ ! -x $build_dir/tests/fuzz/fuzz_$t ]]; then
    REMNANT_SANITIZE_BUILD_DIR=$build_dir bash scripts/sanitize.sh -R '^Fuzz\.'
  fi
done
source scripts/sanitizer-env.sh

findings=${REMNANT_FUZZ_OUT:-$build_dir/fuzz-findings}
mkdir -p "$findings"
findings=$(cd "$findings" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/"
  # The bundled scenarios and catalogues seed the scenario loader.
  if [[ $t == scenario ]]; then cp configs/*.toml "$work/$t/"; fi
  # The inputs that once failed start the search too: faults cluster.
  if [[ -d tests/fuzz/regressions/$t ]]; then cp tests/fuzz/regressions/"$t"/* "$work/$t/"; fi
  echo "fuzz: $t for $seconds s from $(ls "$work/$t" | wc -l) inputs"
  log=$findings/$t.log
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: a
  # reader that allocates without bound is a bug too.
  if (cd "$work" && "$root/$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -seed="${REMNANT_FUZZ_SEED:-1}" -print_final_stats=1 -artifact_prefix="$findings/$t-" "$work/$t") >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" | sed 's/^/  /'
  else
    failed+=("$t")
    echo "fuzz: $t FOUND A FAILURE; its input: $(ls -t "$findings/$t-"* 2>/dev/null | grep -v '\.log$' | head -1)" >&2
    grep -E -A25 '==ERROR|runtime error|left .* HDF5 objects|deadly signal|Timeout|out-of-memory' "$log" | head -40 >&2 || tail -40 "$log" >&2
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failures in: ${failed[*]} (logs and inputs in $findings)" >&2
  exit 1
fi
echo "fuzz: no failure in ${targets[*]} (${seconds} s each)"
