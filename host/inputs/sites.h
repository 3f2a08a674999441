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

// A point of a points_csv with placement = "fixed": one strike site, the
// same in every realization, as the file gives it.
struct FixedSite {
  double x_m = 0.0, y_m = 0.0;  // grid-relative metres (add the grid's origin for the CRS's)
  double lon = 0.0, lat = 0.0;  // WGS84 degrees; NaN when the file gives x/y and the grid has no crs
  std::int32_t carrier = -1;    // carrier type (Scenario::carriers) the point names; -1: dealt from [inventory]
  std::uint64_t carriers = 0;   // the point's own carriers (0 when dealt)
  std::string date;             // YYYY-MM-DD, or empty
  std::string name;             // the file's name or id column, or empty
  std::uint64_t line = 0;       // line in points_csv
};

struct SiteSampler {
  bool per_realization = true;
  std::uint32_t count = 0;  // sites per realization
  std::uint32_t nx = 0;
  double dx = 1.0;
  std::vector<std::string> area_names;
  std::vector<std::vector<std::uint32_t>> area_cells;  // land cells of each area
  std::vector<double> area_cdf;                        // cumulative weight share
  std::vector<double> point_x, point_y, point_cdf;     // grid-relative metres (points drawn by weight)
  std::vector<FixedSite> fixed_sites;                  // fixed points: site k is fixed_sites[k]
  std::vector<std::string> notes;                      // what was left out, and why (warnings included)
  std::vector<std::string> warnings;                   // points off the grid or in water, named

  // Grid-relative position of site `site` in realization r (or in every
  // realization when placement is fixed). Depends only on (seed, r, site).
  std::array<double, 2> sample(RngKey key, std::uint32_t r, std::uint32_t site) const;
};

// Builds the sampler of a scenario's [sites] on its grid (land cover as built
// by make_plan). Throws InputError when an area holds no land cell of the grid,
// no point lies on the grid, a per_realization points file names carriers, or
// a fixed points file keeps another number of points than sites.count says.
SiteSampler make_site_sampler(const Scenario& sc, const GridSpec& g, const std::vector<std::uint8_t>& land_cover);

}  // namespace remnant
