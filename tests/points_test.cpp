// Strike-site points from CSV: header tolerance, optional weight, gzip told
// apart by its magic bytes, a table of broken files with the message each must
// give, and the THOR Laos records when the shared data are there.
#include "host/inputs/points.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "test_support.h"

namespace remnant {
namespace {

std::string error_of(const std::string& path) {
  try {
    read_points_csv(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  EXPECT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(f);
  return path;
}

// A broken file and the message it must give.
struct BadFile {
  const char* text;
  const char* fragment;  // after "<path>"
};

// Each file written into dir is refused with "<path>" + its fragment.
void expect_errors(const test::TempDir& dir, const std::vector<BadFile>& cases) {
  int n = 0;
  for (const BadFile& c : cases) {
    const std::string path = dir.write("bad" + std::to_string(n++) + ".csv", c.text);
    const std::string e = error_of(path);
    EXPECT_NE(e.find(path + c.fragment), std::string::npos) << "file: \"" << c.text << "\"\n got: " << e;
  }
}

TEST(Points, HeaderCaseSpacesOrderAndOptionalWeight) {
  test::TempDir dir;
  // Any order, any case, spaces around names and values, CRLF, extra columns,
  // blank lines at the end; no weight column = weight 1.
  auto p = read_points_csv(dir.write("a.csv", " LAT , Lon ,year\r\n33.1, 35.2 ,1970\r\n-12.5,-77.25,1971\r\n\r\n\n"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].lon, 35.2);
  EXPECT_EQ(p[0].lat, 33.1);
  EXPECT_EQ(p[0].weight, 1.0);
  EXPECT_EQ(p[1].lon, -77.25);
  EXPECT_EQ(p[1].lat, -12.5);

  p = read_points_csv(dir.write("w.csv", "Weight,lon,lat\n2.5,180,-90\n0,-180,90"));  // no final newline
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].weight, 2.5);
  EXPECT_EQ(p[0].lon, 180.0);
  EXPECT_EQ(p[1].weight, 0.0);
  EXPECT_EQ(p[1].lat, 90.0);

  // Quoted fields, a comma inside an ignored one, a UTF-8 byte-order mark.
  p = read_points_csv(
      dir.write("q.csv", "\xEF\xBB\xBF\"lon\",\"lat\",\"target\"\n\"102.5\", \"19.25\" ,\"Ban Na, \"\"X\"\"\"\n"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].lon, 102.5);
  EXPECT_EQ(p[0].lat, 19.25);
}

TEST(Points, GzipIsToldByItsMagicBytesNotItsName) {
  test::TempDir dir;
  std::string text = "lon,lat,weight\n";
  for (int i = 0; i < 100000; ++i) text += std::to_string(100 + i % 8) + "." + std::to_string(i % 97) + ",17.5,1\n";
  const std::string gz = write_gz(dir.file("points.dat"), text);  // gzip without a .gz name
  const auto p = read_points_csv(gz);
  ASSERT_EQ(p.size(), 100000u);  // spans many 256 KiB chunks of decompressed text
  EXPECT_EQ(p[99999].lon, 107.89);
  EXPECT_EQ(p[12345].lon, 101.26);
  // Plain text with a .gz name is read as plain text.
  EXPECT_EQ(read_points_csv(dir.write("plain.csv.gz", "lon,lat\n1,2\n")).size(), 1u);

  // A truncated or corrupt gzip stream is an error, not a short read.
  std::string bytes;
  {
    std::ifstream in(gz, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string cut = dir.write("cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(error_of(cut).find(cut + ": cannot read ("), std::string::npos) << error_of(cut);
  std::string garbled = bytes;
  for (std::size_t i = 100; i < 200; ++i) garbled[i] = static_cast<char>(~garbled[i]);
  const std::string bad = dir.write("bad.csv.gz", garbled);
  EXPECT_NE(error_of(bad).find(bad + ": cannot read ("), std::string::npos) << error_of(bad);
}

TEST(Points, BrokenFilesNameFileLineAndColumn) {
  const std::vector<BadFile> cases = {
      {"", ":1: no header; expected a first line naming the columns lon and lat"},
      {"\n\nlon,lat\n1,2\n", ":1: no header"},
      {"a,b\n1,2\n", ":1: header: no column lon; expected lon (or longitude, long, lng) and lat (or latitude)"},
      {"lon,year\n1,2\n", ":1: header: no column lat"},
      {"x,lat\n1,2\n", ":1: header: both lon/lat and x/y columns (x, lat); expected one pair"},
      {"easting,lat_deg\n1,2\n", ":1: header: no column y; expected"},
      {"lon,LON,lat\n1,2,3\n", ":1: header: column lon appears twice"},
      {"lon,\"lat\n1,2\n", ":1: header: unbalanced quotes"},
      {"lon,lat\n", ": no data rows after the header; expected at least one point"},
      {"lon,lat\n\n\n", ": no data rows after the header"},
      {"lon,lat\n1,2\n3\n", ":3: 1 columns; expected 2 as in the header (lon, lat)"},
      {"lon,lat,year\n1,2,3,4\n", ":2: 4 columns; expected 3 as in the header (lon, lat, year)"},
      {"lon,lat\n1,abc\n", ":2: column lat: expected a number, got \"abc\""},
      {"lon,lat\n1,2x\n", ":2: column lat: expected a number, got \"2x\""},
      {"lon,lat\n,2\n", ":2: column lon: expected a number, got \"\""},
      {"lon,lat\n1e999,2\n", ":2: column lon: expected a number, got \"1e999\""},
      {"lon,lat\n1,\"2\n", ":2: unbalanced quotes"},
      {"lon,lat\n1,\"2\"x\n", ":2: unbalanced quotes"},
      {"lon,lat\n1,2\n180.5,2\n", ":3: column lon: expected a longitude in [-180, 180], got 180.5"},
      {"lon,lat\nnan,2\n", ":2: column lon: expected a longitude in [-180, 180], got nan"},
      {"lat,lon\n-90.01,0\n", ":2: column lat: expected a latitude in [-90, 90], got -90.01"},
      {"lon,lat,weight\n1,2,-1\n", ":2: column weight: expected a finite weight >= 0, got -1"},
      {"lon,lat,weight\n1,2,nan\n", ":2: column weight: expected a finite weight >= 0, got nan"},
      {"lon,lat,weight\n1,2,inf\n", ":2: column weight: expected a finite weight >= 0, got inf"},
      {"lon,lat\n1,2\n\n3,4\n", ":3: blank line followed by more rows (line 4); expected blank lines only at the end"},
  };
  test::TempDir dir;
  expect_errors(dir, cases);
  const std::string missing = dir.file("missing.csv");
  EXPECT_NE(error_of(missing).find(missing + ": no such file"), std::string::npos);
  EXPECT_NE(error_of(dir.path().string()).find(": is a directory"), std::string::npos);
}

TEST(Points, HeaderVariantsAndTheOptionalColumns) {
  test::TempDir dir;
  // The names of a coordinate pair, any case.
  struct Variant {
    const char* header;
    bool grid_xy;
  };
  for (const Variant& v : {Variant{"Longitude,Latitude", false}, {"LONG,LAT", false}, {"lng,latitude", false},
                           {"lon,lat", false}, {"Easting,Northing", true}, {"x_m,y_m", true}, {"X,Y", true}}) {
    SCOPED_TRACE(v.header);
    const PointsTable t = read_points_table(dir.write("v.csv", std::string(v.header) + ",other\n35.5,33.25,z\n"));
    ASSERT_EQ(t.points.size(), 1u);
    EXPECT_EQ(t.grid_xy, v.grid_xy);
    EXPECT_EQ(v.grid_xy ? t.points[0].x_m : t.points[0].lon, 35.5);
    EXPECT_EQ(v.grid_xy ? t.points[0].y_m : t.points[0].lat, 33.25);
    EXPECT_TRUE(t.details.empty()) << "no optional column: no details";
  }
  // Grid coordinates are any finite metres.
  EXPECT_EQ(read_points_table(dir.write("m.csv", "northing,easting\n3681200.5,-702000\n")).points[0].x_m, -702000.0);

  // The optional columns; blank cells are not given.
  const PointsTable t = read_points_table(dir.write(
      "d.csv", "ID,lat,lon,Carrier,carriers,submunitions,date\nS-1,33.1,35.2,CBU-87,4,,1972-02-29\n"
               "S-2,33.2,35.3,,,,\n,33.3,35.4,M26,,1300,2000-12-31\n"));
  ASSERT_EQ(t.details.size(), 3u);
  EXPECT_EQ(t.details[0].name, "S-1");
  EXPECT_EQ(t.details[0].carrier, "CBU-87");
  EXPECT_EQ(t.details[0].carriers, 4u);
  EXPECT_EQ(t.details[0].submunitions, 0u);
  EXPECT_EQ(t.details[0].date, "1972-02-29");
  EXPECT_EQ(t.details[1].carrier, "");
  EXPECT_EQ(t.details[1].carriers, 0u);
  EXPECT_EQ(t.details[1].date, "");
  EXPECT_EQ(t.details[2].name, "");
  EXPECT_EQ(t.details[2].submunitions, 1300u);
  EXPECT_EQ(t.details[2].carrier_column, "submunitions");
}

TEST(Points, AHeaderWithoutACoordinatePairIsRefusedListingTheAcceptedNames) {
  test::TempDir dir;
  const std::string path = dir.write("h.csv", "Breite,Laenge,Gewicht\n33,35,1\n");
  const std::string e = error_of(path);
  EXPECT_NE(e.find(path + ":1: header: no column lon; expected " + kAcceptedPointColumns + "; found: breite, laenge, gewicht"),
            std::string::npos)
      << e;
  for (const char* name : {"lon", "longitude", "long", "lng", "lat", "latitude", "x_m", "easting", "y_m", "northing",
                           "weight", "carrier", "carriers", "submunitions", "date", "name", "id"})
    EXPECT_NE(e.find(name), std::string::npos) << name;
  const std::string twice = error_of(dir.write("t.csv", "lon,Longitude,lat\n1,2,3\n"));
  EXPECT_NE(twice.find(":1: header: column lon appears twice (as lon and longitude); expected it once"),
            std::string::npos)
      << twice;
  const std::string ids = error_of(dir.write("i.csv", "name,id,lon,lat\na,b,1,2\n"));
  EXPECT_NE(ids.find("column name appears twice (as name and id)"), std::string::npos) << ids;
}

TEST(Points, BadOptionalValuesNameFileLineAndColumn) {
  const std::vector<BadFile> cases = {
      {"lon,lat,carrier,carriers\n1,2,M26,2.5\n",
       ":2: column carriers: expected a whole number of carriers from 1 to 100000000, got \"2.5\""},
      {"lon,lat,carrier,carriers\n1,2,M26,0\n", ":2: column carriers: expected a whole number of carriers"},
      {"lon,lat,carrier,carriers\n1,2,M26,-3\n", ":2: column carriers: expected a whole number of carriers"},
      {"lon,lat,carrier,carriers\n1,2,M26,100000001\n", ":2: column carriers: expected a whole number"},
      {"lon,lat,carrier,submunitions\n1,2,M26,1e3\n",
       ":2: column submunitions: expected a whole number of submunitions from 1 to 4000000000, got \"1e3\""},
      {"lon,lat,carrier,carriers\n1,2,M26,2\n1,2,M26,\n",
       ":3: column carrier: \"M26\" without a count; expected carriers or submunitions on the same row"},
      {"lon,lat,carriers\n1,2,4\n", ":2: column carriers: a count without a carrier type; expected column carrier"},
      {"lon,lat,carrier,submunitions\n1,2,,400\n", ":2: column submunitions: a count without a carrier type"},
      {"lon,lat,carrier,carriers,submunitions\n1,2,M26,2,1288\n",
       ":2: columns carriers and submunitions: both given (2 and 1288); expected one of them"},
      {"lon,lat,date\n1,2,1970-02-30\n", ":2: column date: expected a date written YYYY-MM-DD (ISO 8601), got \"1970-02-30\""},
      {"lon,lat,date\n1,2,1900-02-29\n", ":2: column date: expected a date"},
      {"lon,lat,date\n1,2,12/03/1970\n", ":2: column date: expected a date"},
      {"lon,lat,date\n1,2,1970-1-3\n", ":2: column date: expected a date"},
      {"lon,lat,date\n1,2,1970-13-01\n", ":2: column date: expected a date"},
      {"x,y\n1,inf\n", ":2: column y: expected a finite coordinate in metres of the grid's CRS, got inf"},
      {"easting,northing\nnan,2\n", ":2: column easting: expected a finite coordinate"},
      {"Longitude,Latitude\n181,2\n", ":2: column longitude: expected a longitude in [-180, 180], got 181"},
      {"x_m,y_m\n1,north\n", ":2: column y_m: expected a number, got \"north\""},
  };
  test::TempDir dir;
  expect_errors(dir, cases);
  // 2000-02-29 is a date (a leap year by the 400 rule).
  EXPECT_EQ(error_of(dir.write("leap.csv", "lon,lat,date\n1,2,2000-02-29\n")), "");
}

TEST(Points, ThorLaosRecords) {
  const std::string path =
      std::string(REMNANT_SOURCE_DIR) + "/../shared/data/strikes/thor_us_kinetic_targets_laos_1965_1973.csv.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "THOR data absent: " << path << " does not exist";
  const auto t0 = std::chrono::steady_clock::now();
  const auto p = read_points_csv(path);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("read %zu THOR points in %.3f s\n", p.size(), s);
  ASSERT_EQ(p.size(), 869285u);
  for (const WeightedPoint& q : p) {
    ASSERT_TRUE(q.lon >= 100.0 && q.lon <= 108.0 && q.lat >= 13.9 && q.lat <= 22.6) << q.lon << " " << q.lat;
    ASSERT_EQ(q.weight, 1.0);
  }
  EXPECT_EQ(p.front().lon, 104.1667);  // first row: 104.1667,20.45,1965,10
  EXPECT_EQ(p.front().lat, 20.45);
}

}  // namespace
}  // namespace remnant
