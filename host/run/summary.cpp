#include "host/run/summary.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/common/numbers.h"
#include "host/run/result_data.h"
#include "remnant_version.h"

namespace remnant {

HazardDefinition hazard_definition(const Plan& plan) {
  return HazardDefinition{plan.fade_out_m, plan.hazard.dx, plan.strike_sites()};
}

namespace {

double cell_km2(const Plan& plan) { return plan.cell_size_m * plan.cell_size_m * 1e-6; }

}  // namespace

std::vector<std::string> run_metric_names(const Scenario& sc, const std::vector<std::uint64_t>& items_by_type) {
  std::vector<std::string> names = headline_metric_names();
  for (std::size_t t = 0; t < sc.submunitions.size() && t < items_by_type.size(); ++t)
    if (items_by_type[t]) names.push_back(duds_of_metric(sc.submunitions[t].name));
  return names;
}

std::vector<double> run_metric_values(const Scenario& sc, const Plan& plan, const RunResult& r,
                                      const std::string& metric) {
  const std::optional<std::string> type = duds_of_type(metric);
  if (!type) {
    if (r.duds_only && counts_landings(metric))
      throw InputError(fmt::format("{}: not counted by a dud-only run (--duds-only)", metric));
    return headline_values(r.totals, cell_km2(plan), hazard_definition(plan), metric);
  }
  const std::size_t T = sc.submunitions.size();
  std::size_t t = 0;
  while (t < T && sc.submunitions[t].name != *type) ++t;
  if (t == T) {
    std::vector<std::string> names;
    for (const SubmunitionType& s : sc.submunitions) names.push_back(duds_of_metric(s.name));
    throw InputError(fmt::format("{}: \"{}\" is not a submunition type of scenario \"{}\"; expected one of {}", metric,
                                 *type, sc.name, fmt::join(names, ", ")));
  }
  if (!r.counts_duds_by_type() || r.duds_types != T)
    throw InputError(fmt::format("{}: the run did not count duds by submunition type", metric));
  std::vector<double> v;
  v.reserve(r.totals.size());
  for (std::size_t i = 0; i < r.totals.size(); ++i) v.push_back(double(r.duds_by_type[i * T + t]));
  return v;
}

Headline headline(const RunResult& r, const Plan& plan) {
  Headline h = headline(r.totals, cell_km2(plan), hazard_definition(plan));
  h.landings_counted = !r.duds_only;
  return h;
}

namespace {

// With the duds of each of the scenario's submunition types, where counted.
Headline run_headline(const Scenario& sc, const Plan& plan, const RunResult& r) {
  Headline h = headline(r, plan);
  const FiredDudsByType f = fired_duds_by_type(sc, plan, r);
  h.duds_by_type = duds_by_type_summaries(f.names, f.rows, r.totals.size());
  return h;
}

}  // namespace

std::string summary_json(const Scenario& sc, const Plan& plan, const RunResult& r, const Sensitivity& sens,
                         const std::string& members) {
  const Headline h = run_headline(sc, plan, r);
  std::string by_class;
  for (int k = 0; k < kLandCoverClasses; ++k)
    by_class += fmt::format(R"({}"{}": {})", k ? ", " : "", land_cover_name(static_cast<LandCover>(k)),
                            json_summary_object(h.duds_by_class[k]));
  std::string by_type;  // null when not counted
  for (std::size_t t = 0; t < h.duds_by_type.size(); ++t)
    by_type += fmt::format(R"({}"{}": {})", t ? ", " : "", json_escape(h.duds_by_type[t].first),
                           json_summary_object(h.duds_by_type[t].second));
  auto json_strings = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += fmt::format(R"({}"{}")", i ? ", " : "", json_escape(v[i]));
    return out;
  };
  const double items = double(r.fired_per_realization) * r.realizations;
  // A dud-only run counted no landings: null, not 0.
  auto landings = [&](const Summary& x) { return h.landings_counted ? json_summary_object(x) : std::string("null"); };
  std::vector<std::string> warnings;
  if (r.realizations < kFewRealizations)
    warnings.push_back(fmt::format("only {} realization{}: the 90 % intervals from so few are rough; run more (-r) "
                                   "before quoting them",
                                   r.realizations, r.realizations == 1 ? "" : "s"));
  warnings.insert(warnings.end(), plan.sites.warnings.begin(), plan.sites.warnings.end());
  return fmt::format(
      "{{\n"
      "{}"
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
      "  \"duds_only\": {},\n"
      "  \"submunitions_fired\": {},\n"
      "  \"total_duds\": {},\n"
      "  \"impacts\": {},\n"
      "  \"hazard_area_km2\": {},\n"
      "  \"hazard_area_per_strike_ha\": {},\n"
      "  \"hazard\": {{\"fade_out_m\": {}, \"pixel_m\": {}, \"strike_sites\": {}, \"definition\": \"{}\"}},\n"
      "  \"contaminated_area_km2\": {},\n"
      "  \"outside_grid\": {},\n"
      "  \"in_water\": {},\n"
      "  \"duds_by_land_cover\": {{{}}},\n"
      "  \"duds_by_submunition\": {},\n"
      "  \"sensitivity\": {},\n"
      "  \"grid\": {{\"nx\": {}, \"ny\": {}, \"cell_size_m\": {}, \"crs\": \"{}\"}},\n"
      "  \"assumptions\": [{}],\n"
      "  \"warnings\": [{}],\n"
      "  \"dropped_assumptions\": [{}],\n"
      "  \"references\": [{}],\n"
      "  \"seconds\": {},\n"
      "  \"submunitions_per_second\": {}\n"
      "}}\n",
      members, REMNANT_VERSION, REMNANT_GIT_REVISION, json_escape(sc.name), json_escape(sc.path), r.seed, r.realizations,
      r.backend.name, json_escape(r.backend.note), r.threads, r.batch, r.duds_only ? "true" : "false",
      r.fired_per_realization, json_summary_object(h.total_duds), landings(h.impacts),
      json_summary_object(h.hazard_area_km2),
      h.hazard.strike_sites ? json_summary_object(h.hazard_per_strike_ha) : std::string("null"), h.hazard.fade_out_m,
      h.hazard.pixel_m, h.hazard.strike_sites, json_escape("the area " + hazard_definition_text(h.hazard)),
      json_summary_object(h.contaminated_area_km2), landings(h.outside_grid), landings(h.in_water), by_class,
      h.duds_by_type.empty() ? std::string("null") : "{" + by_type + "}",
      sensitivity_json(sens), plan.nx, plan.ny, plan.cell_size_m, json_escape(sc.grid.crs),
      json_strings(sc.assumptions), json_strings(warnings), json_strings(sc.dropped_assumptions), json_strings(sc.references), r.seconds,
      r.seconds > 0 ? items / r.seconds : 0.0);
}

