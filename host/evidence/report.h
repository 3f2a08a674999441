// Headline figures of a result, as text for people: from per-realization totals
// (so the same from a finished run and from a result file read back), and what
// `remnant info` prints about a result file. The run's own summary (with its
// backend, timing and scenario) is host/run/summary.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/evidence/stats.h"
#include "kernels/tables.h"

namespace remnant {

// What the hazard area of a run is: the area within fade_out_m of an
// unexploded item, counted on a raster of pixel_m (kernels/physics.h, steps
// 14 and 15). fade_out_m 0: not recorded (a result file of format 1.0 or
// 1.1). strike_sites: the strike sites of a realization (0 when unknown), for
// the area per strike.
struct HazardDefinition {
  double fade_out_m = 0.0, pixel_m = 0.0;
  std::size_t strike_sites = 0;
  bool recorded() const { return fade_out_m > 0.0; }
  // Pixels coarser than half the fade-out distance (a very large extent):
  // the area is then only approximate.
  bool coarse() const { return pixel_m > 0.5 * fade_out_m; }
};

struct Headline {
  Summary total_duds, impacts, in_water, outside_grid;
  // The area of the cells holding at least one dud: it grows with the cell size.
  Summary contaminated_area_km2;
  // The area within the fade-out distance of a dud (when recorded), and that
  // per strike site in hectares (when the sites are known).
  HazardDefinition hazard;
  Summary hazard_area_km2, hazard_per_strike_ha;
  Summary duds_by_class[kLandCoverClasses];
  // The duds of each submunition type (its name, and the summary over the
  // realizations), in the scenario's order; empty when they were not counted.
  std::vector<std::pair<std::string, Summary>> duds_by_type;
  // False for a dud-only run (RunResult::duds_only): impacts, in_water and
  // outside_grid were not counted, and are reported as not counted.
  bool landings_counted = true;
};

// The headline totals over per-realization totals, given the area of one cell
// and the hazard area's definition.
Headline headline(const std::vector<RealizationTotals>& totals, double cell_km2, const HazardDefinition& hazard);

// The headline totals that can be named (calibration targets, `run --json`'s
// keys), and one's value in each realization. Throws InputError for a name
// not in the list, or a hazard total the definition does not record (no
// fade-out distance; per strike without known sites).
const std::vector<std::string>& headline_metric_names();
std::vector<double> headline_values(const std::vector<RealizationTotals>& totals, double cell_km2,
                                    const HazardDefinition& hazard, const std::string& metric);
// The totals of items landed (exploded or not), which a dud-only run does
// not count: impacts, in_water, outside_grid.
bool counts_landings(const std::string& metric);

// The duds of one submunition type, named beside the headline totals
// (calibration targets): "duds_of:NAME", NAME as the scenario spells it (it
// may hold any character). duds_of_type gives NAME, or nothing for a name
// without the prefix.
extern const char* const kDudsOfPrefix;
std::string duds_of_metric(const std::string& type);
std::optional<std::string> duds_of_type(const std::string& metric);

// The duds of each submunition type over the realizations, from rows
// [realization][type] of names.size() types; none when the rows do not match
// (not counted).
std::vector<std::pair<std::string, Summary>> duds_by_type_summaries(const std::vector<std::string>& names,
                                                                   const std::vector<std::uint64_t>& rows,
                                                                   std::size_t realizations);

struct ResultData;
struct ResultConditioning;
// The same for a result file's data.
Headline headline(const ResultData& d);

// "within 50 m of an unexploded item (pixels of 12.5 m)", and what makes it
// approximate where it is.
std::string hazard_definition_text(const HazardDefinition& h);

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

// `remnant info FILE.h5`: what a result file holds (format, provenance,
// scenario, grid and CRS, run, variables with units, sites) and the headline
// figures with their 90 % intervals, recomputed from the per-realization
// totals; then dud-rate priors, --set overrides and assumptions.
std::string result_info_text(const ResultData& d);
// What `remnant hazard` would write for d at its default threshold (part of
// result_info_text; "" for a checkpoint).
std::string hazard_layers_text(const ResultData& d);

// Backslash-escapes a string for a JSON document.
std::string json_escape(const std::string& s);

// A conditioned run's evidence and diagnostics as text lines (`run`, `info`);
// "" for a forward run.
std::string conditioning_text(const ResultConditioning& c);
// ["a", "b"]: strings as a JSON array.
std::string json_strings(const std::vector<std::string>& v);
// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or
// a line break.
std::string csv_field(const std::string& s);

}  // namespace remnant
