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

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/run/ensemble.h"

namespace remnant::distributed {

// Starts MPI when launched by mpirun, else nothing; ends it when destroyed.
// One, first thing in main: it also chooses this process's GPU from its
// node-local rank (cuda::select_device) before any other CUDA call.
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

// What a rank reports before its run (start_run): what it will run, and on what.
struct RankStart {
  std::string backend;  // "cpu" or "cuda"
  std::string note;     // why that backend (BackendChoice::note)
  std::string device;   // on cuda, the GPU's UUID (cuda::device_id()); else ""
  std::uint64_t device_free = 0;  // on cuda, its free memory (measured before any rank allocates)
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
};

// Why ranks cannot make one run together, naming the ranks and what each
// reported: different backends (one result file holds one backend's results;
// typically a GPU that some ranks could not use, so that auto chose the CPU
// there), seeds or realization counts. "" when they all agree.
std::string disagreement(const std::vector<RankStart>& ranks);

// Rank me's share of its GPU: the ranks of the run on the same device (same
// UUID) and the least free memory any of them measured. A rank on the CPU
// gets {1, 0}.
struct DeviceShare {
  std::uint32_t processes = 1;
  std::uint64_t free = 0;
};
DeviceShare device_share(const std::vector<RankStart>& ranks, int me);

// Collective: every rank calls it once before its run (or fail_collectively
// instead), after choosing its backend. Returns this rank's device_share.
// Returns nothing when the run stops before it starts: another rank failed
// (it prints why), or the ranks disagree (disagreement: rank 0 throws
// InputError with it, the others return nothing). Without MPI, or with one
// rank: {1, mine.device_free}.
std::optional<DeviceShare> start_run(const RankStart& mine);

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

// Instead of start_run or reduce_to_root on a rank that fails before it (bad
// input): the other ranks learn of the failure in start_run or reduce_to_root
// rather than wait for ever. Returns whether this rank should print its
// error: rank 0 always, another only when rank 0 did not fail too (the inputs
// are the same on every rank, so one copy of a message is enough). Without
// MPI, with one rank, or once this rank has reduced (or the ranks stopped
// together in start_run): does nothing and returns true.
bool fail_collectively();

// After printing an unexpected error: ends every rank of the job (MPI_Abort)
// while the others may still wait for this one. Without MPI, with one rank,
// or once this rank has reduced: returns and lets the caller exit as usual.
void abort_all(int code);

}  // namespace remnant::distributed
