// Evidence input (issue 21 item 1): one set of features written as GeoJSON
// (lon/lat and UTM), GeoPackage, KML, Shapefile and CSV reads to the same
// features on the grid; polygons' cells are cells_inside; every strictness
// rule is refused with the file, the feature and the field named.
#include <fmt/format.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/common/geo.h"
#include "host/common/sha256.h"
#include "host/inputs/evidence.h"
#include "host/inputs/sites.h"
#include "test_support.h"

namespace remnant {
namespace {

using Kind = EvidenceFeature::Kind;

// 10 km x 10 km at 20 m in UTM 36N, near lon 35.3, lat 33.2 (south Lebanon).
GridSpec utm_grid() {
  GridSpec g;
  g.nx = g.ny = 500;
  g.cell_size_m = 20.0;
  g.origin_x_m = 710000.0;
  g.origin_y_m = 3670000.0;
  g.crs = "EPSG:32636";
  return g;
}

// The example's grid: 6 km x 6 km at 20 m, local metres.
GridSpec local_grid() {
  GridSpec g;
  g.nx = g.ny = 300;
  g.cell_size_m = 20.0;
  return g;
}

using XY = std::array<double, 2>;

// One feature of the reference set: geometry in grid-relative metres.
struct Spec {
  std::string properties;            // GeoJSON members, without braces
  std::vector<XY> point;             // one point, or
  std::vector<std::vector<std::vector<XY>>> polygons;  // polygons, each rings (closed)
};

std::vector<XY> square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

const std::vector<Spec>& reference() {
  static const std::vector<Spec> specs = {
      {R"("kind": "strike", "name": "S1", "carrier": "M26", "carriers": 6, "date": "2006-08-14")", {{2000.5, 3000.25}}, {}},
      {R"("kind": "find", "name": "F1", "items": 3, "submunition": "M77")", {{2100.0, 3050.0}}, {}},
      {R"("kind": "find", "name": "F2")", {{2510.0, 2610.0}}, {}},
      {R"("kind": "searched", "name": "A1", "items_found": 2, "detection_probability": 0.9)", {},
       {{square(1000, 1000, 1600, 1400), square(1200, 1100, 1300, 1200)}}},
      {R"("kind": "cancelled", "name": "C1")", {}, {{square(3000, 3000, 3400, 3200)}, {square(3600, 3000, 3800, 3100)}}},
      {R"("kind": "cancelled", "name": "C2", "detection_probability": 0.3)", {}, {{square(4000, 4000, 4100, 4100)}}},
  };
  return specs;
}

std::string coord(const XY& p, const GridSpec& g, const LonLatToGrid* to_lonlat) {
  double x = p[0] + g.origin_x_m, y = p[1] + g.origin_y_m;
  if (to_lonlat) to_lonlat->to_lonlat(x, y, x, y);
  return fmt::format("[{:.17g}, {:.17g}]", x, y);
}

std::string geometry_json(const Spec& s, const GridSpec& g, const LonLatToGrid* to_lonlat) {
  if (!s.point.empty()) return R"({"type": "Point", "coordinates": )" + coord(s.point[0], g, to_lonlat) + "}";
  std::string polys;
  for (const auto& poly : s.polygons) {
    std::string rings;
    for (const auto& ring : poly) {
      std::string pts;
      for (const XY& p : ring) pts += (pts.empty() ? "" : ", ") + coord(p, g, to_lonlat);
      rings += (rings.empty() ? "[" : ", [") + pts + "]";
    }
    polys += (polys.empty() ? "[" : ", [") + rings + "]";
  }
  return R"({"type": "MultiPolygon", "coordinates": [)" + polys + "]}";
}

// A FeatureCollection; crs_member empty for none.
std::string collection(const std::vector<std::string>& features, const std::string& crs_member = "") {
  std::string out = R"({"type": "FeatureCollection", )";
  if (!crs_member.empty()) out += R"("crs": {"type": "name", "properties": {"name": ")" + crs_member + R"("}}, )";
  out += R"("features": [)";
  for (std::size_t i = 0; i < features.size(); ++i) out += (i ? ",\n" : "\n") + features[i];
  return out + "]}\n";
}

std::string feature(const std::string& properties, const std::string& geometry) {
  return R"({"type": "Feature", "properties": {)" + properties + R"(}, "geometry": )" + geometry + "}";
}

// The reference set as GeoJSON: lon/lat (no crs member) or in the grid's CRS.
std::string reference_geojson(const GridSpec& g, bool lonlat) {
  const LonLatToGrid to(g.crs);
  std::vector<std::string> f;
  for (const Spec& s : reference()) f.push_back(feature(s.properties, geometry_json(s, g, lonlat ? &to : nullptr)));
  return collection(f, lonlat ? "" : "urn:ogc:def:crs:EPSG::32636");
}

// ogr2ogr through GDAL's C API.
void translate(const std::string& from, const std::string& to, std::vector<std::string> args,
               const char* open_option = nullptr) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALAllRegister();
  CPLPushErrorHandler(CPLQuietErrorHandler);  // field names laundered for the Shapefile: expected
  GDALVectorTranslateOptions* opt = GDALVectorTranslateOptionsNew(argv.data(), nullptr);
  ASSERT_NE(opt, nullptr);
  const char* const open_options[] = {open_option, nullptr};
  GDALDatasetH src = GDALOpenEx(from.c_str(), GDAL_OF_VECTOR, nullptr, open_options, nullptr);
  ASSERT_NE(src, nullptr) << from;
  int err = 0;
  GDALDatasetH out = GDALVectorTranslate(to.c_str(), nullptr, 1, &src, opt, &err);
  ASSERT_NE(out, nullptr) << to;
  GDALClose(out);
  GDALClose(src);
  GDALVectorTranslateOptionsFree(opt);
  CPLPopErrorHandler();
}

void expect_same(const EvidenceFeature& a, const EvidenceFeature& b, double tol, const std::string& what) {
  SCOPED_TRACE(what + " " + a.label);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.label, b.label);
  EXPECT_NEAR(a.x_m, b.x_m, tol);
  EXPECT_NEAR(a.y_m, b.y_m, tol);
  EXPECT_EQ(a.cells, b.cells);
  ASSERT_EQ(a.rings.size(), b.rings.size());
  for (std::size_t r = 0; r < a.rings.size(); ++r) {
    ASSERT_EQ(a.rings[r].size(), b.rings[r].size());
    // Rings may start at another vertex or turn the other way (Shapefile, KML):
    // compare as sets of vertices.
    for (const auto& p : a.rings[r]) {
      bool found = false;
      for (const auto& q : b.rings[r]) found = found || (std::fabs(p[0] - q[0]) <= tol && std::fabs(p[1] - q[1]) <= tol);
      EXPECT_TRUE(found) << "ring " << r << " vertex " << p[0] << " " << p[1];
    }
  }
  EXPECT_EQ(a.carrier, b.carrier);
  EXPECT_EQ(a.carriers, b.carriers);
  EXPECT_EQ(a.date, b.date);
  EXPECT_EQ(a.submunition, b.submunition);
  EXPECT_EQ(a.items, b.items);
  EXPECT_EQ(a.items_found, b.items_found);
  EXPECT_DOUBLE_EQ(a.detection_probability, b.detection_probability);
}

