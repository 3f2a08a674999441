// Maps and comparison sheets: what the page says (legend, scale bar, north
// arrow, footer with seed and version, the uncertainty sentence), in every
// format (SVG text layer, PNG pixels, PDF text), empty layers, colour scales,
// atomic writes and the errors a user can make.
#include <cairo.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "host/maps/map.h"
#include "host/maps/map_internal.h"
#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/evidence/hazard_areas.h"
#include "test_support.h"

namespace remnant {
namespace {


ResultData result_of(const std::string& rate = "{ alpha = 3.0, beta = 22.0 }", std::uint32_t realizations = 12,
                     std::uint64_t seed = 31, const std::string& crs = "EPSG:32636") {
  return test::result_data(test::outputs_scenario(rate, crs), realizations, seed);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string xml(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '>' ? "&gt;" : c == '<' ? "&lt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

using test::DrawnText;
using test::drawn_texts;
using test::text_layer;

// Every text lies on the page and no two texts on one baseline run into each
// other (half a point to spare).
void expect_text_on_page_and_apart(const std::string& svg, double page_w, const std::string& what) {
  const std::vector<DrawnText> texts = drawn_texts(svg);
  ASSERT_GT(texts.size(), 10u) << what;
  for (const DrawnText& t : texts) {
    EXPECT_GE(t.x, -0.5) << what << ": \"" << t.text << "\" starts left of the page";
    EXPECT_LE(t.x + t.w, page_w + 0.5) << what << ": \"" << t.text << "\" runs off the page";
  }
  for (std::size_t i = 0; i < texts.size(); ++i)
    for (std::size_t j = i + 1; j < texts.size(); ++j) {
      const DrawnText &a = texts[i], &b = texts[j];
      if (std::fabs(a.y - b.y) > 0.5) continue;
      EXPECT_TRUE(a.x + a.w <= b.x + 0.5 || b.x + b.w <= a.x + 0.5)
          << what << ": \"" << a.text << "\" and \"" << b.text << "\" overlap at y " << a.y;
    }
}

class Map : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { data_ = new ResultData(result_of()); }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  static const ResultData& data() { return *data_; }
  test::TempDir dir_;
  static ResultData* data_;
};
ResultData* Map::data_ = nullptr;

TEST_F(Map, SvgHoldsLegendScaleBarNorthArrowAndFooterAsText) {
  const std::string path = dir_.file("map.svg");
  MapOptions o;
  render_map(data(), o, path);
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"map.svg"}) << "temporary file left behind";
  const std::string svg = slurp(path);
  ASSERT_NE(svg.find("<svg"), std::string::npos);
  const std::string text = text_layer(svg);
  ASSERT_FALSE(text.empty()) << "no searchable text layer";
  EXPECT_NE(text.find(">map test<"), std::string::npos) << "title";
  EXPECT_NE(text.find(">Expected unexploded submunitions<"), std::string::npos) << "legend title";
  EXPECT_NE(text.find("unexploded submunitions per hectare"), std::string::npos) << "units";
  const ClassScheme s = layer_classes(data(), display_layer(data(), "dud_mean"));
  ASSERT_GE(s.classes.size(), 3u);
  for (const ColourClass& k : s.classes) EXPECT_NE(text.find(">" + xml(k.label) + "<"), std::string::npos) << k.label;
  EXPECT_NE(text.find(" km<"), std::string::npos) << "scale bar in km";
  EXPECT_NE(text.find(">N<"), std::string::npos) << "north arrow";
  EXPECT_NE(text.find("seed 31"), std::string::npos);
  EXPECT_NE(text.find("Remnant " + data().software_version), std::string::npos);
  EXPECT_NE(text.find(data().git_revision), std::string::npos);
  EXPECT_NE(text.find("°E<"), std::string::npos) << "graticule labels";
  EXPECT_NE(text.find("90 % interval"), std::string::npos) << "uncertainty sentence";
  // The text layer is invisible: the page looks as Cairo drew it.
  EXPECT_NE(text.find("fill-opacity=\"0\""), std::string::npos);
  EXPECT_NE(svg.find("<title>map test</title>"), std::string::npos);
}

TEST_F(Map, PngHasThePageSizeAndThePixelsWhereTheLayoutSays) {
  const std::string path = dir_.file("map.png");
  MapOptions o;
  o.dpi = 100;
  render_map(data(), o, path);
  cairo_surface_t* img = cairo_image_surface_create_from_png(path.c_str());
  ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  // A4 landscape, 297 x 210 mm, at 100 dpi: 1169.3 x 826.8 pixels, rounded.
  EXPECT_EQ(cairo_image_surface_get_width(img), 1169);
  EXPECT_EQ(cairo_image_surface_get_height(img), 827);
  const unsigned char* px = cairo_image_surface_get_data(img);
  const int stride = cairo_image_surface_get_stride(img);
  const double k = o.dpi / 72.0;
  auto rgb = [&](double x_pt, double y_pt) {
    const int x = static_cast<int>(x_pt * k), y = static_cast<int>(y_pt * k);
    const std::uint32_t v = *reinterpret_cast<const std::uint32_t*>(px + y * stride + 4 * x);
    return std::array<int, 3>{static_cast<int>((v >> 16) & 0xff), static_cast<int>((v >> 8) & 0xff),
                              static_cast<int>(v & 0xff)};
  };
  EXPECT_EQ(rgb(5, 5), (std::array<int, 3>{255, 255, 255})) << "page margin";
  const MapLayout L = map_layout(data(), o);
  // The north arrow is dark.
  int dark = 0;
  for (double y = L.north_arrow.y; y < L.north_arrow.y + L.north_arrow.h; y += 0.5)
    for (double x = L.north_arrow.x; x < L.north_arrow.x + L.north_arrow.w; x += 0.5) {
      const auto c = rgb(x, y);
      dark += c[0] < 60 && c[1] < 60 && c[2] < 60;
    }
  EXPECT_GT(dark, 20) << "no dark pixels in the north arrow's box";
  // The scale bar's first segment is dark.
  const auto bar = rgb(L.scale_bar.x + 2, L.scale_bar.cy());
  EXPECT_LT(bar[0] + bar[1] + bar[2], 150);
  // Every swatch's centre has its class's colour.
  ASSERT_FALSE(L.swatches.empty());
  for (const LegendSwatch& s : L.swatches) {
    const auto c = rgb(s.box.cx(), s.box.cy());
    const Rgb want = s.cls.transparent ? Rgb{232 / 255.0, 232 / 255.0, 232 / 255.0} : s.cls.colour;
    EXPECT_NEAR(c[0], want.r * 255, 2) << s.cls.label;
    EXPECT_NEAR(c[1], want.g * 255, 2) << s.cls.label;
    EXPECT_NEAR(c[2], want.b * 255, 2) << s.cls.label;
  }
  // The frame keeps the grid's aspect ratio (square cells).
  EXPECT_NEAR(L.frame.w / L.frame.h, 80.0 / 50.0, 1e-9);
  cairo_surface_destroy(img);
}

TEST_F(Map, PdfIsVectorAndItsTextCanBeExtracted) {
  const std::string path = dir_.file("map.pdf");
  render_map(data(), MapOptions{}, path);
  EXPECT_EQ(slurp(path).substr(0, 5), "%PDF-");
  const test::CommandResult r = test::run_command("pdftotext " + test::shell_quote(path) + " - 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("seed 31"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Remnant " + data().software_version), std::string::npos);
  EXPECT_NE(r.output.find("Expected unexploded submunitions"), std::string::npos);
}

