#include "host/apps/hazard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>
#include <utility>
#include <memory>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/common/numbers.h"
#include "host/evidence/clearance.h"
#include "host/evidence/hazard_layers.h"
#include "host/evidence/result_file.h"
#include "host/maps/clearance_plot.h"
#include "host/maps/map_layers.h"
#include "host/run/ensemble.h"
#include "host/run/progress.h"
#include "host/run/replay.h"
#include "remnant_version.h"

namespace remnant {

namespace {

std::string sites_note_of(const ResultData& d) {
  if (d.site_placement == "per_realization")
    return "The sites are redrawn in every realization: these are those of realization 0, one example among them.";
  if (d.site_placement == "fixed") return "The sites are the same in every realization.";
  return "";
}

std::string interval_text(double mean, double q05, double q95, bool intervals) {
  if (!intervals) return format_figure(mean);
  return fmt::format("{} [{}, {}]", format_figure(mean), format_figure(q05), format_figure(q95));
}

std::string report_text(const ResultData& d, const std::string& file, const HazardAreas& h,
                        const std::vector<std::string>& written) {
  std::string s = fmt::format("Hazard areas of {} ({}), {}: {} area{}\n", file, d.scenario_name, h.threshold.text(),
                              h.areas.size(), h.areas.size() == 1 ? "" : "s");
  double area = 0.0, items = 0.0;
  for (const HazardArea& a : h.areas) area += a.area_m2, items += a.items_mean;
  s += fmt::format("  area {} km2; expected unexploded items inside {} of {} in the grid ({} %), outside {}\n",
                   format_figure(area * 1e-6), format_figure(items), format_figure(h.total_mean),
                   format_figure(h.total_mean > 0 ? 100.0 * items / h.total_mean : 0.0),
                   interval_text(h.outside_mean, h.outside_q05, h.outside_q95, h.intervals));
  s += h.intervals ? fmt::format("  [5th, 95th percentile] over the {} realizations, run again from the file's seed\n",
                                 d.realizations)
                   : "  no intervals (--no-intervals)\n";
  const std::vector<std::size_t> ranked = by_rank(h);
  const std::size_t shown = std::min<std::size_t>(ranked.size(), 10);
  if (shown) s += "  rank    id    area (ha)    items per ha    items inside\n";
  for (std::size_t k = 0; k < shown; ++k) {
    const HazardArea& a = h.areas[ranked[k]];
    s += fmt::format("  {:>4}  {:>4}  {:>11}  {:>14}    {}\n", a.rank, a.id, format_figure(a.area_m2 * 1e-4),
                     format_figure(a.density_per_ha()), interval_text(a.items_mean, a.items_q05, a.items_q95, h.intervals));
  }
  if (ranked.size() > shown) s += fmt::format("  ... and {} more in the layers\n", ranked.size() - shown);
  s += "Model-derived areas, not survey results.\n";
  for (const std::string& w : written) s += "written: " + w + "\n";
  return s;
}

// The towns of the result's dataset (none when it has no towns layer).
std::vector<NamedPoint> dataset_towns(const ResultData& d) {
  std::vector<NamedPoint> towns;
  const MapContext ctx = load_map_context(d, "");
  for (const ContextLayer& l : ctx.layers) {
    if (l.name != "towns") continue;
    for (const ContextFeature& f : l.features)
      if (!f.parts.empty() && !f.parts[0].empty())
        towns.push_back({f.name, f.parts[0][0][0], f.parts[0][0][1], f.population});
  }
  return towns;
}

// An output file of its own (--ranking, --curve, --localities): not there yet, its directory writable.
void check_single_output(const std::string& path, const std::string& option, std::vector<std::string>& files) {
  if (path.empty()) return;
  if (std::find(files.begin(), files.end(), path) != files.end())
    throw InputError(fmt::format("{} {}: the file is written twice", option, path));
  if (path_exists(path)) throw InputError(fmt::format("{} {}: the file exists; remove it or choose another name", option, path));
  check_output_path(path, option);
  files.push_back(path);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> hazard_about(const ResultData& d, const std::string& file,
                                                              const HazardAreas& h, const std::string& sites_note) {
  std::vector<std::pair<std::string, std::string>> a;
  a.emplace_back("what", "Hazard areas derived from a Remnant model result: where the model says unexploded "
                         "submunitions are likely. Model-derived, not survey results: they do not replace "
                         "non-technical or technical survey.");
  a.emplace_back("result_file", file);
  a.emplace_back("scenario", d.scenario_name);
  a.emplace_back("scenario_path", d.scenario_path);
  for (const std::string& o : d.overrides) a.emplace_back("override", o);
  a.emplace_back("seed", std::to_string(d.seed));
  a.emplace_back("realizations", std::to_string(d.realizations));
  a.emplace_back("software_version", d.software_version + " (git " + d.git_revision + "), which wrote the result");
  a.emplace_back("hazard_software_version", std::string(REMNANT_VERSION) + " (git " + REMNANT_GIT_REVISION +
                                                "), which drew the areas");
  a.emplace_back("result_created_utc", d.creation_time_utc);
  a.emplace_back("dud_rates", d.dud_rates.empty() ? "the scenario's own priors" : d.dud_rates);
  a.emplace_back("threshold",
                 h.threshold.text() +
                     (h.threshold.basis == HazardThreshold::Basis::Share
                          ? ": cells are taken from the densest (expected unexploded items per hectare) down until "
                            "they hold this share of the items expected in the grid; every cell as dense as the "
                            "last one taken is in too"
                      : h.threshold.basis == HazardThreshold::Basis::PAny
                          ? ": a cell is in the hazard when the share of realizations in which it holds at least "
                            "one unexploded item reaches this (a figure that grows with the cell size)"
                          : ": a cell is in the hazard when its expected unexploded items per hectare reach this"));
  a.emplace_back("cell_size_m", format_figure(d.grid.cell_size_m));
  a.emplace_back("outline", "The 0.5 contour of the in/out indicator between cell centres (GDAL marching squares): "
                            "midway between cells in and out, corners cut at 45 degrees; a cell belongs to the "
                            "area that holds its centre");
  a.emplace_back("items_mean", "expected unexploded items inside: the sum over the area's cells of the result's mean "
                               "per cell over realizations");
  a.emplace_back("items_q05, items_q95",
                 h.intervals ? fmt::format("5th and 95th percentiles of the items inside over the result's {} "
                                           "realizations, run again from its seed and scenario; every realization's "
                                           "totals matched the file's",
                                           d.realizations)
                             : "not computed (--no-intervals): left empty");
  a.emplace_back("p_any_max", "the largest probability among the area's cells that the cell holds at least one item");
  a.emplace_back("density_per_ha", "items_mean / area in hectares (Shapefile: density_ha)");
  a.emplace_back("rank", "1 = the most expected items per hectare cleared");
  a.emplace_back("basis", "model: from the model alone, not conditioned on survey evidence");
  a.emplace_back("items_in_grid", format_figure(h.total_mean));
  a.emplace_back("items_outside_areas", interval_text(h.outside_mean, h.outside_q05, h.outside_q95, h.intervals));
  if (!sites_note.empty()) a.emplace_back("strike_sites", sites_note);
  for (const std::string& r : d.references) a.emplace_back("reference", r);
  return a;
}

HazardResult run_hazard(const HazardArgs& a, const SweepHooks& hooks) {
  // Everything checked before any work.
  const HazardThreshold threshold = parse_hazard_threshold(a.threshold);
  if (a.outs.empty()) throw InputError("--out: expected at least one output file");
  std::vector<std::string> files;
  for (const std::string& o : a.outs) {
    for (const std::string& f : hazard_output_files(o, "--out")) {
      if (std::find(files.begin(), files.end(), f) != files.end())
        throw InputError(fmt::format("--out {}: {} is written twice", o, f));
      if (path_exists(f)) throw InputError(fmt::format("--out {}: {} exists; remove it or choose another name", o, f));
      check_output_path(f, "--out");
      files.push_back(f);
    }
  }
  if (a.threads < 0) throw InputError(fmt::format("--threads: expected a count >= 0, got {}", a.threads));
  if (!(a.near_m > 0.0) || !std::isfinite(a.near_m))
    throw InputError(fmt::format("--near: expected a distance in metres > 0, got {:g}", a.near_m));
  if (!(a.block_m > 0.0) || !std::isfinite(a.block_m))
    throw InputError(fmt::format("--block: expected a side in metres > 0, got {:g}", a.block_m));
  if (!(a.town_weight >= 0.0) || !std::isfinite(a.town_weight))
    throw InputError(fmt::format("--town-weight: expected a weight >= 0, got {:g}", a.town_weight));
  for (const auto& [path, option, ext] : {std::tuple<std::string, const char*, const char*>{a.ranking, "--ranking", ".csv"},
                                          {a.localities, "--localities", ".csv"}})
    if (!path.empty() && file_extension(path) != ext)
      throw InputError(fmt::format("{} {}: expected a .csv file", option, path));
  if (!a.curve.empty()) check_clearance_curve_path(a.curve);
  check_single_output(a.ranking, "--ranking", files);
  check_single_output(a.curve, "--curve", files);
  check_single_output(a.localities, "--localities", files);
  const ResultData d = read_result_file(a.file);
  for (const std::string& o : a.outs) check_hazard_output(o, d.grid);
  const bool need_towns = !a.localities.empty() || a.town_weight > 0.0;
  const std::vector<NamedPoint> towns = need_towns ? dataset_towns(d) : std::vector<NamedPoint>{};
  if (need_towns && towns.empty())
    throw InputError(fmt::format("{}: {} needs the towns of the result's dataset, and {}", a.file,
                                 a.localities.empty() ? "--town-weight" : "--localities",
                                 d.dataset.empty() ? "the result has no dataset" : "its dataset has no towns layer"));

  HazardResult out;
  out.areas = find_hazard_areas(d, threshold);
  HazardAreas& h = out.areas;
  const std::vector<std::string> near_town = rank_areas(h, towns, {a.town_weight, a.near_m});
  if (!a.localities.empty()) out.localities = localities_near(d, h, towns, a.near_m);
  ClearanceCurve curve;
  if (!a.curve.empty()) curve = clearance_curve(d, h, a.block_m);
  std::vector<StrikeSitePoint> sites;
  std::unique_ptr<Replay> rp;
  try {
    rp = std::make_unique<Replay>(prepare_replay(d, a.file));
  } catch (const InputError&) {
    if (a.intervals) throw;
  }
  if (rp) sites = first_strike_rows(*rp->scenario, *rp->plan, d.seed);
  if (hooks.before_running) hooks.before_running();
  if (a.intervals) {
    // Two passes when a curve is asked: the file's realizations (checked
    // against it) for the areas' and towns' intervals, then as many fresh
    // ones, held out from the ranking, for the curve.
    const auto pass = [&](const std::string& label, const std::function<void(const ReplayOptions&)>& run) {
      std::unique_ptr<Progress> progress;
      if (hooks.progress) progress = hooks.progress(label, d.fired_per_realization);
      ReplayOptions o;
      o.threads = a.threads;
      o.cancel = hooks.cancel;
      o.progress = [&](std::uint32_t done, std::uint32_t total) {
        if (progress) progress->update(done, total);
      };
      run(o);
      if (progress) progress->finish();
    };
    try {
      pass("hazard: realizations run again", [&](const ReplayOptions& o) {
        replay_realizations(d, a.file, *rp, o, [&](std::uint32_t, const std::vector<std::uint64_t>& duds) {
          add_realization(h, duds);
          if (!a.localities.empty()) add_realization(out.localities, duds);
        });
      });
      if (!a.curve.empty())
        pass("hazard: fresh realizations for the curve", [&](const ReplayOptions& o) {
          fresh_realizations(d, *rp, o, d.realizations, d.realizations,
                             [&](std::uint32_t, const std::vector<std::uint64_t>& duds) { add_realization(curve, duds); });
        });
    } catch (const Interrupted&) {
      if (hooks.say) hooks.say("remnant: hazard interrupted; nothing was written\n");
      out.outcome = SweepOutcome::Interrupted;
      return out;
    }
    finish_intervals(h);
    if (!a.localities.empty()) finish_intervals(out.localities);
    if (!a.curve.empty()) finish_intervals(curve);
  }

  HazardLayerInput in;
  in.result = &d;
  in.areas = &h;
  in.sites = std::move(sites);
  in.sites_note = sites_note_of(d);
  if (!rp) in.sites_note += " (not written: the scenario could not be loaded again)";
  in.about = hazard_about(d, a.file, h, in.sites_note);
  if (a.town_weight > 0.0)  // the about table's one rank row says how towns weigh in
    for (auto& [key, value] : in.about)
      if (key == "rank")
        value = fmt::format("1 = the highest priority: expected items per hectare, times {:g} where a town of the "
                            "dataset lies within {:g} m of the area (--town-weight {:g})",
                            1.0 + a.town_weight, a.near_m, a.town_weight);
  in.description = in.about.front().second;
  for (const std::string& o : a.outs) {
    if (hooks.cancel && hooks.cancel->load()) {
      if (hooks.say) hooks.say("remnant: hazard interrupted; the files named above are complete, the others were not written\n");
      out.outcome = SweepOutcome::Interrupted;
      return out;
    }
    write_hazard_layers(in, o);
    for (const std::string& f : hazard_output_files(o, "--out"))
      if (path_exists(f)) out.written.push_back(f);
  }
  if (!a.ranking.empty()) {
    write_text_file(a.ranking, ranking_csv(h, near_town));
    out.written.push_back(a.ranking);
  }
  if (!a.curve.empty()) {
    render_clearance_curve(curve, d, a.file, a.curve);
    out.written.push_back(a.curve);
  }
  if (!a.localities.empty()) {
    write_text_file(a.localities, localities_csv(out.localities));
    out.written.push_back(a.localities);
  }
  out.report = report_text(d, a.file, h, out.written);
  return out;
}

}  // namespace remnant
