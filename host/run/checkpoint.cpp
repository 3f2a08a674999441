#include "host/run/checkpoint.h"

#include <fmt/format.h>

#include <filesystem>

#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/evidence/stats.h"
#include "remnant_version.h"

namespace remnant {

std::string default_checkpoint_path(const std::string& out, const std::string& scenario_path) {
  namespace fs = std::filesystem;
  if (!out.empty()) {
    fs::path p(out);
    return (p.parent_path() / (p.stem().string() + ".checkpoint.h5")).string();
  }
  return fs::path(scenario_path).stem().string() + ".checkpoint.h5";
}

void write_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunResult& partial) {
  if (partial.complete()) throw std::logic_error("write_checkpoint: the run is complete");
  const CellStatistics st = cell_statistics(partial.accumulators, static_cast<std::uint32_t>(partial.done.count()));
  write_result_file(path, make_result_data(sc, plan, partial, st));
}

std::vector<RunDifference> run_differences(const ResultData& d, const Scenario& sc, const Plan& plan,
                                           const RunIdentity& id) {
  std::vector<RunDifference> out;
  auto value = [&](const char* what, const std::string& theirs, const std::string& ours) {
    if (theirs != ours) out.push_back({what, theirs, ours});
  };
  auto text = [&](const char* what, const auto& theirs, const auto& ours) {
    if (theirs != ours) out.push_back({what, "", ""});
  };
  const auto joined = [](const std::vector<std::string>& v) {
    return v.empty() ? std::string("empty") : fmt::format("{}", fmt::join(v, " "));
  };
  value("software version", d.software_version + " (git " + d.git_revision + ")",
        std::string(REMNANT_VERSION) + " (git " + REMNANT_GIT_REVISION + ")");
  value("seed", std::to_string(d.seed), std::to_string(id.seed));
  value("number of realizations", std::to_string(d.realizations), std::to_string(id.realizations));
  value("backend", d.backend, id.backend);
  value("list of --set overrides", joined(d.overrides), joined(sc.overrides));
  text("scenario text", d.scenario_text, sc.text);
  text("base scenario text", d.base_scenario_text, sc.base_text);
  text("munition catalogue", d.munitions_text, sc.munitions_text);
  text("land-cover table", d.land_cover_table_text, sc.land_cover_text);
  text("region dataset", d.dataset_text, sc.dataset ? sc.dataset->text : std::string());
  value("submunitions per realization", std::to_string(d.fired_per_realization),
        std::to_string(plan.items_per_realization));
  value("grid", fmt::format("{} x {} cells of {} m", d.grid.nx, d.grid.ny, d.grid.cell_size_m),
        fmt::format("{} x {} cells of {} m", plan.nx, plan.ny, plan.cell_size_m));
  value("grid origin", fmt::format("({}, {})", d.grid.origin_x_m, d.grid.origin_y_m),
        fmt::format("({}, {})", plan.origin_x_m, plan.origin_y_m));
  value("CRS", d.grid.crs, sc.grid.crs);
  text("elevation grid (terrain files changed?)", d.elevation_m, plan.elevation_m);
  text("land-cover grid (terrain files changed?)", d.land_cover, plan.land_cover);
  return out;
}

RunResult read_checkpoint(const std::string& path, const Scenario& sc, const Plan& plan, const RunIdentity& id) {
  const ResultData d = read_checkpoint_file(path);
  const std::vector<RunDifference> diff = run_differences(d, sc, plan, id);
  if (!diff.empty()) {
    const RunDifference& f = diff.front();
    const std::string why = f.theirs.empty() ? fmt::format("its {} differs from this run's", f.what)
                                             : fmt::format("its {} is {}, this run's is {}", f.what, f.theirs, f.ours);
    throw InputError(fmt::format("{}: this checkpoint belongs to another run: {}. Resume with the scenario, --set, "
                                 "--seed, --realizations and --backend of the interrupted run, or delete the "
                                 "checkpoint to start afresh",
                                 path, why));
  }
  RunResult r;
  r.backend = {d.backend, "resumed from " + path};
  r.realizations = d.realizations;
  r.seed = d.seed;
  r.fired_per_realization = d.fired_per_realization;
  for (std::uint32_t i : d.realization_index) r.done.add(i, i + 1);
  r.totals = d.totals;
  r.duds_by_type = all_duds_by_type(sc, d.submunition_types, d.duds_by_type, d.totals.size());
  r.duds_types = r.duds_by_type.empty() ? 0 : static_cast<std::uint32_t>(sc.submunitions.size());
  r.accumulators = d.accumulators;
  r.accumulators.cells = d.grid.cells();
  return r;
}

RunResult run_start(const std::string& resume_from, const Scenario& sc, const Plan& plan,
                    const BackendChoice& backend, RunOptions& opt) {
  RunResult start;
  start.realizations = opt.realizations;
  start.seed = opt.seed;
  start.fired_per_realization = plan.items_per_realization;
  start.duds_only = opt.duds_only;
  if (!resume_from.empty()) {
    start = read_checkpoint(resume_from, sc, plan, {opt.seed, opt.realizations, backend.name});
    opt.todo = RealizationSet::all(opt.realizations).minus(start.done);
  }
  start.backend = backend;
  return start;
}

}  // namespace remnant
