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
#pragma once

#include <string>

#include "host/result_file.h"

namespace remnant {

struct MapOptions {
  std::string layer = "dud_mean";  // a name from display_layer_names()
  std::string title;               // empty: the scenario's name
  std::string subtitle;            // empty: the layer's long name
  std::string paper = "a4-landscape";  // a4-landscape, a4-portrait, a3-landscape, a3-portrait
  double dpi = 200.0;              // PNG only (vector formats ignore it)
  std::string datasets_dir;        // where to find the bundled dataset; empty: datasets_dir()
};

// Draws one map page to path; the format follows the extension (.png, .svg,
// .pdf). Written atomically (temporary file, then rename). Throws InputError
// for an unknown extension, layer or paper size.
void render_map(const ResultData& d, const MapOptions& o, const std::string& path);

// One page comparing two results on the same grid (for example test-range
// against field dud rates): both maps on one colour scale, a map of B - A on a
// diverging scale, and a table of the headline totals with 90 % intervals.
// Throws InputError when the grids differ.
void render_comparison(const ResultData& a, const ResultData& b, const MapOptions& o, const std::string& path);

}  // namespace remnant
