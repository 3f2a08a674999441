// Internals of the maps library's pages (host/maps/map.cpp, map_compare.cpp,
// map_draw.cpp, map_context.cpp, sweep_plot.cpp): the drawing surface with its
// record of texts, the page writer, and the pieces every page draws. Not part
// of the library's API and included from no other folder: what the viewer
// shares with the pages is in host/maps/map_layers.h.
#pragma once

#include <cairo.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "host/maps/map.h"
#include "host/maps/map_layers.h"
#include "host/maps/map_text.h"

namespace remnant::map_detail {

// ---------------------------------------------------------------- page and text

struct PageSize {
  double w = 0, h = 0;  // points
};
// Throws InputError naming the paper and the accepted names.
PageSize paper_size(const std::string& paper);

enum class Align { Left, Centre, Right };

// One piece of text as drawn: the SVG writer repeats it as real <text>.
struct TextRun {
  double x = 0, y = 0;  // left end of the baseline
  double width = 0;     // advance width as measured by Pango
  Font font;
  std::string text;
};

// A Cairo context with the page's text (TextSetter: Pango, DejaVu Sans,
// metrics unhinted so a layout is the same on every surface) that records
// every text it draws.
class Canvas {
 public:
  explicit Canvas(cairo_t* cr) : cr_(cr), text_(cr) {}
  cairo_t* cr() const { return cr_; }
  double width(const std::string& s, const Font& f) const { return text_.width(s, f); }
  // Draws s with its baseline at y, aligned on x (the line's box: a
  // right-to-left line too); returns its left end.
  // halo: a white outline under the glyphs (labels over the map).
  double text(double x, double y, const std::string& s, const Font& f, Align a = Align::Left, Rgb colour = {},
              bool halo = false);
  // Greedy word wrap; a word longer than the width gets a line of its own.
  std::vector<std::string> wrap(const std::string& s, const Font& f, double width);
  const std::vector<TextRun>& runs() const { return runs_; }

 private:
  cairo_t* cr_;
  TextSetter text_;
  std::vector<TextRun> runs_;
};

// A canvas on a 1x1 image, for measuring text before a page is drawn.
class MeasuringCanvas {
 public:
  MeasuringCanvas();
  ~MeasuringCanvas();
  MeasuringCanvas(const MeasuringCanvas&) = delete;
  MeasuringCanvas& operator=(const MeasuringCanvas&) = delete;
  Canvas& canvas() { return *canvas_; }

