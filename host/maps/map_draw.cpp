// The pieces every map page draws: text with a record for SVG, the page
// writer (PNG/SVG/PDF, atomic), palettes, hillshade, cell images, graticule,
// scale bar, north arrow, legends.
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "host/common/atomic_output.h"
#include "host/common/geo.h"
#include "host/maps/map_internal.h"
#include "host/inputs/scenario.h"

namespace remnant::map_detail {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- page sizes

PageSize paper_size(const std::string& paper) {
  constexpr double mm = 72.0 / 25.4;
  if (paper == "a4-landscape") return {297 * mm, 210 * mm};
  if (paper == "a4-portrait") return {210 * mm, 297 * mm};
  if (paper == "a3-landscape") return {420 * mm, 297 * mm};
  if (paper == "a3-portrait") return {297 * mm, 420 * mm};
  throw InputError(fmt::format("--paper {}: unknown paper size; expected one of {}", paper, join(paper_names(), ", ")));
}

}  // namespace remnant::map_detail

namespace remnant {

const std::vector<std::string>& paper_names() {
  static const std::vector<std::string> names = {"a4-landscape", "a4-portrait", "a3-landscape", "a3-portrait"};
  return names;
}

const std::vector<std::string>& site_marker_names() {
  static const std::vector<std::string> names = {"auto", "circles", "dots", "none"};
  return names;
}

std::string site_markers(const ResultData& d, const std::string& choice) {
  if (choice != "auto") return choice;
  const std::size_t n = d.site_x_m.size();
  return n <= 1000 ? "circles" : n <= 20000 ? "dots" : "none";
}

}  // namespace remnant

namespace remnant::map_detail {

// ---------------------------------------------------------------- text

double Canvas::text(double x, double y, const std::string& s, const Font& f, Align a, Rgb colour, bool halo) {
  if (s.empty()) return x;
  const double w = width(s, f);
  const double x0 = a == Align::Left ? x : a == Align::Centre ? x - w / 2 : x - w;
  cairo_save(cr_);
  set_colour(cr_, colour);
  text_.draw(x0, y, s, f, halo ? std::max(1.2, f.size * 0.3) : 0.0);
  cairo_restore(cr_);
  runs_.push_back(TextRun{x0, y, w, f, s});
  return x0;
}

std::vector<std::string> Canvas::wrap(const std::string& s, const Font& f, double width_pt) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t j = std::min(s.find(' ', i), s.size());
    if (j == i) break;
    const std::string word = s.substr(i, j - i);
    i = j;
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (line.empty() || width(candidate, f) <= width_pt) {
      line = candidate;
    } else {
      lines.push_back(line);
      line = word;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

MeasuringCanvas::MeasuringCanvas()
    : surface_(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1)),
      cr_(cairo_create(surface_)),
      canvas_(std::make_unique<Canvas>(cr_)) {}

MeasuringCanvas::~MeasuringCanvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

WrappedText wrap_paragraphs(Canvas& c, const std::vector<Paragraph>& ps, double width) {
  WrappedText out;
  for (std::size_t k = 0; k < ps.size(); ++k) {
    if (ps[k].text.empty()) continue;
    for (const std::string& l : c.wrap(ps[k].text, ps[k].font, width)) {
      out.lines.emplace_back(l, ps[k].font);
      out.height += ps[k].font.size * 1.25;
    }
  }
  return out;
}

void draw_wrapped(Canvas& c, const WrappedText& t, double x, double top) {
  double y = top;
  for (const auto& [line, font] : t.lines) {
    c.text(x, y + font.size, line, font, Align::Left, Rgb{0.15, 0.15, 0.15});
    y += font.size * 1.25;
  }
}

// ---------------------------------------------------------------- the page writer

namespace {

enum class Format { Png, Svg, Pdf };

Format format_of(const std::string& path) {
  const std::string ext = file_extension(path);
  if (ext == ".png") return Format::Png;
  if (ext == ".svg") return Format::Svg;
  if (ext == ".pdf") return Format::Pdf;
  throw InputError(fmt::format("{}: unknown map format \"{}\"; expected .png, .svg or .pdf", path, ext));
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

void check_cairo(cairo_status_t st, const std::string& path, const char* what) {
  if (st != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("{}: cannot {}: {}", path, what, cairo_status_to_string(st)));
}

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default:
        // Control characters other than tab and newlines are not allowed in XML.
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n' || ch == '\r') o += ch;
    }
  }
  return o;
}

}  // namespace

void check_page_format(const std::string& path, double dpi) {
  if (format_of(path) == Format::Png && !(dpi >= 10 && dpi <= 1200))
    throw InputError(fmt::format("--dpi {}: expected 10 to 1200 dots per inch", dpi));
  check_output_path(path, "map");
}

