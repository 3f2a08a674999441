#include "host/evidence/hazard_areas.h"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "host/common/errors.h"
#include "host/common/geo.h"
#include "host/common/numbers.h"
#include "host/evidence/stats.h"

namespace remnant {

std::string HazardThreshold::text() const {
  if (basis == Basis::Share)
    return fmt::format("the densest cells holding {:g} % of the expected items ({} per ha or more)", value * 100.0,
                       format_figure(share_density));
  if (basis == Basis::PAny) return fmt::format("p_any >= {:g}", value);
  return fmt::format("density >= {:g} per ha", value);
}

HazardThreshold parse_hazard_threshold(const std::string& arg) {
  const auto bad = [&](const std::string& why) {
    return InputError(fmt::format("--threshold '{}': {}; expected share=S (the densest cells that together hold "
                                  "this share of the expected items, 0 < S <= 1), p_any=P (the probability that a "
                                  "cell holds at least one item, 0 < P <= 1) or density=D (expected items per "
                                  "hectare, D > 0)",
                                  arg, why));
  };
  HazardThreshold t;
  const std::size_t eq = arg.find('=');
  if (eq == std::string::npos) throw bad("no basis given");
  std::string value;
  {
    const std::string key = arg.substr(0, eq);
    if (key == "share") t.basis = HazardThreshold::Basis::Share;
    else if (key == "p_any") t.basis = HazardThreshold::Basis::PAny;
    else if (key == "density") t.basis = HazardThreshold::Basis::Density;
    else throw bad(fmt::format("unknown basis '{}'", key));
    value = arg.substr(eq + 1);
  }
  const std::optional<double> number = parse_number(value);
  if (!number) throw bad(fmt::format("'{}' is not a number", value));
  const double v = *number;
  if (t.basis != HazardThreshold::Basis::Density && !(v > 0.0 && v <= 1.0))
    throw bad(fmt::format("a {} must lie in (0, 1], got {:g}",
                          t.basis == HazardThreshold::Basis::Share ? "share" : "probability", v));
  if (t.basis == HazardThreshold::Basis::Density && !(v > 0.0)) throw bad(fmt::format("got {:g}", v));
  t.value = v;
  return t;
}

namespace {

// Twice the signed area of a closed ring (counter-clockwise positive).
double ring_area2(const HazardRing& r) {
  double a = 0.0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) a += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return a;
}

// A ring from OGR: vertices snapped to the millimetre (GDAL's contour nudges
// them by 1e-5 m off the cell midpoints), runs of collinear vertices merged,
// oriented as asked.
HazardRing read_ring(OGRGeometryH ring, bool counter_clockwise) {
  HazardRing r;
  const int n = OGR_G_GetPointCount(ring);
  for (int i = 0; i < n; ++i) {
    const double x = std::round(OGR_G_GetX(ring, i) * 1000.0) / 1000.0;
    const double y = std::round(OGR_G_GetY(ring, i) * 1000.0) / 1000.0;
    if (!r.empty() && r.back()[0] == x && r.back()[1] == y) continue;
    r.push_back({x, y});
  }
  if (r.size() > 1 && r.front() == r.back()) r.pop_back();
  // Drop vertices on the straight line through their neighbours.
  bool changed = true;
  while (changed && r.size() > 3) {
    changed = false;
    HazardRing kept;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const auto& a = r[(i + r.size() - 1) % r.size()];
      const auto& b = r[i];
      const auto& c = r[(i + 1) % r.size()];
      const double cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
      const double scale = std::abs(b[0] - a[0]) + std::abs(b[1] - a[1]) + std::abs(c[0] - b[0]) + std::abs(c[1] - b[1]);
      if (std::abs(cross) <= 1e-9 * scale * scale) {
        changed = true;
        continue;
      }
      kept.push_back(b);
    }
    if (kept.size() < 3) break;
    r = std::move(kept);
  }
  r.push_back(r.front());
  if ((ring_area2(r) > 0.0) != counter_clockwise) std::reverse(r.begin(), r.end());
  return r;
}

