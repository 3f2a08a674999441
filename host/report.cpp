#include "host/report.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "host/result_file.h"
#include "remnant_version.h"

namespace remnant {
namespace {

template <typename F>
Summary over_realizations(const std::vector<RealizationTotals>& totals, F&& value) {
  std::vector<double> v;
  v.reserve(totals.size());
  for (const RealizationTotals& t : totals) v.push_back(value(t));
  return summarize(std::move(v));
}

// The headline lines of a text summary: duds, area, outside, water, then the
// duds of each land-cover class that has any.
std::string headline_text(const Headline& h) {
  std::string s;
  auto line = [&](const char* what, const Summary& x, const char* unit) {
    s += fmt::format("  {:<28} mean {:>12.4g}  90% interval [{:.4g}, {:.4g}]  median {:.4g} {}\n", what, x.mean,
                     x.q05, x.q95, x.q50, unit);
  };
  line("unexploded (duds) on land", h.total_duds, "items");
  line("contaminated area", h.contaminated_area_km2, "km2");
  line("landed outside the grid", h.outside_grid, "items");
  line("landed in water", h.in_water, "items");
  for (int k = 0; k < kLandCoverClasses; ++k)
    if (h.duds_by_class[k].max > 0)
      s += fmt::format("    duds on {:<12} mean {:>10.1f}  90% interval [{:.1f}, {:.1f}]\n",
                       land_cover_name(static_cast<LandCover>(k)), h.duds_by_class[k].mean, h.duds_by_class[k].q05,
                       h.duds_by_class[k].q95);
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

}  // namespace

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

Headline headline(const RunResult& r, const Plan& plan) {
  return headline(r.totals, plan.cell_size_m * plan.cell_size_m * 1e-6);
}

Headline headline(const std::vector<RealizationTotals>& r, double cell_km2) {
  Headline h;
  h.total_duds = over_realizations(r, [](const RealizationTotals& t) { return double(t.duds); });
  h.impacts = over_realizations(r, [](const RealizationTotals& t) { return double(t.impacts); });
  h.contaminated_area_km2 =
      over_realizations(r, [&](const RealizationTotals& t) { return double(t.contaminated_cells) * cell_km2; });
  h.in_water = over_realizations(r, [](const RealizationTotals& t) { return double(t.in_water); });
  h.outside_grid = over_realizations(r, [](const RealizationTotals& t) { return double(t.outside_grid); });
  for (int k = 0; k < kLandCoverClasses; ++k)
    h.duds_by_class[k] = over_realizations(r, [k](const RealizationTotals& t) { return double(t.duds_by_class[k]); });
  return h;
}

std::string summary_json(const Scenario& sc, const Plan& plan, const RunResult& r) {
  const Headline h = headline(r, plan);
  std::string by_class;
  for (int k = 0; k < kLandCoverClasses; ++k)
    by_class += fmt::format(R"({}"{}": {})", k ? ", " : "", land_cover_name(static_cast<LandCover>(k)),
                            json_summary_object(h.duds_by_class[k]));
  std::string assumptions;
  for (std::size_t i = 0; i < sc.assumptions.size(); ++i)
    assumptions += fmt::format(R"({}"{}")", i ? ", " : "", json_escape(sc.assumptions[i]));
  const double items = double(r.fired_per_realization) * r.realizations;
  return fmt::format(
      "{{\n"
      "  \"software_version\": \"{}\",\n"
      "  \"git_revision\": \"{}\",\n"
      "  \"scenario\": \"{}\",\n"
      "  \"scenario_file\": \"{}\",\n"
      "  \"seed\": {},\n"
      "  \"realizations\": {},\n"
      "  \"backend\": \"{}\",\n"
      "  \"backend_note\": \"{}\",\n"
      "  \"threads\": {},\n"
      "  \"batch\": {},\n"
      "  \"submunitions_fired\": {},\n"
      "  \"total_duds\": {},\n"
      "  \"impacts\": {},\n"
      "  \"contaminated_area_km2\": {},\n"
      "  \"outside_grid\": {},\n"
      "  \"in_water\": {},\n"
      "  \"duds_by_land_cover\": {{{}}},\n"
      "  \"grid\": {{\"nx\": {}, \"ny\": {}, \"cell_size_m\": {}, \"crs\": \"{}\"}},\n"
      "  \"assumptions\": [{}],\n"
      "  \"seconds\": {},\n"
      "  \"submunitions_per_second\": {}\n"
      "}}\n",
      REMNANT_VERSION, REMNANT_GIT_REVISION, json_escape(sc.name), json_escape(sc.path), r.seed, r.realizations,
      r.backend.name, json_escape(r.backend.note), r.threads, r.batch, r.fired_per_realization,
      json_summary_object(h.total_duds), json_summary_object(h.impacts),
      json_summary_object(h.contaminated_area_km2), json_summary_object(h.outside_grid),
      json_summary_object(h.in_water), by_class, plan.nx, plan.ny, plan.cell_size_m, json_escape(sc.grid.crs),
      assumptions, r.seconds, r.seconds > 0 ? items / r.seconds : 0.0);
}

std::string summary_text(const Scenario& sc, const Plan& plan, const RunResult& r) {
  const Headline h = headline(r, plan);
  std::string s;
  s += fmt::format("Remnant {} ({}): scenario \"{}\" ({})\n", REMNANT_VERSION, REMNANT_GIT_REVISION, sc.name, sc.path);
  s += fmt::format("  seed {}, {} realizations, backend {} [{}], {} thread{}{}, batch {}\n", r.seed,
                   r.realizations, r.backend.name, r.backend.note, r.threads, r.threads == 1 ? "" : "s",
                   r.backend.name == "cpu" ? "" : " (host)", r.batch);
  if (!r.batch_note.empty()) s += "  " + r.batch_note + "\n";
  s += fmt::format("  submunitions fired per realization: {}\n", r.fired_per_realization);
  s += headline_text(h);
  s += provenance_text(sc.dud_rates, sc.overrides, sc.assumptions);
  const double items = double(r.fired_per_realization) * r.realizations;
  s += fmt::format("  {:.2f} s, {:.3g} submunitions per second\n", r.seconds, r.seconds > 0 ? items / r.seconds : 0.0);
  (void)plan;
  return s;
}

namespace {

std::string prior_text(const RatePrior& p) {
  if (p.fixed) return fmt::format("fixed {:.4f}", p.value);
  const double a = p.alpha, b = p.beta, m = a / (a + b);
  const double sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  return fmt::format("Beta({:g}, {:g}): mean {:.3f}, sd {:.3f}", a, b, m, sd);
}

std::string range_text(const Range& r, const char* unit) {
  return r.lo == r.hi ? fmt::format("{:g} {}", r.lo, unit) : fmt::format("{:g}-{:g} {}", r.lo, r.hi, unit);
}

}  // namespace

std::string validation_text(const Scenario& sc, const Plan& plan) {
  std::string s;
  s += fmt::format("scenario \"{}\" ({}): valid\n", sc.name, sc.path);
  s += fmt::format("  seed {}, {} realizations{}\n", sc.seed, sc.realizations,
                   sc.dud_rates.empty() ? "" : fmt::format(", dud-rate priors: {} figures", sc.dud_rates));
  if (!sc.munitions_path.empty()) s += fmt::format("  munition catalogue: {}\n", sc.munitions_path);
  if (!sc.land_cover_path.empty()) s += fmt::format("  land-cover table: {}\n", sc.land_cover_path);
  for (const std::string& o : sc.overrides) s += fmt::format("  --set {}\n", o);

  s += fmt::format("grid: {} x {} cells of {:g} m ({:.0f} km2), lower-left corner ({:.1f}, {:.1f}) m, crs {}\n", plan.nx,
                   plan.ny, plan.cell_size_m, double(plan.nx) * plan.ny * plan.cell_size_m * plan.cell_size_m / 1e6,
                   plan.origin_x_m, plan.origin_y_m, plan.crs.empty() ? "(local metres, none given)" : plan.crs);
  if (sc.dataset) s += fmt::format("  dataset: {} ({}) in {}\n", sc.dataset->name, sc.dataset->title, sc.dataset->dir);
  std::array<std::uint64_t, kLandCoverClasses> cover{};
  for (std::uint8_t c : plan.land_cover) ++cover[c % kLandCoverClasses];
  for (int k = 0; k < kLandCoverClasses; ++k)
    if (cover[k])
      s += fmt::format("  land cover {:<12} {:>10} cells  dud-rate multiplier {:g}{}\n",
                       land_cover_name(static_cast<LandCover>(k)), cover[k], sc.dud_multiplier[k],
                       sc.recoverable[k] ? "" : "  (not recoverable)");
  s += fmt::format("  slope coefficient {:g}\n", sc.slope_coefficient);
  for (const std::string& n : plan.notes) s += fmt::format("  {}\n", n);

  // Inventory by carrier and by submunition type.
  std::vector<std::uint64_t> carriers(sc.carriers.size()), by_type(sc.submunitions.size());
  for (std::size_t row = 0; row < plan.per_carrier.size(); ++row) {
    const std::uint64_t items = plan.first_item[row + 1] - plan.first_item[row];
    carriers[plan.carrier_of_strike[row]] += items / plan.per_carrier[row];
    by_type[plan.type[row]] += items;
  }
  s += fmt::format("inventory: {} submunitions fired per realization, {} strike rows\n", plan.items_per_realization,
                   plan.per_carrier.size());
  if (sc.inventory.total_submunitions)
    s += fmt::format("  stated total {} submunitions (the carriers below, rounded to whole carriers, fire {})\n",
                     *sc.inventory.total_submunitions, plan.items_per_realization);
  for (std::size_t c = 0; c < sc.carriers.size(); ++c) {
    if (!carriers[c]) continue;
    const CarrierType& ct = sc.carriers[c];
    s += fmt::format("  {:<10} {:>9} carriers x {:>4} {:<7} = {:>11} ({}, {}, aim error CEP {:g} m, function height {})\n",
                     ct.name, carriers[c], ct.submunitions_per_carrier, ct.submunition,
                     carriers[c] * ct.submunitions_per_carrier, ct.delivery, pattern_name(ct.pattern),
                     ct.aim_error_cep_m, range_text(ct.function_height_m, "m"));
  }
  s += "submunition types fired, with the dud-rate prior used:\n";
  for (std::size_t t = 0; t < sc.submunitions.size(); ++t) {
    if (!by_type[t]) continue;
    const SubmunitionType& st = sc.submunitions[t];
    s += fmt::format("  {:<8} {:>11} fired  dud rate {}{}  terminal velocity {}\n", st.name, by_type[t],
                     prior_text(st.dud_rate),
                     st.self_destruct_failure ? ", self-destruct failure " + prior_text(*st.self_destruct_failure) : "",
                     range_text(st.terminal_velocity_mps, "m/s"));
  }
  if (sc.sites.present) {
    s += fmt::format("strike sites: {} ({}), drawn from {}\n", sc.sites.count,
                     sc.sites.per_realization ? "redrawn in every realization" : "fixed for the run by the seed",
                     sc.sites.points_csv.empty() ? fmt::format("{} area(s)", sc.sites.areas.size())
                                                 : fmt::format("{} points in {}", plan.sites.point_x.size(), sc.sites.points_csv));
  }
  if (!sc.strikes.empty()) s += fmt::format("strikes at fixed points: {}\n", sc.strikes.size());
  s += fmt::format("wind: {}, from {}\n", range_text(sc.wind.speed_mps, "m/s"), range_text(sc.wind.from_deg, "deg"));
  for (const std::string& src : sc.sources) s += fmt::format("  source: {}\n", src);
  for (const std::string& a : sc.assumptions) s += fmt::format("  assumption: {}\n", a);
  return s;
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
  s += fmt::format("grid: {} x {} cells of {:g} m ({:.4g} km2), lower-left corner ({:.1f}, {:.1f}) m\n", g.nx, g.ny,
                   g.cell_size_m, double(g.cells()) * g.cell_area_km2(), g.origin_x_m, g.origin_y_m);
  s += fmt::format("  crs: {}\n", crs_short(g));

  s += "variables (per cell: y, x; row 0 is the southern row):\n";
  for (const ResultLayerInfo& l : result_layers())
    s += fmt::format("  {:<28} units {:<3} {}\n", l.name, l.units, l.long_name);
  const CellAccumulators& a = d.accumulators;
  s += fmt::format("  {:<28} units 1   raw sums: dud_sum, dud_sum_sq, dud_nonzero, impact_sum, dud_histogram "
                   "({} bins)\n",
                   "accumulators/", a.histogram_bins);
  s += fmt::format("  {:<28} units 1   {} rows: fired, impacts, duds, contaminated_cells, in_water, "
                   "outside_grid, duds_<class>; contaminated_area (km2)\n",
                   "realizations/", d.totals.size());
  s += fmt::format("  {:<28} units m   {} strike site{} (x, y), {}\n", "sites/", d.site_x_m.size(),
                   d.site_x_m.size() == 1 ? "" : "s", site_placement_text(d.site_placement));

  s += fmt::format("headline over {} realizations (mean, 90% interval, median):\n", d.totals.size());
  s += headline_text(headline(d.totals, g.cell_area_km2()));
  s += provenance_text(d.dud_rates, d.overrides, d.assumptions);
  return s;
}

}  // namespace remnant
