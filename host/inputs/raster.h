// Rasters from outside (elevation, land cover...): any file GDAL reads
// (GeoTIFF, SRTM .hgt, NetCDF, ...) reprojected and resampled onto the
// scenario grid with GDAL's warper, and the slope of an elevation grid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace remnant {

// The scenario grid as the warper needs it. origin = lower-left corner of the
// grid in `crs` (projected, metres). Cell (ix, iy) is values[iy * nx + ix] with
// row iy = 0 the SOUTHERN row: the engine's convention (GeoTIFFs are north-up).
struct GridGeometry {
  std::string crs;  // "EPSG:32636", WKT or PROJ string
  double origin_x_m = 0.0;
  double origin_y_m = 0.0;
  double cell_size_m = 0.0;
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
};

// Nearest and Mode for class codes (land cover): they never invent a value
// that is not in the source. Bilinear for continuous fields (elevation).
// When grid cells are larger than source pixels GDAL widens the bilinear kernel
// into a triangle filter over the cell's footprint (an average, biased by up to
// a few percent of a pixel's step on a sloping field) and Mode takes the
// commonest source value in the footprint.
enum class Resampling { Nearest, Bilinear, Mode };

struct RasterOnGrid {
  std::vector<double> values;       // nx * ny, south row first; NaN where not valid
  std::vector<std::uint8_t> valid;  // 0 where the source has no data or does not cover the cell
  std::uint64_t invalid_cells = 0;
  std::string description;  // file, driver, CRS, size, resolution, nodata, resampling: provenance
};

// Reads band `band` (1-based) of `path` onto `grid`. The source's nodata value
// is honoured (no data in, no value out; bilinear weights are renormalised over
// the valid neighbours) and its scale/offset, if any (NetCDF scale_factor,
// add_offset), is applied. Throws InputError for a missing or unreadable file,
// a file that is not a raster, a raster without CRS or georeferencing, a band
// out of range, an invalid grid, or a raster that does not overlap the grid.
// Safe to call from several threads at once (each call has its own datasets).
RasterOnGrid read_raster_onto_grid(const std::string& path, const GridGeometry& grid, Resampling r, int band = 1);

const char* resampling_name(Resampling r);

// Ground gradient magnitude |grad z| (rise over run, dimensionless) of an
// nx * ny elevation grid in metres: central differences inside, one-sided
// differences on the edges (a direction with a single cell has zero gradient).
// A NaN elevation makes its own and its neighbours' slopes NaN: fill gaps first.
std::vector<float> slope_from_elevation(const std::vector<float>& elevation_m, std::uint32_t nx, std::uint32_t ny,
                                        double cell_size_m);

}  // namespace remnant
