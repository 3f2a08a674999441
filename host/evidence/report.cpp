#include "host/evidence/report.h"

#include "host/evidence/hazard_areas.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "host/common/numbers.h"
#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"

namespace remnant {
namespace {

template <typename F>
Summary over_realizations(const std::vector<RealizationTotals>& totals, F&& value) {
  std::vector<double> v;
  v.reserve(totals.size());
  for (const RealizationTotals& t : totals) v.push_back(value(t));
  return summarize(std::move(v));
}

}  // namespace

// The headline lines of a text summary: duds, area, outside, water, then the
// duds of each land-cover class that has any.
std::string headline_text(const Headline& h, std::size_t realizations) {
  std::string s;
  auto line = [&](const std::string& what, const Summary& x, const char* unit) {
    s += fmt::format("  {:<28} mean {:>11}   90% interval {} to {}   median {} {}\n", what, format_figure(x.mean),
                     format_figure(x.q05), format_figure(x.q95), format_figure(x.q50), unit);
  };
  line("unexploded (duds) on land", h.total_duds, "items");
  if (h.hazard.recorded()) {
    line("hazard area", h.hazard_area_km2, "km2");
    if (h.hazard.strike_sites) line("hazard area per strike site", h.hazard_per_strike_ha, "ha");
  }
  line("area of cells with a dud", h.contaminated_area_km2, "km2");
  if (h.landings_counted) {
    line("landed outside the grid", h.outside_grid, "items");
    line("landed in water", h.in_water, "items");
  } else {
    s += "  impacts, items landed outside the grid or in water: not counted (a dud-only run, --duds-only)\n";
  }
  for (int k = 0; k < kLandCoverClasses; ++k)
    if (h.duds_by_class[k].max > 0)
      line(fmt::format("  duds on {}", land_cover_name(static_cast<LandCover>(k))), h.duds_by_class[k], "items");
  for (const auto& [name, x] : h.duds_by_type) line("  duds of " + name, x, "items");
  if (h.hazard.recorded())
    s += fmt::format("  note: hazard area = the area {}; the area of cells with a dud grows with the cell size\n",
                     hazard_definition_text(h.hazard));
  if (realizations < kFewRealizations)
    s += fmt::format("  note: only {} realization{}: an interval from so few is rough; run more (-r) before quoting "
                     "it\n",
                     realizations, realizations == 1 ? "" : "s");
  return s;
}

std::string hazard_definition_text(const HazardDefinition& h) {
  std::string s = fmt::format("within {:g} m of an unexploded item (counted on pixels of {} m)", h.fade_out_m,
                              format_3sig(h.pixel_m));
  if (h.coarse())
    s += fmt::format(", approximate: the grid's extent needs pixels coarser than half the fade-out distance");
  return s;
}

// Dud-rate priors, --set overrides and assumptions, as summary_text prints them.
std::string provenance_text(const std::string& dud_rates, const std::vector<std::string>& overrides,
                            const std::vector<std::string>& assumptions) {
  std::string s;
  if (!dud_rates.empty()) s += fmt::format("  dud-rate priors: {} figures\n", dud_rates);
  for (const std::string& o : overrides) s += fmt::format("  --set {}\n", o);
  for (const std::string& a : assumptions) s += fmt::format("  assumption: {}\n", a);
  return s;
}

std::string json_summary_object(const Summary& s) {
  return fmt::format(R"({{"mean": {}, "sd": {}, "q05": {}, "q50": {}, "q95": {}, "min": {}, "max": {}}})", s.mean, s.sd,
                     s.q05, s.q50, s.q95, s.min, s.max);
}

std::string json_strings(const std::vector<std::string>& v) {
  std::string o;
  for (const std::string& s : v) o += fmt::format("{}\"{}\"", o.empty() ? "" : ", ", json_escape(s));
  return "[" + o + "]";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20) o += fmt::format("\\u{:04x}", c);
        else o += ch;
    }
  }
  return o;
}

const std::vector<std::string>& headline_metric_names() {
  static const std::vector<std::string> names = {"total_duds",      "impacts",  "hazard_area_km2",
                                                 "hazard_area_per_strike_ha", "contaminated_area_km2",
                                                 "in_water",        "outside_grid"};
  return names;
}