// The polygons of the 0.5 contour of the in/out indicator, in the grid's
// coordinates: GDALContourGenerateEx with POLYGONIZE on a raster padded with
// one ring of cells out of the hazard, so that every polygon closes between
// cell centres.
std::vector<std::vector<HazardRing>> contour_polygons(const ResultGrid& g, const std::vector<std::uint8_t>& in) {
  register_gdal();
  QuietGdalErrors quiet;
  const int w = static_cast<int>(g.nx) + 2, hgt = static_cast<int>(g.ny) + 2;
  GdalDataset raster(GDALCreate(GDALGetDriverByName("MEM"), "", w, hgt, 1, GDT_Float32, nullptr));
  if (!raster) throw std::runtime_error(gdal_last_error("cannot create the in-memory raster for the contour"));
  const double cs = g.cell_size_m;
  double transform[6] = {g.origin_x_m - cs, cs, 0.0, g.origin_y_m + (g.ny + 1) * cs, 0.0, -cs};
  GDALSetGeoTransform(raster.get(), transform);
  std::vector<float> values(static_cast<std::size_t>(w) * hgt, 0.0f);
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    for (std::uint32_t ix = 0; ix < g.nx; ++ix)
      values[static_cast<std::size_t>(g.ny - iy) * w + ix + 1] = in[static_cast<std::size_t>(iy) * g.nx + ix];
  GDALRasterBandH band = GDALGetRasterBand(raster.get(), 1);
  if (GDALRasterIO(band, GF_Write, 0, 0, w, hgt, values.data(), w, hgt, GDT_Float32, 0, 0) != CE_None)
    throw std::runtime_error(gdal_last_error("cannot fill the in-memory raster for the contour"));

  GdalDataset mem(GDALCreate(GDALGetDriverByName("Memory"), "hazard", 0, 0, 0, GDT_Unknown, nullptr));
  if (!mem) throw std::runtime_error(gdal_last_error("cannot create the in-memory layer for the contour"));
  OGRLayerH layer = GDALDatasetCreateLayer(mem.get(), "contour", nullptr, wkbMultiPolygon, nullptr);
  for (const char* name : {"id", "lo", "hi"}) {
    OGRFieldDefnH f = OGR_Fld_Create(name, std::string(name) == "id" ? OFTInteger : OFTReal);
    OGR_L_CreateField(layer, f, TRUE);
    OGR_Fld_Destroy(f);
  }
  char** options = nullptr;
  options = CSLAddString(options, "FIXED_LEVELS=0.5");
  options = CSLAddString(options, "POLYGONIZE=YES");
  options = CSLAddString(options, "ID_FIELD=0");
  options = CSLAddString(options, "ELEV_FIELD_MIN=1");
  options = CSLAddString(options, "ELEV_FIELD_MAX=2");
  const CPLErr err = GDALContourGenerateEx(band, layer, options, nullptr, nullptr);
  CSLDestroy(options);
  if (err != CE_None) throw std::runtime_error(gdal_last_error("GDAL could not trace the hazard areas' outlines"));

  std::vector<std::vector<HazardRing>> polygons;
  OGR_L_ResetReading(layer);
  for (;;) {
    OgrFeature f(OGR_L_GetNextFeature(layer));
    if (!f) break;
    if (OGR_F_GetFieldAsDouble(f.get(), 1) < 0.5) continue;  // the band below the level: outside
    OGRGeometryH multi = OGR_F_GetGeometryRef(f.get());
    if (!multi) continue;
    for (int p = 0; p < OGR_G_GetGeometryCount(multi); ++p) {
      OGRGeometryH poly = OGR_G_GetGeometryRef(multi, p);
      std::vector<HazardRing> rings;
      for (int k = 0; k < OGR_G_GetGeometryCount(poly); ++k) {
        HazardRing r = read_ring(OGR_G_GetGeometryRef(poly, k), k == 0);
        if (r.size() >= 4) rings.push_back(std::move(r));
      }
      if (!rings.empty()) polygons.push_back(std::move(rings));
    }
  }
  return polygons;
}

}  // namespace

