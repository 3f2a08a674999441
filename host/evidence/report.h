// Headline figures of a result, as text for people: from per-realization totals
// (so the same from a finished run and from a result file read back), and what
// `remnant info` prints about a result file. The run's own summary (with its
// backend, timing and scenario) is host/run/summary.h.
#pragma once

#include <string>
#include <vector>

#include "host/evidence/stats.h"
#include "kernels/tables.h"

namespace remnant {

struct Headline {
  Summary total_duds, impacts, contaminated_area_km2, in_water, outside_grid;
  Summary duds_by_class[kLandCoverClasses];
};

// The headline totals over per-realization totals, given the area of one cell.
Headline headline(const std::vector<RealizationTotals>& totals, double cell_km2);

// The headline lines of a text summary: duds, area, outside, water, then the
// duds of each land-cover class that has any; each figure to three
// significant figures with thousands separators (host/common/numbers.h), and
// a warning when the intervals rest on fewer than kFewRealizations.
std::string headline_text(const Headline& h, std::size_t realizations);

// Dud-rate priors, --set overrides and assumptions, one line each.
std::string provenance_text(const std::string& dud_rates, const std::vector<std::string>& overrides,
                            const std::vector<std::string>& assumptions);

// A Summary as a JSON object {"mean": .., "sd": .., "q05": .., ...}.
std::string json_summary_object(const Summary& s);

struct ResultData;

// `remnant info FILE.h5`: what a result file holds (format, provenance,
// scenario, grid and CRS, run, variables with units, sites) and the headline
// figures with their 90 % intervals, recomputed from the per-realization
// totals; then dud-rate priors, --set overrides and assumptions.
std::string result_info_text(const ResultData& d);

// Backslash-escapes a string for a JSON document.
std::string json_escape(const std::string& s);

}  // namespace remnant
