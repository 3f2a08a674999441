#include "host/inputs/evidence.h"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "host/common/errors.h"
#include "host/common/geo.h"
#include "host/common/numbers.h"
#include "host/common/sha256.h"
#include "host/inputs/points.h"
#include "host/inputs/sites.h"
#include "host/inputs/vector_file.h"

namespace remnant {
namespace {

using Kind = EvidenceFeature::Kind;

constexpr const char* kKinds = "strike (point), find (point), searched (polygon) or cancelled (polygon)";
constexpr double kMostCount = 9007199254740992.0;  // 2^53: every whole number below is exact in a double

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trimmed(std::string s) {
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && blank(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && blank(s[i])) ++i;
  return s.substr(i);
}

struct DestroyCT {
  void operator()(OGRCoordinateTransformation* ct) const { OGRCoordinateTransformation::DestroyCT(ct); }
};

// How a layer's coordinates reach the grid's CRS.
struct LayerCrs {
  std::unique_ptr<OGRCoordinateTransformation, DestroyCT> to_grid;  // null: already in the grid's coordinates
  bool geographic = false;  // lon/lat: checked against [-180, 180] x [-90, 90] before transforming
};

// One feature being read: its fields by name, and messages that name the
// file, the layer, the feature and the field.
class FeatureFields {
 public:
  FeatureFields(const OGRFeature& f, std::string at, bool shapefile)
      : f_(f), at_(std::move(at)), shapefile_(shapefile) {}

  const std::string& at() const { return at_; }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw InputError(fmt::format("{}: field {}: {}", at_, field, what));
  }

  // The field's index, or -1 when the layer has no such field. Names match in
  // any case; a Shapefile's names are cut to 10 characters (items_foun, detection_).
  int index(const std::string& name) const {
    const OGRFeatureDefn* d = f_.GetDefnRef();
    int i = d->GetFieldIndex(name.c_str());
    if (i < 0 && shapefile_ && name.size() > 10) i = d->GetFieldIndex(name.substr(0, 10).c_str());
    return i;
  }

  // The field as text; nullopt when the layer lacks it, it is null or unset,
  // or blank (an empty CSV cell).
  std::optional<std::string> text(const std::string& name) const {
    const int i = index(name);
    if (i < 0 || !f_.IsFieldSetAndNotNull(i)) return std::nullopt;
    std::string s = trimmed(f_.GetFieldAsString(i));
    if (s.empty()) return std::nullopt;
    return s;
  }

  // True when the layer has the field and this feature gives it a value (blank included).
  bool given(const std::string& name) const {
    const int i = index(name);
    return i >= 0 && f_.IsFieldSetAndNotNull(i);
  }

  // A date as YYYY-MM-DD: a Date field (GeoJSON, GeoPackage and Shapefile
  // readers type ISO dates so), or text checked to be one; "" when absent.
  std::string date(const std::string& name) const {
    const std::optional<std::string> t = text(name);
    if (!t) return "";
    const int i = index(name);
    const OGRFieldType type = f_.GetFieldDefnRef(i)->GetType();
    if (type == OFTDate) {
      int y = 0, m = 0, d = 0, h = 0, min = 0, tz = 0;
      float sec = 0;
      f_.GetFieldAsDateTime(i, &y, &m, &d, &h, &min, &sec, &tz);
      const std::string iso = fmt::format("{:04}-{:02}-{:02}", y, m, d);
      if (!is_iso_date(iso)) fail(name, fmt::format("expected a date written YYYY-MM-DD (ISO 8601), got \"{}\" (no such day)", iso));
      return iso;
    }
    if (type != OFTString || !is_iso_date(*t))
      fail(name, fmt::format("expected a date written YYYY-MM-DD (ISO 8601), got \"{}\"", *t));
    return *t;
  }