// The SVG's text. Cairo's SVG surface draws glyphs as <symbol> paths, so the
// words of a page cannot be searched, selected or read aloud. After Cairo
// finishes, every text the page drew is repeated as a real <text> element at
// the same baseline, font and size, stretched to the measured width
// (textLength), inside one group with fill-opacity="0": the page looks exactly
// as Cairo drew it, while Inkscape, browsers and screen readers find, select
// and read the words. The document also gets a <title> and <desc>.
std::string svg_with_text_layer(const std::string& svg, const std::vector<TextRun>& runs, const PageInfo& info) {
  const std::size_t open = svg.find("<svg");
  const std::size_t open_end = open == std::string::npos ? open : svg.find('>', open);
  const std::size_t close = svg.rfind("</svg>");
  if (open_end == std::string::npos || close == std::string::npos || close < open_end)
    throw std::runtime_error("Cairo's SVG output has no <svg> element");
  std::string head = fmt::format("\n<title>{}</title>\n<desc>{}</desc>\n", xml_escape(info.title),
                                 xml_escape(info.subject));
  std::string layer = "<g id=\"text-layer\" fill=\"#000000\" fill-opacity=\"0\" stroke=\"none\" "
                      "font-family=\"DejaVu Sans\" xml:space=\"preserve\">\n";
  for (const TextRun& r : runs) {
    layer += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"{:g}\"{}{} textLength=\"{:.2f}\" "
                         "lengthAdjust=\"spacingAndGlyphs\">{}</text>\n",
                         r.x, r.y, r.font.size, r.font.bold ? " font-weight=\"bold\"" : "",
                         r.font.italic ? " font-style=\"oblique\"" : "", r.width, xml_escape(r.text));
  }
  layer += "</g>\n";
  std::string out;
  out.reserve(svg.size() + head.size() + layer.size());
  out.append(svg, 0, open_end + 1);
  out += head;
  out.append(svg, open_end + 1, close - open_end - 1);
  out += layer;
  out.append(svg, close, std::string::npos);
  return out;
}

void write_page(const std::string& path, PageSize page, double dpi, const PageInfo& info,
                const std::function<void(Canvas&)>& draw) {
  check_page_format(path, dpi);
  const Format format = format_of(path);
  std::string bytes;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface;
  double scale = 1.0;
  if (format == Format::Png) {
    scale = dpi / 72.0;
    const long w = std::lround(page.w * scale), h = std::lround(page.h * scale);
    if (w > 32767 || h > 32767)
      throw InputError(fmt::format("--dpi {}: the page would be {} x {} pixels (at most 32767 a side)", dpi, w, h));
    surface.reset(cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(w), static_cast<int>(h)));
  } else if (format == Format::Svg) {
    surface.reset(cairo_svg_surface_create_for_stream(append_to_string, &bytes, page.w, page.h));
  } else {
    surface.reset(cairo_pdf_surface_create_for_stream(append_to_string, &bytes, page.w, page.h));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, info.title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, info.subject.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, info.creator.c_str());
    if (!info.date.empty()) {
      cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATE_DATE, info.date.c_str());
      cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_MOD_DATE, info.date.c_str());
    }
  }
  check_cairo(cairo_surface_status(surface.get()), path, "create the page");
  std::vector<TextRun> runs;
  {
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    cairo_scale(cr.get(), scale, scale);
    // The whole surface white: a PNG's pixel size is the page rounded, so a
    // rectangle of the page's size would leave a partly covered last column/row.
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    Canvas canvas(cr.get());
    draw(canvas);
    check_cairo(cairo_status(cr.get()), path, "draw the page");
    runs = canvas.runs();
  }
  if (format == Format::Png) {
    cairo_surface_flush(surface.get());
    check_cairo(cairo_surface_write_to_png_stream(surface.get(), append_to_string, &bytes), path, "encode PNG");
  }
  cairo_surface_finish(surface.get());
  check_cairo(cairo_surface_status(surface.get()), path, "finish the page");
  surface.reset();
  if (format == Format::Svg) bytes = svg_with_text_layer(bytes, runs, info);
  write_text_file(path, bytes);  // atomically; binary-safe
}

// ---------------------------------------------------------------- colours