TEST(Evidence, ReadsTheReferenceSetWithEveryFieldAndCellsInside) {
  test::TempDir dir;
  const GridSpec g = utm_grid();
  const std::string path = dir.write("e.geojson", reference_geojson(g, false));
  const Evidence e = read_evidence({path}, g);
  ASSERT_EQ(e.features.size(), 6u);
  const EvidenceFeature& s = e.features[0];
  EXPECT_EQ(s.kind, Kind::Strike);
  EXPECT_EQ(s.label, "S1");
  EXPECT_EQ(s.file, path);
  EXPECT_NEAR(s.x_m, 712000.5, 1e-9);
  EXPECT_NEAR(s.y_m, 3673000.25, 1e-9);
  EXPECT_EQ(s.cells, std::vector<std::uint32_t>{150u * 500u + 100u});
  EXPECT_EQ(s.carrier, "M26");
  EXPECT_EQ(s.carriers, 6u);
  EXPECT_EQ(s.date, "2006-08-14");
  EXPECT_EQ(e.features[1].items, 3u);
  EXPECT_EQ(e.features[1].submunition, "M77");
  EXPECT_EQ(e.features[2].items, 1u);  // default
  const EvidenceFeature& a = e.features[3];
  EXPECT_EQ(a.kind, Kind::Searched);
  EXPECT_EQ(a.items_found, 2u);
  EXPECT_DOUBLE_EQ(a.detection_probability, 0.9);
  ASSERT_EQ(a.rings.size(), 2u);  // outer ring and hole
  EXPECT_EQ(a.cells, cells_inside(a.rings, g));
  EXPECT_EQ(a.cells.size(), 30u * 20u - 5u * 5u);  // 600 m x 400 m less the 100 m x 100 m hole
  EXPECT_EQ(e.features[4].rings.size(), 2u);       // two parts
  EXPECT_EQ(e.features[4].cells.size(), 20u * 10u + 10u * 5u);
  EXPECT_DOUBLE_EQ(e.features[4].detection_probability, kDefaultCancelledDetection);
  EXPECT_DOUBLE_EQ(e.features[5].detection_probability, 0.3);
  for (const EvidenceFeature& f : e.features)
    for (const auto& r : f.rings) EXPECT_EQ(r.front(), r.back());
  EXPECT_EQ(e.summary(), "1 strike, 2 finds (4 items), 1 searched area (0.23 km2), 2 cancelled areas (0.11 km2)");
  // The settable default.
  EXPECT_DOUBLE_EQ(read_evidence({path}, g, 0.7).features[4].detection_probability, 0.7);
  // The hash is the SHA-256 of the size-prefixed bytes.
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string size(8, '\0');
  for (int i = 0; i < 8; ++i) size[i] = static_cast<char>((bytes.size() >> (8 * i)) & 0xFF);
  EXPECT_EQ(e.sha256, sha256_hex(size + bytes));
  EXPECT_NE(read_evidence({path, path}, g).sha256, e.sha256);
  EXPECT_EQ(read_evidence({path, path}, g).features.size(), 12u);
}

