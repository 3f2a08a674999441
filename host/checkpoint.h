// Checkpoints: the realizations an interrupted run finished, kept so that
// `remnant run ... --resume` continues where it stopped and ends with a
// result identical to the bit to an uninterrupted run's (accumulators are
// integer sums, totals are keyed by realization).
//
// A checkpoint has the result file's layout (host/result_file.h) with
// filetype "remnant-checkpoint": its layers describe the realizations done so
// far and `remnant info` reads it, but `export` and `compare` refuse it.
#pragma once

#include <cstdint>
#include <string>

#include "host/ensemble.h"
#include "host/plan.h"
#include "host/scenario.h"

namespace remnant {

// Where a run keeps its checkpoint: beside its result file ("out/leb.h5" ->
// "out/leb.checkpoint.h5"), or, without one, "<scenario stem>.checkpoint.h5"
// in the current directory.
std::string default_checkpoint_path(const std::string& out, const std::string& scenario_path);

// Writes the realizations of partial (not all of the run's) atomically.
void write_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunResult& partial);

// What a run must share with a checkpoint to resume it.
struct RunIdentity {
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  std::string backend;  // "cpu" or "cuda": the backends differ in the last bits
};

// Reads a checkpoint for the run (sc, plan, id) and returns the realizations
// it holds. Throws InputError naming the file when it is not a checkpoint or
// was made by a different run (inputs, seed, realizations, backend, software
// version), saying what differs.
RunResult read_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunIdentity& id);

}  // namespace remnant
