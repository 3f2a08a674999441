// What a sweep (host/apps/sweep.h) found, as data: the swept parameters, the
// points and the headline totals of each, written as CSV and JSON here and
// drawn as a figure by host/maps/sweep_plot.h. Plain data, so that the figure
// does not depend on the command that runs the sweep.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/evidence/report.h"
#include "host/inputs/scenario.h"

namespace remnant {

// The headline totals a sweep can plot (--metric), in this order.
const std::vector<std::string>& sweep_metric_names();

// One value of a swept parameter: as written (a TOML value) and as shown in
// tables, legends and on axes (a string without its quotes).
struct SweepValue {
  std::string toml, label;
  std::optional<double> number;  // when the value is a TOML integer or float
};

// A --set as the sweep reads it: fixed (one value) or swept (two or more).
struct SweepSet {
  std::string key;
  std::vector<SweepValue> values;
  bool swept() const { return values.size() > 1; }
};

// One point of the sweep: its index, the index of its value in each swept
// parameter (in --set order) and the overrides it runs with (every --set in
// the order given, swept ones with the point's value).
struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::size_t> choice;  // per swept parameter
  std::vector<Override> overrides;
  std::string file;  // "point-007.h5"
};

// What the summary holds for one point, and for the whole sweep.
struct SweepPointResult {
  SweepPoint point;
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  Headline headline;
};

struct SweepSummary {
  std::string scenario_name, scenario_path, backend, software_version, git_revision;
  std::vector<std::string> fixed;   // KEY=VALUE of the fixed --set
  std::vector<SweepSet> swept;      // the swept parameters, in --set order
  std::string metric = "total_duds";  // what the figure plots
  std::vector<SweepPointResult> points;
};

// A headline total by its --metric name.
const Summary& sweep_metric(const Headline& h, const std::string& metric);
// "Unexploded submunitions on land", and its units ("count per realization").
std::string sweep_metric_label(const std::string& metric);
std::string sweep_metric_units(const std::string& metric);

// The summary as CSV (one row per point, provenance in columns) and as JSON.
std::string sweep_csv(const SweepSummary& s);
std::string sweep_json(const SweepSummary& s);

}  // namespace remnant
