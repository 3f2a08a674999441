#include "host/run/result_data.h"


#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/common/geo.h"
#include "remnant_version.h"

namespace remnant {

FiredDudsByType fired_duds_by_type(const Scenario& sc, const Plan& plan, const RunResult& r) {
  FiredDudsByType out;
  if (!r.counts_duds_by_type() || r.duds_types != sc.submunitions.size()) return out;
  const std::vector<std::uint64_t> fired = plan.items_by_type();
  std::vector<std::size_t> keep;
  for (std::size_t t = 0; t < fired.size(); ++t)
    if (fired[t]) keep.push_back(t), out.names.push_back(sc.submunitions[t].name);
  out.rows.reserve(r.totals.size() * keep.size());
  for (std::size_t i = 0; i < r.totals.size(); ++i)
    for (std::size_t t : keep) out.rows.push_back(r.duds_by_type[i * r.duds_types + t]);
  return out;
}

std::vector<std::uint64_t> all_duds_by_type(const Scenario& sc, const std::vector<std::string>& names,
                                            const std::vector<std::uint64_t>& rows, std::size_t realizations) {
  const std::size_t T = sc.submunitions.size(), K = names.size();
  if (K == 0 || rows.size() != realizations * K) return {};
  std::vector<std::size_t> index;
  for (const std::string& n : names) {
    std::size_t t = 0;
    while (t < T && sc.submunitions[t].name != n) ++t;
    if (t == T) return {};  // a type this scenario does not have
    index.push_back(t);
  }
  std::vector<std::uint64_t> out(realizations * T, 0);
  for (std::size_t i = 0; i < realizations; ++i)
    for (std::size_t k = 0; k < K; ++k) out[i * T + index[k]] = rows[i * K + k];
  return out;
}

namespace {

// Now, or SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds
// convention) where it is set: equal runs then give byte-identical files.
std::string utc_now() {
  std::time_t t = std::time(nullptr);
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e && *e) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(e, &end, 10);
    if (*end || errno || v < 0 || v > 253402300799LL)
      throw InputError(fmt::format("SOURCE_DATE_EPOCH \"{}\": expected whole seconds since 1970-01-01 (UTC)", e));
    t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

ResultData make_result_data(const Scenario& sc, const Plan& plan, const RunResult& r, const CellStatistics& st) {
  ResultData d;
  d.format_version = kResultFormatVersion;
  d.software_version = REMNANT_VERSION;
  d.git_revision = REMNANT_GIT_REVISION;
  d.creation_time_utc = utc_now();
  d.filetype = r.complete() ? kResultFiletype : kCheckpointFiletype;
  d.realization_index = r.done.indices();
  d.seed = r.seed;
  d.realizations = r.realizations;
  d.fired_per_realization = r.fired_per_realization;
  d.backend = r.backend.name;
  d.scenario_name = sc.name;
  d.scenario_path = sc.path;
  d.scenario_text = sc.text;
  d.base_scenario_path = sc.base_path;
  d.base_scenario_text = sc.base_text;
  d.assumptions = sc.assumptions;
  d.sources = sc.sources;
  d.references = sc.references;
  d.overrides = sc.overrides;
  d.terrain_notes = plan.notes;
  d.dud_rates = sc.dud_rates;
  d.munitions_path = sc.munitions_path;
  d.munitions_text = sc.munitions_text;
  d.land_cover_table_path = sc.land_cover_path;
  d.land_cover_table_text = sc.land_cover_text;
  d.dataset = sc.dataset ? sc.dataset->name : std::string();
  d.dataset_text = sc.dataset ? sc.dataset->text : std::string();
  d.grid.nx = plan.nx;
  d.grid.ny = plan.ny;
  d.grid.cell_size_m = plan.cell_size_m;
  d.grid.origin_x_m = plan.origin_x_m;
  d.grid.origin_y_m = plan.origin_y_m;
  d.grid.crs = sc.grid.crs;
  d.grid.crs_wkt = sc.grid.crs.empty() ? std::string() : crs_wkt(sc.grid.crs);
  d.stats = st;
  d.elevation_m = plan.elevation_m;
  d.land_cover = plan.land_cover;
  d.accumulators = r.accumulators;
  d.totals = r.totals;
  FiredDudsByType by_type = fired_duds_by_type(sc, plan, r);
  d.submunition_types = std::move(by_type.names);
  d.duds_by_type = std::move(by_type.rows);
  d.fade_out_m = plan.fade_out_m;
  d.hazard_pixel_m = plan.hazard.dx;

  // Strike sites of the first realization: sampled sites and fixed strikes,
  // each site once.
  d.site_placement = plan.site_count == 0 && plan.fixed_x.empty() ? "none"
                     : (plan.site_count > 0 && plan.sites.per_realization) ? "per_realization"
                                                                           : "fixed";
  if (!plan.per_carrier.empty()) {
    const BatchDraws first = draw_batch(sc, plan, r.seed, 0, 1);
    std::vector<bool> seen(plan.site_count, false);
    for (std::size_t s = 0; s < plan.site_of_strike.size(); ++s) {
      const std::int32_t k = plan.site_of_strike[s];
      if (k >= 0) {
        if (seen[k]) continue;
        seen[k] = true;
      }
      d.site_x_m.push_back(plan.origin_x_m + first.site_x[s]);
      d.site_y_m.push_back(plan.origin_y_m + first.site_y[s]);
    }
  }
  return d;
}

}  // namespace remnant
