// Runs across processes and machines with MPI (`mpirun -np K remnant run ...`):
// the realizations still to do are shared among the ranks, keyed by
// realization (rank k runs the k-th contiguous block), and the parts are
// reduced to rank 0, which writes the one result file. Accumulators are
// integer sums and the totals are keyed by realization, so the file is
// identical to the bit to a single-process run's.
//
// Built without MPI (REMNANT_HAVE_MPI unset: CMake found none, or
// -DREMNANT_WITH_MPI=OFF) this is a single-process stand-in: size 1, rank 0,
// reductions that change nothing. Built with it, MPI starts only when the
// process was launched by mpirun (or another PMI/PMIx launcher): a plain run
// pays nothing and prints no MPI warnings.
#pragma once

#include <string>

#include "host/ensemble.h"

namespace remnant::distributed {

// Starts MPI when launched by mpirun, else nothing; ends it when destroyed.
// One, first thing in main.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

int rank();   // 0 without MPI
int size();   // 1 without MPI
bool root();  // rank() == 0

// "mpi: Open MPI v4.1.4" (the library's name and version) or "mpi: not built
// in", for --version.
std::string report();

// The share of todo that rank of size runs: its count split into size
// contiguous blocks in realization order, the first (count % size) one
// realization larger. Every realization of todo is in exactly one share.
RealizationSet share(const RealizationSet& todo, int rank, int size);

// How a rank's part of a run ended (ordered: the worst wins).
enum class Outcome {
  Complete = 0,     // its share ran
  Interrupted = 1,  // Ctrl-C or SIGTERM: the part holds what finished
  Failed = 2,       // an error before its run; nothing to reduce
};

// Collective: every rank calls it once (or fail_collectively instead) with
// its part of the run and how it ended; returns the worst outcome of any
// rank. Unless one failed, rank 0's part becomes the merge of every rank's
// (done sets and totals rows in realization order, no realization twice;
// accumulators summed; seconds: the slowest rank's); the other ranks' parts
// are left as they were. Without MPI, or with one rank, returns outcome.
Outcome reduce_to_root(RunResult& part, Outcome outcome);

// Instead of reduce_to_root on a rank that fails before it (bad input): the
// ranks in reduce_to_root learn of the failure rather than wait for ever.
// Returns whether this rank should print its error: rank 0 always, another
// only when rank 0 did not fail too (the inputs are the same on every rank,
// so one copy of a message is enough). Without MPI, with one rank, or once
// this rank has reduced: does nothing and returns true.
bool fail_collectively();

// After printing an unexpected error: ends every rank of the job (MPI_Abort)
// while the others may still wait for this one. Without MPI, with one rank,
// or once this rank has reduced: returns and lets the caller exit as usual.
void abort_all(int code);

}  // namespace remnant::distributed