HazardAreas find_hazard_areas(const ResultData& d, const HazardThreshold& t) {
  const ResultGrid& g = d.grid;
  const std::size_t cells = g.cells();
  const CellAccumulators& acc = d.accumulators;
  if (acc.dud_sum.size() != cells || acc.dud_nonzero.size() != cells || d.realizations == 0)
    throw InputError("the result holds no per-cell sums of unexploded items to draw hazard areas from");
  const double R = d.realizations;
  HazardAreas h;
  h.threshold = t;

  std::vector<std::uint8_t> in(cells, 0);
  std::uint64_t total = 0;
  for (std::size_t c = 0; c < cells; ++c) total += acc.dud_sum[c];
  // The density a cell is judged by: its items and its neighbours' within
  // the fade-out distance (a square window of side 2k+1 cells, k = fade-out /
  // cell size rounded), per hectare, so that a cell one realization happened
  // to hit is not taken for a hotspot. Integer sums over a summed-area table.
  const std::uint32_t k = static_cast<std::uint32_t>(
      std::min<double>(std::lround(std::max(0.0, d.fade_out_m) / g.cell_size_m), std::max(g.nx, g.ny)));
  h.window_cells = 2 * k + 1;
  std::vector<std::uint64_t> table(static_cast<std::size_t>(g.nx + 1) * (g.ny + 1), 0);
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    for (std::uint32_t ix = 0; ix < g.nx; ++ix)
      table[(iy + 1) * (g.nx + 1) + ix + 1] = acc.dud_sum[static_cast<std::size_t>(iy) * g.nx + ix] +
                                              table[iy * (g.nx + 1) + ix + 1] + table[(iy + 1) * (g.nx + 1) + ix] -
                                              table[iy * (g.nx + 1) + ix];
  std::vector<double> density(cells, 0.0);
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    for (std::uint32_t ix = 0; ix < g.nx; ++ix) {
      const std::uint32_t x0 = ix >= k ? ix - k : 0, x1 = std::min(g.nx, ix + k + 1);
      const std::uint32_t y0 = iy >= k ? iy - k : 0, y1 = std::min(g.ny, iy + k + 1);
      const std::uint64_t sum = table[y1 * (g.nx + 1) + x1] - table[y0 * (g.nx + 1) + x1] -
                                table[y1 * (g.nx + 1) + x0] + table[y0 * (g.nx + 1) + x0];
      density[static_cast<std::size_t>(iy) * g.nx + ix] = sum / R / ((x1 - x0) * (y1 - y0) * g.cell_area_ha());
    }
  // share: cells from the densest down until they hold the share of the total
  // (cells as dense as the last one taken are all in, so at least the share).
  double cut = t.value;
  if (t.basis == HazardThreshold::Basis::Share) {
    std::vector<std::uint32_t> order;
    for (std::uint32_t c = 0; c < cells; ++c)
      if (acc.dud_sum[c]) order.push_back(c);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return density[a] != density[b] ? density[a] > density[b] : a < b;
    });
    const long double want = static_cast<long double>(t.value) * total;
    long double held = 0;
    cut = std::numeric_limits<double>::infinity();
    for (std::uint32_t c : order) {
      held += acc.dud_sum[c];
      cut = density[c];
      if (held >= want) break;
    }
    h.threshold.share_density = cut;
  }
  // A cell with no item of its own is in when its neighbours make it dense
  // enough (the fade-out around them), never by its own probability.
  for (std::size_t c = 0; c < cells; ++c)
    in[c] = t.basis == HazardThreshold::Basis::PAny ? acc.dud_sum[c] > 0 && acc.dud_nonzero[c] / R >= t.value
                                                     : cut > 0.0 && density[c] >= cut;
  h.total_mean = total / R;
  h.cell_area.assign(cells, -1);

  const std::vector<std::vector<HazardRing>> polygons = contour_polygons(g, in);
  struct Box {
    double x0, y0, x1, y1;
  };
  std::vector<Box> boxes;
  for (const auto& rings : polygons) {
    Box b{1e300, 1e300, -1e300, -1e300};
    for (const auto& p : rings[0]) {
      b.x0 = std::min(b.x0, p[0]), b.y0 = std::min(b.y0, p[1]);
      b.x1 = std::max(b.x1, p[0]), b.y1 = std::max(b.y1, p[1]);
    }
    boxes.push_back(b);
  }

  // Cells in the hazard joined by an edge lie in one polygon (the indicator is
  // 1 along the segment between their centres, so no contour crosses it):
  // each such component is placed by one of its centres.
  std::vector<std::int32_t> polygon_of_cell(cells, -1);
  std::vector<std::uint32_t> stack;
  std::vector<std::uint32_t> component;
  std::vector<std::uint8_t> seen(cells, 0);
  std::vector<std::int64_t> first_cell(polygons.size(), -1);
  for (std::uint32_t start = 0; start < cells; ++start) {
    if (!in[start] || seen[start]) continue;
    component.clear();
    stack.assign(1, start);
    seen[start] = 1;
    while (!stack.empty()) {
      const std::uint32_t c = stack.back();
      stack.pop_back();
      component.push_back(c);
      const std::uint32_t ix = c % g.nx, iy = c / g.nx;
      const auto visit = [&](std::uint32_t n) {
        if (in[n] && !seen[n]) seen[n] = 1, stack.push_back(n);
      };
      if (ix > 0) visit(c - 1);
      if (ix + 1 < g.nx) visit(c + 1);
      if (iy > 0) visit(c - g.nx);
      if (iy + 1 < g.ny) visit(c + g.nx);
    }
    const double x = g.origin_x_m + (start % g.nx + 0.5) * g.cell_size_m;
    const double y = g.origin_y_m + (start / g.nx + 0.5) * g.cell_size_m;
    std::int32_t found = -1;
    for (std::size_t p = 0; p < polygons.size() && found < 0; ++p)
      if (x >= boxes[p].x0 && x <= boxes[p].x1 && y >= boxes[p].y0 && y <= boxes[p].y1 && rings_contain(polygons[p], x, y))
        found = static_cast<std::int32_t>(p);
    if (found < 0)
      throw std::logic_error(fmt::format("hazard areas: the cell at ({:.1f}, {:.1f}) m lies in no traced outline", x, y));
    for (std::uint32_t c : component) polygon_of_cell[c] = found;
    if (first_cell[found] < 0 || start < first_cell[found]) first_cell[found] = start;
  }

  // Ids in the order of each polygon's first cell.
  std::vector<std::size_t> order;
  for (std::size_t p = 0; p < polygons.size(); ++p)
    if (first_cell[p] >= 0) order.push_back(p);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first_cell[a] < first_cell[b]; });
  std::vector<std::int32_t> index_of(polygons.size(), -1);
  for (std::size_t i = 0; i < order.size(); ++i) {
    HazardArea a;
    a.id = static_cast<std::uint32_t>(i + 1);
    a.rings = polygons[order[i]];
    for (std::size_t k = 0; k < a.rings.size(); ++k) a.area_m2 += 0.5 * ring_area2(a.rings[k]);
    index_of[order[i]] = static_cast<std::int32_t>(i);
    h.areas.push_back(std::move(a));
  }
  std::vector<std::uint64_t> sums(h.areas.size(), 0);
  std::uint64_t outside = 0;
  for (std::size_t c = 0; c < cells; ++c) {
    const std::int32_t p = polygon_of_cell[c];
    if (p < 0) {
      outside += acc.dud_sum[c];
      continue;
    }
    const std::int32_t i = index_of[p];
    h.cell_area[c] = i;
    HazardArea& a = h.areas[i];
    ++a.cells;
    sums[i] += acc.dud_sum[c];
    a.p_any_max = std::max(a.p_any_max, acc.dud_nonzero[c] / R);
  }
  for (std::size_t i = 0; i < h.areas.size(); ++i) h.areas[i].items_mean = sums[i] / R;
  h.outside_mean = outside / R;

  // Ranked by density, ties by id (clearance.h's rank_areas may weigh towns in).
  std::vector<std::size_t> ranked(h.areas.size());
  std::iota(ranked.begin(), ranked.end(), std::size_t{0});
  std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    return h.areas[a].density_per_ha() > h.areas[b].density_per_ha();
  });
  for (std::size_t k = 0; k < ranked.size(); ++k) h.areas[ranked[k]].rank = static_cast<std::uint32_t>(k + 1);
  h.items_by_realization.assign(h.areas.size(), {});
  return h;
}

