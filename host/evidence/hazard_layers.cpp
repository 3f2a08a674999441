#include "host/evidence/hazard_layers.h"

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

#include "host/common/atomic_output.h"
#include "host/common/errors.h"
#include "host/common/geo.h"

namespace remnant {

namespace fs = std::filesystem;

namespace {

struct VectorFormat {
  const char* extension;
  const char* driver;
  bool one_layer;            // the format holds one layer per file
  const char* about_suffix;  // the companion table's file (one-layer formats)
  std::vector<const char*> sidecars;        // files the driver writes beside a layer's file
  std::vector<const char*> about_sidecars;  // and beside the about table's
};

const std::vector<VectorFormat>& vector_formats() {
  static const std::vector<VectorFormat> f = {
      {".gpkg", "GPKG", false, "", {}, {}},
      {".geojson", "GeoJSON", true, "_about.json", {}, {}},
      {".json", "GeoJSON", true, "_about.json", {}, {}},
      {".shp", "ESRI Shapefile", true, "_about.dbf", {".shx", ".dbf", ".prj", ".cpg"}, {".cpg"}},
      {".kml", "LIBKML", false, "", {}, {}},
  };
  return f;
}

const VectorFormat& format_of(const std::string& path, const std::string& what) {
  const std::string ext = file_extension(path);
  for (const VectorFormat& f : vector_formats())
    if (ext == f.extension) return f;
  throw InputError(fmt::format("{} {}: unknown vector format '{}'; expected .gpkg (GeoPackage, recommended), "
                               ".geojson or .json (GeoJSON), .shp (Shapefile) or .kml (KML)",
                               what, path, ext.empty() ? "(no extension)" : ext));
}

std::string stem_of(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / p.stem()).string();
}

// The named file and, for one-layer formats, the strike sites and the about
// table beside it: (layer, file) pairs.
std::vector<std::pair<std::string, std::string>> layer_files(const VectorFormat& f, const std::string& path) {
  if (!f.one_layer) return {{"hazard_areas", path}, {"strike_sites", path}, {"about", path}};
  const std::string stem = stem_of(path);
  return {{"hazard_areas", path},
          {"strike_sites", stem + "_strike_sites" + file_extension(path)},
          {"about", stem + f.about_suffix}};
}

// The grid's CRS; a grid without one is in local metres (an engineering CRS,
// so that no format takes it for longitude and latitude).
OgrSrs srs_of(const std::string& wkt) {
  OgrSrs s(OSRNewSpatialReference(nullptr));
  if (wkt.empty()) {
    OSRSetLocalCS(s.get(), "Remnant grid, local metres (the scenario gives no CRS)");
    OSRSetLinearUnits(s.get(), SRS_UL_METER, 1.0);
    return s;
  }
  std::string text = wkt;
  char* p = text.data();
  if (OSRImportFromWkt(s.get(), &p) != OGRERR_NONE) throw std::runtime_error("GDAL cannot read the result's CRS");
  OSRSetAxisMappingStrategy(s.get(), OAMS_TRADITIONAL_GIS_ORDER);
  return s;
}

struct Field {
  std::string name;
  OGRFieldType type;
};

class Writer {
 public:
  Writer(const VectorFormat& f, const HazardLayerInput& in, const std::string& dir) : f_(f), in_(in), dir_(dir) {
    const ResultData& d = *in.result;
    if (std::string(f.driver) == "LIBKML") {
      to_lonlat_.emplace(d.grid.crs);
      srs_.reset(OSRNewSpatialReference(nullptr));
      OSRSetWellKnownGeogCS(srs_.get(), "WGS84");
      OSRSetAxisMappingStrategy(srs_.get(), OAMS_TRADITIONAL_GIS_ORDER);
    } else {
      srs_ = srs_of(d.grid.crs_wkt);
    }
  }

  void write(const std::vector<std::pair<std::string, std::string>>& files) {
    for (const auto& [layer, target] : files) {
      const std::string file = (fs::path(dir_) / fs::path(target).filename()).string();
      GDALDatasetH ds = open(file);
      if (layer == "hazard_areas") write_areas(ds);
      else if (layer == "strike_sites") write_sites(ds);
      else write_about(ds);
    }
    for (auto& [file, ds] : open_) {
      ds.reset();  // closed: the driver writes what it buffered
      if (CPLGetLastErrorType() == CE_Failure)
        throw std::runtime_error(gdal_last_error("GDAL could not finish " + file));
    }
    open_.clear();
  }

 private:
  GDALDatasetH open(const std::string& file) {
    for (auto& [name, ds] : open_)
      if (name == file) return ds.get();
    GDALDriverH driver = GDALGetDriverByName(f_.driver);
    if (!driver) throw std::runtime_error(fmt::format("GDAL has no {} driver", f_.driver));
    char** options = nullptr;
    if (std::string(f_.driver) == "LIBKML")
      options = CSLSetNameValue(options, "DOC_DESCRIPTION", in_.description.c_str());
    // A Shapefile's about table is a dBASE table of its own (a .dbf named as the file).
    GDALDatasetH ds = GDALCreate(driver, file.c_str(), 0, 0, 0, GDT_Unknown, options);
    CSLDestroy(options);
    if (!ds) throw std::runtime_error(gdal_last_error("GDAL could not create " + file));
    open_.emplace_back(file, GdalDataset(ds));
    return ds;
  }