// Viridis (van der Walt and Smith, matplotlib's default colour map, 2015; CC0),
// sampled at 0, 0.1, ..., 1 from matplotlib's _viridis_data; linear in sRGB
// between samples. Perceptually uniform and readable with the common forms of
// colour blindness and in greyscale.
Rgb viridis(double t) {
  static constexpr unsigned kViridis[11] = {0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c,
                                            0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725};
  t = std::clamp(t, 0.0, 1.0) * 10.0;
  const int i = std::min(9, static_cast<int>(t));
  const double f = t - i;
  const Rgb a = rgb_hex(kViridis[i]), b = rgb_hex(kViridis[i + 1]);
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

Rgb rgb_hex(unsigned hex) {
  return {((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0};
}

void set_colour(cairo_t* cr, Rgb c, double alpha) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

// ---------------------------------------------------------------- cells

MapRect fit_frame(const ResultGrid& g, const MapRect& area) {
  const double s = std::max(0.0, std::min(area.w / g.nx, area.h / g.ny));
  return {area.x, area.y, g.nx * s, g.ny * s};
}

namespace {

std::uint32_t argb(Rgb c) {
  auto byte = [](double v) { return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
  return 0xff000000u | (byte(c.r) << 16) | (byte(c.g) << 8) | byte(c.b);
}

// One pixel per cell, north row first; colour[cell] is premultiplied ARGB.
std::unique_ptr<cairo_surface_t, SurfaceDeleter> cell_image(const ResultGrid& g,
                                                            const std::vector<std::uint32_t>& colour) {
  if (g.nx > 32767 || g.ny > 32767)
    throw InputError(fmt::format("the grid has {} x {} cells; maps are drawn for at most 32767 a side", g.nx, g.ny));
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> img(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(g.nx), static_cast<int>(g.ny)));
  if (cairo_surface_status(img.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("cannot allocate the map's cell image");
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (std::uint32_t iy = 0; iy < g.ny; ++iy) {
    auto* row = reinterpret_cast<std::uint32_t*>(data + static_cast<std::size_t>(g.ny - 1 - iy) * stride);
    std::copy_n(colour.begin() + static_cast<std::size_t>(iy) * g.nx, g.nx, row);
  }
  cairo_surface_mark_dirty(img.get());
  return img;
}

void paint_cells(Canvas& c, const ResultGrid& g, cairo_surface_t* img, const MapRect& frame) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, frame.x, frame.y, frame.w, frame.h);
  cairo_clip(cr);
  cairo_translate(cr, frame.x, frame.y);
  cairo_scale(cr, frame.w / g.nx, frame.h / g.ny);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
}

}  // namespace

}  // namespace remnant::map_detail

namespace remnant {

const Rgb kWaterColour = map_detail::rgb_hex(0xc6dcef);
const Rgb kFlatGroundColour = map_detail::rgb_hex(0xe8e8e8);

std::vector<std::uint32_t> background_argb(const ResultData& d) {
  const ResultGrid& g = d.grid;
  const bool have_z = d.elevation_m.size() == g.cells();
  const bool have_cover = d.land_cover.size() == g.cells();
  // Standard hillshade: illumination from azimuth 315 (north-west), altitude
  // 45 degrees, slope from central differences (one-sided at the edges and
  // beside missing values); shade = the cosine of the angle between the
  // surface normal and the light. Flat ground gets sin(45) and is drawn in
  // kFlatGroundColour; darker and lighter slopes around it.
  const double az = 315.0 * M_PI / 180.0, alt = 45.0 * M_PI / 180.0;
  const double lx = std::cos(alt) * std::sin(az), ly = std::cos(alt) * std::cos(az), lz = std::sin(alt);
  const double dx = g.cell_size_m;
  auto z = [&](long ix, long iy) -> double {
    const double v = d.elevation_m[static_cast<std::size_t>(iy) * g.nx + ix];
    return std::isfinite(v) ? v : std::numeric_limits<double>::quiet_NaN();
  };
  auto slope = [&](long ix, long iy, bool along_x) {
    const long n = along_x ? g.nx : g.ny;
    const long i = along_x ? ix : iy;
    const long lo = std::max(0L, i - 1), hi = std::min(n - 1, i + 1);
    if (hi == lo) return 0.0;
    const double a = along_x ? z(lo, iy) : z(ix, lo), b = along_x ? z(hi, iy) : z(ix, hi);
    const double s = (b - a) / ((hi - lo) * dx);
    return std::isfinite(s) ? s : 0.0;
  };
  std::vector<std::uint32_t> colours(g.cells());
  for (std::size_t cell = 0; cell < colours.size(); ++cell) colours[cell] = [&] {
    if (have_cover && d.land_cover[cell] == static_cast<std::uint8_t>(LandCover::Water))
      return map_detail::argb(kWaterColour);
    if (!have_z) return map_detail::argb(kFlatGroundColour);
    const long ix = static_cast<long>(cell % g.nx), iy = static_cast<long>(cell / g.nx);
    const double gx = slope(ix, iy, true), gy = slope(ix, iy, false);  // dz/dx east, dz/dy north
    const double shade = (-gx * lx - gy * ly + lz) / std::sqrt(gx * gx + gy * gy + 1.0);
    const double k = std::clamp(1.0 + 0.55 * (shade - lz), 0.72, 1.08);
    return map_detail::argb({kFlatGroundColour.r * k, kFlatGroundColour.g * k, kFlatGroundColour.b * k});
  }();
  return colours;
}

std::vector<std::uint32_t> cells_argb(const std::vector<float>& values, const ClassScheme& s) {
  std::vector<std::uint32_t> colours(s.classes.size());
  for (std::size_t k = 0; k < s.classes.size(); ++k)
    colours[k] = s.classes[k].transparent ? 0u : map_detail::argb(s.classes[k].colour);
  std::vector<std::uint32_t> out(values.size());
  for (std::size_t cell = 0; cell < values.size(); ++cell) {
    const ColourClass* k = s.find(values[cell]);
    out[cell] = k ? colours[static_cast<std::size_t>(k - s.classes.data())] : 0u;
  }
  return out;
}

}  // namespace remnant

namespace remnant::map_detail {

void draw_background(Canvas& c, const ResultData& d, const MapRect& frame) {
  auto img = cell_image(d.grid, background_argb(d));
  paint_cells(c, d.grid, img.get(), frame);
}

void draw_cells(Canvas& c, const ResultGrid& g, const std::vector<float>& values, const ClassScheme& s,
                const MapRect& frame) {
  if (values.size() != g.cells()) return;
  auto img = cell_image(g, cells_argb(values, s));
  paint_cells(c, g, img.get(), frame);
}

void stroke_through_mask(Canvas& c, const ResultGrid& g, const std::vector<std::uint8_t>& mask, const MapRect& frame) {
  cairo_t* cr = c.cr();
  if (mask.size() != g.cells()) {
    cairo_stroke(cr);
    return;
  }
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> img(
      cairo_image_surface_create(CAIRO_FORMAT_A8, static_cast<int>(g.nx), static_cast<int>(g.ny)));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    std::copy_n(mask.begin() + static_cast<std::size_t>(iy) * g.nx, g.nx,
                data + static_cast<std::size_t>(g.ny - 1 - iy) * stride);
  cairo_surface_mark_dirty(img.get());
  cairo_push_group(cr);
  cairo_stroke(cr);
  cairo_pop_group_to_source(cr);
  cairo_pattern_t* m = cairo_pattern_create_for_surface(img.get());
  cairo_matrix_t matrix;
  cairo_matrix_init_scale(&matrix, g.nx / frame.w, g.ny / frame.h);
  cairo_matrix_translate(&matrix, -frame.x, -frame.y);
  cairo_pattern_set_matrix(m, &matrix);
  cairo_pattern_set_filter(m, CAIRO_FILTER_NEAREST);
  cairo_mask(cr, m);
  cairo_pattern_destroy(m);
}

void draw_frame_border(Canvas& c, const MapRect& frame) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, 0.6);
  cairo_rectangle(cr, frame.x, frame.y, frame.w, frame.h);
  cairo_stroke(cr);
  cairo_restore(cr);
}

// ---------------------------------------------------------------- graticule

namespace {

std::string degrees_label(double v, int decimals, bool lon) {
  const double a = std::fabs(v);
  if (a < 1e-9) return "0°";
  return fmt::format("{:.{}f}°{}", a, decimals, lon ? (v > 0 ? "E" : "W") : (v > 0 ? "N" : "S"));
}

// x of the point where a page polyline crosses the horizontal line y (or y
// where it crosses the vertical x when vertical); NaN when it does not.
double crossing(const std::vector<std::array<double, 2>>& pts, double at, bool vertical) {
  const int a = vertical ? 0 : 1, b = vertical ? 1 : 0;
  for (std::size_t i = 1; i < pts.size(); ++i) {
    const double p = pts[i - 1][a] - at, q = pts[i][a] - at;
    if ((p <= 0 && q >= 0) || (p >= 0 && q <= 0)) {
      if (p == q) return pts[i][b];
      return pts[i - 1][b] + (pts[i][b] - pts[i - 1][b]) * p / (p - q);
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

void stroke_polyline(cairo_t* cr, const std::vector<std::array<double, 2>>& pts) {
  if (pts.size() < 2) return;
  cairo_move_to(cr, pts[0][0], pts[0][1]);
  for (std::size_t i = 1; i < pts.size(); ++i) cairo_line_to(cr, pts[i][0], pts[i][1]);
  cairo_stroke(cr);
}

const Font kEdgeFont{6.5, false, false};
const Rgb kEdgeText{0.25, 0.25, 0.25};

// Labels along an edge, left out where they would touch the previous one.
struct EdgeLabels {
  Canvas& c;
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();  // horizontal: room
  double last_end = -1e9;
  void horizontal(double x, double y, const std::string& s) {
    const double w = c.width(s, kEdgeFont);
    if (x - w / 2 < last_end + 4 || x - w / 2 < lo || x + w / 2 > hi) return;
    c.text(x, y, s, kEdgeFont, Align::Centre, kEdgeText);
    last_end = x + w / 2;
  }
  void vertical(double x, double y, const std::string& s) {  // right-aligned on x, y increasing downward
    if (y - kEdgeFont.size < last_end + 2) return;
    c.text(x, y + kEdgeFont.size * 0.35, s, kEdgeFont, Align::Right, kEdgeText);
    last_end = y + kEdgeFont.size * 0.35;
  }
};

// Step 1, 2 or 5 times a power of ten nearest above `raw`.
double nice_step(double raw) {
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw * (1 - 1e-9)) return m * p;
  return 10 * p;
}

void draw_km_ticks(Canvas& c, const ResultGrid& g, const MapRect& frame, bool label_left, bool label_bottom,
                   double overhang) {
  const FrameMap f{&g, frame};
  cairo_t* cr = c.cr();
  const double step = nice_step(std::max(f.width_m(), f.height_m()) / 5.0);
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 0.5);
  auto label = [&](double m) { return fmt::format("{:g} km", m / 1000.0); };
  EdgeLabels bottom{c, frame.x - overhang, frame.x + frame.w + overhang};
  for (double x = std::ceil(f.x_m0() / step) * step; x <= f.x_m0() + f.width_m() + 1e-6; x += step) {
    const double px = f.px(x);
    cairo_move_to(cr, px, frame.y + frame.h);
    cairo_line_to(cr, px, frame.y + frame.h + 3);
    cairo_stroke(cr);
    if (label_bottom) bottom.horizontal(px, frame.y + frame.h + 10, label(x));
  }
  EdgeLabels left{c};
  for (double y = std::floor((f.y_m0() + f.height_m()) / step) * step; y >= f.y_m0() - 1e-6; y -= step) {
    const double py = f.py(y);
    cairo_move_to(cr, frame.x - 3, py);
    cairo_line_to(cr, frame.x, py);
    cairo_stroke(cr);
    if (label_left) left.vertical(frame.x - 4, py, label(y));
  }
  cairo_restore(cr);
}

}  // namespace

double grid_convergence_deg(const ResultGrid& g) {
  if (g.crs.empty()) return std::numeric_limits<double>::quiet_NaN();
  try {
    QuietGdalErrors quiet;
    const LonLatToGrid t(g.crs);
    const double cx = g.origin_x_m + g.nx * g.cell_size_m / 2, cy = g.origin_y_m + g.ny * g.cell_size_m / 2;
    double lon, lat, x1, y1;
    t.to_lonlat(cx, cy, lon, lat);
    t.to_grid(lon, lat + 0.01, x1, y1);
    return std::atan2(x1 - cx, y1 - cy) * 180.0 / M_PI;
  } catch (const std::exception&) {
    return std::numeric_limits<double>::quiet_NaN();
  }
}

void draw_graticule(Canvas& c, const ResultGrid& g, const MapRect& frame, bool label_left, bool label_bottom,
                    double overhang) {
  if (g.crs.empty()) {
    draw_km_ticks(c, g, frame, label_left, label_bottom, overhang);
    return;
  }
  QuietGdalErrors quiet;
  std::unique_ptr<LonLatToGrid> t;
  try {
    t = std::make_unique<LonLatToGrid>(g.crs);
  } catch (const std::exception&) {
    draw_km_ticks(c, g, frame, label_left, label_bottom, overhang);
    return;
  }
  const FrameMap f{&g, frame};
  // The frame's extent in lon/lat, from points along its edges.
  double lon0 = 1e9, lon1 = -1e9, lat0 = 1e9, lat1 = -1e9;
  constexpr int kEdge = 24;
  for (int i = 0; i <= kEdge; ++i) {
    const double u = static_cast<double>(i) / kEdge;
    const double xs[4] = {f.x_m0() + u * f.width_m(), f.x_m0() + u * f.width_m(), f.x_m0(), f.x_m0() + f.width_m()};
    const double ys[4] = {f.y_m0(), f.y_m0() + f.height_m(), f.y_m0() + u * f.height_m(), f.y_m0() + u * f.height_m()};
    for (int k = 0; k < 4; ++k) {
      try {
        double lon, lat;
        t->to_lonlat(xs[k], ys[k], lon, lat);
        lon0 = std::min(lon0, lon), lon1 = std::max(lon1, lon), lat0 = std::min(lat0, lat), lat1 = std::max(lat1, lat);
      } catch (const std::exception&) {
      }
    }
  }
  if (!(lon1 > lon0 && lat1 > lat0)) return;
  // An interval giving about three to six lines across the larger extent.
  static constexpr double kSteps[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30};
  double step = 30;
  for (double s : kSteps)
    if (std::max(lon1 - lon0, lat1 - lat0) / s <= 6) {
      step = s;
      break;
    }
  const int decimals = step >= 1 ? 0 : (std::fabs(step * 10 - std::round(step * 10)) < 1e-9 ? 1 : 2);
  auto line = [&](bool meridian, double v) {
    std::vector<std::array<double, 2>> pts;
    constexpr int kSamples = 48;
    const double a0 = meridian ? lat0 : lon0, a1 = meridian ? lat1 : lon1;
    for (int i = 0; i <= kSamples; ++i) {
      const double a = a0 + (a1 - a0) * (i - 2.0) / (kSamples - 4.0);  // a little beyond both ends
      try {
        double x, y;
        meridian ? t->to_grid(v, a, x, y) : t->to_grid(a, v, x, y);
        pts.push_back({f.px(x), f.py(y)});
      } catch (const std::exception&) {
      }
    }
    return pts;
  };
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, frame.x, frame.y, frame.w, frame.h);
  cairo_clip(cr);
  cairo_set_source_rgba(cr, 0.25, 0.25, 0.3, 0.55);
  cairo_set_line_width(cr, 0.35);
  std::vector<std::pair<double, std::vector<std::array<double, 2>>>> meridians, parallels;
  for (double v = std::ceil(lon0 / step - 1e-9) * step; v <= lon1 + 1e-9; v += step) meridians.emplace_back(v, line(true, v));
  for (double v = std::floor(lat1 / step + 1e-9) * step; v >= lat0 - 1e-9; v -= step) parallels.emplace_back(v, line(false, v));
  for (const auto& m : meridians) stroke_polyline(cr, m.second);
  for (const auto& p : parallels) stroke_polyline(cr, p.second);
  cairo_restore(cr);

  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 0.5);
  EdgeLabels bottom{c, frame.x - overhang, frame.x + frame.w + overhang};
  for (const auto& [v, pts] : meridians) {
    const double x = crossing(pts, frame.y + frame.h, false);
    if (!(x >= frame.x && x <= frame.x + frame.w)) continue;
    cairo_move_to(cr, x, frame.y + frame.h);
    cairo_line_to(cr, x, frame.y + frame.h + 3);
    cairo_stroke(cr);
    if (label_bottom) bottom.horizontal(x, frame.y + frame.h + 10, degrees_label(v, decimals, true));
  }
  EdgeLabels left{c};
  for (const auto& [v, pts] : parallels) {
    const double y = crossing(pts, frame.x, true);
    if (!(y >= frame.y && y <= frame.y + frame.h)) continue;
    cairo_move_to(cr, frame.x - 3, y);
    cairo_line_to(cr, frame.x, y);
    cairo_stroke(cr);
    if (label_left) left.vertical(frame.x - 4, y, degrees_label(v, decimals, false));
  }
  cairo_restore(cr);
}

