// A run's headline figures as JSON for scripts and as text for people, with the
// backend, timing and scenario; and `remnant validate`'s account of a scenario.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/evidence/report.h"
#include "host/evidence/sensitivity.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"

namespace remnant {

Headline headline(const RunResult& r, const Plan& plan);
// What a run of the plan records as its hazard area.
HazardDefinition hazard_definition(const Plan& plan);

// The totals a run can be compared on (`remnant calibrate`'s targets): the
// headline totals (headline_metric_names), then "duds_of:NAME" for each of
// sc's submunition types with items in items_by_type (Plan::items_by_type, or
// its sum over several plans of sc), in the scenario's order.
std::vector<std::string> run_metric_names(const Scenario& sc, const std::vector<std::uint64_t>& items_by_type);
// One of those totals in each realization of r (a run of sc and plan); a
// type's duds are its column of RunResult::duds_by_type. Throws InputError
// for a name that is neither a headline total nor duds_of: one of sc's types,
// and for a total r does not record (a landing total of a dud-only run, a
// hazard total the plan does not record, duds by type not counted).
std::vector<double> run_metric_values(const Scenario& sc, const Plan& plan, const RunResult& r,
                                      const std::string& metric);

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
