// Context layers of a map: the bundled dataset's vector files (borders, coast,
// rivers, towns) read with OGR, transformed into the grid's CRS, drawn clipped
// to the frame.
#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "host/common/geo.h"
#include "host/maps/map_internal.h"
#include "host/inputs/scenario.h"

namespace remnant::map_detail {

namespace {

using Part = std::vector<std::array<double, 2>>;

void add_parts(const OGRGeometry* g, std::vector<Part>& out) {
  if (!g) return;
  const OGRwkbGeometryType t = wkbFlatten(g->getGeometryType());
  if (t == wkbPoint) {
    const OGRPoint* p = g->toPoint();
    out.push_back({{p->getX(), p->getY()}});
  } else if (t == wkbLineString || t == wkbLinearRing) {
    const OGRSimpleCurve* l = g->toSimpleCurve();
    Part part;
    part.reserve(l->getNumPoints());
    for (int i = 0; i < l->getNumPoints(); ++i) part.push_back({l->getX(i), l->getY(i)});
    out.push_back(std::move(part));
  } else if (t == wkbPolygon) {
    const OGRPolygon* p = g->toPolygon();
    add_parts(p->getExteriorRing(), out);
    for (int i = 0; i < p->getNumInteriorRings(); ++i) add_parts(p->getInteriorRing(i), out);
  } else if (t == wkbMultiPoint || t == wkbMultiLineString || t == wkbMultiPolygon || t == wkbGeometryCollection) {
    const OGRGeometryCollection* c = g->toGeometryCollection();
    for (int i = 0; i < c->getNumGeometries(); ++i) add_parts(c->getGeometryRef(i), out);
  }
}

// A point for a polygon's name: the centroid of its part on the grid, or a
// point on that part's surface when the centroid falls outside it.
void set_label_point(const OGRGeometry& g, const OGRPolygon& extent, ContextFeature& cf) {
  std::unique_ptr<OGRGeometry> part(g.Intersection(&extent));
  if (!part || part->IsEmpty()) return;
  OGRPoint p;
  if (part->Centroid(&p) != OGRERR_NONE || !p.Within(part.get())) {
    std::unique_ptr<OGRGeometry> on(OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(part.get()))));
    if (!on || wkbFlatten(on->getGeometryType()) != wkbPoint) return;
    p = *on->toPoint();
  }
  cf.has_label_point = true;
  cf.label_x = p.getX(), cf.label_y = p.getY();
}