// ---------------------------------------------------------------- sites, scale bar, north arrow

void draw_site_symbol(Canvas& c, double x, double y, double radius) {
  cairo_t* cr = c.cr();
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
}

void draw_site_dot(Canvas& c, double x, double y) {
  cairo_new_sub_path(c.cr());
  cairo_arc(c.cr(), x, y, 0.3, 0, 2 * M_PI);
}

void draw_sites(Canvas& c, const ResultData& d, const MapRect& frame, double radius, const std::string& markers) {
  if (markers == "none") return;
  const bool dots = markers == "dots";
  const FrameMap f{&d.grid, frame};
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, frame.x, frame.y, frame.w, frame.h);
  cairo_clip(cr);
  cairo_new_path(cr);
  for (std::size_t i = 0; i < d.site_x_m.size() && i < d.site_y_m.size(); ++i) {
    if (dots) draw_site_dot(c, f.px(d.site_x_m[i]), f.py(d.site_y_m[i]));
    else draw_site_symbol(c, f.px(d.site_x_m[i]), f.py(d.site_y_m[i]), radius);
  }
  if (dots) {
    cairo_set_source_rgba(cr, 0.05, 0.05, 0.05, 0.55);
    cairo_fill(cr);
  } else {
    cairo_set_source_rgba(cr, 0.05, 0.05, 0.05, 0.85);
    cairo_set_line_width(cr, 0.35);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

namespace {

// The numbers of a WKT text in order ("POLYGON ((0 0, 1 0, ...), (...))"),
// with where each ring ends: what ResultConditioning::features holds.
std::vector<std::vector<std::array<double, 2>>> wkt_rings(const std::string& wkt) {
  std::vector<std::vector<std::array<double, 2>>> rings;
  std::vector<double> numbers;
  int depth = 0;
  for (std::size_t i = 0; i < wkt.size();) {
    const char ch = wkt[i];
    if (ch == '(') {
      ++depth, ++i;
      if (depth >= 1) numbers.clear();
      continue;
    }
    if (ch == ')') {
      if (numbers.size() >= 2) {
        std::vector<std::array<double, 2>> ring;
        for (std::size_t k = 0; k + 1 < numbers.size(); k += 2) ring.push_back({numbers[k], numbers[k + 1]});
        rings.push_back(std::move(ring));
      }
      numbers.clear();
      --depth, ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.') {
      char* end = nullptr;
      numbers.push_back(std::strtod(wkt.c_str() + i, &end));
      i = static_cast<std::size_t>(end - wkt.c_str());
      continue;
    }
    ++i;
  }
  return rings;
}

}  // namespace

void draw_evidence(Canvas& c, const ResultData& d, const MapRect& frame) {
  if (d.conditioning.empty()) return;
  const FrameMap f{&d.grid, frame};
  cairo_t* cr = c.cr();
  cairo_save(cr);
  cairo_rectangle(cr, frame.x, frame.y, frame.w, frame.h);
  cairo_clip(cr);
  for (const std::string& line : d.conditioning.features) {
    const std::size_t tab = line.find('\t');
    const std::string kind = line.substr(0, tab);
    const auto rings = wkt_rings(line.substr(line.rfind('\t') + 1));
    if (rings.empty()) continue;
    cairo_new_path(cr);
    if (kind == "searched" || kind == "cancelled") {
      for (const auto& ring : rings) {
        for (std::size_t i = 0; i < ring.size(); ++i)
          (i ? cairo_line_to : cairo_move_to)(cr, f.px(ring[i][0]), f.py(ring[i][1]));
        cairo_close_path(cr);
      }
      const double dash[] = {2.0, 1.5};
      cairo_set_dash(cr, dash, kind == "cancelled" ? 2 : 0, 0.0);
      if (kind == "searched") cairo_set_source_rgba(cr, 0.0, 0.45, 0.2, 0.95);
      else cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, 0.9);
      cairo_set_line_width(cr, 0.6);
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0.0);
    } else if (!rings[0].empty()) {
      const double x = f.px(rings[0][0][0]), y = f.py(rings[0][0][1]);
      if (kind == "find") {  // a red cross
        cairo_move_to(cr, x - 1.6, y - 1.6), cairo_line_to(cr, x + 1.6, y + 1.6);
        cairo_move_to(cr, x - 1.6, y + 1.6), cairo_line_to(cr, x + 1.6, y - 1.6);
        cairo_set_source_rgba(cr, 0.8, 0.0, 0.0, 1.0);
        cairo_set_line_width(cr, 0.7);
        cairo_stroke(cr);
      } else {  // a located strike: a black triangle
        cairo_move_to(cr, x, y - 2.0), cairo_line_to(cr, x + 1.8, y + 1.2), cairo_line_to(cr, x - 1.8, y + 1.2);
        cairo_close_path(cr);
        cairo_set_source_rgba(cr, 0.0, 0.0, 0.0, 0.9);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
      }
    }
  }
  cairo_restore(cr);
}

