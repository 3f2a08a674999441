#include "host/inputs/sites.h"

#include <fmt/format.h>
#include <gdal.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "host/common/geo.h"
#include "host/inputs/points.h"
#include "host/inputs/vector_file.h"

namespace remnant {
namespace {

constexpr std::uint32_t kFixedPlacement = 0xFFFFFFFFu;  // realization index of fixed sites

std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) c[i] = (sum += w[i]);
  for (double& v : c) v /= sum;
  c.back() = 1.0;
  return c;
}

std::size_t pick(const std::vector<double>& cdf, double u) {
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  return std::min<std::size_t>(it - cdf.begin(), cdf.size() - 1);
}

// Polygons of a vector file (any OGR format and CRS) in the grid's CRS.
std::vector<Ring> read_polygon_file(const std::string& path, const std::string& where, const GridSpec& g,
                                    const std::string& what) {
  GdalDataset ds = open_vector_file(path, what);
  QuietGdalErrors quiet;
  GDALDataset* d = GDALDataset::FromHandle(ds.get());
  if (d->GetLayerCount() < 1) throw InputError(fmt::format("{}: {}: holds no layer", what, path));
  OGRLayer* layer = d->GetLayer(0);
  if (!where.empty() && layer->SetAttributeFilter(where.c_str()) != OGRERR_NONE)
    throw InputError(fmt::format("{}: where = \"{}\": not a valid attribute filter for {}", what, where, path));
  const OGRSpatialReference* src = layer->GetSpatialRef();
  OGRSpatialReference dst;
  dst.SetFromUserInput(crs_wkt(g.crs).c_str());
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::vector<Ring> rings;
  for (auto& f : *layer) {
    std::unique_ptr<OGRGeometry> geom(f->GetGeometryRef() ? f->GetGeometryRef()->clone() : nullptr);
    if (!geom) continue;
    if (src) {
      OGRSpatialReference s(*src);
      s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
      geom->assignSpatialReference(&s);
      if (geom->transformTo(&dst) != OGRERR_NONE)
        throw InputError(fmt::format("{}: {}: cannot transform its polygons into {}", what, path, g.crs));
    }
    add_polygon_rings(geom.get(), rings);
  }
  if (rings.empty())
    throw InputError(fmt::format("{}: {}: no polygon{}", what, path, where.empty() ? "" : " matches where = \"" + where + "\""));
  return rings;
}

// WGS84 lon/lat onto the grid; `what` names the input that needs it.
LonLatToGrid lonlat_to(const GridSpec& g, const std::string& what) {
  if (g.crs.empty()) throw InputError(what + ": lon/lat coordinates need a grid with a crs");
  return LonLatToGrid(g.crs);
}

Ring lonlat_ring(const std::vector<std::array<double, 2>>& lonlat, const GridSpec& g, const std::string& what) {
  const LonLatToGrid to_grid = lonlat_to(g, what);
  Ring ring;
  for (const auto& v : lonlat) {
    double x, y;
    to_grid.to_grid(v[0], v[1], x, y);
    ring.push_back({x, y});
  }
  return ring;
}

std::string dataset_layer_file(const Scenario& sc, const std::string& spec, const std::string& what) {
  const std::string name = spec.substr(8);
  if (!sc.dataset) throw InputError(fmt::format("{}: polygon_file = \"{}\" needs a grid from a dataset", what, spec));
  for (const DatasetLayer& l : sc.dataset->layers)
    if (l.name == name) return l.file;
  throw InputError(fmt::format("{}: dataset \"{}\" has no layer \"{}\"", what, sc.dataset->name, name));
}


// A point of a points file for messages: "NAME" (line N, lon ..., lat ...) or
// line N (lon ..., lat ...), with x and y for a file in the grid's CRS.
std::string point_label(const PointsTable& t, std::size_t i) {
  const WeightedPoint& p = t.points[i];
  const std::string where =
      t.grid_xy ? fmt::format("x {} m, y {} m", p.x_m, p.y_m) : fmt::format("lon {}, lat {}", p.lon, p.lat);
  const std::string name = t.details.empty() ? std::string() : t.details[i].name;
  return name.empty() ? fmt::format("line {} ({})", i + 2, where) : fmt::format("\"{}\" (line {}, {})", name, i + 2, where);
}

// The first ten of some points, by label (with `more` appended to each), then how many more.
template <typename More>
std::string named_points(const PointsTable& t, const std::vector<std::size_t>& which, More more) {
  constexpr std::size_t kNamed = 10;
  std::string out;
  for (std::size_t k = 0; k < which.size() && k < kNamed; ++k)
    out += (k ? "; " : "") + point_label(t, which[k]) + more(which[k]);
  if (which.size() > kNamed) out += fmt::format("; and {} more", which.size() - kNamed);
  return out;
}

std::string nothing_more(std::size_t) { return std::string(); }

