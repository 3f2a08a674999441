#!/usr/bin/env bash
# MPI across processes: `mpirun -np K remnant run ...` shares the realizations
# among the ranks and rank 0 writes a result file identical to the byte to a
# single-process run's (SOURCE_DATE_EPOCH fixes its creation time).
#
#   tests/mpi_test.sh two   REMNANT_BINARY   -np 2 equals one process, whatever the batch;
#                                            ranks given different seeds or backends
#                                            are refused before any runs
#   tests/mpi_test.sh three REMNANT_BINARY   -np 3 with realizations not divisible by 3; a
#                                            single-process run stopped by Ctrl-C and
#                                            resumed under -np 2 equals the whole run
#
# Exits 77 (ctest: skipped) where mpirun is missing or the binary was built
# without MPI.
set -euo pipefail
case=${1:?two or three} bin=$(realpath "${2:?the remnant binary}")
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v mpirun >/dev/null 2>&1 || { echo "skipped: no mpirun on PATH (apt-get install openmpi-bin)"; exit 77; }
if "$bin" --version | grep -q '^mpi: not built in'; then
  echo "skipped: $bin was built without MPI"
  exit 77
fi

export OMP_NUM_THREADS=1 SOURCE_DATE_EPOCH=1700000000
# This machine may have fewer cores than ranks; root needs its own flag.
mpi=(mpirun --oversubscribe)
[[ $(id -u) -eq 0 ]] && mpi+=(--allow-run-as-root)

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
# configs/example.toml on a coarser grid (100 x 100 cells of 60 m): quick.
scenario=$src/configs/example.toml
small=(--set grid.nx=100 --set grid.ny=100 --set grid.cell_size_m=60.0)

fail() { echo "FAIL: $*"; exit 1; }
# run NAME [ARGS...]: one process; mpirun_run NP NAME [ARGS...]: NP ranks.
run() { local name=$1; shift; "$bin" run "$scenario" "${small[@]}" -q --out "$name.h5" "$@" >"$name.txt" 2>"$name.log" || fail "$name: $(cat "$name.log")"; }
mpirun_run() {
  local np=$1 name=$2; shift 2
  "${mpi[@]}" -np "$np" "$bin" run "$scenario" "${small[@]}" -q --out "$name.h5" "$@" >"$name.txt" 2>"$name.log" ||
    fail "$name (mpirun -np $np): $(cat "$name.log")"
}
same() { cmp "$1" "$2" || fail "$2 differs from $1"; echo "ok: $2 = $1"; }

case $case in
  two)
    run one -r 30 --batch 4 --csv one.csv
    mpirun_run 2 two -r 30 --csv two.csv
    same one.h5 two.h5
    same one.csv two.csv
    grep -q 'processes: 2 (MPI)' two.txt || fail "the summary does not say 2 processes ran: $(cat two.txt)"
    mpirun_run 2 two_b1 -r 30 --batch 1
    same one.h5 two_b1.h5
    mpirun_run 2 two_b7 -r 30 --batch 7 --threads 2
    same one.h5 two_b7.h5

    # Processes that cannot make one run are refused before any of them runs,
    # with one message naming the ranks: here seeds that differ (a GPU that
    # only some ranks could use is refused the same way: "different backends").
    refused() {  # NAME: the two-rank run exited 2, wrote nothing, and said so once
      local name=$1 rc=$2
      [[ $rc -eq 2 ]] || fail "$name: exit $rc, not 2: $(cat "$name.log")"
      [[ ! -e $name.h5 ]] || fail "$name: a refused run wrote its result file"
      echo "ok: $name refused: $(cat "$name.log")"
    }
    rc=0
    "${mpi[@]}" -np 1 "$bin" run "$scenario" "${small[@]}" -q -r 30 --seed 1 --out seeds.h5 : \
      -np 1 "$bin" run "$scenario" "${small[@]}" -q -r 30 --seed 2 --out seeds.h5 >seeds.txt 2>seeds.log || rc=$?
    refused seeds $rc
    grep -q 'different seeds: 1 on rank 0, 2 on rank 1' seeds.log || fail "seeds: the ranks are not named: $(cat seeds.log)"
    [[ $(grep -c 'remnant: error' seeds.log) -eq 1 ]] || fail "seeds: not one message: $(cat seeds.log)"
    # One rank asks for the GPU: without one it fails before the run, and rank
    # 0 stops at once instead of running its share (10000 realizations would
    # take minutes); with one, the ranks' backends differ.
    rc=0
    SECONDS=0
    "${mpi[@]}" -np 1 "$bin" run "$scenario" "${small[@]}" -q -r 10000 --backend cpu --out backends.h5 : \
      -np 1 "$bin" run "$scenario" "${small[@]}" -q -r 10000 --backend cuda --out backends.h5 \
      >backends.txt 2>backends.log || rc=$?
    refused backends $rc
    grep -q -e 'no usable CUDA device' -e 'different backends: cpu on rank 0' backends.log ||
      fail "backends: no reason given: $(cat backends.log)"
    ((SECONDS < 30)) || fail "backends: took ${SECONDS} s: rank 0 ran its share before stopping"
    ;;
  three)
    run one -r 31
    mpirun_run 3 three -r 31 --batch 2
    same one.h5 three.h5
    # More ranks than realizations: the extra ranks run none.
    run few -r 2
    mpirun_run 3 three_few -r 2
    same few.h5 three_few.h5

    # Ctrl-C on one process (after its first checkpoint), resumed by two.
    run whole -r 4000 --batch 64
    "$bin" run "$scenario" "${small[@]}" -q -r 4000 --batch 1 --checkpoint-every 0.0001 --out cut.h5 >cut.txt 2>cut.log &
    pid=$!
    for _ in $(seq 6000); do
      [[ -e cut.checkpoint.h5 ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.01
    done
    [[ -e cut.checkpoint.h5 ]] || fail "no checkpoint appeared: $(cat cut.log)"
    sleep 0.2  # a few more realizations done
    kill -INT "$pid"
    rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq 130 ]] || fail "interrupted run exited $rc, not 130: $(cat cut.log)"
    [[ ! -e cut.h5 ]] || fail "an interrupted run wrote its result file"
    "${mpi[@]}" -np 2 "$bin" run "$scenario" "${small[@]}" -r 4000 --batch 7 --out cut.h5 --resume >resume.txt 2>resume.log ||
      fail "resume under mpirun: $(cat resume.log)"
    grep 'resuming from' resume.log || fail "no resume message: $(cat resume.log)"
    same whole.h5 cut.h5
    [[ ! -e cut.checkpoint.h5 ]] || fail "the spent checkpoint is still there"
    ;;
  *) fail "unknown case $case" ;;
esac