  // A number: a numeric field, or a text field holding one (CSV, KML <Data>).
  std::optional<double> number(const std::string& name, const std::string& expected) const {
    const int i = index(name);
    const std::optional<std::string> t = text(name);
    if (!t) return std::nullopt;
    const OGRFieldType type = f_.GetFieldDefnRef(i)->GetType();
    double v = 0.0;
    if (type == OFTInteger || type == OFTInteger64 || type == OFTReal) {
      v = f_.GetFieldAsDouble(i);
    } else if (type == OFTString) {
      const std::optional<double> parsed = parse_number(*t);
      if (!parsed) fail(name, fmt::format("expected {}, got \"{}\" (not a number)", expected, *t));
      v = *parsed;
    } else {
      fail(name, fmt::format("expected {}, got \"{}\" (a field of type {})", expected, *t,
                             OGRFieldDefn::GetFieldTypeName(type)));
    }
    if (!std::isfinite(v)) fail(name, fmt::format("expected {}, got {}", expected, v));
    return v;
  }

  // A whole number >= least; nullopt when absent.
  std::optional<std::uint64_t> count(const std::string& name, std::uint64_t least) const {
    const std::string expected = fmt::format("a whole number >= {}", least);
    const std::optional<double> v = number(name, expected);
    if (!v) return std::nullopt;
    if (*v != std::floor(*v) || *v < static_cast<double>(least) || *v > kMostCount)
      fail(name, fmt::format("expected {}, got {}", expected, *text(name)));
    return static_cast<std::uint64_t>(*v);
  }

  // A probability in [0, 1]; nullopt when absent.
  std::optional<double> probability(const std::string& name) const {
    const std::string expected = "a probability from 0 to 1";
    const std::optional<double> v = number(name, expected);
    if (v && !(*v >= 0.0 && *v <= 1.0)) fail(name, fmt::format("expected {}, got {}", expected, *text(name)));
    return v;
  }