// The sites of a points file: drawn by weight (per_realization), or each
// point kept one site (fixed). Points off the grid and of weight 0 are left
// out; points off the grid and in water cells are named in warnings.
void add_points(const Scenario& sc, const GridSpec& g, const std::vector<std::uint8_t>& land_cover, const std::string& at,
                SiteSampler& s) {
  const bool fixed = !sc.sites.per_realization;
  const std::string& file = sc.sites.points_csv;
  PointsTable read;
  if (!fixed) read = read_points_table(file);
  const PointsTable& t = fixed ? sc.sites.fixed_points.table : read;
  if (!fixed)
    for (std::size_t i = 0; i < t.details.size(); ++i)
      if (!t.details[i].carrier.empty())
        throw InputError(fmt::format("{}: placement = \"per_realization\": {}:{}: column carrier: a point names its "
                                     "own carriers; expected placement = \"fixed\" for strikes as given, or no "
                                     "carrier column",
                                     at, file, i + 2));
  std::optional<LonLatToGrid> to_grid;
  if (!t.grid_xy) to_grid.emplace(lonlat_to(g, at + ": points_csv"));
  else if (fixed && !g.crs.empty()) to_grid.emplace(g.crs);  // for the sites' lon/lat
  std::vector<double> w;
  std::vector<std::size_t> outside, water, rounded;
  std::uint64_t zero = 0;
  const double width = g.nx * g.cell_size_m, height = g.ny * g.cell_size_m;
  for (std::size_t i = 0; i < t.points.size(); ++i) {
    const WeightedPoint& p = t.points[i];
    double x = p.x_m, y = p.y_m;
    if (!t.grid_xy) to_grid->to_grid(p.lon, p.lat, x, y);
    x -= g.origin_x_m;
    y -= g.origin_y_m;
    if (!(x >= 0 && y >= 0 && x < width && y < height)) {
      outside.push_back(i);
      continue;
    }
    if (p.weight <= 0.0) {
      ++zero;
      continue;
    }
    const std::uint32_t ix = std::min(g.nx - 1, static_cast<std::uint32_t>(x / g.cell_size_m));
    const std::uint32_t iy = std::min(g.ny - 1, static_cast<std::uint32_t>(y / g.cell_size_m));
    if (land_cover[std::size_t(iy) * g.nx + ix] == static_cast<std::uint8_t>(LandCover::Water)) water.push_back(i);
    if (!fixed) {
      s.point_x.push_back(x);
      s.point_y.push_back(y);
      w.push_back(p.weight);
      continue;
    }
    FixedSite f;
    f.x_m = x;
    f.y_m = y;
    f.lon = p.lon;
    f.lat = p.lat;
    if (t.grid_xy) {
      if (to_grid) to_grid->to_lonlat(p.x_m, p.y_m, f.lon, f.lat);
      else f.lon = f.lat = std::numeric_limits<double>::quiet_NaN();
    }
    f.carrier = sc.sites.fixed_points.carrier[i];
    f.carriers = sc.sites.fixed_points.carriers[i];
    f.line = i + 2;
    if (!t.details.empty()) {
      const PointDetails& d = t.details[i];
      f.date = d.date;
      f.name = d.name;
      if (d.submunitions && d.submunitions % sc.carriers[f.carrier].submunitions_per_carrier) rounded.push_back(i);
    }
    s.fixed_sites.push_back(std::move(f));
  }
  const std::size_t kept = fixed ? s.fixed_sites.size() : w.size();
  if (!kept)
    throw InputError(fmt::format("{}: points_csv {}: none of its {} points lies on the grid with a positive weight", at,
                                 file, t.points.size()));
  if (!outside.empty())
    s.warnings.push_back(fmt::format("{} of {} site points lie outside the grid and were left out: {}", outside.size(),
                                     t.points.size(), named_points(t, outside, nothing_more)));
  if (!water.empty())
    s.warnings.push_back(fmt::format("{} of {} site points lie in water cells (kept; items landing in water are counted "
                                     "in water): {}",
                                     water.size(), t.points.size(), named_points(t, water, nothing_more)));
  s.notes = s.warnings;
  if (zero) s.notes.push_back(fmt::format("{} site points have weight 0", zero));
  if (!fixed) {
    s.point_cdf = cumulative(w);
    return;
  }
  if (sc.sites.count && sc.sites.count != kept)
    throw InputError(fmt::format(
        "{}: sites.count = {} but points_csv {} keeps {} of its {} points (on the grid, weight > 0); with placement = "
        "\"fixed\" each point kept is one site: expected count = {}, or no count",
        at, sc.sites.count, file, kept, t.points.size(), kept));
  s.count = static_cast<std::uint32_t>(kept);
  if (!rounded.empty())
    s.notes.push_back(fmt::format(
        "{} site points give submunitions that are not whole carriers; rounded up to whole carriers: {}", rounded.size(),
        named_points(t, rounded, [&](std::size_t i) {
          const CarrierType& c = sc.carriers[sc.sites.fixed_points.carrier[i]];
          const std::uint64_t n = sc.sites.fixed_points.carriers[i];
          return fmt::format(" {} submunitions -> {} {} ({} submunitions)", t.details[i].submunitions, n, c.name,
                             n * c.submunitions_per_carrier);
        })));
  s.notes.push_back(fmt::format("fixed sites: the {} points of {} kept, each one site in every realization", kept, file));
}

}  // namespace