std::vector<double> headline_values(const std::vector<RealizationTotals>& r, double cell_km2,
                                    const HazardDefinition& hazard, const std::string& metric) {
  const double pixel_km2 = hazard.pixel_m * hazard.pixel_m * 1e-6;
  auto each = [&](auto&& value) {
    std::vector<double> v;
    v.reserve(r.size());
    for (const RealizationTotals& t : r) v.push_back(value(t));
    return v;
  };
  if (metric == "total_duds") return each([](const RealizationTotals& t) { return double(t.duds); });
  if (metric == "impacts") return each([](const RealizationTotals& t) { return double(t.impacts); });
  if (metric == "contaminated_area_km2")
    return each([&](const RealizationTotals& t) { return double(t.contaminated_cells) * cell_km2; });
  if (metric == "in_water") return each([](const RealizationTotals& t) { return double(t.in_water); });
  if (metric == "outside_grid") return each([](const RealizationTotals& t) { return double(t.outside_grid); });
  const bool area = metric == "hazard_area_km2", per_strike = metric == "hazard_area_per_strike_ha";
  if (!area && !per_strike)
    throw InputError(fmt::format("\"{}\" is not a headline total; expected one of {}", metric,
                                 fmt::join(headline_metric_names(), ", ")));
  if (!hazard.recorded()) throw InputError(fmt::format("{}: the result records no hazard area", metric));
  if (per_strike && !hazard.strike_sites)
    throw InputError(fmt::format("{}: the run's strike sites are not known (fixed strikes only)", metric));
  const double per = per_strike ? 100.0 / double(hazard.strike_sites) : 1.0;  // km2 -> ha per site
  return each([&](const RealizationTotals& t) { return double(t.hazard_pixels) * pixel_km2 * per; });
}

bool counts_landings(const std::string& metric) {
  return metric == "impacts" || metric == "in_water" || metric == "outside_grid";
}

const char* const kDudsOfPrefix = "duds_of:";

std::string duds_of_metric(const std::string& type) { return kDudsOfPrefix + type; }