 private:
  const OGRFeature& f_;
  std::string at_;
  bool shapefile_;
};

bool point_kind(Kind k) { return k == Kind::Strike || k == Kind::Find; }

std::optional<Kind> kind_from_name(const std::string& s) {
  const std::string k = lower(s);
  if (k == "strike") return Kind::Strike;
  if (k == "find") return Kind::Find;
  if (k == "searched") return Kind::Searched;
  if (k == "cancelled") return Kind::Cancelled;
  return std::nullopt;
}

// The layer's CRS against the grid's: a transformation, none (same
// coordinates), or an InputError saying why they cannot meet.
LayerCrs layer_crs(const OGRSpatialReference* src, const GridSpec& g, const std::string& at) {
  LayerCrs out;
  if (!src) return out;  // a layer without a CRS is in the grid's coordinates
  OGRSpatialReference s(*src);
  s.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const char* name = s.GetName();
  const std::string shown = name ? name : "unnamed";
  if (g.crs.empty()) {
    if (s.IsLocal() && std::fabs(s.GetLinearUnits() - 1.0) < 1e-12) return out;
    throw InputError(fmt::format(
        "{}: its CRS \"{}\": the grid has no crs (local metres), so there is nothing to transform it into; expected "
        "a layer without a CRS, or in a local CRS in metres, whose coordinates are the grid's metres (a GeoJSON file "
        "says so with \"crs\": {{\"type\": \"name\", \"properties\": {{\"name\": \"LOCAL_CS[\\\"grid\\\",UNIT[\\\"metre\\\",1]]\"}}}}; "
        "without a crs member GeoJSON means WGS84 lon/lat), or give the grid a crs",
        at, shown));
  }
  if (s.IsLocal())
    throw InputError(fmt::format("{}: its CRS \"{}\" is a local one, which cannot be transformed into the grid's {}; "
                                 "expected a layer in a CRS GDAL can transform (e.g. EPSG:4326), or without a CRS "
                                 "and in the grid's coordinates",
                                 at, shown, g.crs));
  OGRSpatialReference dst;
  dst.SetFromUserInput(crs_wkt(g.crs).c_str());
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (s.IsSame(&dst)) return out;
  QuietGdalErrors quiet;
  out.to_grid.reset(OGRCreateCoordinateTransformation(&s, &dst));
  if (!out.to_grid)
    throw InputError(fmt::format("{}: no transformation from its CRS \"{}\" into the grid's {} ({})", at, shown, g.crs,
                                 gdal_last_error("PROJ found none")));
  out.geographic = s.IsGeographic();
  return out;
}

// The grid cell holding an absolute point, or nullopt off the grid.
std::optional<std::uint32_t> cell_of(double x, double y, const GridSpec& g) {
  const double cx = (x - g.origin_x_m) / g.cell_size_m, cy = (y - g.origin_y_m) / g.cell_size_m;
  if (!(cx >= 0 && cy >= 0 && cx < g.nx && cy < g.ny)) return std::nullopt;
  return static_cast<std::uint32_t>(cy) * g.nx + static_cast<std::uint32_t>(cx);
}

std::string grid_extent(const GridSpec& g) {
  return fmt::format("x {} to {} m, y {} to {} m{}", g.origin_x_m, g.origin_x_m + g.nx * g.cell_size_m, g.origin_y_m,
                     g.origin_y_m + g.ny * g.cell_size_m, g.crs.empty() ? " (local metres)" : " in " + g.crs);
}

// The feature's geometry checked for its kind, transformed onto the grid;
// sets the position or the rings and the cells.
void read_geometry(const OGRFeature& f, const LayerCrs& crs, const GridSpec& g, const FeatureFields& ff,
                   EvidenceFeature& e) {
  const OGRGeometry* geom = f.GetGeometryRef();
  const bool point = point_kind(e.kind);
  const std::string kind = evidence_kind_name(e.kind);
  const char* want = point ? "a Point" : "a Polygon or MultiPolygon";
  if (!geom) ff.fail("geometry", fmt::format("none; expected {} for kind {}", want, kind));
  const OGRwkbGeometryType t = wkbFlatten(geom->getGeometryType());
  const std::string type = OGRGeometryTypeToName(t);
  if (point && t == wkbMultiPoint)
    ff.fail("geometry", fmt::format("a MultiPoint; expected one Point per feature for kind {} (split it into one "
                                    "feature per point, each with its own fields)",
                                    kind));
  if (point ? t != wkbPoint : (t != wkbPolygon && t != wkbMultiPolygon))
    ff.fail("geometry", fmt::format("a {}; expected {} for kind {}", type, want, kind));
  if (geom->IsEmpty()) ff.fail("geometry", fmt::format("an empty {}; expected {} with coordinates", type, want));
  OGREnvelope env;
  geom->getEnvelope(&env);
  if (!std::isfinite(env.MinX) || !std::isfinite(env.MaxX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxY))
    ff.fail("geometry", "a coordinate that is not a finite number");
  if (!point) {
    QuietGdalErrors quiet;
    if (!OGRGeometryFactory::haveGEOS())
      ff.fail("geometry", "cannot be checked: this GDAL is built without GEOS, which OGR_G_IsValid needs");
    if (!geom->IsValid())
      ff.fail("geometry", fmt::format("an invalid {} ({}); expected a valid one: rings closed, not crossing "
                                      "themselves or each other (GIS tools repair it, e.g. QGIS's Fix geometries "
                                      "or ogr2ogr -makevalid)",
                                      type, gdal_last_error("self-intersection or a like fault")));
  }
  if (crs.geographic && !(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
    ff.fail("geometry", fmt::format("lon {} to {}, lat {} to {}; expected lon in [-180, 180] and lat in [-90, 90]",
                                    env.MinX, env.MaxX, env.MinY, env.MaxY));
  std::unique_ptr<OGRGeometry> onto(geom->clone());
  if (crs.to_grid) {
    QuietGdalErrors quiet;
    if (onto->transform(crs.to_grid.get()) != OGRERR_NONE)
      ff.fail("geometry", fmt::format("cannot be transformed into the grid's {} ({})", g.crs,
                                      gdal_last_error("outside the projection's domain")));
  }
  if (point) {
    const OGRPoint* p = onto->toPoint();
    e.x_m = p->getX();
    e.y_m = p->getY();
    const std::optional<std::uint32_t> c = cell_of(e.x_m, e.y_m, g);
    if (!c)
      ff.fail("geometry", fmt::format("the point (x {:.1f} m, y {:.1f} m in the grid's coordinates) lies off the "
                                      "grid ({}); expected every point on the grid",
                                      e.x_m, e.y_m, grid_extent(g)));
    e.cells = {*c};
    return;
  }
  std::vector<Ring> rings;
  add_polygon_rings(onto.get(), rings);
  for (Ring& r : rings)
    if (!r.empty() && r.front() != r.back()) r.push_back(r.front());
  e.cells = cells_inside(rings, g);
  if (e.cells.empty()) {
    onto->getEnvelope(&env);
    ff.fail("geometry", fmt::format("the polygon (x {:.1f} to {:.1f} m, y {:.1f} to {:.1f} m in the grid's "
                                    "coordinates) holds the centre of no grid cell ({}, cells of {} m); expected "
                                    "an area on the grid",
                                    env.MinX, env.MaxX, env.MinY, env.MaxY, grid_extent(g), g.cell_size_m));
  }
  e.rings = std::move(rings);
}

// The fields of one kind; the fields of other kinds are ignored, like fields
// the format does not know.
void read_fields(const FeatureFields& ff, double cancelled_detection, EvidenceFeature& e) {
  switch (e.kind) {
    case Kind::Strike:
      e.carrier = ff.text("carrier").value_or("");
      e.carriers = ff.count("carriers", 1).value_or(0);
      e.date = ff.date("date");
      break;
    case Kind::Find: {
      const std::optional<std::uint64_t> items = ff.count("items", 0);
      if (items && *items == 0)
        ff.fail("items", "0; a find is of at least one item (an area searched with nothing found is a searched "
                         "polygon with items_found = 0); expected a whole number >= 1, or no items for 1");
      e.items = items.value_or(1);
      e.submunition = ff.text("submunition").value_or("");
      break;
    }
    case Kind::Searched: {
      const std::optional<std::uint64_t> found = ff.count("items_found", 0);
      if (!found) ff.fail("items_found", "missing; expected the number of items found in the area searched (0 or more)");
      const std::optional<double> p = ff.probability("detection_probability");
      if (!p)
        ff.fail("detection_probability",
                "missing; expected the chance, from 0 to 1, that an item in the area would have been found");
      e.items_found = *found;
      e.detection_probability = *p;
      break;
    }
    case Kind::Cancelled: {
      const std::optional<std::uint64_t> found = ff.count("items_found", 0);
      if (found && *found)
        ff.fail("items_found", fmt::format("{} in a cancelled area; cancellation means no evidence of contamination "
                                           "was found: expected 0 or no items_found (an area where items were found "
                                           "is searched)",
                                           *found));
      e.detection_probability = ff.probability("detection_probability").value_or(cancelled_detection);
      break;
    }
  }
}

// A CSV's coordinate columns: (x, y) field names and whether they are lon/lat.
struct CsvColumns {
  std::string x, y;
  bool lonlat = false;
};

CsvColumns csv_columns(OGRLayer* layer, const std::string& path) {
  const OGRFeatureDefn* d = layer->GetLayerDefn();
  const auto find = [&](const char* axis) {
    std::vector<std::string> hits;
    for (const std::string& n : coordinate_column_names(axis))
      for (int i = 0; i < d->GetFieldCount(); ++i)
        if (lower(trimmed(d->GetFieldDefn(i)->GetNameRef())) == n) hits.push_back(d->GetFieldDefn(i)->GetNameRef());
    if (hits.size() > 1)
      throw InputError(fmt::format("{}:1: header: columns {} and {} both give {}; expected one", path, hits[0], hits[1], axis));
    return hits.empty() ? std::string() : hits[0];
  };
  CsvColumns c;
  const std::string lon = find("lon"), lat = find("lat"), x = find("x"), y = find("y");
  const bool ll = !lon.empty() || !lat.empty(), xy = !x.empty() || !y.empty();
  if ((ll && xy) || (ll ? lon.empty() || lat.empty() : x.empty() || y.empty()))
    throw InputError(fmt::format("{}:1: header: {}; expected one coordinate pair: {} (a CSV holds points only: "
                                 "strike and find)",
                                 path, ll && xy ? "both lon/lat and x/y columns" : "no complete coordinate pair",
                                 kAcceptedPointColumns));
  c.lonlat = ll;
  c.x = ll ? lon : x;
  c.y = ll ? lat : y;
  return c;
}

// Adds a file's bytes (every file GDAL lists for the dataset) to the hash.
void hash_dataset(GDALDataset* d, const std::string& path, Sha256& hash) {
  char** list = d->GetFileList();
  std::vector<std::string> files;
  for (char** p = list; p && *p; ++p) files.push_back(*p);
  CSLDestroy(list);
  if (files.empty()) files.push_back(path);
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw InputError(fmt::format("evidence: {}: cannot read {} (for its hash)", path, f));
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint8_t size[8];
    for (int i = 0; i < 8; ++i) size[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(bytes.size()) >> (8 * i));
    hash.update(size, 8);
    hash.update(bytes);
  }
}

void read_file(const std::string& path, const GridSpec& g, double cancelled_detection, Evidence& out, Sha256& hash) {
  const std::string what = "evidence";
  GdalDataset ds = open_vector_file(path, what);
  GDALDataset* d = GDALDataset::FromHandle(ds.get());
  const std::string driver = d->GetDriver() ? d->GetDriver()->GetDescription() : "";
  std::optional<CsvColumns> csv;
  if (driver == "CSV") {
    // Reopened with the coordinate columns as the geometry.
    csv = csv_columns(d->GetLayer(0), path);
    const std::string xo = "X_POSSIBLE_NAMES=" + csv->x, yo = "Y_POSSIBLE_NAMES=" + csv->y;
    const char* const options[] = {xo.c_str(), yo.c_str(), "KEEP_GEOM_COLUMNS=NO", nullptr};
    ds = open_vector_file(path, what, options);
    d = GDALDataset::FromHandle(ds.get());
  }
  hash_dataset(d, path, hash);
  const bool shapefile = driver == "ESRI Shapefile";
  std::size_t read = 0;
  for (int li = 0; li < d->GetLayerCount(); ++li) {
    OGRLayer* layer = d->GetLayer(li);
    const std::string layer_name = layer->GetName();
    const std::string layer_at = fmt::format("{}: {}: layer \"{}\"", what, path, layer_name);
    std::optional<LayerCrs> crs;
    if (csv && csv->lonlat) {
      if (g.crs.empty())
        throw InputError(fmt::format("{}: {}:1: header: columns {} and {} give lon/lat, which need a grid with a "
                                     "crs; expected x and y in the grid's metres",
                                     what, path, csv->x, csv->y));
      OGRSpatialReference wgs84;
      wgs84.importFromEPSG(4326);
      crs = layer_crs(&wgs84, g, layer_at);
    } else if (!csv) {
      crs = layer_crs(layer->GetSpatialRef(), g, layer_at);
    } else {
      crs.emplace();
    }
    layer->ResetReading();
    for (auto& f : *layer) {
      ++read;
      EvidenceFeature e;
      e.file = path;
      e.layer = layer_name;
      e.fid = f->GetFID();
      FeatureFields probe(*f, "", shapefile);
      const std::string name = probe.text("name").value_or(probe.text("id").value_or(""));
      const std::string plain = csv ? fmt::format("line {}", e.fid + 1) : fmt::format("feature {}", e.fid);
      e.label = name.empty() ? plain : name;
      const std::string at = csv ? fmt::format("{}: {}:{}{}", what, path, e.fid + 1, name.empty() ? "" : " (\"" + name + "\")")
                                 : fmt::format("{}, {}{}", layer_at, plain, name.empty() ? "" : " (\"" + name + "\")");
      const FeatureFields ff(*f, at, shapefile);
      if (!ff.given("kind"))
        ff.fail("kind", fmt::format("missing; expected one of {}", kKinds));
      const std::optional<std::string> kind_text = ff.text("kind");
      if (!kind_text) ff.fail("kind", fmt::format("empty; expected one of {}", kKinds));
      const std::optional<Kind> kind = kind_from_name(*kind_text);
      if (!kind) ff.fail("kind", fmt::format("\"{}\" is no kind of evidence; expected one of {}", *kind_text, kKinds));
      e.kind = *kind;
      read_geometry(*f, *crs, g, ff, e);
      read_fields(ff, cancelled_detection, e);
      out.features.push_back(std::move(e));
    }
  }
  if (!read) throw InputError(fmt::format("{}: {}: holds no feature; expected at least one", what, path));
}

}  // namespace

const char* evidence_kind_name(Kind k) {
  switch (k) {
    case Kind::Strike: return "strike";
    case Kind::Find: return "find";
    case Kind::Searched: return "searched";
    case Kind::Cancelled: return "cancelled";
  }
  return "?";
}

std::string Evidence::summary() const {
  std::uint64_t strikes = 0, finds = 0, items = 0, searched = 0, cancelled = 0, searched_cells = 0, cancelled_cells = 0;
  for (const EvidenceFeature& f : features) {
    switch (f.kind) {
      case Kind::Strike: ++strikes; break;
      case Kind::Find:
        ++finds;
        items += f.items;
        break;
      case Kind::Searched:
        ++searched;
        searched_cells += f.cells.size();
        break;
      case Kind::Cancelled:
        ++cancelled;
        cancelled_cells += f.cells.size();
        break;
    }
  }
  const auto km2 = [&](std::uint64_t cells) { return format_figure(static_cast<double>(cells) * cell_area_m2 / 1e6); };
  const auto plural = [](std::uint64_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
  };
  std::vector<std::string> parts;
  if (strikes) parts.push_back(plural(strikes, "strike", "strikes"));
  if (finds) parts.push_back(plural(finds, "find", "finds") + " (" + plural(items, "item", "items") + ")");
  if (searched)
    parts.push_back(plural(searched, "searched area", "searched areas") + " (" + km2(searched_cells) + " km2)");
  if (cancelled)
    parts.push_back(plural(cancelled, "cancelled area", "cancelled areas") + " (" + km2(cancelled_cells) + " km2)");
  if (parts.empty()) return "no evidence";
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s;
}

Evidence read_evidence(const std::vector<std::string>& paths, const GridSpec& grid,
                       double cancelled_detection_probability) {
  if (!(cancelled_detection_probability >= 0.0 && cancelled_detection_probability <= 1.0))
    throw InputError(fmt::format("evidence: detection probability of cancelled areas: expected 0 to 1, got {}",
                                 cancelled_detection_probability));
  if (paths.empty()) throw InputError("evidence: no file given; expected one or more evidence files");
  Evidence out;
  out.files = paths;
  out.cell_area_m2 = grid.cell_size_m * grid.cell_size_m;
  Sha256 hash;
  for (const std::string& p : paths) read_file(p, grid, cancelled_detection_probability, out, hash);
  out.sha256 = hash.hex();
  return out;
}

}  // namespace remnant
