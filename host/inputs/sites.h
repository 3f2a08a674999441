// Where strike sites fall when a scenario gives an inventory and areas or
// points instead of a list of strikes. Areas are rasterised once onto the
// grid's land cells, so a draw costs O(1) however detailed the polygon.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "host/inputs/scenario.h"
#include "kernels/rng.h"

namespace remnant {

using Ring = std::vector<std::array<double, 2>>;  // projected metres, closed or not

// Cells (index iy*nx + ix) whose centres lie inside the rings (even-odd rule),
// by scanlines: O(rows x edges + cells inside).
std::vector<std::uint32_t> cells_inside(const std::vector<Ring>& rings, const GridSpec& g);

struct SiteSampler {
  bool per_realization = true;
  std::uint32_t nx = 0;
  double dx = 1.0;
  std::vector<std::string> area_names;
  std::vector<std::vector<std::uint32_t>> area_cells;  // land cells of each area
  std::vector<double> area_cdf;                        // cumulative weight share
  std::vector<double> point_x, point_y, point_cdf;     // grid-relative metres
  std::vector<std::string> notes;                      // what was left out, and why

  // Grid-relative position of site `site` in realization r (or in every
  // realization when placement is fixed). Depends only on (seed, r, site).
  std::array<double, 2> sample(RngKey key, std::uint32_t r, std::uint32_t site) const;
};

// Builds the sampler of a scenario's [sites] on its grid (land cover as built
// by make_plan). Throws InputError when an area holds no land cell of the grid
// or no point lies on the grid.
SiteSampler make_site_sampler(const Scenario& sc, const GridSpec& g, const std::vector<std::uint8_t>& land_cover);

}  // namespace remnant