TEST(Evidence, Sha256MatchesFipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Evidence, EveryFormatAndCrsReadsToTheSameFeatures) {
  test::TempDir dir;
  const GridSpec g = utm_grid();
  const std::string utm = dir.write("utm.geojson", reference_geojson(g, false));
  const std::string lonlat = dir.write("lonlat.geojson", reference_geojson(g, true));
  const Evidence ref = read_evidence({utm}, g);
  ASSERT_EQ(ref.features.size(), 6u);
  const auto same_all = [&](const Evidence& e, double tol, const std::string& what) {
    ASSERT_EQ(e.features.size(), ref.features.size()) << what;
    for (std::size_t i = 0; i < e.features.size(); ++i) expect_same(e.features[i], ref.features[i], tol, what);
  };
  same_all(read_evidence({lonlat}, g), 1e-6, "GeoJSON lon/lat");

  const std::string gpkg = dir.file("e.gpkg");
  translate(lonlat, gpkg, {"-f", "GPKG"});
  same_all(read_evidence({gpkg}, g), 1e-6, "GeoPackage");

  // KML: lon/lat, written with LIBKML's precision; the date as text (LIBKML
  // leaves a Date field out of the schema, and its reader then drops it).
  const std::string kml = dir.file("e.kml");
  translate(lonlat, kml, {"-f", "LIBKML"}, "DATE_AS_STRING=YES");
  same_all(read_evidence({kml}, g), 1e-3, "KML");

  // Shapefile: one geometry type a file, so points and areas apart; field
  // names cut to 10 characters (items_foun, detection_).
  const std::string points = dir.file("points.shp"), areas = dir.file("areas.shp");
  translate(utm, points, {"-f", "ESRI Shapefile", "-where", "kind IN ('strike', 'find')", "-nlt", "POINT"});
  translate(utm, areas, {"-f", "ESRI Shapefile", "-where", "kind IN ('searched', 'cancelled')", "-nlt", "MULTIPOLYGON"});
  same_all(read_evidence({points, areas}, g), 1e-6, "Shapefile");

  // CSV: points only, lon/lat or x/y in the grid's CRS, numbers as text.
  const LonLatToGrid to(g.crs);
  std::string ll = "Longitude,LAT,kind,name,carrier,carriers,date,items,submunition\n";
  std::string xy = "easting,northing,kind,name,carrier,carriers,date,items,submunition\n";
  const char* rest[] = {"strike,S1,M26,6,2006-08-14,,", "find,F1,,,,3,M77", "find,F2,,,,,"};
  for (int i = 0; i < 3; ++i) {
    const XY p = reference()[i].point[0];
    double lon, lat;
    to.to_lonlat(p[0] + g.origin_x_m, p[1] + g.origin_y_m, lon, lat);
    ll += fmt::format("{:.17g},{:.17g},{}\n", lon, lat, rest[i]);
    xy += fmt::format("{:.17g},{:.17g},{}\n", p[0] + g.origin_x_m, p[1] + g.origin_y_m, rest[i]);
  }
  for (const std::string& csv : {dir.write("ll.csv", ll), dir.write("xy.csv", xy)}) {
    const Evidence e = read_evidence({csv}, g);
    ASSERT_EQ(e.features.size(), 3u) << csv;
    for (std::size_t i = 0; i < 3; ++i) expect_same(e.features[i], ref.features[i], 1e-6, csv);
  }
}