ScaleBar scale_bar_for(const ResultGrid& g, double frame_w_pt, double fraction, double max_pt) {
  const double width_m = g.nx * g.cell_size_m;
  const double pt_per_m = frame_w_pt / width_m;
  const double target = fraction * width_m, most = max_pt / pt_per_m;
  // The 1-2-5 length nearest the target (by ratio) that fits.
  double best = 0;
  for (double p = std::pow(10.0, std::floor(std::log10(target)) - 1); p <= target * 10; p *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      const double len = m * p;
      if (len > most) continue;
      if (best == 0 || std::fabs(std::log(len / target)) < std::fabs(std::log(best / target))) best = len;
    }
  if (best == 0) best = nice_step(most) / 2;
  ScaleBar s;
  s.km = best / 1000.0;
  s.width_pt = best * pt_per_m;
  const double lead = best / std::pow(10.0, std::floor(std::log10(best) + 1e-9));
  s.segments = std::lround(lead) == 2 ? 4 : 5;
  const bool km = best >= 1000;
  auto num = [&](double m) { return km ? fmt::format("{:g}", m / 1000.0) : fmt::format("{:g}", m); };
  s.labels = {"0", s.segments % 2 == 0 ? num(best / 2) : "", num(best) + (km ? " km" : " m")};
  return s;
}