std::optional<std::string> duds_of_type(const std::string& metric) {
  const std::string prefix = kDudsOfPrefix;
  if (metric.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return metric.substr(prefix.size());
}

Headline headline(const std::vector<RealizationTotals>& r, double cell_km2, const HazardDefinition& hazard) {
  Headline h;
  h.hazard = hazard;
  auto total = [&](const char* metric) { return summarize(headline_values(r, cell_km2, hazard, metric)); };
  if (hazard.recorded()) {
    h.hazard_area_km2 = total("hazard_area_km2");
    if (hazard.strike_sites) h.hazard_per_strike_ha = total("hazard_area_per_strike_ha");
  }
  h.total_duds = total("total_duds");
  h.impacts = total("impacts");
  h.contaminated_area_km2 = total("contaminated_area_km2");
  h.in_water = total("in_water");
  h.outside_grid = total("outside_grid");
  for (int k = 0; k < kLandCoverClasses; ++k)
    h.duds_by_class[k] = over_realizations(r, [k](const RealizationTotals& t) { return double(t.duds_by_class[k]); });
  return h;
}

std::vector<std::pair<std::string, Summary>> duds_by_type_summaries(const std::vector<std::string>& names,
                                                                   const std::vector<std::uint64_t>& rows,
                                                                   std::size_t realizations) {
  std::vector<std::pair<std::string, Summary>> out;
  const std::size_t T = names.size();
  if (T == 0 || realizations == 0 || rows.size() != T * realizations) return out;
  for (std::size_t t = 0; t < T; ++t) {
    std::vector<double> v(realizations);
    for (std::size_t i = 0; i < realizations; ++i) v[i] = double(rows[i * T + t]);
    out.emplace_back(names[t], summarize(std::move(v)));
  }
  return out;
}

Headline headline(const ResultData& d) {
  Headline h =
      headline(d.totals, d.grid.cell_area_km2(), HazardDefinition{d.fade_out_m, d.hazard_pixel_m, d.site_x_m.size()});
  h.duds_by_type = duds_by_type_summaries(d.submunition_types, d.duds_by_type, d.totals.size());
  return h;
}


namespace {

// "EPSG:32636 (WGS 84 / UTM zone 36N)": the CRS as the scenario wrote it and
// the name its WKT gives.
std::string crs_short(const ResultGrid& g) {
  if (g.crs.empty()) return "none (local metres)";
  const std::size_t open = g.crs_wkt.find('"');
  const std::size_t close = open == std::string::npos ? open : g.crs_wkt.find('"', open + 1);
  if (close == std::string::npos) return g.crs;
  const std::string name = g.crs_wkt.substr(open + 1, close - open - 1);
  return name.empty() || name == g.crs ? g.crs : fmt::format("{} ({})", g.crs, name);
}

std::string site_placement_text(const std::string& placement) {
  if (placement == "per_realization") return "redrawn in every realization; the file holds the first realization's";
  if (placement == "fixed") return "the same in every realization";
  return placement;
}

}  // namespace

std::string result_info_text(const ResultData& d) {
  const ResultGrid& g = d.grid;
  std::string s;
  s += fmt::format("Remnant {}: filetype {}, format {}\n",
                   d.filetype == kCheckpointFiletype ? "checkpoint" : "result file", d.filetype, d.format_version);
  if (d.filetype == kCheckpointFiletype)
    s += fmt::format("  CHECKPOINT of an interrupted run: {} of {} realizations done; the figures below cover those "
                     "only. Continue it with `remnant run ... --resume` (the interrupted run's arguments).\n",
                     d.totals.size(), d.realizations);
  s += fmt::format("  written by Remnant {} (git {}) at {}\n", d.software_version, d.git_revision,
                   d.creation_time_utc);
  s += fmt::format("  scenario \"{}\" ({})\n", d.scenario_name, d.scenario_path);
  if (!d.base_scenario_path.empty()) s += fmt::format("    built on {}\n", d.base_scenario_path);
  if (!d.munitions_path.empty()) s += fmt::format("  munition catalogue: {}\n", d.munitions_path);
  if (!d.land_cover_table_path.empty()) s += fmt::format("  land-cover table: {}\n", d.land_cover_table_path);
  s += fmt::format("  dataset: {}\n", d.dataset.empty() ? "none" : d.dataset);
  s += fmt::format("  seed {}, {} realizations, backend {}, {} submunitions fired per realization\n", d.seed,
                   d.realizations, d.backend, d.fired_per_realization);
  s += conditioning_text(d.conditioning);
  s += fmt::format("grid: {} x {} cells of {:g} m ({} km2), lower-left corner ({:.1f}, {:.1f}) m\n", g.nx, g.ny,
                   g.cell_size_m, format_figure(double(g.cells()) * g.cell_area_km2()), g.origin_x_m, g.origin_y_m);
  s += fmt::format("  crs: {}\n", crs_short(g));

  s += "variables (per cell: y, x; row 0 is the southern row):\n";
  for (const ResultLayerInfo& l : result_layers())
    s += fmt::format("  {:<28} units {:<3} {}\n", l.name, l.units, l.long_name);
  const CellAccumulators& a = d.accumulators;
  s += fmt::format("  {:<28} units 1   raw sums: dud_sum, dud_sum_sq, dud_nonzero, impact_sum, dud_histogram "
                   "({} bins)\n",
                   "accumulators/", a.histogram_bins);
  s += fmt::format("  {:<28} units 1   {} rows: fired, impacts, duds, contaminated_cells, in_water, "
                   "outside_grid, hazard_pixels, duds_<class>; contaminated_area, hazard_area (km2){}\n",
                   "realizations/", d.totals.size(),
                   d.submunition_types.empty()
                       ? std::string()
                       : fmt::format("; duds_by_type (realization x submunition_type: {} types)",
                                     d.submunition_types.size()));
  s += fmt::format("  {:<28} units m   {} strike site{} (x, y), {}\n", "sites/", d.site_x_m.size(),
                   d.site_x_m.size() == 1 ? "" : "s", site_placement_text(d.site_placement));

  s += fmt::format("headline over {} realizations (mean, 90% interval, median):\n", d.totals.size());
  if (!headline(d).hazard.recorded())
    s += "  no hazard area: the file's format is older than 1.2 (run again to have it)\n";
  s += headline_text(headline(d), d.totals.size());
  s += sensitivity_text(d.sensitivity);
  s += hazard_layers_text(d);
  s += provenance_text(d.dud_rates, d.overrides, d.assumptions);
  for (const std::string& r : d.references) s += fmt::format("  reference: {}\n", r);
  return s;
}

std::string hazard_layers_text(const ResultData& d) {
  if (d.filetype == kCheckpointFiletype) return "";
  const HazardAreas h = find_hazard_areas(d, HazardThreshold{});
  double area = 0.0, items = 0.0;
  for (const HazardArea& a : h.areas) area += a.area_m2, items += a.items_mean;
  std::string s = fmt::format("what `remnant hazard` would write (default threshold: {}):\n", h.threshold.text());
  s += fmt::format("  layer hazard_areas: {} polygon{}, {} km2, {} of the {} expected unexploded items inside "
                   "(intervals: `remnant hazard` runs the realizations again); model-derived, not survey results\n",
                   h.areas.size(), h.areas.size() == 1 ? "" : "s", format_figure(area * 1e-6), format_figure(items),
                   format_figure(h.total_mean));
  s += fmt::format("  layer strike_sites: the scenario's strike sites ({}); table about: where the figures come from\n",
                   site_placement_text(d.site_placement));
  return s;
}

std::string conditioning_text(const ResultConditioning& c) {
  if (c.empty()) return "";
  std::string s = fmt::format("  conditioned on evidence: {} ({}; SHA-256 {})\n", c.summary, fmt::join(c.files, ", "),
                              c.sha256.substr(0, 16));
  for (const std::string& line : c.diagnostics) s += "    " + line + "\n";
  return s;
}

}  // namespace remnant
