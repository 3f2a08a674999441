#include "host/run/replay.h"

#include "host/run/conditioning.h"

#include <fmt/format.h>

#include <stdexcept>

#include "host/common/errors.h"
#include "host/run/ensemble.h"

namespace remnant {

Replay prepare_replay(const ResultData& d, const std::string& file) {
  const auto cannot = [&](const std::string& why) {
    return InputError(fmt::format("{}: cannot run its realizations again to give each hazard area its 90 % interval: "
                                  "{}. Run hazard from the directory the run was started in, with the scenario's "
                                  "files as they were, or give --no-intervals",
                                  file, why));
  };
  if (d.scenario_text.empty()) throw cannot("the file records no scenario text");
  std::vector<Override> overrides;
  for (const std::string& o : d.overrides) overrides.push_back(parse_override(o));
  Replay rp;
  try {
    rp.scenario = std::make_shared<const Scenario>(parse_scenario(d.scenario_text, d.scenario_path, overrides));
  } catch (const InputError& e) {
    throw cannot(fmt::format("its scenario ({}) no longer loads: {}", d.scenario_path, e.what()));
  }
  const Scenario& sc = *rp.scenario;
  const auto same = [&](const std::string& what, const std::string& was, const std::string& now, const std::string& path) {
    if (was != now) throw cannot(fmt::format("{} {} has changed since the run", what, path.empty() ? "" : path));
  };
  same("the base scenario", d.base_scenario_text, sc.base_text, d.base_scenario_path);
  same("the munitions catalogue", d.munitions_text, sc.munitions_text, d.munitions_path);
  same("the land-cover table", d.land_cover_table_text, sc.land_cover_text, d.land_cover_table_path);
  same("the dataset", d.dataset_text, sc.dataset ? sc.dataset->text : std::string(), d.dataset);
  rp.plan = std::make_shared<const Plan>(make_plan(sc));
  const Plan& p = *rp.plan;
  if (p.nx != d.grid.nx || p.ny != d.grid.ny || p.cell_size_m != d.grid.cell_size_m ||
      p.origin_x_m != d.grid.origin_x_m || p.origin_y_m != d.grid.origin_y_m)
    throw cannot("the scenario now plans another grid");
  if (p.items_per_realization != d.fired_per_realization)
    throw cannot(fmt::format("the scenario now fires {} submunitions per realization, the file says {}",
                             p.items_per_realization, d.fired_per_realization));
  return rp;
}

namespace {

RunOptions replay_options(const ResultData& d, const ReplayOptions& opt,
                          const std::function<void(std::uint32_t, const std::vector<std::uint64_t>&)>& each) {
  RunOptions o;
  o.realizations = d.realizations;
  o.seed = d.seed;
  o.backend = d.backend;
  o.threads = opt.threads;
  o.duds_only = true;
  o.cancel = opt.cancel;
  o.progress = opt.progress;
  o.each_realization = each;
  return o;
}

// A conditioned result's evidence, read again from the files it names
// (relative names from where the run was started) and checked against the
// hash it recorded.
Evidence recorded_evidence(const ResultData& d, const std::string& file, const Scenario& sc) {
  const ResultConditioning& c = d.conditioning;
  Evidence ev;
  try {
    ev = read_evidence(c.files, sc.grid, c.cancelled_detection);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: the run was conditioned on evidence that no longer reads: {}", file, e.what()));
  }
  if (ev.sha256 != c.sha256)
    throw InputError(fmt::format("{}: the evidence files ({}) have changed since the run (SHA-256 {} then, {} now), "
                                 "so its realizations cannot be run again; give --no-intervals",
                                 file, fmt::join(c.files, ", "), c.sha256.substr(0, 16), ev.sha256.substr(0, 16)));
  return ev;
}

ConditionOptions recorded_conditioning(const ResultData& d) {
  ConditionOptions co;
  co.sweeps = d.conditioning.sweeps;
  co.find_radius_m = d.conditioning.find_radius_m;
  return co;
}

}  // namespace

void fresh_realizations(const ResultData& d, const Replay& rp, const ReplayOptions& opt, std::uint32_t first,
                        std::uint32_t count,
                        const std::function<void(std::uint32_t, const std::vector<std::uint64_t>&)>& each) {
  if (first < d.realizations || static_cast<std::uint64_t>(first) + count > 0xffffffffULL)
    throw std::logic_error("fresh_realizations: realizations the file holds, or beyond the index range");
  if (!d.conditioning.empty()) {
    // New draws of the same posterior: the conditioned run again with
    // another seed, its particles numbered from `first`.
    RunOptions o = replay_options(d, opt, [&](std::uint32_t r, const std::vector<std::uint64_t>& duds) {
      each(first + r, duds);
    });
    o.realizations = count;
    o.seed = mix64(d.seed ^ 0xF2E5B0D5ull);
    condition_run(*rp.scenario, *rp.plan, recorded_evidence(d, d.scenario_path, *rp.scenario), o,
                  recorded_conditioning(d));
    return;
  }
  RunOptions o = replay_options(d, opt, each);
  o.realizations = first + count;
  RealizationSet todo;
  todo.add(first, first + count);
  o.todo = todo;
  run_ensemble(*rp.scenario, *rp.plan, o);
}

void replay_realizations(const ResultData& d, const std::string& file, const Replay& rp, const ReplayOptions& opt,
                         const std::function<void(std::uint32_t, const std::vector<std::uint64_t>&)>& each) {
  if (d.totals.size() != d.realizations || d.realization_index.size() != d.realizations)
    throw InputError(file + ": the file does not hold every realization's totals");
  const RunOptions o = replay_options(d, opt, each);
  const RunResult res = d.conditioning.empty()
                            ? run_ensemble(*rp.scenario, *rp.plan, o)
                            : condition_run(*rp.scenario, *rp.plan, recorded_evidence(d, file, *rp.scenario), o,
                                            recorded_conditioning(d))
                                  .result;
  for (std::size_t i = 0; i < res.totals.size(); ++i) {
    const RealizationTotals& a = res.totals[i];
    const RealizationTotals& b = d.totals[i];
    if (a.duds != b.duds || a.contaminated_cells != b.contaminated_cells || a.hazard_pixels != b.hazard_pixels)
      throw InputError(fmt::format(
          "{}: realization {} run again gives {} unexploded items in {} cells, the file {} in {}: the scenario's "
          "files or the program (the file was written by remnant {}) have changed since the run, so its "
          "realizations cannot be run again; give --no-intervals to write the hazard areas without their intervals",
          file, i, a.duds, a.contaminated_cells, b.duds, b.contaminated_cells, d.software_version));
  }
}

std::vector<StrikeSitePoint> first_strike_rows(const Scenario& sc, const Plan& plan, std::uint64_t seed) {
  std::vector<StrikeSitePoint> out;
  if (plan.per_carrier.empty()) return out;
  const BatchDraws first = draw_batch(sc, plan, seed, 0, 1);
  for (std::size_t s = 0; s < plan.per_carrier.size(); ++s) {
    StrikeSitePoint p;
    p.x_m = plan.origin_x_m + first.site_x[s];
    p.y_m = plan.origin_y_m + first.site_y[s];
    p.site = plan.site_of_strike[s];
    p.carrier = sc.carriers.at(plan.carrier_of_strike[s]).name;
    p.submunitions = plan.first_item[s + 1] - plan.first_item[s];
    p.carriers = plan.per_carrier[s] ? p.submunitions / plan.per_carrier[s] : 0;
    if (p.site >= 0 && static_cast<std::size_t>(p.site) < plan.sites.fixed_sites.size()) {
      p.name = plan.sites.fixed_sites[p.site].name;
      p.date = plan.sites.fixed_sites[p.site].date;
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace remnant
