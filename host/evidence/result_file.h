// The result file: HDF5, NetCDF-4/CF compatible, self-describing, written
// atomically (temporary file in the same directory, then rename). Layout in
// docs/ARCHITECTURE.md ("Result file").
//
// ResultData is everything a result file holds, in memory: the run layer builds
// it from a finished ensemble (host/run/result_data.h), writes it, and draws maps from it; the
// `info`, `export` and `compare` commands read it back (read_result_file). Maps
// and GeoTIFFs are drawn from a ResultData only, so a map drawn straight after
// a run and one drawn later from the file are the same.
//
// This header is the result file's whole API. Behind it (internal to the
// evidence layer): result_writer.cpp writes, result_reader.cpp reads,
// result_layout.h holds what both share (layers, totals columns, text
// attributes, checksums), hdf5.h the generic HDF5 helpers and hdf5_reader.h
// the reader's checked reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/evidence/sensitivity.h"
#include "host/evidence/stats.h"
#include "kernels/tables.h"

namespace remnant {

constexpr const char* kResultFiletype = "remnant-result";
// A checkpoint (an interrupted run's realizations so far, to resume) has the
// result file's layout with this filetype; totals rows are the realizations
// done, named by the realization coordinate.
constexpr const char* kCheckpointFiletype = "remnant-checkpoint";
// MAJOR.MINOR: a reader accepts any minor version of its own major version and
// refuses a newer major version (the layout changed in a way it cannot read).
// 1.1: the references attribute; 1.2: the hazard area (fade_out_m and
// hazard_pixel_m attributes, realizations/hazard_pixels)
constexpr const char* kResultFormatVersion = "1.2";
constexpr int kResultFormatMajor = 1;

struct ResultGrid {
  std::uint32_t nx = 0, ny = 0;  // row 0 = southern row, index iy*nx + ix
  double cell_size_m = 0.0, origin_x_m = 0.0, origin_y_m = 0.0;  // lower-left corner
  std::string crs;      // as the scenario wrote it ("EPSG:32636"); empty: local metres
  std::string crs_wkt;  // WKT2 of crs; empty when crs is
  std::uint32_t cells() const { return nx * ny; }
  double cell_area_km2() const { return cell_size_m * cell_size_m * 1e-6; }
  double cell_area_ha() const { return cell_size_m * cell_size_m * 1e-4; }
};

// A run conditioned on evidence from the ground (`remnant run --evidence`,
// host/run/conditioning.h): what it was conditioned on and how (group
// conditioning/ of the result file; empty for a forward run).
struct ResultConditioning {
  std::vector<std::string> files;  // as given
  std::string sha256;              // of the files' bytes (Evidence::sha256)
  std::string summary;             // "1 strike, 2 finds (4 items), ..."
  // One line per feature, in the order read: kind, label, fields (key=value,
  // space-separated), and its geometry as WKT in the grid's CRS, tab-separated.
  std::vector<std::string> features;
  std::string method;              // the sampler, its settings and assumptions, in words
  std::string diagnostics_json;    // stages, effective sizes, acceptance, R-hat, pins, warnings
  std::vector<std::string> diagnostics;  // the same in words, one line each; warnings start "warning: "
  // The settings that, with the seed and the evidence, make the run again (`remnant hazard`).
  std::uint32_t sweeps = 0;
  double cancelled_detection = 0.0, find_radius_m = 0.0;
  bool empty() const { return files.empty(); }
};

struct ResultData {
  // Provenance (root attributes).
  std::string filetype, format_version, software_version, git_revision, creation_time_utc;
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  std::uint64_t fired_per_realization = 0;
  std::string backend;
  std::string scenario_name, scenario_path, scenario_text, base_scenario_path, base_scenario_text;
  std::vector<std::string> assumptions, sources, overrides, terrain_notes;
  // "[KEY] full reference" of each bibliography key the run cites (format 1.1;
  // empty in a 1.0 file).
  std::vector<std::string> references;
  std::string dud_rates;  // "test", "field" or "" (the scenario's own priors)
  std::string munitions_path, munitions_text, land_cover_table_path, land_cover_table_text;
  std::string dataset, dataset_text;  // bundled region dataset name (context layers for maps), or ""

  ResultGrid grid;
  CellStatistics stats;               // per-cell layers over realizations
  std::vector<float> elevation_m;     // per cell
  std::vector<std::uint8_t> land_cover;  // per cell, LandCover
  CellAccumulators accumulators;      // raw sums: every statistic can be recomputed
  std::vector<RealizationTotals> totals;  // one per realization held, in order
  // The duds of each submunition type in each totals row, [row][type] (the
  // scenario's submunitions, named in submunition_types); each row sums to
  // the row's duds. Datasets realizations/duds_by_type and
  // realizations/submunition_type; both empty in a file without them (older
  // versions).
  std::vector<std::string> submunition_types;
  std::vector<std::uint64_t> duds_by_type;
  // The hazard area's fade-out distance and the pixel of its raster, metres
  // (0 in a file of format 1.0 or 1.1, which has no hazard area).
  double fade_out_m = 0.0, hazard_pixel_m = 0.0;
  // What drives the headline totals (group sensitivity/; empty when the run
  // had too few realizations, or in a file without the group).
  Sensitivity sensitivity;
  // The realization index of each totals row: 0 .. realizations-1 in a result
  // file; in a checkpoint, the realizations done so far (a subset).
  std::vector<std::uint32_t> realization_index;

  // Strike sites of the first realization (projected metres), for maps. With
  // placement "per_realization" the sites are redrawn in every realization and
  // these are one example; with "fixed" they hold for the whole run.
  std::string site_placement;  // "fixed", "per_realization" or "none"
  std::vector<double> site_x_m, site_y_m;

  ResultConditioning conditioning;  // empty unless the run was conditioned on evidence
};

// One per-cell variable (y, x) of the result file's root group: its name and
// its CF units and long_name attributes. The layers in file order:
// dud_mean, dud_sd, dud_p_any, dud_q05, dud_q50, dud_q95, impact_mean
// (ResultData::stats), elevation (elevation_m), land_cover (land_cover).
struct ResultLayerInfo {
  const char* name;
  const char* units;
  const char* long_name;
};
const std::vector<ResultLayerInfo>& result_layers();

// Writes path atomically; on any failure removes the temporary file, leaves an
// existing file at path untouched, and throws.
void write_result_file(const std::string& path, const ResultData& d);

// Reads a result file back. Throws InputError naming the file when it is not
// HDF5, not a Remnant result file, of a newer major format version, or lacks a
// dataset or attribute this version needs (naming it).
// Also for files of an older major version (0.x: another layout; the message
// says to re-run), datasets of the wrong shape or type, land-cover codes out of
// range, and corrupt or truncated files: every size is checked against the
// grid and the stored bytes before anything is allocated.
// A checkpoint is refused too, saying how to resume it.
ResultData read_result_file(const std::string& path);

// Reads a checkpoint (the same checks; refuses a finished result file).
ResultData read_checkpoint_file(const std::string& path);

// Either kind (`remnant info`); filetype says which it is.
ResultData read_result_or_checkpoint_file(const std::string& path);

}  // namespace remnant