 private:
  cairo_surface_t* surface_;
  cairo_t* cr_;
  std::unique_ptr<Canvas> canvas_;
};

struct PageInfo {
  std::string title, subject;  // PDF metadata and the SVG's <title>/<desc>
  std::string creator;         // "Remnant 0.1.0 (git ...)"
  // The PDF's creation and modification date, ISO 8601 ("2026-12-04T15:06:31Z"):
  // the run's creation time, so that the same result gives the same PDF
  // (SOURCE_DATE_EPOCH reaches it). "": Cairo takes the clock's.
  std::string date;
};

// Draws one page and writes it to path atomically in the format its extension
// names (.png at dpi, .svg with a searchable text layer, .pdf). Throws
// InputError for an unknown extension or an unusable dpi; std::runtime_error
// when the file cannot be written (nothing is left behind).
void write_page(const std::string& path, PageSize page, double dpi, const PageInfo& info,
                const std::function<void(Canvas&)>& draw);

// Axis ticks of the figures: a step of 1, 2 or 5 times a power of ten giving
// at most about `ticks` steps over span, and the decimals it needs.
double nice_step(double span, int ticks);
int step_decimals(double step);

// The extension, the dpi and the output directory checked before any work
// (InputError).
void check_page_format(const std::string& path, double dpi);

// Inserts the recorded texts into Cairo's SVG as an invisible text layer.
std::string svg_with_text_layer(const std::string& svg, const std::vector<TextRun>& runs, const PageInfo& info);

// ---------------------------------------------------------------- colours

Rgb viridis(double t);  // 0..1
Rgb rgb_hex(unsigned hex);
void set_colour(cairo_t* cr, Rgb c, double alpha = 1.0);

// ---------------------------------------------------------------- the map frame

// Grid metres <-> page points inside the frame (the grid's extent).
struct FrameMap {
  const ResultGrid* grid = nullptr;
  MapRect r;
  double x_m0() const { return grid->origin_x_m; }
  double y_m0() const { return grid->origin_y_m; }
  double width_m() const { return grid->nx * grid->cell_size_m; }
  double height_m() const { return grid->ny * grid->cell_size_m; }
  double px(double x_m) const { return r.x + (x_m - x_m0()) / width_m() * r.w; }
  double py(double y_m) const { return r.y + r.h - (y_m - y_m0()) / height_m() * r.h; }
};

// The largest rectangle of the grid's aspect ratio inside the area, top-left aligned.
MapRect fit_frame(const ResultGrid& g, const MapRect& area);

// Hillshade (azimuth 315, altitude 45) in light grey, water in light blue.
void draw_background(Canvas& c, const ResultData& d, const MapRect& frame);
// The layer's classes as an image, nearest-neighbour, transparent where the
// class is (zero) or there is no value.
void draw_cells(Canvas& c, const ResultGrid& g, const std::vector<float>& values, const ClassScheme& s,
                const MapRect& frame);
// Lon/lat lines (grid with a CRS) or x/y ticks in km (without), clipped to the
// frame; labels outside it on the chosen edges. A bottom label reaches at most
// `overhang` points beyond the frame's left and right edges (maps side by
// side: their labels must not run into each other).
void draw_graticule(Canvas& c, const ResultGrid& g, const MapRect& frame, bool label_left, bool label_bottom,
                    double overhang = std::numeric_limits<double>::infinity());
// Angle from grid north to true north at the grid's centre, degrees clockwise
// (positive: true north is east of grid north); NaN without a CRS.
double grid_convergence_deg(const ResultGrid& g);
void draw_frame_border(Canvas& c, const MapRect& frame);
// Strokes the current path (with the current source and line width) only
// where the per-cell mask is 255.
void stroke_through_mask(Canvas& c, const ResultGrid& g, const std::vector<std::uint8_t>& mask, const MapRect& frame);
// Strike sites as `markers` (site_markers): small open circles of the given
// radius (points), small filled dots, or nothing.
void draw_sites(Canvas& c, const ResultData& d, const MapRect& frame, double radius, const std::string& markers);
// A conditioned run's evidence (ResultConditioning::features): searched areas
// outlined dark green, cancelled areas grey dashed, finds red crosses, located
// strikes black triangles; nothing for a forward run.
void draw_evidence(Canvas& c, const ResultData& d, const MapRect& frame);
void draw_site_symbol(Canvas& c, double x, double y, double radius);

struct ScaleBar {
  double km = 0;        // length
  double width_pt = 0;  // on the page
  int segments = 4;
  std::vector<std::string> labels;  // at 0, the middle and the end
};
// A bar of a nice length near `fraction` of the frame's width, at most max_pt wide.
ScaleBar scale_bar_for(const ResultGrid& g, double frame_w_pt, double fraction, double max_pt);
void draw_scale_bar(Canvas& c, const MapRect& bar, const ScaleBar& s);
// An arrow pointing up (grid north) with "N" above it, inside box.
void draw_north_arrow(Canvas& c, const MapRect& box);

// ---------------------------------------------------------------- legends

struct LegendItem {
  enum Kind { Heading, Text, Swatch, LineSample, SiteSample, SiteDotSample, TownSample } kind = Text;
  std::string text;
  Font font;
  ColourClass cls;       // Swatch
  Rgb colour;            // LineSample
  double line_width = 0; // LineSample
};
struct PlacedLegendItem {
  LegendItem item;
  MapRect symbol;                  // swatch or sample
  std::vector<std::string> lines;  // wrapped text
  double text_x = 0, first_baseline = 0, leading = 0;
};
struct LegendBlock {
  std::vector<PlacedLegendItem> items;
  double top = 0, height = 0;
  double bottom() const { return top + height; }
};
// compact: smaller rows (the comparison sheet's legends).
LegendBlock layout_legend(Canvas& c, const std::vector<LegendItem>& items, double x, double y, double width,
                          bool compact = false);
void draw_legend(Canvas& c, const LegendBlock& b);
// The items of a class scheme: heading, units, one swatch per class (or the
// empty note), and water when the grid has some.
std::vector<LegendItem> scheme_legend(const std::string& title, const std::string& units, const ClassScheme& s,
                                      bool water);

// Wrapped paragraphs drawn from a top y; returns the height used.
struct Paragraph {
  std::string text;
  Font font;
};
struct WrappedText {
  std::vector<std::pair<std::string, Font>> lines;
  double height = 0;
};
WrappedText wrap_paragraphs(Canvas& c, const std::vector<Paragraph>& ps, double width);
void draw_wrapped(Canvas& c, const WrappedText& t, double x, double top);

// ---------------------------------------------------------------- context layers

// Lines (rivers, coast, borders) clipped to the frame.
void draw_context_lines(Canvas& c, const MapContext& ctx, const FrameMap& f);
const Font kTownFont{6.5, false, false};  // town names
// Names of the countries (polygons of the border layer) inside the frame,
// then towns: a dot each and, the most populous first, a name where it fits
// without touching another name or leaving the frame (at most max_labels).
void draw_place_names(Canvas& c, const MapContext& ctx, const FrameMap& f, int max_labels);
// markers: the strike sites' (site_markers); "none" with sites says they are not drawn.
std::vector<LegendItem> context_legend(const MapContext& ctx, const ResultData& d, const std::string& markers);

// ---------------------------------------------------------------- text of the pages

constexpr double kMargin = 28;  // page margin, about 10 mm
const Font kTitleFont{15, true, false};
const Font kSubtitleFont{9, false, false};
constexpr double kTitleLeading = 18;  // between wrapped title lines

// The title and the subtitle at the top of a page, both wrapped to the page's width.
struct TitleBlock {
  std::string title;                     // whole (PDF metadata, SVG <title>)
  std::vector<std::string> title_lines;  // as drawn
  std::vector<std::string> subtitle;
  double bottom = 0;  // where the page's content may start
};
TitleBlock layout_title(Canvas& c, const std::string& title, const std::string& subtitle, double width);
void draw_title(Canvas& c, const TitleBlock& t);

// "Remnant 0.1.0 (git abc)".
std::string software_line(const ResultData& d);
// Scenario, dud-rate priors, overrides, realizations, seed, backend, software, time.
std::string provenance_line(const ResultData& d);
// The scenario's sources, the full references of the bibliography keys the run
// cites, and the dataset's sources (from the dataset text the run kept).
std::string sources_line(const ResultData& d);
// "field-figure dud-rate priors; --set a=b" (what sets one run apart from another).
std::string variant_line(const ResultData& d);
// Notes on the map's geometry: CRS, cells, north, graticule, water.
std::string map_notes(const ResultData& d, const MapContext& ctx);
std::string join(const std::vector<std::string>& v, const std::string& sep);

}  // namespace remnant::map_detail