TEST(Evidence, OnAGridWithoutCrsLayersWithoutOneOrInALocalCrsAreGridMetres) {
  test::TempDir dir;
  const GridSpec g = local_grid();
  const std::string f = feature(R"("kind": "find")", R"({"type": "Point", "coordinates": [3010, 3030]})");
  const std::string local = dir.write("local.geojson", collection({f}, R"(LOCAL_CS[\"grid\",UNIT[\"metre\",1]])"));
  const Evidence e = read_evidence({local}, g);
  ASSERT_EQ(e.features.size(), 1u);
  EXPECT_EQ(e.features[0].x_m, 3010.0);
  EXPECT_EQ(e.features[0].cells, std::vector<std::uint32_t>{151u * 300u + 150u});
  EXPECT_EQ(e.features[0].label, "feature 0");
  // A CSV of x/y has no CRS: grid metres.
  EXPECT_EQ(read_evidence({dir.write("xy.csv", "x,y,kind\n3010,3030,find\n")}, g).features[0].y_m, 3030.0);
  // GeoJSON without a crs member is WGS84 lon/lat: refused on a local grid.
  const std::string plain = dir.write("plain.geojson", collection({f}));
  try {
    read_evidence({plain}, g);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("LOCAL_CS"), std::string::npos) << err.what();
  }
}

TEST(Evidence, TheExampleFileReadsOnTheExampleGrid) {
  const std::string path = std::string(REMNANT_SOURCE_DIR) + "/configs/example-evidence.geojson";
  const Scenario sc = load_scenario(std::string(REMNANT_SOURCE_DIR) + "/configs/example.toml");
  const Evidence e = read_evidence({path}, sc.grid);
  std::size_t kinds[4] = {0, 0, 0, 0};
  for (const EvidenceFeature& f : e.features) ++kinds[static_cast<int>(f.kind)];
  for (std::size_t k : kinds) EXPECT_GE(k, 2u);
}

// Each strictness rule: a GeoJSON feature in the grid's CRS that must be
// refused, and what the message must name besides the file and the feature.
struct BadRow {
  const char* name;
  std::string properties;
  std::string geometry;
  std::vector<std::string> expect;  // substrings of the message
};

const std::string kPoint = R"({"type": "Point", "coordinates": [712000, 3673000]})";
const std::string kSquare =
    R"({"type": "Polygon", "coordinates": [[[711000, 3671000], [711400, 3671000], [711400, 3671400], [711000, 3671400], [711000, 3671000]]]})";

