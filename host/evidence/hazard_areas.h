// Hazard areas of a result: the connected ground where the result says
// unexploded items are likely, as polygons with the expected items inside and
// their 90 % interval over realizations (`remnant hazard`, docs/HAZARD.md).
//
// A cell is in the hazard when its statistic reaches the threshold: by
// default it is among the densest cells that together hold 90 % of the
// expected items (share=0.9); or its expected items per hectare reach D
// (density=D); or the probability that it holds at least one item reaches P
// (p_any=P). Density is judged over the cell and its neighbours within the
// fade-out distance (a square window), so that a cell that one realization
// happened to hit does not stand out as a hotspot; items are counted in each
// cell. The
// outline is the 0.5 contour of that in/out indicator between cell centres
// (GDAL's marching squares): it runs through the midpoints between a cell in
// and a cell out, so corners are cut at 45 degrees instead of drawn as a
// staircase, and it never leaves the band of half a cell around the cells'
// edges. Which polygon a cell belongs to is decided by its centre, so the items
// of the polygons and those outside every polygon add up to the result's
// total exactly.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "host/evidence/result_file.h"

namespace remnant {

struct HazardThreshold {
  enum class Basis { Share, PAny, Density };
  Basis basis = Basis::Share;
  // share: of the expected items, in (0, 1]; p_any: a probability in (0, 1];
  // density: items per hectare, > 0.
  double value = 0.9;
  // share: the density of the sparsest cell taken, per hectare (set by find_hazard_areas).
  double share_density = 0.0;
  // "the densest cells holding 90 % of the expected items (>= 2.1 per ha)",
  // "p_any >= 0.5", "density >= 2 per ha": what the layers and the report print.
  std::string text() const;
};

// --threshold: "share=S", "p_any=P" (0 < S, P <= 1) or "density=D" (items per
// hectare, D > 0). InputError naming --threshold and what is accepted.
HazardThreshold parse_hazard_threshold(const std::string& arg);

using HazardRing = std::vector<std::array<double, 2>>;  // CRS metres, closed (last = first)

struct HazardArea {
  std::uint32_t id = 0;    // 1.. in the order of the area's first cell (southern row first, then west to east)
  std::uint32_t rank = 0;  // 1 = the most expected items per hectare (ties: lower id first); rank_areas may weigh towns in
  std::vector<HazardRing> rings;  // outer ring first (counter-clockwise), then its holes (clockwise)
  std::uint32_t cells = 0;        // cells whose centres lie inside
  double area_m2 = 0.0;           // of the polygon (rings, holes subtracted)
  double items_mean = 0.0;        // expected unexploded items inside (sum of its cells' dud_mean)
  double items_q05 = 0.0, items_q95 = 0.0;  // over realizations (with intervals only)
  double p_any_max = 0.0;         // the largest probability of at least one item among its cells
  double density_per_ha() const { return area_m2 > 0.0 ? items_mean / (area_m2 * 1e-4) : 0.0; }
};

struct HazardAreas {
  HazardThreshold threshold;
  // Side, in cells, of the square window over which a cell's density is
  // judged (share and density bases): 2 x the result's fade-out distance.
  std::uint32_t window_cells = 1;
  std::vector<HazardArea> areas;        // by id
  std::vector<std::int32_t> cell_area;  // per cell (iy*nx + ix): index into areas, -1 outside every area
  double total_mean = 0.0;              // expected items in the grid (sum of every cell's dud_mean)
  double outside_mean = 0.0;            // expected items outside every area
  // Per realization (filled by add_realization, in the result's realization
  // order): items in each area [area][r], outside every area [r].
  std::vector<std::vector<double>> items_by_realization;
  std::vector<double> outside_by_realization;
  bool intervals = false;               // items_q05/q95 computed (finish_intervals)
  double outside_q05 = 0.0, outside_q95 = 0.0;
};

// The hazard areas of a result at a threshold. Throws InputError naming the
// file's layer when the result holds no cell statistics (a checkpoint).
HazardAreas find_hazard_areas(const ResultData& d, const HazardThreshold& t);

// Adds one realization's duds per cell to the per-area sums.
void add_realization(HazardAreas& h, const std::vector<std::uint64_t>& duds);
// The 5th and 95th percentiles over the realizations added (quantile_sorted,
// as the result's headline intervals).
void finish_intervals(HazardAreas& h);

// Whether (x, y) lies inside an area's rings (even-odd rule: holes work).
bool rings_contain(const std::vector<HazardRing>& rings, double x, double y);

// The cells of grid g whose centres lie within distance_m of (x, y), in
// raster order (southern row first).
std::vector<std::uint32_t> cells_within(const ResultGrid& g, double x, double y, double distance_m);

// The areas' indices in the order of their rank field.
std::vector<std::size_t> by_rank(const HazardAreas& h);

}  // namespace remnant
