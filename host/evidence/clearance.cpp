#include "host/evidence/clearance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <tuple>

#include "host/evidence/report.h"
#include "host/evidence/stats.h"

namespace remnant {

namespace {

double segment_distance(const std::array<double, 2>& a, const std::array<double, 2>& b, double x, double y) {
  const double dx = b[0] - a[0], dy = b[1] - a[1];
  const double len2 = dx * dx + dy * dy;
  const double t = len2 > 0 ? std::clamp(((x - a[0]) * dx + (y - a[1]) * dy) / len2, 0.0, 1.0) : 0.0;
  return std::hypot(a[0] + t * dx - x, a[1] + t * dy - y);
}

std::string number(double v) { return fmt::format("{:.10g}", v); }

}  // namespace

double distance_to_area(const HazardArea& a, double x, double y) {
  if (rings_contain(a.rings, x, y)) return 0.0;
  double best = std::numeric_limits<double>::infinity();
  for (const HazardRing& r : a.rings)
    for (std::size_t i = 0; i + 1 < r.size(); ++i) best = std::min(best, segment_distance(r[i], r[i + 1], x, y));
  return best;
}

std::vector<std::string> rank_areas(HazardAreas& h, const std::vector<NamedPoint>& towns, const PriorityOptions& o) {
  if (!(o.town_weight >= 0.0) || !std::isfinite(o.town_weight))
    throw std::invalid_argument("rank_areas: the town weight must be finite and >= 0");
  std::vector<std::string> near(h.areas.size());
  std::vector<double> priority(h.areas.size());
  for (std::size_t i = 0; i < h.areas.size(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    for (const NamedPoint& t : towns) {
      const double dist = distance_to_area(h.areas[i], t.x_m, t.y_m);
      if (dist <= o.near_m && dist < best) best = dist, near[i] = t.name;
    }
    priority[i] = h.areas[i].density_per_ha() * (near[i].empty() ? 1.0 : 1.0 + o.town_weight);
  }
  std::vector<std::size_t> order(h.areas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return priority[a] > priority[b]; });
  for (std::size_t k = 0; k < order.size(); ++k) h.areas[order[k]].rank = static_cast<std::uint32_t>(k + 1);
  return near;
}

ClearanceCurve clearance_curve(const ResultData& d, const HazardAreas& h, double block_m) {
  const ResultGrid& g = d.grid;
  if (!(block_m > 0.0) || !std::isfinite(block_m)) throw std::invalid_argument("clearance_curve: block side <= 0");
  ClearanceCurve c;
  c.block_m = block_m;
  c.block_cells = static_cast<std::uint32_t>(std::max(1L, std::lround(block_m / g.cell_size_m)));
  c.total_mean = h.total_mean;
  c.threshold = h.threshold.text();
  const std::uint32_t k = c.block_cells;
  const std::uint32_t bx = (g.nx + k - 1) / k;
  const double R = d.realizations;
  std::vector<std::int32_t> index_of_block(static_cast<std::size_t>(bx) * ((g.ny + k - 1) / k), -1);
  c.block_of_cell.assign(g.cells(), -1);
  for (std::uint32_t cell = 0; cell < g.cells(); ++cell) {
    if (h.cell_area[cell] < 0) continue;
    const std::uint32_t b = (cell / g.nx / k) * bx + (cell % g.nx) / k;
    if (index_of_block[b] < 0) {
      index_of_block[b] = static_cast<std::int32_t>(c.blocks.size());
      c.blocks.push_back(b);
      c.block_area_ha.push_back(0.0);
      c.block_items.push_back(0.0);
    }
    const std::int32_t i = index_of_block[b];
    c.block_of_cell[cell] = i;
    c.block_area_ha[i] += g.cell_area_ha();
    c.block_items[i] += d.accumulators.dud_sum[cell] / R;
  }
  // Orders: the blocks were met south to north already; ranked by expected
  // items per hectare, ties south to north.
  std::vector<std::size_t> naive(c.blocks.size());
  std::iota(naive.begin(), naive.end(), std::size_t{0});
  std::vector<std::size_t> ranked = naive;
  std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    return c.block_items[a] / c.block_area_ha[a] > c.block_items[b] / c.block_area_ha[b];
  });
  const std::size_t n = c.blocks.size();
  const std::size_t points = std::min(n, kClearanceCurvePoints);
  for (auto [order, blocks, label] :
       {std::tuple<ClearanceOrder*, std::vector<std::size_t>*, const char*>{&c.ranked, &ranked, "densest block first"},
        {&c.naive, &naive, "south to north"}}) {
    order->label = label;
    order->blocks = std::move(*blocks);
    double area = 0.0, items = 0.0;
    std::size_t done = 0;
    order->steps.push_back(0);
    order->area_ha.push_back(0.0);
    order->mean.push_back(0.0);
    for (std::size_t p = 1; p <= points; ++p) {
      const std::size_t upto = (n * p + points - 1) / points;
      for (; done < upto; ++done) area += c.block_area_ha[order->blocks[done]], items += c.block_items[order->blocks[done]];
      order->steps.push_back(upto);
      order->area_ha.push_back(area);
      order->mean.push_back(h.total_mean > 0 ? items / h.total_mean : 0.0);
    }
    order->by_realization.assign(order->steps.size(), {});
    order->removed.assign(order->steps.size(), 0.0);
  }
  return c;
}

