// Strike-site points from CSV: header tolerance, optional weight, gzip told
// apart by its magic bytes, a table of broken files with the message each must
// give, and the THOR Laos records when the shared data are there.
#include "host/inputs/points.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>

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
  struct Case {
    const char* text;
    const char* fragment;  // after "<path>"
  };
  const Case cases[] = {
      {"", ":1: no header; expected a first line naming the columns lon and lat"},
      {"\n\nlon,lat\n1,2\n", ":1: no header"},
      {"x,y\n1,2\n",
       ":1: header: no column lon; expected columns lon and lat (any order, optionally weight), found: x, y"},
      {"lon,year\n1,2\n", ":1: header: no column lat"},
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
  int n = 0;
  for (const Case& c : cases) {
    const std::string path = dir.write("bad" + std::to_string(n++) + ".csv", c.text);
    const std::string e = error_of(path);
    EXPECT_NE(e.find(path + c.fragment), std::string::npos) << "file: \"" << c.text << "\"\n got: " << e;
  }
  const std::string missing = dir.file("missing.csv");
  EXPECT_NE(error_of(missing).find(missing + ": no such file"), std::string::npos);
  EXPECT_NE(error_of(dir.path().string()).find(": is a directory"), std::string::npos);
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