// The PDF's dates are the run's creation time, not the clock's: the same
// result gives the same PDF (SOURCE_DATE_EPOCH reaches it through the run).
TEST_F(Map, PdfDatesAreTheRunsSoTheSameResultGivesTheSamePdf) {
  ResultData d = data();
  d.creation_time_utc = "2001-02-03T04:05:06Z";
  const std::string a = dir_.file("a.pdf"), b = dir_.file("b.pdf");
  render_map(d, MapOptions{}, a);
  const std::string first = slurp(a);
  EXPECT_NE(first.find("/CreationDate (20010203040506Z)"), std::string::npos);
  EXPECT_NE(first.find("/ModDate (20010203040506Z)"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the clock's second
  render_map(d, MapOptions{}, b);
  EXPECT_TRUE(first == slurp(b)) << "two renderings of one result differ";
}

TEST_F(Map, FooterSaysTheUncertaintyInOneSentence) {
  const Headline h = headline(data());
  const std::string s = uncertainty_sentence(data(), "dud_mean");
  EXPECT_NE(s.find("Across 12 simulated realizations"), std::string::npos) << s;
  EXPECT_NE(s.find("from " + format_3sig(h.total_duds.q05) + " to " + format_3sig(h.total_duds.q95)), std::string::npos)
      << s;
  EXPECT_NE(s.find("the mean per hectare"), std::string::npos) << s;
  const MapLayout L = map_layout(data(), MapOptions{});
  ASSERT_FALSE(L.footer_lines.empty());
  EXPECT_EQ(L.footer_lines[0].substr(0, 20), s.substr(0, 20));
  EXPECT_EQ(format_number(1234567.4), "1,234,567");
  EXPECT_EQ(format_number(1234.56, 1), "1,234.6");
  EXPECT_EQ(format_number(-1500), "−1,500");
  EXPECT_EQ(format_3sig(554640), "555,000");
  EXPECT_EQ(format_3sig(1075292), "1,080,000");
  EXPECT_EQ(format_3sig(12.34), "12.3");
}

// Strike-site markers adapt to their number: circles for a few, dots for
// thousands, none for tens of thousands (they would hide the layer), and the
// legend says when they are not drawn.
TEST_F(Map, SiteMarkersAdaptToTheirNumber) {
  ResultData d = data();
  auto with_sites = [&](std::size_t n) {
    d.site_x_m.assign(n, d.grid.origin_x_m + 100.0);
    d.site_y_m.assign(n, d.grid.origin_y_m + 100.0);
    return site_markers(d, "auto");
  };
  EXPECT_EQ(with_sites(1), "circles");
  EXPECT_EQ(with_sites(1000), "circles");
  EXPECT_EQ(with_sites(1001), "dots");
  EXPECT_EQ(with_sites(20000), "dots");
  EXPECT_EQ(with_sites(25000), "none");
  EXPECT_EQ(site_markers(d, "circles"), "circles");
  const std::string path = dir_.file("many.svg");
  render_map(d, MapOptions{}, path);
  const std::string texts = test::text_layer(slurp(path));
  EXPECT_NE(texts.find("25,000 strike sites, not drawn"), std::string::npos) << texts;
  MapOptions dots;
  dots.sites = "dots";
  render_map(d, dots, path);
  EXPECT_EQ(test::text_layer(slurp(path)).find("not drawn"), std::string::npos);
  EXPECT_NE(test::text_layer(slurp(path)).find("strike sites"), std::string::npos);
}

// A per-cell quantile is not a realization: the layer and the footer say so.
TEST_F(Map, QuantileLayersSayTheyAreCellByCell) {
  for (const char* layer : {"dud_q05", "dud_q50", "dud_q95"}) {
    SCOPED_TRACE(layer);
    const DisplayLayer l = display_layer(data(), layer);
    EXPECT_NE(l.long_name.find("each cell's own"), std::string::npos) << l.long_name;
    EXPECT_NE(l.long_name.find("no single realization reaches every cell's at once"), std::string::npos) << l.long_name;
    EXPECT_NE(uncertainty_sentence(data(), layer).find("a cell-by-cell figure, not one realization"), std::string::npos);
  }
  EXPECT_EQ(display_layer(data(), "dud_mean").long_name.find("cell by cell"), std::string::npos);
}

TEST_F(Map, AnAllZeroLayerDrawsAMapThatSaysSo) {
  const ResultData zero = result_of("0.0", 4);
  for (const RealizationTotals& t : zero.totals) ASSERT_EQ(t.duds, 0u);
  const ClassScheme s = layer_classes(zero, display_layer(zero, "dud_mean"));
  EXPECT_EQ(s.empty_note, "No unexploded submunitions in any realization.");
  const std::string path = dir_.file("zero.svg");
  render_map(zero, MapOptions{}, path);
  const std::string text = text_layer(slurp(path));
  EXPECT_NE(text.find("No unexploded submunitions in any realization."), std::string::npos);
  EXPECT_NE(text.find("In none of 4 simulated realizations"), std::string::npos);
  render_map(zero, MapOptions{}, dir_.file("zero.png"));
  EXPECT_TRUE(std::filesystem::file_size(dir_.file("zero.png")) > 1000);
}

TEST_F(Map, AFailedWriteLeavesNothing) {
  const std::string missing = dir_.file("no-such-dir/map.png");
  EXPECT_THROW(render_map(data(), MapOptions{}, missing), std::exception);
  EXPECT_TRUE(dir_.entries().empty());
  // A directory in the way of the rename: the temporary file goes, the directory stays.
  std::filesystem::create_directory(dir_.file("taken.svg"));
  std::filesystem::create_directory(dir_.file("taken.svg/inside"));
  EXPECT_THROW(render_map(data(), MapOptions{}, dir_.file("taken.svg")), std::exception);
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"taken.svg"});
}

