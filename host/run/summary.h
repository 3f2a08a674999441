// A run's headline figures as JSON for scripts and as text for people, with the
// backend, timing and scenario; and `remnant validate`'s account of a scenario.
#pragma once

#include <string>

#include "host/evidence/report.h"
#include "host/evidence/sensitivity.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"

namespace remnant {

Headline headline(const RunResult& r, const Plan& plan);
// What a run of the plan records as its hazard area.
HazardDefinition hazard_definition(const Plan& plan);

// sens: the run's sensitivity indices (run_sensitivity, computed once per run:
// it redraws every realization's inputs); empty ones print as none.
// members: more members, first in the object, each line "  \"name\": value,\n"
// (a conditioned run's: conditioning_json_members).
std::string summary_json(const Scenario& sc, const Plan& plan, const RunResult& r, const Sensitivity& sens,
                         const std::string& members = "");
std::string summary_text(const Scenario& sc, const Plan& plan, const RunResult& r, const Sensitivity& sens);

// `remnant validate`: the scenario as resolved, without running it: grid,
// terrain, inventory by carrier and submunition type, strike sites, priors.
std::string validation_text(const Scenario& sc, const Plan& plan);

}  // namespace remnant
