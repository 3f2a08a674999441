// Headline figures of a run, as JSON for scripts and as text for people.
#pragma once

#include <string>

#include "host/ensemble.h"
#include "host/plan.h"
#include "host/scenario.h"
#include "host/stats.h"

namespace remnant {

struct Headline {
  Summary total_duds, impacts, contaminated_area_km2, in_water, outside_grid;
  Summary duds_by_class[kLandCoverClasses];
};

Headline headline(const RunResult& r, const Plan& plan);
// The same from per-realization totals and the area of one cell.
Headline headline(const std::vector<RealizationTotals>& totals, double cell_km2);

std::string summary_json(const Scenario& sc, const Plan& plan, const RunResult& r);
std::string summary_text(const Scenario& sc, const Plan& plan, const RunResult& r);

// `remnant validate`: the scenario as resolved, without running it: grid,
// terrain, inventory by carrier and submunition type, strike sites, priors.
std::string validation_text(const Scenario& sc, const Plan& plan);

struct ResultData;

// `remnant info FILE.h5`: what a result file holds (format, provenance,
// scenario, grid and CRS, run, variables with units, sites) and the headline
// figures with their 90 % intervals, recomputed from the per-realization
// totals; then dud-rate priors, --set overrides and assumptions.
std::string result_info_text(const ResultData& d);

// Backslash-escapes a string for a JSON document.
std::string json_escape(const std::string& s);

}  // namespace remnant