std::vector<BadRow> bad_rows() {
  return {
      {"unknown kind", R"("kind": "dud")", kPoint, {"field kind", "\"dud\"", "strike", "find", "searched", "cancelled"}},
      {"no kind field", R"("items": 2)", kPoint, {"field kind", "missing"}},
      {"empty kind", R"("kind": "")", kPoint, {"field kind", "empty"}},
      {"kind not text", R"("kind": 3)", kPoint, {"field kind", "\"3\""}},
      {"polygon for a strike", R"("kind": "strike")", kSquare, {"field geometry", "Polygon", "a Point"}},
      {"point for searched", R"("kind": "searched", "items_found": 0, "detection_probability": 0.9)", kPoint,
       {"field geometry", "Point", "Polygon"}},
      {"line for cancelled", R"("kind": "cancelled")",
       R"({"type": "LineString", "coordinates": [[711000, 3671000], [711400, 3671400]]})", {"field geometry", "Line String"}},
      {"multipoint find", R"("kind": "find")",
       R"({"type": "MultiPoint", "coordinates": [[712000, 3673000], [712100, 3673000]]})", {"field geometry", "MultiPoint"}},
      {"no geometry", R"("kind": "find")", "null", {"field geometry", "none"}},
      {"empty polygon", R"("kind": "cancelled")", R"({"type": "Polygon", "coordinates": [[]]})", {"field geometry", "empty"}},
      {"multipolygon for a find", R"("kind": "find")", R"({"type": "MultiPolygon", "coordinates": []})", {"field geometry", "Multi Polygon"}},
      {"empty multipolygon", R"("kind": "searched", "items_found": 0, "detection_probability": 1)",
       R"({"type": "MultiPolygon", "coordinates": []})", {"field geometry", "empty"}},
      {"self-intersecting polygon", R"("kind": "cancelled")",
       R"({"type": "Polygon", "coordinates": [[[711000, 3671000], [711400, 3671400], [711400, 3671000], [711000, 3671400], [711000, 3671000]]]})",
       {"field geometry", "invalid"}},
      {"point off the grid", R"("kind": "strike")", R"({"type": "Point", "coordinates": [730000, 3673000]})",
       {"field geometry", "off the grid"}},
      {"polygon off the grid", R"("kind": "cancelled")",
       R"({"type": "Polygon", "coordinates": [[[690000, 3671000], [690400, 3671000], [690400, 3671400], [690000, 3671000]]]})",
       {"field geometry", "no grid cell"}},
      {"polygon between cell centres", R"("kind": "cancelled")",
       R"({"type": "Polygon", "coordinates": [[[711001, 3671001], [711009, 3671001], [711009, 3671009], [711001, 3671001]]]})",
       {"field geometry", "no grid cell"}},
      {"searched without items_found", R"("kind": "searched", "detection_probability": 0.9)", kSquare,
       {"field items_found", "missing"}},
      {"searched without detection_probability", R"("kind": "searched", "items_found": 1)", kSquare,
       {"field detection_probability", "missing"}},
      {"searched with null items_found", R"("kind": "searched", "items_found": null, "detection_probability": 0.9)",
       kSquare, {"field items_found", "missing"}},
      {"detection_probability above 1", R"("kind": "searched", "items_found": 1, "detection_probability": 1.5)",
       kSquare, {"field detection_probability", "from 0 to 1", "1.5"}},
      {"detection_probability below 0", R"("kind": "cancelled", "detection_probability": -0.1)", kSquare,
       {"field detection_probability", "from 0 to 1"}},
      {"detection_probability NaN", R"("kind": "cancelled", "detection_probability": "NaN")", kSquare,
       {"field detection_probability", "not a number"}},
      {"detection_probability text", R"("kind": "cancelled", "detection_probability": "high")", kSquare,
       {"field detection_probability", "\"high\""}},
      {"items not a number", R"("kind": "find", "items": "three")", kPoint, {"field items", "\"three\"", "not a number"}},
      {"items not whole", R"("kind": "find", "items": 2.5)", kPoint, {"field items", "whole number", "2.5"}},
      {"items negative", R"("kind": "find", "items": -1)", kPoint, {"field items", "whole number", "-1"}},
      {"items zero", R"("kind": "find", "items": 0)", kPoint, {"field items", "at least one item"}},
      {"items_found negative", R"("kind": "searched", "items_found": -2, "detection_probability": 0.5)", kSquare,
       {"field items_found", "whole number"}},
      {"items_found in a cancelled area", R"("kind": "cancelled", "items_found": 3)", kSquare,
       {"field items_found", "cancelled"}},
      {"carriers zero", R"("kind": "strike", "carriers": 0)", kPoint, {"field carriers", ">= 1"}},
      {"carriers a list", R"("kind": "strike", "carriers": [1, 2])", kPoint, {"field carriers", "IntegerList"}},
      {"date not ISO", R"("kind": "strike", "date": "14/08/2006")", kPoint, {"field date", "YYYY-MM-DD"}},
      {"date not a day", R"("kind": "strike", "date": "2006-02-30")", kPoint, {"field date", "YYYY-MM-DD"}},
      {"date a number", R"("kind": "strike", "date": 20060814)", kPoint, {"field date", "YYYY-MM-DD"}},
  };
}

