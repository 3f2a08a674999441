// Clearance priority from a result's hazard areas (`remnant hazard --ranking,
// --curve, --localities`; docs/HAZARD.md): which area to clear first, how much
// of the expected items each step removes (the clearance curve, with its 90 %
// band over realizations, against clearing in an order blind to the model),
// and the expected items near each town.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/evidence/hazard_areas.h"

namespace remnant {

// A place to weigh and count around: a town of the bundled dataset, in the
// grid's CRS metres.
struct NamedPoint {
  std::string name;
  double x_m = 0.0, y_m = 0.0;
  double population = 0.0;  // 0 when unknown
};

struct PriorityOptions {
  // An area with a town within near_m of its outline counts (1 + town_weight)
  // times its density: 0 (default) ranks by expected items per hectare alone.
  double town_weight = 0.0;
  double near_m = 1000.0;
};

// The distance from (x, y) to an area: 0 inside, else to its nearest edge.
double distance_to_area(const HazardArea& a, double x, double y);

// Ranks the areas (sets HazardArea::rank): by density x (1 + town_weight when
// a town lies within near_m), ties by id. Returns the nearest town of each
// area within near_m ("" when none), by area index.
std::vector<std::string> rank_areas(HazardAreas& h, const std::vector<NamedPoint>& towns, const PriorityOptions& o);

// The clearance curve: the share of the expected items removed against the
// area cleared, clearing the hazard areas' ground in blocks of a settable
// side (the teams' unit of work), in two orders: densest block first, and
// south to north (rows of blocks from the south, west to east), an order
// blind to the model's densities within the areas. Only the cells of the
// hazard areas are cleared. The blocks are ranked by the result's expected
// items; the curve is then measured on realizations added by add_realization
// (remnant hazard adds fresh ones, which the ranking never saw, so that
// noise the ranking chased does not flatter it): its mean is the items
// removed over the items there, summed over them, its 90 % band the share of
// each one's items removed.
struct ClearanceOrder {
  std::string label;
  std::vector<std::size_t> blocks;  // the order (indices into ClearanceBlocks::blocks)
  std::vector<std::size_t> steps;   // blocks cleared at each point of the curve, 0 first
  std::vector<double> area_ha;      // cleared at each point
  std::vector<double> mean;         // share of the grid's expected items removed (0..1)
  std::vector<double> q05, q95;     // share of each realization's items (once finished)
  std::vector<std::vector<double>> by_realization;  // [point][realization]
  std::vector<double> removed;      // items removed at each point, summed over the realizations added
};
struct ClearanceCurve {
  double block_m = 0.0;         // the side asked for
  std::uint32_t block_cells = 1;  // cells per block side (the side rounded to whole cells)
  std::vector<std::uint32_t> blocks;         // block index (by * bx + bx) of each block with hazard-area cells
  std::vector<double> block_area_ha, block_items;  // its hazard-area cells' area and expected items
  std::vector<std::int32_t> block_of_cell;   // per cell: index into blocks, -1 outside every hazard area
  ClearanceOrder ranked, naive;
  // finish_intervals called: mean, q05 and q95 are over the realizations
  // added (fresh ones, not those the blocks were ranked by: held out); else
  // mean is the result's own expectation, on which the ranking was made.
  bool intervals = false;
  std::uint32_t realizations_added = 0;
  double items_added = 0.0;     // items of the realizations added, summed
  double total_mean = 0.0;      // expected items in the grid
  std::string threshold;        // HazardThreshold::text()
};
// Points on the curve: at most this many besides the start.
constexpr std::size_t kClearanceCurvePoints = 400;
ClearanceCurve clearance_curve(const ResultData& d, const HazardAreas& h, double block_m);
void add_realization(ClearanceCurve& c, const std::vector<std::uint64_t>& duds);
void finish_intervals(ClearanceCurve& c);

// Expected items within distance_m of each town (cells whose centres lie
// within it), with the 90 % interval over realizations once add_realization
// has been called for each.
struct Locality {
  NamedPoint place;
  std::vector<std::uint32_t> cells;
  double items_mean = 0.0, items_q05 = 0.0, items_q95 = 0.0;
  std::vector<double> by_realization;
  double nearest_area_m = 0.0;     // distance to the nearest hazard area (0 inside one); < 0: no area
  std::uint32_t nearest_area_id = 0;
};
struct Localities {
  double distance_m = 1000.0;
  bool intervals = false;
  std::vector<Locality> places;  // towns within distance_m of the grid, by population (largest first), then name
};
Localities localities_near(const ResultData& d, const HazardAreas& h, const std::vector<NamedPoint>& towns,
                           double distance_m);
void add_realization(Localities& l, const std::vector<std::uint64_t>& duds);
void finish_intervals(Localities& l);

// The CSV files (a header line, then one row per area, in rank order with
// the cumulative area and share of the expected items, or per town; numbers with
// full precision, empty where an interval was not computed).
std::string ranking_csv(const HazardAreas& h, const std::vector<std::string>& near_town);
std::string localities_csv(const Localities& l);

}  // namespace remnant