std::vector<std::uint32_t> cells_within(const ResultGrid& g, double x, double y, double distance_m) {
  std::vector<std::uint32_t> out;
  const double cs = g.cell_size_m;
  const long x0 = std::max(0L, static_cast<long>(std::floor((x - distance_m - g.origin_x_m) / cs)));
  const long x1 = std::min<long>(static_cast<long>(g.nx) - 1, static_cast<long>(std::floor((x + distance_m - g.origin_x_m) / cs)));
  const long y0 = std::max(0L, static_cast<long>(std::floor((y - distance_m - g.origin_y_m) / cs)));
  const long y1 = std::min<long>(static_cast<long>(g.ny) - 1, static_cast<long>(std::floor((y + distance_m - g.origin_y_m) / cs)));
  for (long iy = y0; iy <= y1; ++iy)
    for (long ix = x0; ix <= x1; ++ix)
      if (std::hypot(g.origin_x_m + (ix + 0.5) * cs - x, g.origin_y_m + (iy + 0.5) * cs - y) <= distance_m)
        out.push_back(static_cast<std::uint32_t>(iy * g.nx + ix));
  return out;
}

bool rings_contain(const std::vector<HazardRing>& rings, double x, double y) {
  bool in = false;
  for (const HazardRing& r : rings)
    for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
      const double xi = r[i][0], yi = r[i][1], xj = r[j][0], yj = r[j][1];
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
    }
  return in;
}

