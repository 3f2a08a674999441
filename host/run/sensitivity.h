// Which uncertain input drives each headline total of a run: the first-order
// indices of host/evidence/sensitivity.h over the run's own realizations, the
// inputs recomputed from their keyed draws (draw_batch), not run again.
#pragma once

#include <string>
#include <vector>

#include "host/evidence/sensitivity.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"

namespace remnant {

struct RunSensitivity {
  std::size_t realizations = 0;
  std::vector<std::string> inputs;   // the inputs that vary between realizations
  // Per headline total, one index per input; empty when the run has fewer
  // than kMinSensitivityRealizations realizations or the total does not vary.
  std::vector<double> total_duds, hazard_area_km2;
  double noise_level = 0.0;  // sensitivity_noise_level of the run's realizations
};

// The inputs drawn per realization, as one number each: each submunition
// type's dud rate (times its self-destruct failure, where fitted), and the
// item-weighted means over the strike rows of the function height, the
// footprint's area and the wind speed. Inputs that do not vary are left out.
std::vector<SensitivityInput> realization_inputs(const Scenario& sc, const Plan& plan, std::uint64_t seed,
                                                 std::uint32_t realizations);

RunSensitivity run_sensitivity(const Scenario& sc, const Plan& plan, const RunResult& r);

// {"method": .., "realizations": R, "total_duds": {INPUT: share, ..., "not explained by these": ..}, ...}
std::string sensitivity_json(const RunSensitivity& s);
// Lines for the text summary: the inputs of each total by share, largest first.
std::string sensitivity_text(const RunSensitivity& s);

}  // namespace remnant