std::vector<std::uint32_t> cells_inside(const std::vector<Ring>& rings, const GridSpec& g) {
  std::vector<std::uint32_t> cells;
  std::vector<double> xs;
  for (std::uint32_t iy = 0; iy < g.ny; ++iy) {
    const double y = g.origin_y_m + (iy + 0.5) * g.cell_size_m;
    xs.clear();
    for (const Ring& r : rings) {
      for (std::size_t i = 0, n = r.size(); i < n; ++i) {
        const auto& a = r[i];
        const auto& b = r[(i + 1) % n];
        if ((a[1] <= y) != (b[1] <= y)) xs.push_back(a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
      }
    }
    std::sort(xs.begin(), xs.end());
    for (std::size_t k = 0; k + 1 < xs.size(); k += 2) {
      // cells whose centre x lies in [xs[k], xs[k+1])
      const double lo = std::ceil((xs[k] - g.origin_x_m) / g.cell_size_m - 0.5);
      const double hi = std::ceil((xs[k + 1] - g.origin_x_m) / g.cell_size_m - 0.5);
      const std::int64_t i0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(lo));
      const std::int64_t i1 = std::min<std::int64_t>(g.nx, static_cast<std::int64_t>(hi));
      for (std::int64_t ix = i0; ix < i1; ++ix) cells.push_back(iy * g.nx + static_cast<std::uint32_t>(ix));
    }
  }
  return cells;
}

std::array<double, 2> SiteSampler::sample(RngKey key, std::uint32_t r, std::uint32_t site) const {
  if (!fixed_sites.empty()) return {fixed_sites[site].x_m, fixed_sites[site].y_m};
  HostDrawStream u(key, per_realization ? r : kFixedPlacement, site);
  if (!point_cdf.empty()) {
    const std::size_t i = pick(point_cdf, u.next());
    return {point_x[i], point_y[i]};
  }
  const auto& cells = area_cells[pick(area_cdf, u.next())];
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(u.next() * cells.size()), cells.size() - 1);
  const std::uint32_t c = cells[k];
  const double x = (c % nx + u.next()) * dx;
  const double y = (c / nx + u.next()) * dx;
  return {x, y};
}

SiteSampler make_site_sampler(const Scenario& sc, const GridSpec& g, const std::vector<std::uint8_t>& land_cover) {
  SiteSampler s;
  s.per_realization = sc.sites.per_realization;
  s.count = sc.sites.count;
  s.nx = g.nx;
  s.dx = g.cell_size_m;
  const std::string at = fmt::format("{}:{}: sites", sc.path, sc.sites.line);
  if (!sc.sites.points_csv.empty()) {
    add_points(sc, g, land_cover, at, s);
    return s;
  }
  std::vector<double> w;
  for (const SiteArea& a : sc.sites.areas) {
    const std::string what = fmt::format("{}:{}: sites.area \"{}\"", sc.path, a.line, a.name);
    std::vector<Ring> rings;
    if (!a.polygon_lonlat.empty()) {
      rings.push_back(lonlat_ring(a.polygon_lonlat, g, what));
    } else if (a.x_m) {
      rings.push_back({{a.x_m->lo, a.y_m->lo}, {a.x_m->hi, a.y_m->lo}, {a.x_m->hi, a.y_m->hi}, {a.x_m->lo, a.y_m->hi}});
    } else {
      const std::string file =
          a.polygon_file.rfind("dataset:", 0) == 0 ? dataset_layer_file(sc, a.polygon_file, what) : a.polygon_file;
      rings = read_polygon_file(file, a.where, g, what);
    }
    std::vector<std::uint32_t> cells = cells_inside(rings, g);
    if (!a.within_lonlat.empty()) {
      std::vector<char> keep(std::size_t(g.nx) * g.ny, 0);
      for (std::uint32_t c : cells_inside({lonlat_ring(a.within_lonlat, g, what)}, g)) keep[c] = 1;
      cells.erase(std::remove_if(cells.begin(), cells.end(), [&](std::uint32_t c) { return !keep[c]; }), cells.end());
    }
    const std::size_t all = cells.size();
    cells.erase(std::remove_if(cells.begin(), cells.end(),
                               [&](std::uint32_t c) { return land_cover[c] == static_cast<std::uint8_t>(LandCover::Water); }),
                cells.end());
    if (cells.empty())
      throw InputError(fmt::format("{}: holds no land cell of the grid ({} cells inside, all water or none)", what, all));
    s.notes.push_back(fmt::format("site area \"{}\": {} land cells ({:.0f} km2), weight {}", a.name, cells.size(),
                                  cells.size() * g.cell_size_m * g.cell_size_m / 1e6, a.weight));
    s.area_names.push_back(a.name);
    s.area_cells.push_back(std::move(cells));
    w.push_back(a.weight);
  }
  double total = 0.0;
  for (double v : w) total += v;
  if (!(total > 0.0)) throw InputError(at + ": the area weights add up to 0");
  s.area_cdf = cumulative(w);
  return s;
}

}  // namespace remnant