// One vector file in the grid's CRS (a file without a CRS is taken as WGS84 lon/lat).
ContextLayer read_layer(const DatasetLayer& l, OGRSpatialReference& dst, const OGRPolygon& extent) {
  GdalDataset ds(GDALOpenEx(l.file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) throw std::runtime_error(fmt::format("cannot open {}", l.file));
  GDALDataset* d = GDALDataset::FromHandle(ds.get());
  ContextLayer out;
  out.name = l.name;
  for (int k = 0; k < d->GetLayerCount(); ++k) {
    OGRLayer* layer = d->GetLayer(k);
    OGRSpatialReference src;
    if (const OGRSpatialReference* s = layer->GetSpatialRef())
      src = *s;
    else
      src.SetWellKnownGeogCS("WGS84");
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const bool same = src.IsSame(&dst);
    const int name_field = layer->GetLayerDefn()->GetFieldIndex("name");
    const int pop_field = layer->GetLayerDefn()->GetFieldIndex("population");
    const int focus_field = layer->GetLayerDefn()->GetFieldIndex("focus");
    for (auto& f : *layer) {
      const OGRGeometry* g0 = f->GetGeometryRef();
      if (!g0) continue;
      std::unique_ptr<OGRGeometry> geom(g0->clone());
      if (!same) {
        geom->assignSpatialReference(&src);
        if (geom->transformTo(&dst) != OGRERR_NONE) throw std::runtime_error(fmt::format("cannot transform {}", l.file));
      }
      ContextFeature cf;
      add_parts(geom.get(), cf.parts);
      if (name_field >= 0 && f->IsFieldSetAndNotNull(name_field)) cf.name = f->GetFieldAsString(name_field);
      if (pop_field >= 0 && f->IsFieldSetAndNotNull(pop_field)) cf.population = f->GetFieldAsDouble(pop_field);
      if (focus_field >= 0 && f->IsFieldSetAndNotNull(focus_field)) cf.focus = f->GetFieldAsInteger(focus_field) != 0;
      const OGRwkbGeometryType t = wkbFlatten(geom->getGeometryType());
      if (t == wkbPoint || t == wkbMultiPoint) out.points = true;
      if ((t == wkbPolygon || t == wkbMultiPolygon) && !cf.name.empty()) set_label_point(*geom, extent, cf);
      if (!cf.parts.empty()) out.features.push_back(std::move(cf));
    }
  }
  return out;
}

bool overlaps(const MapRect& a, const MapRect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

bool inside(const MapRect& a, const MapRect& outer) {
  return a.x >= outer.x && a.y >= outer.y && a.x + a.w <= outer.x + outer.w && a.y + a.h <= outer.y + outer.h;
}

// Where country outlines may be drawn: land cells farther than about 1.2 km
// from water. The border layer's polygons also trace coasts (from their own
// source, which may not match the coastline layer's), and a coast is not a
// border; masking water and its surroundings leaves the land borders.
std::vector<std::uint8_t> border_mask(const ResultData& d) {
  const ResultGrid& g = d.grid;
  if (d.land_cover.size() != g.cells()) return {};
  const std::uint8_t water = static_cast<std::uint8_t>(LandCover::Water);
  if (std::none_of(d.land_cover.begin(), d.land_cover.end(), [&](std::uint8_t c) { return c == water; })) return {};
  const long r = std::clamp(static_cast<long>(std::lround(1200.0 / g.cell_size_m)), 1L, 15L);
  const long nx = g.nx, ny = g.ny;
  // Distance to water by a square window, separable: rows, then columns.
  std::vector<std::uint8_t> near(g.cells(), 0), out(g.cells(), 0);
  for (long y = 0; y < ny; ++y) {
    long last = -1000000;  // last water column seen, scanning both ways
    for (long x = 0; x < nx; ++x) {
      if (d.land_cover[y * nx + x] == water) last = x;
      if (x - last <= r) near[y * nx + x] = 1;
    }
    last = 1000000;
    for (long x = nx - 1; x >= 0; --x) {
      if (d.land_cover[y * nx + x] == water) last = x;
      if (last - x <= r) near[y * nx + x] = 1;
    }
  }
  for (long x = 0; x < nx; ++x) {
    long last = -1000000;
    for (long y = 0; y < ny; ++y) {
      if (near[y * nx + x]) last = y;
      if (y - last <= r) out[y * nx + x] = 1;
    }
    last = 1000000;
    for (long y = ny - 1; y >= 0; --y) {
      if (near[y * nx + x]) last = y;
      if (last - y <= r) out[y * nx + x] = 1;
    }
  }
  for (std::uint8_t& v : out) v = v ? 0 : 255;
  return out;
}

// Neighbouring countries' outlines are kept only away from the focus
// country's: the polygons of one border may be digitised apart (DCW's Lebanon
// and Israel differ by up to a few km), and the border would be drawn twice.
void drop_outlines_near_focus(ContextLayer& layer, double tol) {
  std::map<std::pair<long, long>, std::vector<std::pair<std::array<double, 2>, std::array<double, 2>>>> buckets;
  auto key = [&](double v) { return static_cast<long>(std::floor(v / tol)); };
  for (const ContextFeature& f : layer.features)
    if (f.focus)
      for (const Part& ring : f.parts)
        for (std::size_t i = 1; i < ring.size(); ++i)
          for (long bx = key(std::min(ring[i - 1][0], ring[i][0])); bx <= key(std::max(ring[i - 1][0], ring[i][0])); ++bx)
            for (long by = key(std::min(ring[i - 1][1], ring[i][1])); by <= key(std::max(ring[i - 1][1], ring[i][1]));
                 ++by)
              buckets[{bx, by}].emplace_back(ring[i - 1], ring[i]);
  if (buckets.empty()) return;
  auto near_focus = [&](const std::array<double, 2>& p) {
    for (long bx = key(p[0]) - 1; bx <= key(p[0]) + 1; ++bx)
      for (long by = key(p[1]) - 1; by <= key(p[1]) + 1; ++by) {
        const auto it = buckets.find({bx, by});
        if (it == buckets.end()) continue;
        for (const auto& [a, b] : it->second) {
          const double dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
          const double t = len2 > 0 ? std::clamp(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2, 0.0, 1.0) : 0.0;
          if (std::hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy) <= tol) return true;
        }
      }
    return false;
  };
  for (ContextFeature& f : layer.features) {
    if (f.focus) continue;
    std::vector<Part> kept;
    for (const Part& ring : f.parts) {
      Part run;
      for (std::size_t i = 1; i < ring.size(); ++i) {
        if (!near_focus({(ring[i - 1][0] + ring[i][0]) / 2, (ring[i - 1][1] + ring[i][1]) / 2})) {
          if (run.empty()) run.push_back(ring[i - 1]);
          run.push_back(ring[i]);
        } else if (!run.empty()) {
          kept.push_back(std::move(run));
          run.clear();
        }
      }
      if (!run.empty()) kept.push_back(std::move(run));
    }
    f.parts = std::move(kept);
  }
}

}  // namespace

}  // namespace remnant::map_detail

