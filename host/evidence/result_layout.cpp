#include "host/evidence/result_layout.h"

#include <fmt/format.h>
#include <zlib.h>

#include "host/inputs/scenario.h"

namespace remnant {

const std::vector<ResultLayerInfo>& result_layers() {
  // Count layers are per cell here; GeoTIFFs and maps show them per hectare.
#define REMNANT_PER_CELL " (per cell; GeoTIFFs and maps show it per hectare)"
#define REMNANT_CELL_BY_CELL \
  " (per cell; GeoTIFFs and maps show it per hectare; cell by cell: no single realization reaches every cell's at once)"
  static const std::vector<ResultLayerInfo> layers = {
      {"dud_mean", "1", "mean number of unexploded submunitions in the cell over realizations" REMNANT_PER_CELL},
      {"dud_sd", "1", "standard deviation over realizations of unexploded submunitions in the cell" REMNANT_PER_CELL},
      {"dud_p_any", "1", "probability that the cell holds at least one unexploded submunition"},
      {"dud_q05", "1", "each cell's own 5th percentile over realizations of unexploded submunitions in the cell"
                       REMNANT_CELL_BY_CELL},
      {"dud_q50", "1", "each cell's own median over realizations of unexploded submunitions in the cell"
                       REMNANT_CELL_BY_CELL},
      {"dud_q95", "1", "each cell's own 95th percentile over realizations of unexploded submunitions in the cell"
                       REMNANT_CELL_BY_CELL},
      {"impact_mean", "1", "mean number of submunitions landing in the cell" REMNANT_PER_CELL},
      {"elevation", "m", "ground elevation"},
      {"land_cover", "1",
       "land-cover class (0 water, 1 built_up, 2 bare, 3 grass_shrub, 4 cropland, 5 tree, 6 wetland, 7 unknown)"},
  };
#undef REMNANT_PER_CELL
#undef REMNANT_CELL_BY_CELL
  return layers;
}

namespace result_detail {

const std::vector<TotalsColumn>& totals_columns() {
  static const std::vector<TotalsColumn> columns = [] {
    std::vector<TotalsColumn> c = {
        {"fired", "submunitions fired", &RealizationTotals::fired},
        {"impacts", "submunitions landed on land in the grid", &RealizationTotals::impacts},
        {"duds", "unexploded submunitions on land in the grid", &RealizationTotals::duds},
        {"contaminated_cells", "cells holding at least one dud", &RealizationTotals::contaminated_cells},
        {"in_water", "submunitions landed in water", &RealizationTotals::in_water},
        {"outside_grid", "submunitions landed outside the grid", &RealizationTotals::outside_grid},
        {"hazard_pixels", "pixels of the hazard raster (side: the hazard_pixel_m attribute) within the fade-out "
                          "distance (the fade_out_m attribute) of an unexploded submunition",
         &RealizationTotals::hazard_pixels, -1, 2},
    };
    for (int k = 0; k < kLandCoverClasses; ++k) {
      const std::string cls = land_cover_name(static_cast<LandCover>(k));
      c.push_back({"duds_" + cls, "unexploded submunitions on land cover " + cls, nullptr, k});
    }
    return c;
  }();
  return columns;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& a : v) out += a + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string attribute_checksums(const ResultData& d) {
  std::string out;
  auto line = [&](const char* name, const std::string& value) {
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(value.data()), static_cast<uInt>(value.size()));
    out += fmt::format("{} {:08x}\n", name, crc);
  };
  for (const TextAttribute& a : kTextAttributes) line(a.name, a.text ? d.*a.text : join_lines(d.*a.lines));
  line("seed", fmt::format("{}", d.seed));
  line("realizations", fmt::format("{}", d.realizations));
  line("submunitions_fired_per_realization", fmt::format("{}", d.fired_per_realization));
  line("crs", d.grid.crs);
  line("cell_size_m", fmt::format("{}", d.grid.cell_size_m));
  line("origin_x_m", fmt::format("{}", d.grid.origin_x_m));
  line("origin_y_m", fmt::format("{}", d.grid.origin_y_m));
  line("crs:crs_wkt", d.grid.crs_wkt);
  line("sites:placement", d.site_placement);
  return out;
}

}  // namespace result_detail
}  // namespace remnant