TEST_F(Map, UnknownFormatLayerOrPaperIsAnInputError) {
  EXPECT_THROW(render_map(data(), MapOptions{}, dir_.file("map.jpg")), InputError);
  MapOptions o;
  o.layer = "no_such_layer";
  EXPECT_THROW(render_map(data(), o, dir_.file("map.png")), InputError);
  o = MapOptions{};
  o.paper = "letter";
  EXPECT_THROW(render_map(data(), o, dir_.file("map.png")), InputError);
  o = MapOptions{};
  o.dpi = 0;
  EXPECT_THROW(render_map(data(), o, dir_.file("map.png")), InputError);
  EXPECT_TRUE(dir_.entries().empty());
}

TEST_F(Map, EveryLayerAndPaperDraws) {
  for (const std::string& layer : display_layer_names()) {
    MapOptions o;
    o.layer = layer;
    o.dpi = 30;
    ASSERT_NO_THROW(render_map(data(), o, dir_.file(layer + ".png"))) << layer;
    const ClassScheme s = layer_classes(data(), display_layer(data(), layer));
    EXPECT_TRUE(s.empty_note.empty()) << layer << ": " << s.empty_note;
  }
  // On every paper the legend, north arrow and scale bar lie on the page and
  // beside (not on) the map.
  auto on_page = [](const MapRect& r, const MapLayout& L) {
    return r.x >= 0 && r.y >= 0 && r.x + r.w <= L.page_w && r.y + r.h <= L.page_h;
  };
  auto apart = [](const MapRect& a, const MapRect& b) {
    return a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
  };
  for (const std::string& paper : paper_names()) {
    MapOptions o;
    o.paper = paper;
    const MapLayout L = map_layout(data(), o);
    EXPECT_GT(L.frame.w, 200) << paper;
    EXPECT_TRUE(on_page(L.frame, L)) << paper;
    EXPECT_TRUE(on_page(L.north_arrow, L) && apart(L.north_arrow, L.frame)) << paper;
    EXPECT_TRUE(on_page(L.scale_bar, L) && apart(L.scale_bar, L.frame)) << paper;
    ASSERT_FALSE(L.swatches.empty()) << paper;
    for (const LegendSwatch& sw : L.swatches)
      EXPECT_TRUE(on_page(sw.box, L) && apart(sw.box, L.frame) && apart(sw.box, L.north_arrow)) << paper;
    EXPECT_GT(L.footer_lines.size(), 3u) << paper;
  }
  MapOptions portrait;
  portrait.paper = "a4-portrait";
  portrait.dpi = 40;
  render_comparison(data(), data(), portrait, dir_.file("compare-portrait.png"));
}

