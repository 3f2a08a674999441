// Running a result's realizations again, from what its file records (the
// scenario's text, its --set overrides, the seed and the backend), for figures
// over regions that are known only once the run is over: the hazard areas of
// `remnant hazard` and the expected items inside each with their 90 %
// interval. Realizations are keyed by (seed, realization), so a replay on the
// same backend gives the same realizations to the bit; each replayed
// realization's totals are checked against the file's, so a scenario file or
// a program that has changed since is caught, never silently used.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/evidence/hazard_layers.h"
#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"
#include "host/run/plan.h"

namespace remnant {

struct Replay {
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const Plan> plan;
};

// Loads the scenario a result was run from: its text as the file recorded it,
// at the path it was run from (for the files it names), with the recorded
// --set overrides; plans it and checks that it is the same run (the base
// scenario, munitions, land-cover table and dataset texts, the grid and the
// submunitions fired). InputError saying what differs, naming `file`.
Replay prepare_replay(const ResultData& d, const std::string& file);

struct ReplayOptions {
  int threads = 0;  // 0: the OpenMP default
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(std::uint32_t done, std::uint32_t total)> progress;
};

// Runs every realization of d again (the dud-only pass, on d's backend) and
// calls each(realization, duds per cell) in realization order. InputError,
// naming `file`, when a realization's duds, contaminated cells or hazard
// pixels differ from the file's (Interrupted when cancelled).
void replay_realizations(const ResultData& d, const std::string& file, const Replay& rp, const ReplayOptions& opt,
                         const std::function<void(std::uint32_t, const std::vector<std::uint64_t>&)>& each);

// Runs `count` realizations of d's scenario that the file does not hold
// (indices first .. first + count - 1, first >= d.realizations: new draws of
// the same model, seed and backend) and calls each(realization, duds per
// cell): a sample held out from everything computed on the file's.
void fresh_realizations(const ResultData& d, const Replay& rp, const ReplayOptions& opt, std::uint32_t first,
                        std::uint32_t count,
                        const std::function<void(std::uint32_t, const std::vector<std::uint64_t>&)>& each);

// The strike rows of realization 0 (sites redrawn in every realization are
// those of the first), in the grid's CRS metres.
std::vector<StrikeSitePoint> first_strike_rows(const Scenario& sc, const Plan& plan, std::uint64_t seed);

}  // namespace remnant
