// A sweep's summary: the headline totals of every point as CSV and JSON.
#include "host/evidence/sweep_summary.h"

#include <fmt/format.h>

#include <cmath>

#include "host/common/errors.h"

namespace remnant {
namespace {

// A value in JSON: a number when it is one, else its label as a string.
std::string json_value(const SweepValue& v) {
  if (v.number && std::isfinite(*v.number)) return fmt::format("{}", *v.number);
  return fmt::format("\"{}\"", json_escape(v.label));
}

}  // namespace

const std::vector<std::string>& sweep_metric_names() {
  static const std::vector<std::string> names = {"total_duds", "impacts", "contaminated_area_km2", "in_water",
                                                 "outside_grid"};
  return names;
}

const Summary& sweep_metric(const Headline& h, const std::string& metric) {
  if (metric == "total_duds") return h.total_duds;
  if (metric == "impacts") return h.impacts;
  if (metric == "contaminated_area_km2") return h.contaminated_area_km2;
  if (metric == "in_water") return h.in_water;
  if (metric == "outside_grid") return h.outside_grid;
  throw InputError(fmt::format("--metric {}: unknown; expected one of {}", metric, fmt::join(sweep_metric_names(), ", ")));
}

std::string sweep_metric_label(const std::string& metric) {
  if (metric == "total_duds") return "Unexploded submunitions on land";
  if (metric == "impacts") return "Submunitions landed on land (exploded or not)";
  if (metric == "contaminated_area_km2") return "Contaminated area";
  if (metric == "in_water") return "Submunitions landed in water (exploded or not)";
  if (metric == "outside_grid") return "Submunitions landed outside the grid";
  return metric;
}

std::string sweep_metric_units(const std::string& metric) {
  return metric == "contaminated_area_km2" ? "km² per realization (cells with at least one unexploded submunition)"
                                           : "count per realization";
}

std::string sweep_csv(const SweepSummary& s) {
  std::string head = "point";
  for (const SweepSet& p : s.swept) head += "," + csv_field(p.key);
  head += ",file,seed,realizations";
  for (const std::string& m : sweep_metric_names())
    for (const char* q : {"mean", "sd", "q05", "q50", "q95"}) head += fmt::format(",{}_{}", m, q);
  head += ",scenario,scenario_file,backend,software_version,git_revision,fixed_overrides\n";
  std::string body;
  const std::string fixed = fmt::format("{}", fmt::join(s.fixed, " "));
  for (const SweepPointResult& r : s.points) {
    body += fmt::format("{}", r.point.index);
    for (std::size_t k = 0; k < s.swept.size(); ++k) body += "," + csv_field(s.swept[k].values[r.point.choice[k]].label);
    body += fmt::format(",{},{},{}", csv_field(r.point.file), r.seed, r.realizations);
    for (const std::string& m : sweep_metric_names()) {
      const Summary& v = sweep_metric(r.headline, m);
      body += fmt::format(",{},{},{},{},{}", v.mean, v.sd, v.q05, v.q50, v.q95);
    }
    body += fmt::format(",{},{},{},{},{},{}\n", csv_field(s.scenario_name), csv_field(s.scenario_path),
                        csv_field(s.backend), csv_field(s.software_version), csv_field(s.git_revision),
                        csv_field(fixed));
  }
  return head + body;
}

std::string sweep_json(const SweepSummary& s) {
  std::string swept;
  for (const SweepSet& p : s.swept) {
    std::string values;
    for (const SweepValue& v : p.values) values += (values.empty() ? "" : ", ") + json_value(v);
    swept += fmt::format("{}\n    {{\"key\": \"{}\", \"values\": [{}]}}", swept.empty() ? "" : ",", json_escape(p.key),
                         values);
  }
  std::string points;
  for (const SweepPointResult& r : s.points) {
    std::string params, overrides;
    for (std::size_t k = 0; k < s.swept.size(); ++k)
      params += fmt::format("{}\"{}\": {}", k ? ", " : "", json_escape(s.swept[k].key),
                            json_value(s.swept[k].values[r.point.choice[k]]));
    std::vector<std::string> sets;
    for (const Override& o : r.point.overrides) sets.push_back(o.key + "=" + o.value);
    std::string metrics;
    for (const std::string& m : sweep_metric_names())
      metrics += fmt::format(",\n      \"{}\": {}", m, json_summary_object(sweep_metric(r.headline, m)));
    points += fmt::format(
        "{}\n    {{\n      \"point\": {},\n      \"file\": \"{}\",\n      \"parameters\": {{{}}},\n"
        "      \"overrides\": {},\n      \"seed\": {},\n      \"realizations\": {}{}\n    }}",
        points.empty() ? "" : ",", r.point.index, json_escape(r.point.file), params, json_strings(sets), r.seed,
        r.realizations, metrics);
  }
  return fmt::format(
      "{{\n"
      "  \"filetype\": \"remnant-sweep\",\n"
      "  \"software_version\": \"{}\",\n"
      "  \"git_revision\": \"{}\",\n"
      "  \"scenario\": \"{}\",\n"
      "  \"scenario_file\": \"{}\",\n"
      "  \"backend\": \"{}\",\n"
      "  \"fixed_overrides\": {},\n"
      "  \"swept\": [{}\n  ],\n"
      "  \"metric\": \"{}\",\n"
      "  \"intervals\": \"q05 and q95 are the 5 % and 95 % quantiles over a point's realizations (a 90 % "
      "interval); every point runs with the same seed (common random numbers), so differences between points come "
      "from the parameters, not from sampling noise\",\n"
      "  \"points\": [{}\n  ]\n"
      "}}\n",
      json_escape(s.software_version), json_escape(s.git_revision), json_escape(s.scenario_name),
      json_escape(s.scenario_path), json_escape(s.backend), json_strings(s.fixed), swept, s.metric, points);
}

}  // namespace remnant