TEST_F(Map, TextStaysOnThePageAndLabelsDoNotCollide) {
  // Without a CRS the axes have km labels at both ends of each map: side by
  // side on the comparison sheet, "4 km" of one map ran into "0 km" of the
  // next. A title longer than the page ran off it (two scenario names).
  const ResultData local = result_of("{ alpha = 3.0, beta = 22.0 }", 3, 31, "");
  ResultData b = local;
  b.scenario_name = "Southern Lebanon, July-August 2006 (HRW 2008 count), with a name longer than one line";
  for (const std::string& paper : {std::string("a4-landscape"), std::string("a4-portrait")}) {
    MapOptions o;
    o.paper = paper;
    const double page_w = paper == "a4-landscape" ? 297 * 72 / 25.4 : 210 * 72 / 25.4;
    render_comparison(local, b, o, dir_.file("compare.svg"));
    expect_text_on_page_and_apart(slurp(dir_.file("compare.svg")), page_w, "comparison, " + paper);
    render_comparison(data(), data(), o, dir_.file("compare.svg"));
    expect_text_on_page_and_apart(slurp(dir_.file("compare.svg")), page_w, "comparison with a CRS, " + paper);
    render_map(b, o, dir_.file("map.svg"));
    expect_text_on_page_and_apart(slurp(dir_.file("map.svg")), page_w, "map, " + paper);
  }
}

