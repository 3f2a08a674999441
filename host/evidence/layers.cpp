#include "host/evidence/layers.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "host/common/errors.h"

namespace remnant {
namespace {

struct LayerDef {
  const char* name;
  const char* title;                     // the legend's heading
  const char* noun;                      // begins the long name: "<noun> per hectare, <statistic>"
  const char* statistic;
  std::vector<float> CellStatistics::*values;
};

// What a per-cell quantile layer is not: a realization.
#define REMNANT_CELL_QUANTILE " over realizations, cell by cell: no single realization reaches every cell's at once"

// Count layers: stored as items per cell, shown per hectare.
const LayerDef kCountLayers[] = {
    {"dud_mean", "Expected unexploded submunitions", "Expected unexploded submunitions", "mean over realizations",
     &CellStatistics::mean},
    {"dud_q05", "Unexploded submunitions, 5th percentile", "Unexploded submunitions",
     "each cell's own 5th percentile" REMNANT_CELL_QUANTILE, &CellStatistics::q05},
    {"dud_q50", "Unexploded submunitions, median", "Unexploded submunitions",
     "each cell's own median" REMNANT_CELL_QUANTILE, &CellStatistics::q50},
    {"dud_q95", "Unexploded submunitions, 95th percentile", "Unexploded submunitions",
     "each cell's own 95th percentile" REMNANT_CELL_QUANTILE, &CellStatistics::q95},
    {"dud_sd", "Unexploded submunitions, standard deviation", "Unexploded submunitions",
     "standard deviation over realizations", &CellStatistics::sd},
    {"impact_mean", "Submunitions landed (exploded or not)", "Submunitions landed (exploded or not)",
     "mean over realizations", &CellStatistics::impact_mean},
};

#undef REMNANT_CELL_QUANTILE

void require_cells(const std::vector<float>& v, const ResultData& d, const std::string& name) {
  if (v.size() != d.grid.cells())
    throw InputError(fmt::format("layer {}: holds {} values for a grid of {} cells", name, v.size(), d.grid.cells()));
}

}  // namespace

const std::vector<std::string>& display_layer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const LayerDef& l : kCountLayers) n.push_back(l.name);
    n.insert(n.begin() + 1, "dud_p_any");
    n.push_back("elevation");
    n.push_back("land_cover");
    return n;
  }();
  return names;
}

DisplayLayer display_layer(const ResultData& d, const std::string& name) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const bool have_cover = d.land_cover.size() == d.grid.cells();
  auto water = [&](std::size_t i) { return have_cover && d.land_cover[i] == static_cast<std::uint8_t>(LandCover::Water); };
  DisplayLayer out;
  out.name = name;
  for (const LayerDef& l : kCountLayers) {
    if (name != l.name) continue;
    const std::vector<float>& v = d.stats.*l.values;
    require_cells(v, d, name);
    const double per_ha = 1.0 / d.grid.cell_area_ha();
    out.title = l.title;
    out.units = "items per hectare";
    out.long_name = fmt::format("{} per hectare, {} ({} realizations)", l.noun, l.statistic, d.realizations);
    out.kind = LayerKind::Density;
    out.values.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out.values[i] = water(i) ? nan : static_cast<float>(v[i] * per_ha);
    return out;
  }
  if (name == "dud_p_any") {
    require_cells(d.stats.p_any, d, name);
    out.title = "Probability of contamination";
    out.units = "probability";
    out.long_name = fmt::format("Probability that the cell holds at least one unexploded submunition ({} realizations)",
                                d.realizations);
    out.kind = LayerKind::Probability;
    out.values = d.stats.p_any;
    for (std::size_t i = 0; i < out.values.size(); ++i)
      if (water(i)) out.values[i] = nan;
    return out;
  }
  if (name == "elevation") {
    require_cells(d.elevation_m, d, name);
    out.title = "Ground elevation";
    out.units = "m";
    out.long_name = "Ground elevation above sea level";
    out.kind = LayerKind::Elevation;
    out.values = d.elevation_m;
    return out;
  }
  if (name == "land_cover") {
    if (!have_cover) throw InputError(fmt::format("layer land_cover: the file holds no land cover for its grid"));
    out.title = "Land cover";
    out.units = "class";
    out.long_name = "Land-cover class (0 water, 1 built_up, 2 bare, 3 grass_shrub, 4 cropland, 5 tree, 6 wetland, 7 unknown)";
    out.kind = LayerKind::Categorical;
    out.values.assign(d.land_cover.begin(), d.land_cover.end());
    return out;
  }
  std::string names;
  for (const std::string& n : display_layer_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError(fmt::format("--layer {}: unknown layer; expected one of {}", name, names));
}

}  // namespace remnant