namespace remnant {

ContextLineStyle context_line_style(const std::string& layer) {
  if (layer == "border") return {{0.22, 0.22, 0.22}, 0.8, "country border"};
  if (layer == "coast") return {{0.30, 0.45, 0.62}, 0.6, "coastline"};
  if (layer == "rivers") return {{0.20, 0.45, 0.80}, 0.5, "river"};
  return {{0.45, 0.45, 0.45}, 0.4, nullptr};
}

bool MapContext::has(const std::string& name) const {
  for (const ContextLayer& l : layers)
    if (l.name == name && !l.features.empty()) return true;
  return false;
}

MapContext load_map_context(const ResultData& d, const std::string& datasets_dir_opt) {
  MapContext ctx;
  if (d.dataset.empty()) return ctx;
  if (d.grid.crs.empty()) {
    ctx.note = fmt::format("context layers: the grid has no CRS to place dataset {} on", d.dataset);
    return ctx;
  }
  namespace fs = std::filesystem;
  const std::string root = datasets_dir_opt.empty() ? datasets_dir() : datasets_dir_opt;
  const std::string dir = (fs::path(root) / d.dataset).string();
  Dataset ds;
  try {
    ds = load_dataset(dir, "map");
  } catch (const std::exception&) {
    ctx.note = fmt::format("context layers: dataset {} not found in {}", d.dataset, root);
    return ctx;
  }
  register_gdal();
  QuietGdalErrors quiet;
  OGRSpatialReference dst;
  if (dst.SetFromUserInput((d.grid.crs_wkt.empty() ? d.grid.crs : d.grid.crs_wkt).c_str()) != OGRERR_NONE) {
    ctx.note = fmt::format("context layers: cannot read the grid's CRS {}", d.grid.crs);
    return ctx;
  }
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const ResultGrid& g = d.grid;
  OGRLinearRing ring;
  const double x0 = g.origin_x_m, y0 = g.origin_y_m, x1 = x0 + g.nx * g.cell_size_m, y1 = y0 + g.ny * g.cell_size_m;
  for (const auto& [x, y] : {std::pair{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}) ring.addPoint(x, y);
  OGRPolygon extent;
  extent.addRing(&ring);
  std::vector<std::string> failed;
  for (const DatasetLayer& l : ds.layers) {
    try {
      ctx.layers.push_back(map_detail::read_layer(l, dst, extent));
      if (l.name == "border")
        map_detail::drop_outlines_near_focus(ctx.layers.back(), std::max(2500.0, 3 * g.cell_size_m));
    } catch (const std::exception&) {
      failed.push_back(l.name);
    }
  }
  ctx.border_mask = map_detail::border_mask(d);
  if (!failed.empty())
    ctx.note = fmt::format("context layers: {} of dataset {} could not be read", map_detail::join(failed, ", "),
                           d.dataset);
  // Lines first (rivers under coast under borders), towns last.
  auto rank = [](const ContextLayer& l) {
    return l.points ? 4 : l.name == "rivers" ? 0 : l.name == "coast" ? 1 : l.name == "border" ? 2 : 3;
  };
  std::stable_sort(ctx.layers.begin(), ctx.layers.end(),
                   [&](const ContextLayer& a, const ContextLayer& b) { return rank(a) < rank(b); });
  return ctx;
}

}  // namespace remnant

namespace remnant::map_detail {

void draw_context_lines(Canvas& c, const MapContext& ctx, const FrameMap& f) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, f.r.x, f.r.y, f.r.w, f.r.h);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (const ContextLayer& l : ctx.layers) {
    if (l.points) continue;
    const ContextLineStyle s = context_line_style(l.name);
    for (const ContextFeature& feat : l.features)
      for (const Part& part : feat.parts) {
        if (part.size() < 2) continue;
        cairo_move_to(cr, f.px(part[0][0]), f.py(part[0][1]));
        for (std::size_t i = 1; i < part.size(); ++i) cairo_line_to(cr, f.px(part[i][0]), f.py(part[i][1]));
      }
    set_colour(cr, s.colour);
    cairo_set_line_width(cr, s.width);
    if (l.name == "border")
      stroke_through_mask(c, *f.grid, ctx.border_mask, f.r);
    else
      cairo_stroke(cr);
  }
  cairo_restore(cr);
}