std::string summary_text(const Scenario& sc, const Plan& plan, const RunResult& r, const Sensitivity& sens) {
  const Headline h = run_headline(sc, plan, r);
  std::string s;
  s += fmt::format("Remnant {} ({}): scenario \"{}\" ({})\n", REMNANT_VERSION, REMNANT_GIT_REVISION, sc.name, sc.path);
  s += fmt::format("  seed {}, {} realizations, backend {} [{}], {} thread{}{}, batch {}\n", r.seed,
                   r.realizations, r.backend.name, r.backend.note, r.threads, r.threads == 1 ? "" : "s",
                   r.backend.name == "cpu" ? "" : " (host)", r.batch);
  if (!r.batch_note.empty()) s += "  " + r.batch_note + "\n";
  for (const std::string& w : plan.sites.warnings) s += "  warning: " + w + "\n";
  s += fmt::format("  submunitions fired per realization: {}\n", r.fired_per_realization);
  s += headline_text(h, r.realizations);
  s += sensitivity_text(sens);
  s += provenance_text(sc.dud_rates, sc.overrides, sc.assumptions);
  const double items = double(r.fired_per_realization) * r.realizations;
  s += fmt::format("  {:.2f} s, {} submunitions per second\n", r.seconds,
                   format_figure(r.seconds > 0 ? items / r.seconds : 0.0));
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
  std::vector<std::uint64_t> carriers(sc.carriers.size());
  const std::vector<std::uint64_t> by_type = plan.items_by_type();
  for (std::size_t row = 0; row < plan.per_carrier.size(); ++row)
    carriers[plan.carrier_of_strike[row]] += (plan.first_item[row + 1] - plan.first_item[row]) / plan.per_carrier[row];
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
    if (!plan.sites.fixed_sites.empty())
      s += fmt::format("strike sites: {}, the points kept of {}, each one site in every realization\n",
                       plan.site_count, sc.sites.points_csv);
    else
      s += fmt::format("strike sites: {} ({}), drawn from {}\n", plan.site_count,
                       sc.sites.per_realization ? "redrawn in every realization" : "fixed for the run by the seed",
                       sc.sites.points_csv.empty() ? fmt::format("{} area(s)", sc.sites.areas.size())
                                                   : fmt::format("{} points in {}", plan.sites.point_x.size(), sc.sites.points_csv));
  }
  if (!sc.strikes.empty()) s += fmt::format("strikes at fixed points: {}\n", sc.strikes.size());
  s += fmt::format("wind: {}, from {}\n", range_text(sc.wind.speed_mps, "m/s"), range_text(sc.wind.from_deg, "deg"));
  for (const std::string& src : sc.sources) s += fmt::format("  source: {}\n", src);
  for (const std::string& r : sc.references) s += fmt::format("  reference: {}\n", r);
  for (const std::string& a : sc.assumptions) s += fmt::format("  assumption: {}\n", a);
  for (const std::string& a : sc.dropped_assumptions) s += fmt::format("  dropped assumption: {}\n", a);
  return s;
}

}  // namespace remnant