  OGRLayerH layer(GDALDatasetH ds, const std::string& name, OGRwkbGeometryType type, const std::vector<Field>& fields,
                  const std::string& description, bool spatial = true) {
    char** options = nullptr;
    const std::string driver = f_.driver;
    if (driver == "GPKG" || driver == "GeoJSON") options = CSLSetNameValue(options, "DESCRIPTION", description.c_str());
    if (driver == "GeoJSON") options = CSLSetNameValue(options, "WRITE_NAME", "YES");
    OGRLayerH l = GDALDatasetCreateLayer(ds, name.c_str(), spatial ? srs_.get() : nullptr, type, options);
    CSLDestroy(options);
    if (!l) throw std::runtime_error(gdal_last_error("GDAL could not create the layer " + name));
    if (driver == "LIBKML" || driver == "ESRI Shapefile")
      GDALSetMetadataItem(l, "DESCRIPTION", description.c_str(), nullptr);
    for (const Field& f : fields) {
      OGRFieldDefnH d = OGR_Fld_Create(f.name.c_str(), f.type);
      if (f.type == OFTString) OGR_Fld_SetWidth(d, driver == "ESRI Shapefile" ? 254 : 0);
      const OGRErr e = OGR_L_CreateField(l, d, TRUE);
      OGR_Fld_Destroy(d);
      if (e != OGRERR_NONE) throw std::runtime_error(gdal_last_error("GDAL could not create the field " + f.name));
    }
    return l;
  }

  void add(OGRLayerH l, OGRFeatureH f) {
    if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
      throw std::runtime_error(gdal_last_error("GDAL could not write a feature of " +
                                               std::string(OGR_L_GetName(l))));
  }

  void point(double x, double y, double& ox, double& oy) const {
    if (to_lonlat_) to_lonlat_->to_lonlat(x, y, ox, oy);
    else ox = x, oy = y;
  }

  OGRGeometryH polygon(const HazardArea& a) const {
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    for (const HazardRing& r : a.rings) {
      OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
      for (const auto& p : r) {
        double x = 0, y = 0;
        point(p[0], p[1], x, y);
        OGR_G_AddPoint_2D(ring, x, y);
      }
      OGR_G_AddGeometryDirectly(poly, ring);
    }
    return poly;
  }

  void write_areas(GDALDatasetH ds) {
    const ResultData& d = *in_.result;
    const HazardAreas& h = *in_.areas;
    // Shapefile's dBASE names hold at most 10 characters.
    struct AreaField {
      const char* name;
      const char* shapefile_name;
      OGRFieldType type;
    };
    static const AreaField kAreaFields[] = {
        {"id", "id", OFTInteger},          {"area_m2", "area_m2", OFTReal},
        {"items_mean", "items_mean", OFTReal}, {"items_q05", "items_q05", OFTReal},
        {"items_q95", "items_q95", OFTReal},   {"p_any_max", "p_any_max", OFTReal},
        {"density_per_ha", "density_ha", OFTReal}, {"rank", "rank", OFTInteger},
        {"basis", "basis", OFTString},     {"scenario", "scenario", OFTString},
        {"seed", "seed", OFTString},       {"software_version", "sw_version", OFTString}};
    const bool shapefile = std::string(f_.driver) == "ESRI Shapefile";
    std::vector<Field> fields;
    for (const AreaField& a : kAreaFields) fields.push_back({shapefile ? a.shapefile_name : a.name, a.type});
    OGRLayerH l = layer(ds, "hazard_areas", wkbPolygon, fields,
                        "Hazard areas derived from a Remnant model result (" + h.threshold.text() +
                            "): model-derived, not survey results. See the about table.");
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(l);
    const std::string seed = std::to_string(d.seed);
    for (const HazardArea& a : h.areas) {
      OgrFeature f(OGR_F_Create(def));
      int k = 0;
      OGR_F_SetFieldInteger(f.get(), k++, static_cast<int>(a.id));
      OGR_F_SetFieldDouble(f.get(), k++, a.area_m2);
      OGR_F_SetFieldDouble(f.get(), k++, a.items_mean);
      if (h.intervals) {
        OGR_F_SetFieldDouble(f.get(), k++, a.items_q05);
        OGR_F_SetFieldDouble(f.get(), k++, a.items_q95);
      } else {
        OGR_F_SetFieldNull(f.get(), k++);
        OGR_F_SetFieldNull(f.get(), k++);
      }
      OGR_F_SetFieldDouble(f.get(), k++, a.p_any_max);
      OGR_F_SetFieldDouble(f.get(), k++, a.density_per_ha());
      OGR_F_SetFieldInteger(f.get(), k++, static_cast<int>(a.rank));
      OGR_F_SetFieldString(f.get(), k++, "model");
      OGR_F_SetFieldString(f.get(), k++, d.scenario_name.c_str());
      OGR_F_SetFieldString(f.get(), k++, seed.c_str());
      OGR_F_SetFieldString(f.get(), k++, d.software_version.c_str());
      OGR_F_SetGeometryDirectly(f.get(), polygon(a));
      add(l, f.get());
    }
  }