TEST_F(Map, WithoutACrsTheAxesAreLabelledInKm) {
  const ResultData local = result_of("{ alpha = 3.0, beta = 22.0 }", 3, 31, "");
  ASSERT_TRUE(local.grid.crs.empty());
  const std::string path = dir_.file("local.svg");
  render_map(local, MapOptions{}, path);
  const std::string text = text_layer(slurp(path));
  EXPECT_EQ(text.find("°E"), std::string::npos);
  EXPECT_NE(text.find(">701 km<"), std::string::npos) << "x ticks in km of the grid's coordinates";
  EXPECT_NE(text.find("local metres (no CRS)"), std::string::npos);
}

TEST(MapClasses, NiceBreaksFollowOneTwoFive) {
  std::vector<float> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(0.01f * i);  // 0.01 .. 10
  const std::vector<double> b = nice_breaks(v);
  ASSERT_FALSE(b.empty());
  EXPECT_LE(b.size(), 7u);
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_GT(b[i], b[i - 1]);
  for (double x : b) {
    const double m = x / std::pow(10.0, std::floor(std::log10(x) + 1e-9));
    EXPECT_TRUE(std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9 ||
                std::fabs(m - 3) < 1e-9)
        << x;
  }
  EXPECT_GE(b.front(), 0.05);     // at or above the 5th percentile (0.5)...
  EXPECT_LE(b.back(), 9.9 + 1e-9);  // ...and at most the 99th
  EXPECT_TRUE(nice_breaks({0.f, 0.f, NAN}).empty());
  EXPECT_EQ(nice_breaks({0.3f, 0.3f}), std::vector<double>{0.5});
}

TEST(MapClasses, ValuesFallInTheirClassAndZeroIsTransparent) {
  ResultData d;
  DisplayLayer l;
  l.name = "dud_mean";
  l.kind = LayerKind::Density;
  for (int i = 0; i < 200; ++i) l.values.push_back(i % 4 == 0 ? 0.f : 0.05f * i);
  l.values.push_back(NAN);
  const ClassScheme s = layer_classes(d, l);
  ASSERT_TRUE(s.empty_note.empty());
  EXPECT_TRUE(s.find(0.0)->transparent);
  EXPECT_EQ(s.find(NAN), nullptr);
  EXPECT_EQ(s.classes.back().label.substr(0, 2), "> ") << "open top class";
  EXPECT_EQ(s.find(1e9), &s.classes.back());
  for (const ColourClass& k : s.classes) {
    if (k.exact) continue;
    EXPECT_EQ(s.find(k.hi == INFINITY ? k.lo * 2 : k.hi), &k) << k.label << ": upper bound belongs to the class";
  }
  // Probability: fixed breaks, the top class closed at 1.
  l.name = "dud_p_any";
  l.kind = LayerKind::Probability;
  const ClassScheme p = layer_classes(d, l);
  EXPECT_EQ(p.classes.back().label, "0.9 – 1");
  EXPECT_EQ(p.find(1.0), &p.classes.back());
  EXPECT_EQ(p.find(0.1)->label, "up to 0.1");
  // Elevation: open classes at both ends; below sea level is the lowest.
  l.name = "elevation";
  l.kind = LayerKind::Elevation;
  l.values = {-199.f, 0.f, 120.f, 480.f, 900.f, 1400.f};
  const ClassScheme e = layer_classes(d, l);
  EXPECT_EQ(e.find(-199.0), &e.classes.front());
  EXPECT_EQ(e.find(1400.0), &e.classes.back());
  EXPECT_EQ(e.classes.front().label, "below 0");
}