void add_realization(ClearanceCurve& c, const std::vector<std::uint64_t>& duds) {
  std::vector<double> block(c.blocks.size(), 0.0);
  double total = 0.0;
  for (std::size_t cell = 0; cell < duds.size(); ++cell) {
    total += static_cast<double>(duds[cell]);
    if (c.block_of_cell.at(cell) >= 0) block[c.block_of_cell[cell]] += static_cast<double>(duds[cell]);
  }
  ++c.realizations_added;
  c.items_added += total;
  for (ClearanceOrder* o : {&c.ranked, &c.naive}) {
    double removed = 0.0;
    std::size_t done = 0;
    for (std::size_t p = 0; p < o->steps.size(); ++p) {
      for (; done < o->steps[p]; ++done) removed += block[o->blocks[done]];
      o->removed[p] += removed;
      // A realization without items has none to remove: no share in the band.
      if (total > 0.0) o->by_realization[p].push_back(removed / total);
    }
  }
}

void finish_intervals(ClearanceCurve& c) {
  for (ClearanceOrder* o : {&c.ranked, &c.naive}) {
    o->q05.clear();
    o->q95.clear();
    for (std::size_t p = 0; p < o->by_realization.size(); ++p) {
      const std::vector<double>& v = o->by_realization[p];
      o->q05.push_back(v.empty() ? 0.0 : quantile_of(v, 0.05));
      o->q95.push_back(v.empty() ? 0.0 : quantile_of(v, 0.95));
      if (c.items_added > 0.0) o->mean[p] = o->removed[p] / c.items_added;
    }
  }
  c.intervals = true;
}

Localities localities_near(const ResultData& d, const HazardAreas& h, const std::vector<NamedPoint>& towns,
                           double distance_m) {
  if (!(distance_m > 0.0) || !std::isfinite(distance_m))
    throw std::invalid_argument("localities_near: the distance must be finite and > 0");
  const ResultGrid& g = d.grid;
  Localities out;
  out.distance_m = distance_m;
  const double R = d.realizations;
  for (const NamedPoint& t : towns) {
    const double cs = g.cell_size_m;
    // Towns farther than the distance from the grid have no cell within it.
    const double gx = std::clamp(t.x_m, g.origin_x_m, g.origin_x_m + g.nx * cs);
    const double gy = std::clamp(t.y_m, g.origin_y_m, g.origin_y_m + g.ny * cs);
    if (std::hypot(gx - t.x_m, gy - t.y_m) > distance_m) continue;
    Locality l;
    l.place = t;
    l.cells = cells_within(g, t.x_m, t.y_m, distance_m);
    std::uint64_t sum = 0;
    for (std::uint32_t c : l.cells) sum += d.accumulators.dud_sum[c];
    l.items_mean = sum / R;
    l.nearest_area_m = -1.0;
    for (const HazardArea& a : h.areas) {
      const double dist = distance_to_area(a, t.x_m, t.y_m);
      if (l.nearest_area_m < 0 || dist < l.nearest_area_m) l.nearest_area_m = dist, l.nearest_area_id = a.id;
    }
    out.places.push_back(std::move(l));
  }
  std::stable_sort(out.places.begin(), out.places.end(), [](const Locality& a, const Locality& b) {
    return a.place.population != b.place.population ? a.place.population > b.place.population
                                                    : a.place.name < b.place.name;
  });
  return out;
}

