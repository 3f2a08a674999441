// A scenario as the user wrote it: grid, submunition types, carriers, strikes,
// land-cover multipliers, wind, seed. Loaded strictly from TOML: every key is
// known, every value is checked, errors name the file, the line and the key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/inputs/land_cover.h"  // land_cover_name, land_cover_from_name, pattern_name
#include "host/inputs/points.h"
#include "kernels/tables.h"

namespace remnant {

struct Range {
  double lo = 0.0;
  double hi = 0.0;
};

// A rate's prior: Beta(alpha, beta), or a fixed value (a point mass).
struct RatePrior {
  bool fixed = true;
  double value = 0.0;  // when fixed
  double alpha = 1.0;  // when Beta
  double beta = 1.0;
  double mean() const { return fixed ? value : alpha / (alpha + beta); }
};

struct SubmunitionType {
  std::string name;
  Range terminal_velocity_mps;
  RatePrior dud_rate;  // the prior the run uses (the test or field one when the catalogue gives both)
  std::optional<RatePrior> dud_rate_test, dud_rate_field;  // catalogue: both priors
  std::optional<Range> dud_rate_test_range, dud_rate_field_range;  // the ranges they were fitted to
  std::optional<RatePrior> self_destruct_failure;  // P(self-destruct fails too)
  bool self_destruct = false;                       // fitted with a self-destruct fuze
  std::string defined_at;                           // file:line
};

// How the footprint size of an air-dropped dispenser follows its fuze
// settings: semi-axes go linearly from their low to their high end as the
// mean of the normalised function height and spin goes from 0 to 1.
struct HeightSpinScaling {
  Range height_m;  // the function heights the semi-axis range corresponds to
  Range spin_rpm;  // the spin settings it corresponds to
};

struct CarrierType {
  std::string name;
  std::string submunition;
  std::size_t type = 0;  // index of the submunition in Scenario::submunitions
  std::uint32_t submunitions_per_carrier = 0;
  std::string delivery;  // air | rocket | artillery
  Pattern pattern = Pattern::UniformEllipse;
  Range semi_major_m;  // footprint semi-axes, sampled per strike and realization
  Range semi_minor_m;
  double ring_inner_fraction = 0.0;
  double aim_error_cep_m = 0.0;
  Range function_height_m;
  std::optional<Range> spin_rpm;             // fuze spin settings used (air dispensers)
  std::optional<HeightSpinScaling> scaling;  // footprint follows height and spin
  std::string defined_at;                    // file:line
};

struct Strike {
  std::size_t carrier = 0;  // index into Scenario::carriers
  std::uint32_t carriers = 0;
  double x_m = 0.0;  // projected coordinates of the aim point (site)
  double y_m = 0.0;
  std::optional<double> lon, lat;  // given in WGS84 instead of x_m, y_m
  std::optional<double> heading_deg;  // clockwise from north; absent = any
  double heading_spread_deg = 0.0;
  std::uint32_t line = 0;  // where it was written, for messages
};

// An inventory line: carriers of one type, as a count or as a share of the
// submunitions the counted lines leave to the total.
struct InventoryLine {
  std::size_t carrier = 0;  // index into Scenario::carriers
  std::optional<std::uint64_t> carriers;
  std::optional<double> share;
  std::optional<Range> function_height_m;  // overrides the catalogue's for this scenario
  std::optional<Range> spin_rpm;
  std::uint32_t line = 0;
};

struct Inventory {
  bool present = false;
  std::optional<std::uint64_t> total_submunitions;
  std::vector<InventoryLine> lines;
};

// Where strike sites may fall: a polygon (lon/lat vertices, or the polygons of
// a vector file), or a rectangle in grid metres; weight = relative share of sites.
struct SiteArea {
  std::string name;
  double weight = 1.0;
  std::vector<std::array<double, 2>> polygon_lonlat;
  std::optional<Range> x_m, y_m;
  std::string polygon_file;  // any OGR vector file; "dataset:LAYER" names a layer of the grid's dataset
  std::string where;         // OGR attribute filter for polygon_file
  std::vector<std::array<double, 2>> within_lonlat;  // optional clip: only cells inside this polygon too
  std::uint32_t line = 0;
};

// The points of a points_csv with placement = "fixed", read when the
// scenario is loaded: each point (on the grid, weight > 0) is one site. Per
// point, the carrier type and whole carriers it names itself (carrier -1:
// none, the site is dealt carriers from [inventory]).
struct FixedPoints {
  PointsTable table;
  std::vector<std::int32_t> carrier;   // one per point
  std::vector<std::uint64_t> carriers; // one per point; submunitions rounded up to whole carriers
};

struct SiteSpec {
  bool present = false;
  std::uint32_t count = 0;      // 0: not given (fixed points: as many sites as points kept)
  bool per_realization = true;  // placement: sites resampled each realization (else fixed by the seed)
  std::vector<SiteArea> areas;
  std::string points_csv;  // points (lon/lat or grid x/y); sites drawn from them by weight, or each one site when fixed
  FixedPoints fixed_points;  // read when placement is "fixed" and points_csv given
  std::optional<double> heading_deg;
  double heading_spread_deg = 0.0;
  std::uint32_t line = 0;
};

struct LandCoverRegion {
  Range x_m;
  Range y_m;
  LandCover land_cover = LandCover::Cropland;
};

struct GridSpec {
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  double cell_size_m = 0.0;
  double origin_x_m = 0.0;  // lower-left corner, projected metres
  double origin_y_m = 0.0;
  std::string crs;          // e.g. "EPSG:32636"; empty = unspecified local metres
  LandCover land_cover = LandCover::Cropland;
  double elevation_m = 0.0;
  std::vector<LandCoverRegion> regions;  // painted over the base class, in order
};

// A bundled region dataset (datasets/build_datasets.sh): its grid, rasters and
// map layers, all in the region's projected CRS.
struct DatasetLayer {
  std::string name, file, source, licence;
};

struct Dataset {
  std::string name, dir, title, text;
  GridSpec grid;  // crs, origin, nx, ny, cell size
  std::string elevation, elevation_source, land_cover, land_cover_source;  // paths are absolute
  double elevation_resolution_m = 0.0;
  std::vector<std::string> notes;
  std::vector<DatasetLayer> layers;
};

// User rasters (any GDAL format, any CRS), reprojected onto the grid.
struct TerrainSpec {
  std::string elevation;        // DEM path
  std::string land_cover;       // land-cover raster path
  std::string land_cover_codes; // "worldcover" (mapped by the land-cover table) or "remnant"
};

struct WindSpec {
  Range speed_mps;
  Range from_deg;  // meteorological: direction the wind comes from
};

// The hazard area (kernels/physics.h, steps 14 and 15): the area within the
// fade-out distance of an unexploded item. [hazard] fade_out_m; without it
// kDefaultFadeOutM, an assumption the scenario's assumptions then state.
constexpr double kDefaultFadeOutM = 50.0;
struct HazardSpec {
  double fade_out_m = kDefaultFadeOutM;
  bool stated = false;  // by the scenario ([hazard] or --set hazard.fade_out_m)
};

struct Scenario {
  std::string path;
  std::string text;  // the file's full text, kept for provenance
  std::string base_path, base_text;  // the scenario it builds on ([scenario] base), if any
  std::string name;
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  std::string dud_rates;  // "test" or "field" when the catalogue gives both priors
  std::string munitions_path, munitions_text;    // catalogue file, when used
  std::string land_cover_path, land_cover_text;  // land-cover table file, when used
  std::optional<Dataset> dataset;
  TerrainSpec terrain;
  GridSpec grid;
  WindSpec wind;
  HazardSpec hazard;
  std::vector<SubmunitionType> submunitions;
  std::vector<CarrierType> carriers;
  std::vector<Strike> strikes;
  Inventory inventory;
  SiteSpec sites;
  std::array<double, kLandCoverClasses> dud_multiplier{};  // per land-cover class
  std::array<bool, kLandCoverClasses> recoverable{};
  std::vector<std::pair<int, LandCover>> worldcover;      // raster code -> class
  double slope_coefficient = 0.0;
  std::vector<std::string> sources;      // stated by the scenario
  std::string bibliography_path;         // the bibliography its sources cite ("" when none)
  std::vector<std::string> references;   // "[KEY] full reference" of each key the run cites, by key
  std::vector<std::string> assumptions;  // stated by the scenario, and defaults taken
  // Assumptions of the scenario's files that no longer hold: the keys they
  // rest on were replaced by --set or by a scenario building on the file.
  std::vector<std::string> dropped_assumptions;
  std::vector<std::string> overrides;    // --set KEY=VALUE applied, in order
};

// --set KEY=VALUE: KEY is a dotted path into the scenario file (e.g.
// inventory.total_submunitions, sites.count, scenario.dud_rates); VALUE is a
// TOML value (number, "string", true, [a, b]).
struct Override {
  std::string key, value;
};
Override parse_override(const std::string& arg);

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {});
Scenario parse_scenario(const std::string& text, const std::string& source_name,
                        const std::vector<Override>& overrides = {});

// Where bundled datasets are looked for: $REMNANT_DATASETS, else the build's.
std::string datasets_dir();
Dataset load_dataset(const std::string& name_or_dir, const std::string& referenced_from);

// Submunitions fired by each inventory line once counts and shares are resolved.
struct ResolvedLine {
  std::size_t carrier = 0;  // index into Scenario::carriers
  std::uint64_t carriers = 0;
  std::uint64_t submunitions = 0;
};
std::vector<ResolvedLine> resolve_inventory(const Scenario& sc);

}  // namespace remnant