void draw_scale_bar(Canvas& c, const MapRect& bar, const ScaleBar& s) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  const double seg = bar.w / s.segments;
  for (int i = 0; i < s.segments; ++i) {
    cairo_rectangle(cr, bar.x + i * seg, bar.y, seg, bar.h);
    if (i % 2 == 0)
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    else
      cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
  }
  cairo_rectangle(cr, bar.x, bar.y, bar.w, bar.h);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, 0.5);
  cairo_stroke(cr);
  cairo_restore(cr);
  const Font f{6.5, false, false};
  const double y = bar.y + bar.h + 8;
  c.text(bar.x, y, s.labels[0], f, Align::Centre);
  if (!s.labels[1].empty()) c.text(bar.x + bar.w / 2, y, s.labels[1], f, Align::Centre);
  c.text(bar.x + bar.w, y, s.labels[2], f, Align::Centre);
}

void draw_north_arrow(Canvas& c, const MapRect& box) {
  cairo_t* cr = c.cr();
  const double cx = box.cx(), top = box.y + 12, bottom = box.y + box.h, half = std::min(5.0, box.w / 2);
  c.text(cx, box.y + 9, "N", Font{9, true, false}, Align::Centre);
  cairo_save(cr);
  cairo_set_line_width(cr, 0.6);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  // Left half dark, right half white, outlined: the classic arrow.
  cairo_move_to(cr, cx, top);
  cairo_line_to(cr, cx - half, bottom);
  cairo_line_to(cr, cx, bottom - 5);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_fill_preserve(cr);
  cairo_stroke(cr);
  cairo_move_to(cr, cx, top);
  cairo_line_to(cr, cx + half, bottom);
  cairo_line_to(cr, cx, bottom - 5);
  cairo_close_path(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_stroke(cr);
  cairo_restore(cr);
}

// ---------------------------------------------------------------- legends

std::vector<LegendItem> scheme_legend(const std::string& title, const std::string& units, const ClassScheme& s,
                                      bool water) {
  std::vector<LegendItem> items;
  items.push_back({LegendItem::Heading, title, Font{9, true, false}, {}, {}, 0});
  if (!units.empty()) items.push_back({LegendItem::Text, units, Font{7, false, true}, {}, {}, 0});
  if (!s.empty_note.empty()) {
    ColourClass none{0, 0, "0 / none", kFlatGroundColour, true};
    items.push_back({LegendItem::Swatch, none.label, Font{7, false, false}, none, {}, 0});
    items.push_back({LegendItem::Text, s.empty_note, Font{7.5, true, false}, {}, {}, 0});
  } else {
    for (const ColourClass& k : s.classes) items.push_back({LegendItem::Swatch, k.label, Font{7, false, false}, k, {}, 0});
    if (!s.note.empty()) items.push_back({LegendItem::Text, s.note, Font{6.5, false, true}, {}, {}, 0});
  }
  if (water) {
    ColourClass w{0, 0, "water (items landing there are counted apart)", kWaterColour, false};
    items.push_back({LegendItem::Swatch, w.label, Font{7, false, false}, w, {}, 0});
  }
  return items;
}

LegendBlock layout_legend(Canvas& c, const std::vector<LegendItem>& items, double x, double y, double width,
                          bool compact) {
  LegendBlock b;
  const double y0 = y;
  const double kSymbolW = compact ? 13 : 16, kSymbolH = compact ? 7 : 9, kGap = compact ? 4 : 5;
  for (const LegendItem& it : items) {
    PlacedLegendItem p;
    p.item = it;
    p.leading = it.font.size * 1.22;
    const bool symbol = it.kind != LegendItem::Heading && it.kind != LegendItem::Text;
    p.text_x = symbol ? x + kSymbolW + kGap : x;
    if (it.kind == LegendItem::Text && it.text.empty()) {  // a spacer
      y += 5;
      continue;
    }
    p.lines = c.wrap(it.text, it.font, width - (p.text_x - x));
    const double text_h = p.lines.size() * p.leading;
    if (symbol) {
      const double row = std::max(kSymbolH + (compact ? 2 : 3), text_h + (compact ? 1 : 2));
      p.symbol = {x, y + 1, kSymbolW, kSymbolH};
      // Text centred on the symbol's middle (first line).
      p.first_baseline = p.symbol.cy() + it.font.size * 0.35;
      y += row;
    } else {
      p.first_baseline = y + it.font.size;
      y += text_h + (it.kind == LegendItem::Heading ? 2 : 3);
    }
    b.items.push_back(std::move(p));
  }
  b.top = y0;
  b.height = y - y0;
  return b;
}

void draw_legend(Canvas& c, const LegendBlock& b) {
  cairo_t* cr = c.cr();
  for (const PlacedLegendItem& p : b.items) {
    const MapRect& s = p.symbol;
    cairo_save(cr);
    switch (p.item.kind) {
      case LegendItem::Swatch:
        cairo_rectangle(cr, s.x, s.y, s.w, s.h);
        set_colour(cr, p.item.cls.transparent ? kFlatGroundColour : p.item.cls.colour);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
        break;
      case LegendItem::LineSample:
        cairo_move_to(cr, s.x, s.cy());
        cairo_line_to(cr, s.x + s.w, s.cy());
        set_colour(cr, p.item.colour);
        cairo_set_line_width(cr, p.item.line_width);
        cairo_stroke(cr);
        break;
      case LegendItem::SiteSample:
        draw_site_symbol(c, s.cx(), s.cy(), 1.2);
        cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
        cairo_set_line_width(cr, 0.4);
        cairo_stroke(cr);
        break;
      case LegendItem::SiteDotSample:
        cairo_new_path(cr);
        cairo_arc(cr, s.cx(), s.cy(), 0.6, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, 0.05, 0.05, 0.05, 0.7);
        cairo_fill(cr);
        break;
      case LegendItem::TownSample:
        cairo_arc(cr, s.cx(), s.cy(), 1.6, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_fill(cr);
        break;
      default:
        break;
    }
    cairo_restore(cr);
    double y = p.first_baseline;
    for (const std::string& l : p.lines) {
      c.text(p.text_x, y, l, p.item.font, Align::Left, Rgb{0.1, 0.1, 0.1});
      y += p.leading;
    }
  }
}

}  // namespace remnant::map_detail
