// Print-ready maps and comparison sheets, drawn with Cairo from a ResultData
// (so `remnant run --map` and `remnant export` draw the same page).
//
// The page: the layer over a light hillshade of the grid's elevation; a
// colour-blind-safe sequential palette with a legend in real units; scale bar
// in km; north arrow; graticule with labels; the dataset's context layers
// (border, coast, rivers, towns with names) when the file names a bundled
// dataset that can be found; strike sites; title and subtitle; a footer with
// scenario, realizations, seed, software version, data sources and one plain
// sentence on the uncertainty.
//
// Page coordinates are PostScript points (1/72 inch) from the page's top-left
// corner; a PNG at D dpi has round(points * D / 72) pixels a side.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "host/common/numbers.h"
#include "host/evidence/layers.h"
#include "host/evidence/result_file.h"
#include "host/evidence/stats.h"

namespace remnant {

struct MapOptions {
  std::string layer = "dud_mean";  // a name from display_layer_names()
  std::string title;               // empty: the scenario's name
  std::string subtitle;            // empty: the layer's long name
  std::string paper = "a4-landscape";  // a4-landscape, a4-portrait, a3-landscape, a3-portrait
  double dpi = 200.0;              // PNG only (vector formats ignore it)
  std::string datasets_dir;        // where to find the bundled dataset; empty: datasets_dir()
  // render_comparison: the two result files' names, for the captions and
  // error messages (empty: the scenarios' names stand alone).
  std::string file_a, file_b;
  // Strike-site markers: "auto" (site_markers), "circles", "dots" or "none".
  std::string sites = "auto";
  // export only: "sensitivity" draws the chart of what drives the headline
  // totals (host/maps/sensitivity_chart.h) instead of the layer; "": the layer.
  std::string figure;
};

// The choices of MapOptions::sites.
const std::vector<std::string>& site_marker_names();
// The markers a page draws for d's strike sites, "circles", "dots" or "none":
// the choice, or for "auto" open circles up to 1,000 sites, small dots up to
// 20,000 and none beyond (50,000 circles would hide the layer they stand on).
std::string site_markers(const ResultData& d, const std::string& choice);

// The paper sizes MapOptions::paper accepts.
const std::vector<std::string>& paper_names();

// Draws one map page to path; the format follows the extension (.png, .svg,
// .pdf). Written atomically (temporary file, then rename). Throws InputError
// for an unknown extension, layer or paper size.
void render_map(const ResultData& d, const MapOptions& o, const std::string& path);

// One page comparing two results on the same grid (for example test-range
// against field dud rates): both maps on one colour scale, a map of B - A on a
// diverging scale, and a table of the headline totals with 90 % intervals.
// Throws InputError when the grids differ.
void render_comparison(const ResultData& a, const ResultData& b, const MapOptions& o, const std::string& path);

// ---------------------------------------------------------------- what the pages hold (for tests and callers)

struct Rgb {
  double r = 0, g = 0, b = 0;  // 0..1, sRGB
};

struct MapRect {
  double x = 0, y = 0, w = 0, h = 0;  // points from the page's top-left
  double cx() const { return x + w / 2; }
  double cy() const { return y + h / 2; }
};

// One class of a layer's colour scale: values v with lo < v <= hi (bounds
// may be infinite; lo_closed/hi_closed say which ends belong to the class),
// or v == lo exactly (exact: zero, a land-cover code). A transparent class
// lets the hillshade show.
struct ColourClass {
  double lo = 0, hi = 0;
  std::string label;  // "0.5 – 1", "> 20", "0 / none"
  Rgb colour;
  bool transparent = false;
  bool exact = false;
  bool lo_closed = false, hi_closed = true;
  bool contains(double v) const;
};

struct ClassScheme {
  std::vector<ColourClass> classes;  // in legend order (lowest first)
  // Non-empty when the layer holds no value to colour (all zero or no data):
  // the legend says this in place of the classes.
  std::string empty_note;
  // Non-empty when breaks were merged because Monte Carlo error cannot tell
  // their classes apart (separable_breaks): the legend says so under the classes.
  std::string note;
  // The class of a value; nullptr for NaN (no data).
  const ColourClass* find(double v) const;
};

// "Nice" upper class bounds (1-2-5, then 1-3, then whole decades, at most
// max_breaks of them) for the positive finite values: from about their 5th to
// their 99th percentile. Empty when no value is positive.
std::vector<double> nice_breaks(const std::vector<float>& values, std::size_t max_breaks = 7);

// The breaks of a mean layer that its Monte Carlo error can tell apart, from
// each cell's mean (values) and its standard error (se: sd / sqrt(R), in the
// layer's units). First the whole layer: when the spread of the positive cell
// means is no larger than their own errors explain (variance of the means
// minus the mean squared error below the mean squared error: the signal is
// weaker than the noise), the differences between cells are sampling noise and
// one class is shown (within_error). Otherwise a break b is kept when it lies
// at least two standard errors above the last break kept (0 to begin with),
// the standard error being the median se of the cells whose mean lies within
// a factor 2 of b (a break with no cell near it is kept). A flat expectation
// then does not show as hotspots.
struct SeparableBreaks {
  std::vector<double> breaks;
  std::size_t merged = 0;     // breaks dropped
  bool within_error = false;  // the layer's differences are all within its error
};
SeparableBreaks separable_breaks(const std::vector<double>& breaks, const std::vector<float>& values,
                                 const std::vector<double>& se);

// The colour scale of a display layer (values as display_layer gives them):
// density layers on nice breaks, probability on fixed breaks in 0-1, both on
// reversed viridis with 0 transparent; elevation on nice linear steps; land
// cover one class per class present. `all_values` may hold more values than
// the layer (a comparison's shared scale); empty: the layer's own values.
ClassScheme layer_classes(const ResultData& d, const DisplayLayer& layer, const std::vector<float>& all_values = {});

// The diverging scale of a difference (B - A): symmetric nice breaks about 0
// on ColorBrewer RdBu, exact zero transparent.
ClassScheme difference_classes(const std::vector<float>& differences);

// Where the parts of a map page fall (computed without drawing).
struct LegendSwatch {
  ColourClass cls;
  MapRect box;
};
struct MapLayout {
  double page_w = 0, page_h = 0;  // points
  MapRect frame;        // the map (the grid's extent)
  MapRect north_arrow;  // the arrow and its "N"
  MapRect scale_bar;    // the bar (labels below it)
  double scale_bar_km = 0;  // the bar's length
  std::vector<LegendSwatch> swatches;  // the layer's classes (and water)
  std::vector<std::string> footer_lines;  // as wrapped on the page
};
MapLayout map_layout(const ResultData& d, const MapOptions& o);

// One line of the comparison sheet's table: headline() of each file.
struct ComparisonRow {
  std::string quantity;  // "Unexploded submunitions on land"
  int decimals = 0;      // as printed (format_number, host/common/numbers.h)
  Summary a, b;          // mean, q05, q95 used
  double ratio = std::numeric_limits<double>::quiet_NaN();  // b.mean / a.mean; NaN when a.mean is 0
};
std::vector<ComparisonRow> comparison_rows(const ResultData& a, const ResultData& b);


// The footer's plain sentence on the uncertainty of the run's totals.
std::string uncertainty_sentence(const ResultData& d, const std::string& layer);

}  // namespace remnant