  void write_sites(GDALDatasetH ds) {
    OGRLayerH l = layer(ds, "strike_sites", wkbPoint,
                        {{"site", OFTInteger}, {"carrier", OFTString}, {"carriers", OFTInteger64},
                         {"submunitions", OFTInteger64}, {"name", OFTString}, {"date", OFTString},
                         {"note", OFTString}},
                        "Strike sites of the result's scenario, one point per carrier type at a site. " +
                            in_.sites_note);
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(l);
    for (const StrikeSitePoint& s : in_.sites) {
      OgrFeature f(OGR_F_Create(def));
      OGR_F_SetFieldInteger(f.get(), 0, s.site);
      OGR_F_SetFieldString(f.get(), 1, s.carrier.c_str());
      OGR_F_SetFieldInteger64(f.get(), 2, static_cast<GIntBig>(s.carriers));
      OGR_F_SetFieldInteger64(f.get(), 3, static_cast<GIntBig>(s.submunitions));
      OGR_F_SetFieldString(f.get(), 4, s.name.c_str());
      if (!s.date.empty()) OGR_F_SetFieldString(f.get(), 5, s.date.c_str());
      else OGR_F_SetFieldNull(f.get(), 5);
      OGR_F_SetFieldString(f.get(), 6, in_.sites_note.c_str());
      double x = 0, y = 0;
      point(s.x_m, s.y_m, x, y);
      OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
      OGR_G_SetPoint_2D(g, 0, x, y);
      OGR_F_SetGeometryDirectly(f.get(), g);
      add(l, f.get());
    }
  }

  void write_about(GDALDatasetH ds) {
    OGRLayerH l = layer(ds, "about", wkbNone, {{"key", OFTString}, {"value", OFTString}},
                        "Where the figures of hazard_areas and strike_sites come from", false);
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(l);
    for (const auto& [key, value] : in_.about) {
      OgrFeature f(OGR_F_Create(def));
      OGR_F_SetFieldString(f.get(), 0, key.c_str());
      // dBASE fields hold at most 254 bytes: longer texts are cut there, whole in the other formats.
      OGR_F_SetFieldString(f.get(), 1, value.c_str());
      add(l, f.get());
    }
  }

  const VectorFormat& f_;
  const HazardLayerInput& in_;
  std::string dir_;
  OgrSrs srs_;
  std::optional<LonLatToGrid> to_lonlat_;
  std::vector<std::pair<std::string, GdalDataset>> open_;
};

}  // namespace

void check_hazard_output(const std::string& path, const ResultGrid& g) {
  if (std::string(format_of(path, "--out").driver) == "LIBKML" && g.crs.empty())
    throw InputError(fmt::format("--out {}: KML is written in longitude and latitude, and this result's grid has no "
                                 "CRS to convert from; write .gpkg, .geojson or .shp instead",
                                 path));
}

std::vector<std::string> hazard_output_files(const std::string& path, const std::string& what) {
  const VectorFormat& f = format_of(path, what);
  std::vector<std::string> out;
  const auto put = [&](const std::string& x) {
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  };
  for (const auto& [layer, file] : layer_files(f, path)) {
    put(file);
    for (const char* s : layer == "about" ? f.about_sidecars : f.sidecars) put(stem_of(file) + s);
  }
  return out;
}

void write_hazard_layers(const HazardLayerInput& in, const std::string& path) {
  register_gdal();
  const VectorFormat& f = format_of(path, "--out");
  check_hazard_output(path, in.result->grid);
  const std::vector<std::string> targets = hazard_output_files(path, "--out");
  for (const std::string& t : targets)
    if (path_exists(t)) throw InputError(fmt::format("--out {}: {} exists; remove it or choose another name", path, t));
  const fs::path parent = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  const fs::path temp = parent / fmt::format(".{}.tmp-{}.d", fs::path(path).filename().string(), getpid());
  std::error_code ec;
  fs::remove_all(temp, ec);
  if (!fs::create_directory(temp, ec))
    throw std::runtime_error(fmt::format("cannot create {}: {}", temp.string(), ec.message()));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{temp};
  {
    QuietGdalErrors quiet;
    CPLErrorReset();
    Writer w(f, in, temp.string());
    w.write(layer_files(f, path));
  }
  // Every file complete: rename them into place (a file the driver did not
  // write, such as a .cpg, is skipped).
  for (const std::string& t : targets) {
    const fs::path from = temp / fs::path(t).filename();
    if (!path_exists(from.string())) continue;
    fs::rename(from, t, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", from.string(), t, ec.message()));
  }
}

}  // namespace remnant
