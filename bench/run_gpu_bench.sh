#!/usr/bin/env bash
# The CUDA backend against the CPU backend, on any machine with an NVIDIA GPU
# and the CUDA toolkit (nvcc). Builds Remnant with CUDA, prints the device and
# the machine, then:
#  1. the benchmark scenario (1,002,864 submunitions, 4 realizations):
#     BM_CudaBatch against BM_CpuBatch/threads:0 (every core) and
#     BM_CudaEnsemble against BM_CpuEnsemble/threads:0, submunitions per
#     second (Google Benchmark, REPETITIONS repetitions, medians);
#  2. the Laos inventory (270 million submunitions per realization, LAOS_R
#     realizations) on both backends with remnant_profile_case, when the laos
#     dataset is found (REMNANT_DATASETS, or the build's datasets directory);
# and the ratio CUDA / CPU of each. Where no device answers, the CUDA rows say
# why and no ratio is printed. With PTXAS=1 it first prints what ptxas reports
# for the engine's kernels (registers, stack frame, spills) for each
# architecture, the compile-time figures of docs/PERFORMANCE.md.
#
#   bench/run_gpu_bench.sh
#
# Environment: BUILD_DIR (default <repo>/build-gpu), REPETITIONS (default 3),
# LAOS_R (default 4), CUDA_ARCHS (default: the project's, 80;90), PTXAS
# (default 0), BENCH_DIR (a directory holding remnant_bench and
# remnant_profile_case already built with CUDA: nothing is built, for a GPU
# machine without the project's build dependencies).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build-gpu}"
reps="${REPETITIONS:-3}"
laos_r="${LAOS_R:-4}"

if [[ -n "${BENCH_DIR:-}" ]]; then
  bench="$BENCH_DIR/remnant_bench"
  profile="$BENCH_DIR/remnant_profile_case"
else
  if [[ ! -f "$build/build.ninja" && ! -f "$build/Makefile" ]]; then
    args=(-DCMAKE_BUILD_TYPE=Release -DREMNANT_BUILD_TESTS=OFF -DREMNANT_WITH_CUDA=ON)
    [[ -n "${CUDA_ARCHS:-}" ]] && args+=("-DREMNANT_CUDA_ARCHITECTURES=$CUDA_ARCHS")
    cmake -S "$repo" -B "$build" -G Ninja "${args[@]}"
  fi
  cmake --build "$build" --target remnant_bench remnant_profile_case
  bench="$build/bench/remnant_bench"
  profile="$build/bench/remnant_profile_case"
fi

echo "== machine"
echo "nproc: $(nproc); $(lscpu | sed -n 's/^Model name:[[:space:]]*/cpu: /p')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /' ||
  echo "gpu: nvidia-smi not found"
echo "git: $(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ ${PTXAS:-0} != 0 ]]; then
  echo "== ptxas: the engine's kernels (compile time)"
  nvcc_bin="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
  IFS=';' read -r -a archs <<<"${CUDA_ARCHS:-80;90}"
  for arch in "${archs[@]}"; do
    "$nvcc_bin" -I"$repo" -I"$repo/kernels" -O3 -DNDEBUG --expt-relaxed-constexpr -std=c++17 -arch="sm_$arch" \
      -cubin -Xptxas -v "$repo/kernels/engine.cu" -o /dev/null 2>&1 |
      awk -v arch="sm_$arch" '/Compiling entry function/ { k = ""
          if ($0 ~ /deposit_kernel/) k = "deposit_kernel"; else if ($0 ~ /accumulate_kernel/) k = "accumulate_kernel" }
        k != "" && /bytes stack frame/ { sub(/^[ \t]+/, ""); stack = $0 }
        k != "" && /Used [0-9]+ registers/ { match($0, /Used [0-9]+ registers/)
          printf "%s %-18s %s, %s\n", arch, k, substr($0, RSTART, RLENGTH), stack; k = "" }'
  done
fi

echo "== benchmark scenario (submunitions per second, median of $reps)"
csv="$(mktemp)"
trap 'rm -f "$csv"' EXIT
"$bench" --benchmark_filter='BM_(CpuBatch|CpuEnsemble)/threads:0|BM_Cuda(Batch|Ensemble)' \
  --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true --benchmark_format=csv >"$csv" 2>/dev/null || true
# name and items_per_second of each median row (of the single run when
# REPETITIONS=1), or its error message
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  $1 ~ /_median"?$/ || $1 !~ /_(mean|stddev|cv)"?$/ || $(col["error_occurred"]) == "true" {
    name = $1; gsub(/"/, "", name); sub(/_median$/, "", name)
    if ($(col["error_occurred"]) == "true") { msg = $(col["error_message"]); gsub(/"/, "", msg); print name, "skipped:", msg }
    else printf "%s %.4g\n", name, $(col["items_per_second"]) }' "$csv" | sort -u | tee "$csv.rows"
ratio() {  # ratio NAME_CUDA NAME_CPU
  awk -v a="$1" -v b="$2" '$1 ~ a && $2 ~ /^[0-9]/ { x = $2 } $1 ~ b && $2 ~ /^[0-9]/ { y = $2 }
    END { if (x && y) printf "ratio %s / %s: %.2f\n", a, b, x / y; else printf "ratio %s / %s: not measured\n", a, b }' "$csv.rows"
}
ratio BM_CudaBatch "BM_CpuBatch/threads:0"
ratio BM_CudaEnsemble "BM_CpuEnsemble/threads:0"
rm -f "$csv.rows"

echo "== Laos 1964-1973 ($laos_r realizations; run_ensemble's clock)"
rate() { sed -n 's/.*, \([0-9.e+]*\) submunitions per second/\1/p'; }
cpu_out="$("$profile" --scenario "$repo/configs/laos-1964-1973.toml" --realizations "$laos_r" --threads 0 --batch 0 \
  --backend cpu 2>&1)" || { echo "laos skipped: $cpu_out"; exit 0; }
echo "$cpu_out" | sed 's/^/cpu:  /'
if gpu_out="$("$profile" --scenario "$repo/configs/laos-1964-1973.toml" --realizations "$laos_r" --batch 0 \
  --backend cuda 2>&1)"; then
  echo "$gpu_out" | sed 's/^/cuda: /'
  awk -v c="$(echo "$cpu_out" | rate)" -v g="$(echo "$gpu_out" | rate)" \
    'BEGIN { printf "ratio cuda / cpu (Laos): %.2f\n", g / c }'
else
  echo "cuda: skipped: $gpu_out"
fi