// Breaks a mean layer's Monte Carlo error cannot tell apart are merged: a
// flat field of noise gets one class, a field whose cells differ far more
// than their errors keeps its breaks.
TEST(MapClasses, BreaksWithinMonteCarloErrorAreMerged) {
  std::vector<float> flat;
  std::vector<double> se;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 2.0);
  for (int i = 0; i < 4000; ++i) {
    flat.push_back(static_cast<float>(std::max(0.05, 4.0 + noise(rng))));
    se.push_back(2.0);
  }
  const std::vector<double> breaks = nice_breaks(flat);
  ASSERT_GE(breaks.size(), 3u) << "the field's noise spans several nice classes";
  const SeparableBreaks f = separable_breaks(breaks, flat, se);
  EXPECT_TRUE(f.within_error);
  EXPECT_EQ(f.breaks.size(), 1u);
  EXPECT_GE(f.breaks[0], *std::max_element(flat.begin(), flat.end())) << "one class holds every cell";
  // Two groups far apart with small errors: structure, kept.
  std::vector<float> two;
  for (int i = 0; i < 4000; ++i) two.push_back(i % 2 ? 1.0f : 50.0f);
  const SeparableBreaks t = separable_breaks(nice_breaks(two), two, std::vector<double>(two.size(), 0.1));
  EXPECT_FALSE(t.within_error);
  EXPECT_EQ(t.breaks, nice_breaks(two));
  EXPECT_EQ(t.merged, 0u);
  // No errors known (one realization, or not a mean layer): the breaks as they were.
  EXPECT_EQ(separable_breaks(breaks, flat, {}).breaks, breaks);
}

// The case: sites redrawn uniformly in every realization make the
// expectation flat; the mean map must not show its noise as classes.
TEST(MapClasses, AUniformPlacementsMeanMapShowsNoMoreClassesThanItsErrorAllows) {
  const std::string text = test::ScenarioText("uniform", 5, 20)
                               .grid(60, 60, 50.0)
                               .submunition(test::m77())
                               .carrier(test::m26())
                               .inventory_total(64400)
                               .inventory_carrier("M26", "share", 1.0)
                               .sites(40, "per_realization")
                               .site_area("all", {0.0, 3000.0}, {0.0, 3000.0}, 1.0)
                               .text();
  const ResultData d = test::result_data(text, 20, 11);
  const DisplayLayer l = display_layer(d, "dud_mean");
  ASSERT_GE(nice_breaks(l.values).size(), 3u) << "the noise alone would make several classes";
  const ClassScheme s = layer_classes(d, l);
  ASSERT_TRUE(s.empty_note.empty());
  std::size_t coloured = 0;
  for (const ColourClass& k : s.classes) coloured += k.transparent ? 0 : 1;
  EXPECT_EQ(coloured, 1u) << "classes beyond the one its error allows";
  EXPECT_NE(s.note.find("within Monte Carlo error"), std::string::npos) << s.note;
}

TEST(MapClasses, DifferencesAreSymmetricAboutZero) {
  std::vector<float> v;
  for (int i = -100; i <= 100; ++i) v.push_back(0.1f * i);
  const ClassScheme s = difference_classes(v);
  ASSERT_TRUE(s.empty_note.empty());
  EXPECT_TRUE(s.find(0.0)->transparent);
  for (double x : {0.05, 0.3, 1.0, 2.0, 5.0, 9.0}) {
    const ColourClass* up = s.find(x);
    const ColourClass* down = s.find(-x);
    ASSERT_TRUE(up && down);
    const std::size_t iu = up - s.classes.data(), id = down - s.classes.data();
    // Classes run from the most negative to the most positive; the exact zero class is first.
    EXPECT_EQ(iu + id, s.classes.size()) << x;
  }
  EXPECT_EQ(difference_classes({0.f, 0.f}).empty_note, "No difference: B equals A in every cell.");
}

