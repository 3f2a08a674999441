// Exports for other tools: a layer as a GeoTIFF that GIS software reads with
// its CRS, orientation, nodata and provenance; the per-realization totals as
// CSV; the extension decides the format and a failed export leaves nothing.
#include <cpl_string.h>
#include <gdal.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "host/evidence/exports.h"
#include "host/maps/export.h"
#include "host/evidence/layers.h"
#include "test_support.h"

namespace remnant {
namespace {

class Export : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new ResultData(test::result_data(test::outputs_scenario(), 8, 77));
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  static const ResultData& data() { return *data_; }
  test::TempDir dir_;

 private:
  static ResultData* data_;
};
ResultData* Export::data_ = nullptr;

struct Tiff {
  explicit Tiff(const std::string& path) {
    GDALAllRegister();
    ds = GDALOpen(path.c_str(), GA_ReadOnly);
  }
  ~Tiff() {
    if (ds) GDALClose(ds);
  }
  GDALDatasetH ds = nullptr;
};

TEST_F(Export, GeoTiffIsNorthUpWithCrsNodataCompressionAndProvenance) {
  const std::string path = dir_.file("mean.tif");
  write_geotiff(data(), "dud_mean", path);
  Tiff t(path);
  ASSERT_NE(t.ds, nullptr);
  const ResultGrid& g = data().grid;
  ASSERT_EQ(GDALGetRasterXSize(t.ds), int(g.nx));
  ASSERT_EQ(GDALGetRasterYSize(t.ds), int(g.ny));
  double gt[6];
  ASSERT_EQ(GDALGetGeoTransform(t.ds, gt), CE_None);
  EXPECT_DOUBLE_EQ(gt[0], 700000.0);
  EXPECT_DOUBLE_EQ(gt[1], 50.0);
  EXPECT_DOUBLE_EQ(gt[3], 3680000.0 + 50 * 50.0);  // top edge: the file is north-up
  EXPECT_DOUBLE_EQ(gt[5], -50.0);
  OGRSpatialReferenceH srs = GDALGetSpatialRef(t.ds);
  ASSERT_NE(srs, nullptr);
  EXPECT_STREQ(OSRGetAuthorityCode(srs, nullptr), "32636");
  GDALRasterBandH band = GDALGetRasterBand(t.ds, 1);
  int has_nodata = 0;
  EXPECT_EQ(GDALGetRasterNoDataValue(band, &has_nodata), -9999.0);
  EXPECT_TRUE(has_nodata);
  EXPECT_STREQ(GDALGetRasterUnitType(band), "items per hectare");
  // The name says per hectare too, and which per-cell variable of the result file it comes from.
  EXPECT_STREQ(GDALGetMetadataItem(t.ds, "remnant_layer", nullptr), "dud_mean_per_ha");
  const char* from = GDALGetMetadataItem(t.ds, "remnant_result_variable", nullptr);
  ASSERT_NE(from, nullptr);
  EXPECT_NE(std::string(from).find("dud_mean (per cell in the result file"), std::string::npos) << from;
  const char* compression = GDALGetMetadataItem(t.ds, "COMPRESSION", "IMAGE_STRUCTURE");
  ASSERT_NE(compression, nullptr);
  EXPECT_STREQ(compression, "DEFLATE");
  EXPECT_STREQ(GDALGetMetadataItem(t.ds, "remnant_seed", nullptr), "77");
  EXPECT_STREQ(GDALGetMetadataItem(t.ds, "remnant_realizations", nullptr), "8");
  EXPECT_STREQ(GDALGetMetadataItem(t.ds, "remnant_scenario", nullptr), "map test");

  // Values: file row r holds grid row ny-1-r, densities per hectare, water nodata.
  std::vector<float> v(std::size_t(g.nx) * g.ny);
  ASSERT_EQ(GDALRasterIO(band, GF_Read, 0, 0, g.nx, g.ny, v.data(), g.nx, g.ny, GDT_Float32, 0, 0), CE_None);
  const double ha = g.cell_area_ha();
  int water = 0, nonzero = 0;
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    for (std::uint32_t ix = 0; ix < g.nx; ++ix) {
      const std::size_t cell = std::size_t(iy) * g.nx + ix;
      const float got = v[std::size_t(g.ny - 1 - iy) * g.nx + ix];
      if (data().land_cover[cell] == 0) {
        EXPECT_EQ(got, -9999.0f);
        ++water;
      } else {
        EXPECT_FLOAT_EQ(got, static_cast<float>(data().stats.mean[cell] / ha)) << ix << "," << iy;
        nonzero += got > 0;
      }
    }
  EXPECT_EQ(water, 12 * 50);
  EXPECT_GT(nonzero, 10);
}

TEST_F(Export, LandCoverGeoTiffHoldsClassesAsBytes) {
  const std::string path = dir_.file("cover.tif");
  write_geotiff(data(), "land_cover", path);
  Tiff t(path);
  ASSERT_NE(t.ds, nullptr);
  GDALRasterBandH band = GDALGetRasterBand(t.ds, 1);
  EXPECT_EQ(GDALGetRasterDataType(band), GDT_Byte);
  std::vector<std::uint8_t> v(80 * 50);
  ASSERT_EQ(GDALRasterIO(band, GF_Read, 0, 0, 80, 50, v.data(), 80, 50, GDT_Byte, 0, 0), CE_None);
  EXPECT_EQ(v[49 * 80 + 0], 0);   // south-west corner (last file row): water
  EXPECT_EQ(v[0 * 80 + 79], 4);   // north-east corner: cropland
}

TEST_F(Export, GdalinfoReadsTheCrsAndUnits) {
  if (!std::filesystem::exists("/usr/bin/gdalinfo")) GTEST_SKIP() << "gdalinfo is not installed (gdal-bin)";
  const std::string path = dir_.file("p.tif");
  write_geotiff(data(), "dud_p_any", path);
  const test::CommandResult r = test::run_command("gdalinfo " + test::shell_quote(path) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"GTiff", "Size is 80, 50", "UTM zone 36N", "32636", "NoData Value=-9999",
                           "Probability of contamination", "remnant_seed=77", "COMPRESSION=DEFLATE"})
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
}

