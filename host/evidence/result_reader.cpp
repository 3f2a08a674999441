// Reading a result file or checkpoint back (read_result_file and its
// siblings of host/evidence/result_file.h): the filetype and format version,
// the root attributes, the grid, the layers, the accumulators, the totals and
// the sites, then the attribute checksums. Every failure is an InputError
// "FILE: what is wrong".
#include <fmt/format.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "host/evidence/hdf5.h"
#include "host/evidence/hdf5_reader.h"
#include "host/evidence/result_file.h"
#include "host/evidence/result_layout.h"
#include "kernels/histogram.h"

namespace remnant {
namespace {

using namespace result_detail;

// Every checksum this reader can recompute must be in attribute_crc32 (a
// later minor version may list more), but for attributes an earlier minor
// version did not have (`absent`).
void check_attribute_checksums(const Reader& r, const ResultData& d, const std::set<std::string>& absent) {
  const std::string stored = "\n" + r.text(r.file(), "attribute_crc32");
  for (const std::string& line : split_lines(attribute_checksums(d)))
    if (!absent.count(line.substr(0, line.find(' '))) && stored.find("\n" + line + "\n") == std::string::npos)
      r.fail(fmt::format("attribute {} does not match its CRC-32 in attribute_crc32: the file is damaged or was edited",
                         line.substr(0, line.find(' '))));
}

// MAJOR.MINOR; this reader reads its own major version only.
void check_format_version(const Reader& r, const std::string& v) {
  const std::size_t dot = v.find('.');
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (dot == std::string::npos || !digits(v.substr(0, dot)) || !digits(v.substr(dot + 1)))
    r.fail(fmt::format("format_version \"{}\" is not MAJOR.MINOR", shown(v)));
  const int major = std::stoi(v.substr(0, dot));
  if (major > kResultFormatMajor)
    r.fail(fmt::format("written by a newer Remnant (format {}); this one reads format {}.x: upgrade", v,
                       kResultFormatMajor));
  if (major < kResultFormatMajor)
    r.fail(fmt::format("written by an older Remnant (format {}), whose layout this one does not read; re-run "
                       "the scenario with this version (the file's scenario_text attribute holds it)",
                       v));
}

void read_grid(const Reader& r, ResultData& d) {
  const hid_t f = r.file();
  const Handle xd = r.dataset("x"), yd = r.dataset("y");
  const std::vector<hsize_t> xdims = r.shape(xd, "x"), ydims = r.shape(yd, "y");
  if (xdims.size() != 1 || ydims.size() != 1 || xdims[0] == 0 || ydims[0] == 0)
    r.fail(fmt::format("coordinates x {} and y {}: expected two non-empty lists", dims_text(xdims), dims_text(ydims)));
  if (xdims[0] > std::numeric_limits<std::uint32_t>::max() / ydims[0])
    r.fail(fmt::format("grid of {} x {} cells: more than 2^32 - 1 cells", xdims[0], ydims[0]));
  const auto xs = r.values<double>(xd, "x", H5T_NATIVE_DOUBLE, H5T_FLOAT, xdims);
  const auto ys = r.values<double>(yd, "y", H5T_NATIVE_DOUBLE, H5T_FLOAT, ydims);
  ResultGrid& g = d.grid;
  g.nx = static_cast<std::uint32_t>(xs.size());
  g.ny = static_cast<std::uint32_t>(ys.size());
  // The root attributes hold the grid exactly; the coordinates give it too
  // (cell centres), for files written without them.
  if (r.has_attribute(f, "cell_size_m")) g.cell_size_m = r.number<double>(f, "cell_size_m", H5T_NATIVE_DOUBLE, false);
  else if (xs.size() > 1) g.cell_size_m = xs[1] - xs[0];
  else if (ys.size() > 1) g.cell_size_m = ys[1] - ys[0];
  if (!(g.cell_size_m > 0.0 && std::isfinite(g.cell_size_m)))
    r.fail(fmt::format("cell size {} m: expected a positive number", g.cell_size_m));
  g.origin_x_m = r.has_attribute(f, "origin_x_m") ? r.number<double>(f, "origin_x_m", H5T_NATIVE_DOUBLE, false)
                                                  : xs[0] - g.cell_size_m / 2;
  g.origin_y_m = r.has_attribute(f, "origin_y_m") ? r.number<double>(f, "origin_y_m", H5T_NATIVE_DOUBLE, false)
                                                  : ys[0] - g.cell_size_m / 2;
  if (!std::isfinite(g.origin_x_m) || !std::isfinite(g.origin_y_m))
    r.fail(fmt::format("grid origin ({}, {}): expected finite coordinates", g.origin_x_m, g.origin_y_m));
  g.crs = r.text(f, "crs");
  if (!g.crs.empty() || r.exists("crs")) {
    const Handle crs = r.dataset("crs");
    g.crs_wkt = r.text(crs.get(), "crs_wkt", "crs");
  }
}

void read_layers(const Reader& r, ResultData& d) {
  const std::vector<hsize_t> cells{d.grid.ny, d.grid.nx};
  for (const ResultLayerInfo& l : result_layers()) {
    if (std::vector<float>* v = float_layer(d, l.name)) {
      *v = r.read<float>(l.name, H5T_NATIVE_FLOAT, H5T_FLOAT, cells);
      continue;
    }
    d.land_cover = r.read<std::uint8_t>(l.name, H5T_NATIVE_UINT8, H5T_INTEGER, cells);
    for (std::size_t i = 0; i < d.land_cover.size(); ++i)
      if (d.land_cover[i] >= kLandCoverClasses)
        r.fail(fmt::format("dataset {} holds class {} at cell {}: expected 0 to {}", l.name, d.land_cover[i], i,
                           kLandCoverClasses - 1));
  }

  CellAccumulators& a = d.accumulators;
  a.cells = d.grid.cells();
  a.dud_sum = r.read<std::uint64_t>("accumulators/dud_sum", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  a.dud_sum_sq = r.read<std::uint64_t>("accumulators/dud_sum_sq", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  a.dud_nonzero = r.read<std::uint32_t>("accumulators/dud_nonzero", H5T_NATIVE_UINT32, H5T_INTEGER, cells);
  a.impact_sum = r.read<std::uint64_t>("accumulators/impact_sum", H5T_NATIVE_UINT64, H5T_INTEGER, cells);
  const std::string hist = "accumulators/dud_histogram";
  const Handle h = r.dataset(hist);
  const std::vector<hsize_t> hdims = r.shape(h, hist);
  const std::uint32_t max_bins = histogram_bins_for(std::numeric_limits<std::uint32_t>::max());
  if (hdims.size() != 3 || hdims[1] != d.grid.ny || hdims[2] != d.grid.nx || hdims[0] > max_bins)
    r.fail(fmt::format("dataset {} has shape {}, expected [bins, {}, {}] with at most {} bins", hist,
                       dims_text(hdims), d.grid.ny, d.grid.nx, max_bins));
  a.histogram_bins = static_cast<std::uint32_t>(hdims[0]);
  a.histogram = r.values<std::uint32_t>(h, hist, H5T_NATIVE_UINT32, H5T_INTEGER, hdims);
}

void read_totals(const Reader& r, ResultData& d, int minor) {
  const bool checkpoint = d.filetype == kCheckpointFiletype;
  const char* coord = "realizations/realization";
  const Handle cd = r.dataset(coord);
  const std::vector<hsize_t> rows = r.shape(cd, coord);
  if (rows.size() != 1 || (checkpoint ? rows[0] > d.realizations : rows[0] != d.realizations))
    r.fail(fmt::format("dataset {} has shape {}, expected [{}{}]", coord, dims_text(rows), checkpoint ? "at most " : "",
                       d.realizations));
  d.realization_index = r.values<std::uint32_t>(cd, coord, H5T_NATIVE_UINT32, H5T_INTEGER, rows);
  for (std::size_t i = 0; i < d.realization_index.size(); ++i) {
    const std::uint32_t v = d.realization_index[i];
    if (v >= d.realizations || (i && v <= d.realization_index[i - 1]) || (!checkpoint && v != i))
      r.fail(fmt::format("dataset {} is not {}: value {} at row {}", coord,
                         checkpoint ? "increasing realization indices below the realizations attribute"
                                    : "0, 1, ..., realizations - 1",
                         v, i));
  }
  for (const TotalsColumn& c : totals_columns()) {
    if (minor < c.since_minor) continue;  // not in files of that format
    const std::vector<std::uint64_t> v =
        r.read<std::uint64_t>("realizations/" + c.name, H5T_NATIVE_UINT64, H5T_INTEGER, rows);
    d.totals.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) column_value(d.totals[i], c) = v[i];
  }
  // The duds per submunition type, where the file has them.
  if (!r.exists("realizations/duds_by_type")) return;
  const char* scale = "realizations/submunition_type";
  const Handle sd = r.dataset(scale);
  const std::vector<hsize_t> types = r.shape(sd, scale);
  if (types.size() != 1 || types[0] == 0) r.fail(fmt::format("dataset {} has shape {}, expected [types]", scale, dims_text(types)));
  d.submunition_types = split_lines(r.text(sd.get(), "names", scale));
  if (d.submunition_types.size() != types[0])
    r.fail(fmt::format("dataset {} has {} entries and its names attribute {} names", scale, types[0],
                       d.submunition_types.size()));
  d.duds_by_type = r.read<std::uint64_t>("realizations/duds_by_type", H5T_NATIVE_UINT64, H5T_INTEGER, {rows[0], types[0]});
  for (std::size_t i = 0; i < d.totals.size(); ++i) {
    std::uint64_t sum = 0;
    for (std::size_t t = 0; t < types[0]; ++t) sum += d.duds_by_type[i * types[0] + t];
    if (sum != d.totals[i].duds)
      r.fail(fmt::format("dataset realizations/duds_by_type: row {} sums to {} duds, realizations/duds says {}", i, sum,
                         d.totals[i].duds));
  }
}

void read_sites(const Reader& r, ResultData& d) {
  const Handle g = r.group("sites");
  d.site_placement = r.text(g.get(), "placement", "sites");
  const Handle xd = r.dataset("sites/x");
  const std::vector<hsize_t> n = r.shape(xd, "sites/x");
  if (n.size() != 1) r.fail(fmt::format("dataset sites/x has shape {}, expected [sites]", dims_text(n)));
  d.site_x_m = r.values<double>(xd, "sites/x", H5T_NATIVE_DOUBLE, H5T_FLOAT, n);
  d.site_y_m = r.read<double>("sites/y", H5T_NATIVE_DOUBLE, H5T_FLOAT, n);
}

// The sensitivity group, where there is one.
void read_sensitivity(const Reader& r, ResultData& d) {
  if (!r.exists("sensitivity")) return;
  const Handle g = r.group("sensitivity");
  Sensitivity& s = d.sensitivity;
  s.inputs = split_lines(r.text(g.get(), "inputs", "sensitivity"));
  s.noise_level = r.number<double>(g.get(), "noise_level", H5T_NATIVE_DOUBLE, false, "sensitivity");
  s.realizations = r.number<std::uint64_t>(g.get(), "realizations", H5T_NATIVE_UINT64, true, "sensitivity");
  const std::vector<hsize_t> n{s.inputs.size()};
  for (const auto& [name, v] : {std::pair<const char*, std::vector<double>*>{"total_duds", &s.total_duds},
                                {"hazard_area_km2", &s.hazard_area_km2}}) {
    const std::string path = std::string("sensitivity/") + name;
    if (r.exists(path)) *v = r.read<double>(path, H5T_NATIVE_DOUBLE, H5T_FLOAT, n);
  }
}

// The conditioning group of a conditioned run, where there is one.
void read_conditioning(const Reader& r, ResultData& d) {
  if (!r.exists("conditioning")) return;
  const Handle g = r.group("conditioning");
  ResultConditioning& c = d.conditioning;
  c.files = split_lines(r.text(g.get(), "evidence_files", "conditioning"));
  c.sha256 = r.text(g.get(), "evidence_sha256", "conditioning");
  c.summary = r.text(g.get(), "evidence_summary", "conditioning");
  c.features = split_lines(r.text(g.get(), "evidence_features", "conditioning"));
  c.method = r.text(g.get(), "method", "conditioning");
  c.diagnostics = split_lines(r.text(g.get(), "diagnostics", "conditioning"));
  c.diagnostics_json = r.text(g.get(), "diagnostics_json", "conditioning");
  c.sweeps = r.number<std::uint32_t>(g.get(), "sweeps", H5T_NATIVE_UINT32, true, "conditioning");
  c.cancelled_detection = r.number<double>(g.get(), "cancelled_detection_probability", H5T_NATIVE_DOUBLE, false, "conditioning");
  c.find_radius_m = r.number<double>(g.get(), "find_radius_m", H5T_NATIVE_DOUBLE, false, "conditioning");
  if (c.files.empty()) r.fail("group conditioning names no evidence file");
}

ResultData read_file(const std::string& path, const char* expected) {
  quiet_hdf5();
  Reader r(path);  // not const: the format version decides whether datasets need their crc32
  const hid_t f = r.file();
  ResultData d;
  if (!r.has_attribute(f, "filetype")) r.fail("not a Remnant result file (filetype attribute missing)");
  d.filetype = r.text(f, "filetype");
  if (!expected && (d.filetype == kCheckpointFiletype || d.filetype == kResultFiletype)) expected = d.filetype.c_str();
  if (d.filetype == kCheckpointFiletype && d.filetype != expected)
    r.fail("a checkpoint of an interrupted run, not a result: continue the run with `remnant run SCENARIO --out "
           "RESULT.h5 --resume` (the same arguments as the interrupted run), or see what it holds with "
           "`remnant info`");
  if (d.filetype == kResultFiletype && d.filetype != expected)
    r.fail("a finished result file, not a checkpoint: there is nothing to resume");
  if (d.filetype != expected)
    r.fail(fmt::format("not a Remnant result file (filetype \"{}\", expected \"{}\")", shown(d.filetype),
                       expected ? expected : kResultFiletype));
  d.format_version = r.text(f, "format_version");
  check_format_version(r, d.format_version);

  d.seed = r.number<std::uint64_t>(f, "seed", H5T_NATIVE_UINT64, true);
  d.realizations = r.number<std::uint32_t>(f, "realizations", H5T_NATIVE_UINT32, true);
  d.fired_per_realization =
      r.number<std::uint64_t>(f, "submunitions_fired_per_realization", H5T_NATIVE_UINT64, true);
  const int minor = std::stoi(d.format_version.substr(d.format_version.find('.') + 1));
  if (minor >= 1) r.require_data_checksums();
  std::set<std::string> absent;  // attributes added after the file's minor version
  for (const TextAttribute& a : kTextAttributes) {
    if (minor < a.since_minor && !r.has_attribute(f, a.name)) {
      absent.insert(a.name);
      continue;
    }
    if (a.text) d.*a.text = r.text(f, a.name);
    else d.*a.lines = split_lines(r.text(f, a.name));
  }

  read_grid(r, d);
  read_layers(r, d);
  read_totals(r, d, minor);
  if (minor >= 2) {
    d.fade_out_m = r.number<double>(f, "fade_out_m", H5T_NATIVE_DOUBLE, false);
    d.hazard_pixel_m = r.number<double>(f, "hazard_pixel_m", H5T_NATIVE_DOUBLE, false);
    // Both 0: a result made without a hazard area (written by a program, not a run).
    if (!(d.fade_out_m >= 0.0) || !(d.hazard_pixel_m >= 0.0) || (d.fade_out_m > 0.0) != (d.hazard_pixel_m > 0.0))
      r.fail(fmt::format("attributes fade_out_m ({}) and hazard_pixel_m ({}): expected both positive, or both 0",
                         d.fade_out_m, d.hazard_pixel_m));
  }
  read_sites(r, d);
  read_sensitivity(r, d);
  read_conditioning(r, d);
  check_attribute_checksums(r, d, absent);
  return d;
}

}  // namespace

ResultData read_result_file(const std::string& path) { return read_file(path, kResultFiletype); }

ResultData read_checkpoint_file(const std::string& path) { return read_file(path, kCheckpointFiletype); }

ResultData read_result_or_checkpoint_file(const std::string& path) { return read_file(path, nullptr); }

}  // namespace remnant
