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

// The inputs drawn per realization, as one number each: each submunition
// type's dud rate (times its self-destruct failure, where fitted), and the
// item-weighted means over the strike rows of the function height, the
// footprint's area and the wind speed. Inputs that do not vary are left out.
std::vector<SensitivityInput> realization_inputs(const Scenario& sc, const Plan& plan, std::uint64_t seed,
                                                 std::uint32_t realizations);

Sensitivity run_sensitivity(const Scenario& sc, const Plan& plan, const RunResult& r);

}  // namespace remnant