TEST_F(Map, ComparisonTableHoldsTheHeadlinesOfBothFiles) {
  const ResultData b = result_of("{ alpha = 9.0, beta = 21.0 }", 10, 7);
  const std::vector<ComparisonRow> rows = comparison_rows(data(), b);
  const Headline ha = headline(data());
  const Headline hb = headline(b);
  ASSERT_TRUE(ha.hazard.recorded());
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1].quantity, "Hazard area (within 50 m of a dud), km²");
  // Last, the area of the polygons `remnant hazard` writes, one figure per result.
  for (const auto& [d, s] : {std::pair<const ResultData*, const Summary*>{&data(), &rows[5].a}, {&b, &rows[5].b}}) {
    double km2 = 0.0;
    for (const HazardArea& x : find_hazard_areas(*d, HazardThreshold{}).areas) km2 += x.area_m2 * 1e-6;
    EXPECT_GT(km2, 0.0);
    EXPECT_DOUBLE_EQ(s->mean, km2);
    EXPECT_TRUE(std::isnan(s->q05));
  }
  EXPECT_EQ(rows[5].quantity, "Hazard areas for a GIS (remnant hazard), km²");
  const Summary* want[5][2] = {{&ha.total_duds, &hb.total_duds},
                               {&ha.hazard_area_km2, &hb.hazard_area_km2},
                               {&ha.contaminated_area_km2, &hb.contaminated_area_km2},
                               {&ha.in_water, &hb.in_water},
                               {&ha.outside_grid, &hb.outside_grid}};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(rows[i].a.mean, want[i][0]->mean) << rows[i].quantity;
    EXPECT_EQ(rows[i].a.q05, want[i][0]->q05) << rows[i].quantity;
    EXPECT_EQ(rows[i].a.q95, want[i][0]->q95) << rows[i].quantity;
    EXPECT_EQ(rows[i].b.mean, want[i][1]->mean) << rows[i].quantity;
    EXPECT_EQ(rows[i].b.q95, want[i][1]->q95) << rows[i].quantity;
    if (want[i][0]->mean != 0)
      EXPECT_DOUBLE_EQ(rows[i].ratio, want[i][1]->mean / want[i][0]->mean);
    else
      EXPECT_TRUE(std::isnan(rows[i].ratio));
  }
  EXPECT_GT(rows[0].ratio, 1.5) << "field-like rates leave more duds than test-like ones";

  const std::string path = dir_.file("compare.svg");
  MapOptions o;
  o.file_a = "test.h5";
  o.file_b = "field.h5";
  render_comparison(data(), b, o, path);
  EXPECT_EQ(dir_.entries(), std::vector<std::string>{"compare.svg"});
  const std::string text = text_layer(slurp(path));
  for (const ComparisonRow& r : rows) {
    EXPECT_NE(text.find(">" + format_number(r.a.mean, r.decimals) + "<"), std::string::npos) << r.quantity;
    EXPECT_NE(text.find(">" + format_number(r.b.mean, r.decimals) + "<"), std::string::npos) << r.quantity;
    const std::string interval =
        std::isnan(r.a.q05) ? "(90 % of the expected items)"
                            : "[" + format_number(r.a.q05, r.decimals) + " – " + format_number(r.a.q95, r.decimals) + "]";
    EXPECT_NE(text.find(interval), std::string::npos) << r.quantity;
  }
  EXPECT_NE(text.find(fmt::format(">{:.2f}<", rows[0].ratio)), std::string::npos);
  EXPECT_NE(text.find("test.h5"), std::string::npos);
  EXPECT_NE(text.find("seed 7"), std::string::npos) << "B's provenance";
  EXPECT_NE(text.find("seed 31"), std::string::npos) << "A's provenance";
  EXPECT_NE(text.find("B − A"), std::string::npos);
  render_comparison(data(), b, o, dir_.file("compare.png"));
}