void draw_place_names(Canvas& c, const MapContext& ctx, const FrameMap& f, int max_labels) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, f.r.x, f.r.y, f.r.w, f.r.h);
  cairo_clip(cr);
  std::vector<MapRect> placed;
  // Country names, in spaced capitals, grey.
  const Font country{7.5, false, true};
  for (const ContextLayer& l : ctx.layers)
    for (const ContextFeature& feat : l.features) {
      if (!feat.has_label_point) continue;
      std::string name;
      for (char ch : feat.name) name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const double w = c.width(name, country), x = f.px(feat.label_x), y = f.py(feat.label_y);
      const MapRect box{x - w / 2 - 4, y - country.size / 2 - 2, w + 8, country.size + 4};
      if (!inside(box, f.r) ||
          std::any_of(placed.begin(), placed.end(), [&](const MapRect& p) { return overlaps(box, p); }))
        continue;
      c.text(x, y + country.size * 0.32, name, country, Align::Centre, Rgb{0.35, 0.35, 0.35}, true);
      placed.push_back(box);
    }
  std::vector<const ContextFeature*> towns;
  for (const ContextLayer& l : ctx.layers)
    if (l.points)
      for (const ContextFeature& feat : l.features) towns.push_back(&feat);
  std::stable_sort(towns.begin(), towns.end(),
                   [](const ContextFeature* a, const ContextFeature* b) { return a->population > b->population; });
  const Font& font = kTownFont;
  int labelled = 0;
  for (const ContextFeature* t : towns) {
    const double x = f.px(t->parts[0][0][0]), y = f.py(t->parts[0][0][1]);
    if (x < f.r.x || x > f.r.x + f.r.w || y < f.r.y || y > f.r.y + f.r.h) continue;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, 1.6, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_fill(cr);
    placed.push_back({x - 2, y - 2, 4, 4});
    if (t->name.empty() || labelled >= max_labels) continue;
    const double w = c.width(t->name, font), h = font.size;
    const MapRect options[] = {{x + 3, y - h / 2, w, h}, {x - 3 - w, y - h / 2, w, h}, {x - w / 2, y - 3 - h, w, h},
                               {x - w / 2, y + 3, w, h}};
    for (const MapRect& box : options) {
      if (!inside(box, f.r) ||
          std::any_of(placed.begin(), placed.end(), [&](const MapRect& p) { return overlaps(box, p); }))
        continue;
      c.text(box.x, box.y + h * 0.82, t->name, font, Align::Left, Rgb{0.1, 0.1, 0.1}, true);
      placed.push_back({box.x - 1, box.y - 1, box.w + 2, box.h + 2});
      ++labelled;
      break;
    }
  }
  cairo_restore(cr);
}

std::vector<LegendItem> context_legend(const MapContext& ctx, const ResultData& d, const std::string& markers) {
  std::vector<LegendItem> items;
  const Font f{7, false, false};
  if (!d.site_x_m.empty()) {
    const std::string text = d.site_placement == "per_realization" ? "strike sites (one realization; redrawn in each)"
                                                                    : "strike sites";
    if (markers == "none")
      items.push_back({LegendItem::Text,
                       fmt::format("{} strike sites, not drawn (--sites dots or circles draws them)",
                                   format_number(double(d.site_x_m.size()))),
                       f, {}, {}, 0});
    else
      items.push_back({markers == "dots" ? LegendItem::SiteDotSample : LegendItem::SiteSample, text, f, {}, {}, 0});
  }
  for (const char* name : {"border", "coast", "rivers"})
    if (ctx.has(name)) {
      const ContextLineStyle s = context_line_style(name);
      items.push_back({LegendItem::LineSample, s.label, f, {}, s.colour, s.width});
    }
  for (const ContextLayer& l : ctx.layers)
    if (l.points && !l.features.empty()) {
      items.push_back({LegendItem::TownSample, "town (the largest named)", f, {}, {}, 0});
      break;
    }
  return items;
}

}  // namespace remnant::map_detail
