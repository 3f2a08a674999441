// The backend interface seen by the host. No Thrust or CUDA types here: the
// same header is included by plain C++ host code and by both kernel passes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "accumulators.h"
#include "rng.h"
#include "tables.h"

namespace remnant {

// How the CPU backend runs the deposit pass. Every choice gives the same
// results to the bit (tests/kernel_paths_test.cpp); only tests and benchmarks
// choose anything but Auto.
enum class CpuKernel : std::uint8_t {
  Auto = 0,       // blocks of items in vector registers: AVX2 and FMA where the CPU has them, AVX-512 random words too
  Portable = 1,   // the same blocks, random words without AVX2
  PerItem = 2,    // one item at a time: the loop the CUDA backend runs
};

// Everything the kernels need that is fixed for a whole run.
struct RunTables {
  GridView grid;
  StrikeView strikes;
  TypeView types;
  std::uint32_t items_per_realization = 0;
  RngKey key_aim, key_pattern, key_fall, key_failure;
  CpuKernel cpu_kernel = CpuKernel::Auto;  // ignored by the CUDA backend
  // The dud-only pass: only the items that can fail are placed (those whose
  // Failure uniform is below the failure probability in the cell of the
  // grid's largest multiplier), so the duds, their cells, the hazard rasters
  // and every dud total are those of the full pass to the bit, while impacts,
  // in_water and outside_grid are not counted (left 0).
  bool duds_only = false;
};

// The evidence features of a conditioned run over the grid's cells
// (host/evidence/conditioning.h builds it): the features each cell belongs
// to, as compressed rows.
struct EvidenceCells {
  std::uint32_t features = 0;
  std::vector<std::uint32_t> first;    // cells + 1 entries: cell c's features are feature[first[c] .. first[c+1])
  std::vector<std::uint32_t> feature;
  // Each feature's extent (x0, y0, x1, y1: its cells' squares, grid-relative
  // metres): a carrier that cannot reach any is not walked.
  std::vector<float> boxes;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  // Copies the tables to the backend and allocates grids for batches of up to
  // max_batch realizations. Resets the accumulators.
  virtual void prepare(const RunTables& tables, std::uint32_t max_batch) = 0;
  // Simulates the realizations of one batch, folds them into the accumulators
  // and returns one totals row per realization, in realization order.
  virtual std::vector<RealizationTotals> run_batch(const BatchView& batch) = 0;
  // The last run_batch's duds per submunition type (tables.types, in order),
  // [realization of the batch][type]: counted at deposit, on land cells
  // inside the grid, so each realization's sum is its totals row's duds.
  virtual std::vector<std::uint64_t> batch_duds_by_type() const = 0;
  // Replaces the accumulators on the backend (resume) or reads them back.
  virtual void load_accumulators(const CellAccumulators& acc) = 0;
  // The evidence count of a conditioned run, after prepare: load the
  // features' cells once, then count_evidence(draws, strike_of_eval) gives,
  // for each evaluation e, the duds of strike row strike_of_eval[e] under its
  // own draws (row e of every column of `draws`, strike and type columns
  // alike; draws.realizations = evaluations) in each feature's cells:
  // [evaluation][feature]. The items are the deposit pass's, to the bit.
  virtual void load_evidence_cells(const EvidenceCells& cells) = 0;
  virtual std::vector<std::uint32_t> count_evidence(const BatchView& draws,
                                                    const std::vector<std::uint32_t>& strike_of_eval) = 0;
  virtual CellAccumulators read_accumulators() const = 0;
  // read_accumulators for the last time: the engine may hand over its own
  // storage (the CPU backend moves it), and must be prepared again before it
  // runs another batch.
  virtual CellAccumulators take_accumulators() { return read_accumulators(); }
};

// Each backend's factory lives in its own namespace (one per compiler pass).
namespace cpu {
std::unique_ptr<Engine> make_engine();
}
namespace cuda {
std::unique_ptr<Engine> make_engine();
// Which GPU this process uses: device_choice::device_for_rank(node_rank, the
// devices it sees). Called before anything else here (distributed::Session
// does, with the node-local MPI rank); otherwise device 0.
void select_device(int node_rank);
// True when the CUDA backend was compiled in and this process's device can
// run it: a driver new enough answers, the device's compute capability is one
// the build has code for (kernels/device_choice.h, then a kernel of the build
// looked up on it), and its context could be created (not held by another
// process in exclusive-process mode). Otherwise false with the reason in
// *why. Checked once (creating the context), then remembered; each call
// makes the device the calling thread's current one.
bool device_usable(std::string* why);
bool compiled_in();
// "NVIDIA H200, device 0, compute capability 9.0" ("none" without a device).
std::string device_name();
// This process's device: compute capability as 10 * major + minor (0 when
// none answers) and UUID (to tell which processes share one; "" when not usable).
int compute_capability();
std::string device_id();
// CMake's list of the architectures the build has code for ("80;90"); ""
// without the backend.
std::string compiled_architectures();
// Free memory on the current device now, in bytes; 0 when unknown or absent.
std::uint64_t free_memory_bytes();
}

}  // namespace remnant