void add_realization(Localities& l, const std::vector<std::uint64_t>& duds) {
  for (Locality& p : l.places) {
    std::uint64_t s = 0;
    for (std::uint32_t c : p.cells) s += duds.at(c);
    p.by_realization.push_back(static_cast<double>(s));
  }
}

void finish_intervals(Localities& l) {
  for (Locality& p : l.places) {
    if (p.by_realization.empty()) throw std::logic_error("finish_intervals: no realization added");
    p.items_q05 = quantile_of(p.by_realization, 0.05);
    p.items_q95 = quantile_of(p.by_realization, 0.95);
  }
  l.intervals = true;
}

std::string ranking_csv(const HazardAreas& h, const std::vector<std::string>& near_town) {
  std::string s =
      "rank,id,area_ha,items_mean,items_q05,items_q95,density_per_ha,p_any_max,near_town,cumulative_area_ha,"
      "cumulative_share_mean,cumulative_share_q05,cumulative_share_q95\n";
  // Per realization: its items, and those of the areas cleared so far.
  std::vector<double> totals = h.outside_by_realization, removed(totals.size(), 0.0);
  for (const auto& a : h.items_by_realization)
    for (std::size_t r = 0; r < totals.size() && r < a.size(); ++r) totals[r] += a[r];
  double area = 0.0, items = 0.0;
  for (std::size_t i : by_rank(h)) {
    const HazardArea& a = h.areas[i];
    area += a.area_m2 * 1e-4;
    items += a.items_mean;
    std::string q05, q95, share05, share95;
    if (h.intervals) {
      std::vector<double> share;
      for (std::size_t r = 0; r < totals.size(); ++r) {
        removed[r] += h.items_by_realization[i][r];
        if (totals[r] > 0) share.push_back(removed[r] / totals[r]);
      }
      q05 = number(a.items_q05), q95 = number(a.items_q95);
      if (!share.empty()) share05 = number(quantile_of(share, 0.05)), share95 = number(quantile_of(share, 0.95));
    }
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", a.rank, a.id, number(a.area_m2 * 1e-4),
                     number(a.items_mean), q05, q95, number(a.density_per_ha()), number(a.p_any_max),
                     csv_field(near_town.at(i)), number(area), number(h.total_mean > 0 ? items / h.total_mean : 0.0),
                     share05, share95);
  }
  return s;
}

std::string localities_csv(const Localities& l) {
  std::string s = "name,population,x_m,y_m,distance_m,items_mean,items_q05,items_q95,nearest_hazard_area_id,"
                  "nearest_hazard_area_m\n";
  for (const Locality& p : l.places) {
    const auto opt = [&](double v) { return l.intervals ? number(v) : std::string(); };
    s += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_field(p.place.name),
                     p.place.population > 0 ? number(p.place.population) : "", number(p.place.x_m),
                     number(p.place.y_m), number(l.distance_m), number(p.items_mean), opt(p.items_q05),
                     opt(p.items_q95), p.nearest_area_m < 0 ? "" : std::to_string(p.nearest_area_id),
                     p.nearest_area_m < 0 ? "" : number(p.nearest_area_m));
  }
  return s;
}

}  // namespace remnant