TEST_F(Map, ComparisonTableShowsSmallAreasToThreeFigures) {
  // 69 to 70 cells of 50 m: about 0.17 km². One fixed decimal printed 0.2
  // with the interval [0.2 – 0.2].
  ResultData a = data(), b = data();
  for (std::size_t r = 0; r < a.totals.size(); ++r) a.totals[r].contaminated_cells = 69 + r % 2;
  for (std::size_t r = 0; r < b.totals.size(); ++r) b.totals[r].contaminated_cells = 40 + r;
  const ComparisonRow area = comparison_rows(a, b)[2];
  ASSERT_EQ(area.quantity, "Area of cells with a dud, km²");
  auto shown = [&](double v) { return std::stod(format_number(v, area.decimals)); };
  EXPECT_NEAR(shown(area.a.mean), area.a.mean, 0.005 * area.a.mean) << format_number(area.a.mean, area.decimals);
  EXPECT_NEAR(shown(area.a.q05), area.a.q05, 0.005 * area.a.q05);
  EXPECT_NEAR(shown(area.b.q95), area.b.q95, 0.005 * area.b.q95);
  // Large areas keep one decimal.
  for (std::size_t r = 0; r < a.totals.size(); ++r) a.totals[r].contaminated_cells = 133000;
  EXPECT_EQ(comparison_rows(a, b)[2].decimals, 1);
}

TEST_F(Map, SourcesLineSpeaksOfDatasetSourcesOnlyWithADataset) {
  ASSERT_TRUE(data().dataset.empty());
  const std::string none = map_detail::sources_line(data());
  EXPECT_EQ(none.find("Dataset"), std::string::npos) << none;
  ResultData with = data();
  with.dataset = "south-lebanon";
  const std::string some = map_detail::sources_line(with);
  EXPECT_NE(some.find("Dataset south-lebanon"), std::string::npos) << some;
  EXPECT_NE(some.find("Dataset sources shortened here"), std::string::npos) << some;
}

TEST_F(Map, ComparisonRefusesDifferentGrids) {
  ResultData b = data();
  b.grid.origin_x_m += 50;
  MapOptions o;
  o.file_a = "a.h5";
  o.file_b = "b.h5";
  try {
    render_comparison(data(), b, o, dir_.file("compare.png"));
    FAIL() << "different grids accepted";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("a.h5"), std::string::npos) << m;
    EXPECT_NE(m.find("b.h5"), std::string::npos) << m;
    EXPECT_NE(m.find("700050"), std::string::npos) << m;
  }
  o.layer = "elevation";
  EXPECT_THROW(render_comparison(data(), data(), o, dir_.file("compare.png")), InputError);
  EXPECT_TRUE(dir_.entries().empty());
}

// The bundled Lebanon dataset: context layers drawn (towns, country names),
// or the footer says the dataset was not found.
TEST_F(Map, RealDatasetContextLayersOrAPlainNote) {
  const std::string config = std::string(REMNANT_SOURCE_DIR) + "/configs/lebanon-2006.toml";
  if (!std::filesystem::exists(datasets_dir() + "/south-lebanon/dataset.toml"))
    GTEST_SKIP() << "bundled datasets not built in " << datasets_dir();
  Scenario sc = load_scenario(config, {parse_override("inventory.total_submunitions=200000"),
                                       parse_override("sites.count=50")});
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 2, sc.seed);
  const ResultData d = make_result_data(sc, plan, r, cell_statistics(r.accumulators, 2));
  const std::string path = dir_.file("lebanon.svg");
  render_map(d, MapOptions{}, path);
  std::string text = text_layer(slurp(path));
  EXPECT_NE(text.find(">Tyre<"), std::string::npos);
  EXPECT_NE(text.find(">LEBANON<"), std::string::npos);
  EXPECT_NE(text.find("strike sites (one realization; redrawn in each)"), std::string::npos);
  EXPECT_NE(text.find("GeoNames"), std::string::npos) << "the dataset's sources";
  EXPECT_EQ(text.find("not found"), std::string::npos);

  MapOptions o;
  o.datasets_dir = dir_.file("nowhere");
  render_map(d, o, path);
  text = text_layer(slurp(path));
  EXPECT_EQ(text.find(">Tyre<"), std::string::npos);
  EXPECT_NE(text.find("dataset south-lebanon not found"), std::string::npos);
}

}  // namespace
}  // namespace remnant