TEST_F(Export, FailuresLeaveNothingAndNeverTouchAnExistingFile) {
  const std::string existing = dir_.write("keep.tif", "previous contents");
  EXPECT_THROW(write_geotiff(data(), "no_such_layer", existing), InputError);
  EXPECT_THROW(export_file(data(), MapOptions{}, dir_.file("out.xyz")), InputError);
  EXPECT_ANY_THROW(write_geotiff(data(), "dud_mean", dir_.file("missing-dir/out.tif")));
  std::ifstream in(existing);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "previous contents");
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"keep.tif"});
}

TEST_F(Export, CsvHoldsOneRowPerRealizationWithProvenance) {
  const std::string csv = totals_csv(data());
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> rows;
  int comments = 0;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      ++comments;
      continue;
    }
    rows.push_back(line);
  }
  EXPECT_NE(csv.find("seed 77, 8 realizations"), std::string::npos) << csv;
  EXPECT_GE(comments, 3);
  ASSERT_EQ(rows.size(), 1 + data().totals.size());
  EXPECT_EQ(rows[0].rfind("realization,fired,impacts,duds,contaminated_cells,contaminated_area_km2,in_water,", 0), 0u);
  for (std::size_t r = 0; r < data().totals.size(); ++r) {
    const RealizationTotals& t = data().totals[r];
    std::istringstream row(rows[r + 1]);
    std::string field;
    std::vector<std::string> f;
    while (std::getline(row, field, ',')) f.push_back(field);
    ASSERT_EQ(f.size(), 8u + kLandCoverClasses);
    EXPECT_EQ(f[0], std::to_string(r));
    EXPECT_EQ(f[1], std::to_string(t.fired));
    EXPECT_EQ(f[3], std::to_string(t.duds));
    EXPECT_EQ(f[6], std::to_string(t.in_water));
    EXPECT_DOUBLE_EQ(std::stod(f[5]), t.contaminated_cells * 0.0025);  // 50 m cells
  }
}

}  // namespace
}  // namespace remnant