std::vector<std::size_t> by_rank(const HazardAreas& h) {
  std::vector<std::size_t> order(h.areas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return h.areas[a].rank < h.areas[b].rank; });
  return order;
}

void add_realization(HazardAreas& h, const std::vector<std::uint64_t>& duds) {
  if (duds.size() != h.cell_area.size()) throw std::logic_error("add_realization: the grid differs");
  std::vector<std::uint64_t> sums(h.areas.size(), 0);
  std::uint64_t outside = 0;
  for (std::size_t c = 0; c < duds.size(); ++c) {
    if (!duds[c]) continue;
    const std::int32_t a = h.cell_area[c];
    (a < 0 ? outside : sums[a]) += duds[c];
  }
  h.items_by_realization.resize(h.areas.size());
  for (std::size_t a = 0; a < sums.size(); ++a) h.items_by_realization[a].push_back(static_cast<double>(sums[a]));
  h.outside_by_realization.push_back(static_cast<double>(outside));
}

void finish_intervals(HazardAreas& h) {
  const auto q = quantile_of;
  if (h.outside_by_realization.empty()) throw std::logic_error("finish_intervals: no realization added");
  for (std::size_t a = 0; a < h.areas.size(); ++a) {
    h.areas[a].items_q05 = q(h.items_by_realization[a], 0.05);
    h.areas[a].items_q95 = q(h.items_by_realization[a], 0.95);
  }
  h.outside_q05 = q(h.outside_by_realization, 0.05);
  h.outside_q95 = q(h.outside_by_realization, 0.95);
  h.intervals = true;
}

}  // namespace remnant