std::string message_of(const std::vector<std::string>& paths, const GridSpec& g, double cancelled = 0.5) {
  try {
    read_evidence(paths, g, cancelled);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Evidence, BadInputEveryRuleNamesTheFileTheFeatureAndTheField) {
  test::TempDir dir;
  const GridSpec g = utm_grid();
  int i = 0;
  for (const BadRow& row : bad_rows()) {
    SCOPED_TRACE(row.name);
    // A good feature first, so the bad one is not the first of the file.
    const std::string good = feature(R"("kind": "find", "name": "fine")", kPoint);
    const std::string bad = feature(R"("name": "bad one", )" + row.properties, row.geometry);
    const std::string path =
        dir.write(fmt::format("bad{}.geojson", i++), collection({good, bad}, "urn:ogc:def:crs:EPSG::32636"));
    const std::string msg = message_of({path}, g);
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("feature 1 (\"bad one\")"), std::string::npos) << msg;
    for (const std::string& s : row.expect) EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' in: " << msg;
  }
}

TEST(Evidence, BadInputFilesAndCrsAreRefusedByName) {
  test::TempDir dir;
  const GridSpec g = utm_grid();
  const std::string missing = dir.file("missing.geojson");
  EXPECT_NE(message_of({missing}, g).find("cannot open"), std::string::npos);
  const std::string empty = dir.write("empty.geojson", collection({}, "urn:ogc:def:crs:EPSG::32636"));
  EXPECT_NE(message_of({empty}, g).find("holds no feature"), std::string::npos) << message_of({empty}, g);
  EXPECT_NE(message_of({}, g).find("no file"), std::string::npos);
  const std::string good = dir.write("good.geojson", reference_geojson(g, false));
  EXPECT_NE(message_of({good}, g, 1.2).find("expected 0 to 1"), std::string::npos);
  // A layer in a local CRS cannot be placed on a grid with a CRS.
  const std::string local = dir.write(
      "local.geojson", collection({feature(R"("kind": "find")", kPoint)}, R"(LOCAL_CS[\"grid\",UNIT[\"metre\",1]])"));
  EXPECT_NE(message_of({local}, g).find("local"), std::string::npos) << message_of({local}, g);
  // CSV: no coordinate pair; both pairs; lon/lat on a grid without a CRS;
  // a lon/lat out of range; a bad count names the line and the field.
  const std::string no_pair = dir.write("nopair.csv", "a,b,kind\n1,2,find\n");
  EXPECT_NE(message_of({no_pair}, g).find("nopair.csv:1: header"), std::string::npos) << message_of({no_pair}, g);
  const std::string both = dir.write("both.csv", "lon,lat,x,y,kind\n35.3,33.2,1,2,find\n");
  EXPECT_NE(message_of({both}, g).find("both lon/lat and x/y"), std::string::npos);
  const std::string ll = dir.write("ll.csv", "lon,lat,kind\n35.3,33.2,find\n");
  EXPECT_NE(message_of({ll}, local_grid()).find("need a grid with a crs"), std::string::npos);
  const std::string range = dir.write("range.csv", "lon,lat,kind\n35.3,33.2,find\n200,33.2,find\n");
  const std::string m = message_of({range}, g);
  EXPECT_NE(m.find("range.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("lon in [-180, 180]"), std::string::npos) << m;
  const std::string count = dir.write("count.csv", "x,y,kind,name,items\n712000,3673000,find,F9,2.5\n");
  const std::string mc = message_of({count}, g);
  EXPECT_NE(mc.find("count.csv:2 (\"F9\"): field items"), std::string::npos) << mc;
  const std::string nocoord = dir.write("nocoord.csv", "x,y,kind\n,3673000,find\n");
  EXPECT_NE(message_of({nocoord}, g).find("field geometry"), std::string::npos) << message_of({nocoord}, g);
}

}  // namespace
}  // namespace remnant
