// The maps' text through Pango (host/maps/map_text.h): an Arabic title is
// shaped and laid out right to left, on its own and on a map page, and every
// bundled town name has a glyph for each of its characters in the maps' font.
#include <cairo.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <filesystem>

#include "host/inputs/scenario.h"
#include "host/maps/map.h"
#include "host/maps/map_internal.h"
#include "test_support.h"

namespace remnant {
namespace {

using map_detail::Font;
using map_detail::kTitleFont;
using map_detail::MeasuringCanvas;
using map_detail::TextShape;

// "Unexploded ordnance": three words, 7 + 1 + 3 + 1 + 8 characters.
const std::string kFirstWord = "\u0627\u0644\u0630\u062e\u0627\u0626\u0631";
const std::string kSecondWord = "\u063a\u064a\u0631";
const std::string kThirdWord = "\u0627\u0644\u0645\u0646\u0641\u062c\u0631\u0629";
const std::string kArabicTitle = kFirstWord + " " + kSecondWord + " " + kThirdWord;

// The characters of a UTF-8 text, one string each.
std::vector<std::string> characters(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// The least and the greatest left edge of the characters [a, b) of a line.
double leftmost(const TextShape& s, std::size_t a, std::size_t b) {
  return *std::min_element(s.char_left.begin() + long(a), s.char_left.begin() + long(b));
}
double rightmost(const TextShape& s, std::size_t a, std::size_t b) {
  return *std::max_element(s.char_left.begin() + long(a), s.char_left.begin() + long(b));
}

TEST(MapText, AnArabicTitleIsShapedAndRunsRightToLeft) {
  MeasuringCanvas m;
  map_detail::Canvas& c = m.canvas();
  const map_detail::TextSetter text(c.cr());
  const TextShape s = text.shape(kArabicTitle, kTitleFont);
  EXPECT_EQ(s.unknown_glyphs, 0) << "a character of the title has no glyph in any installed font";
  EXPECT_TRUE(s.right_to_left);
  EXPECT_EQ(s.characters, 20);
  ASSERT_EQ(s.char_left.size(), 20u);
  // Every letter of the first word lies right of every letter of the second,
  // and those right of the third's.
  EXPECT_GT(leftmost(s, 0, 7), rightmost(s, 8, 11)) << "the first word is not right of the second";
  EXPECT_GT(leftmost(s, 8, 11), rightmost(s, 12, 20)) << "the second word is not right of the third";
  // The line is a right-to-left paragraph (it starts in Arabic): a Latin
  // word at its end stands at its left end.
  const TextShape mixed = text.shape(kArabicTitle + " M77", kTitleFont);
  EXPECT_TRUE(mixed.right_to_left);
  ASSERT_EQ(mixed.char_left.size(), 24u);
  EXPECT_LT(rightmost(mixed, 21, 24), leftmost(mixed, 0, 20)) << "\"M77\" is not left of the Arabic words";
  // Joined: a letter inside a word takes its narrow connected form, so the
  // page measures a word well short of its letters set one by one (the same
  // on the page as in the layout: the canvas' widths are what a page uses).
  for (const std::string& word : {kFirstWord, kThirdWord}) {
    double letters = 0;
    for (const std::string& ch : characters(word)) letters += c.width(ch, kTitleFont);
    EXPECT_LT(c.width(word, kTitleFont), 0.9 * letters) << "the letters of a word were not joined";
  }
  EXPECT_NEAR(c.width(kArabicTitle, kTitleFont), s.width, 1e-9);
}

// The pixels of an image surface: dark (a channel below 100) or not.
std::vector<bool> dark_pixels(cairo_surface_t* img) {
  cairo_surface_flush(img);
  const int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
  const int stride = cairo_image_surface_get_stride(img);
  const unsigned char* px = cairo_image_surface_get_data(img);
  std::vector<bool> out(std::size_t(w) * std::size_t(h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::uint32_t v = *reinterpret_cast<const std::uint32_t*>(px + y * stride + 4 * x);
      out[std::size_t(y) * std::size_t(w) + std::size_t(x)] = ((v >> 8) & 0xff) < 100;
    }
  return out;
}

// A map page with the Arabic title: the title's right end is its first word,
// drawn as that word alone, right-aligned there, draws it (the same dark
// pixels, but for antialiasing at the edges of the glyphs). Drawn left to
// right, the right end was the last word, in letters that did not join.
TEST(MapText, AMapPageDrawsAnArabicTitleRightToLeft) {
  test::TempDir dir;
  const ResultData d = test::result_data(test::outputs_scenario(), 4, 7);
  MapOptions o;
  o.title = kArabicTitle;
  o.dpi = 300;
  const std::string png = dir.file("arabic.png"), svg = dir.file("arabic.svg");
  render_map(d, o, png);
  render_map(d, o, svg);
  EXPECT_NE(test::text_layer(test::slurp(svg)).find(">" + kArabicTitle + "</text>"), std::string::npos)
      << "the SVG's text layer lacks the title";

  cairo_surface_t* page = cairo_image_surface_create_from_png(png.c_str());
  ASSERT_EQ(cairo_surface_status(page), CAIRO_STATUS_SUCCESS);
  const int w = cairo_image_surface_get_width(page), h = cairo_image_surface_get_height(page);
  cairo_surface_t* word = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(word);
  cairo_scale(cr, o.dpi / 72.0, o.dpi / 72.0);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  map_detail::Canvas c(cr);
  const double right = map_detail::kMargin + c.width(kArabicTitle, kTitleFont);
  const double baseline = map_detail::kMargin + kTitleFont.size;
  c.text(right, baseline, kFirstWord, kTitleFont, map_detail::Align::Right);
  cairo_destroy(cr);

  const std::vector<bool> on_page = dark_pixels(page), alone = dark_pixels(word);
  const double k = o.dpi / 72.0;
  int word_ink = 0, missing = 0, title_ink = 0;
  for (int y = int((baseline - kTitleFont.size) * k); y < int((baseline + 5) * k); ++y)
    for (int x = int((map_detail::kMargin - 2) * k); x < int((right + 2) * k); ++x) {
      const std::size_t i = std::size_t(y) * std::size_t(w) + std::size_t(x);
      title_ink += on_page[i];
      word_ink += alone[i];
      missing += alone[i] && !on_page[i];
    }
  EXPECT_GT(word_ink, 1000) << "the first word drew no ink";
  EXPECT_GT(title_ink, 2 * word_ink) << "the title drew too little ink";
  EXPECT_LT(missing, word_ink / 50) << missing << " of the first word's " << word_ink
                                    << " dark pixels are not dark at the right end of the page's title";
  cairo_surface_destroy(word);
  cairo_surface_destroy(page);
}

// The name of every town of the bundled datasets (towns.geojson).
std::vector<std::string> bundled_town_names() {
  GDALAllRegister();
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& region : std::filesystem::directory_iterator(datasets_dir(), ec)) {
    const std::string file = (region.path() / "towns.geojson").string();
    if (!std::filesystem::exists(file)) continue;
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!ds) ADD_FAILURE() << "cannot open " << file;
    if (!ds) continue;
    for (OGRLayer* layer : ds->GetLayers())
      for (const auto& feature : *layer) names.push_back(feature->GetFieldAsString("name"));
  }
  return names;
}

// Every town name of the bundled datasets lays out in the maps' town font
// with a glyph for each character (none drawn as an empty box), and shaping
// drops none of them.
TEST(MapText, EveryBundledTownNameHasItsGlyphs) {
  const std::vector<std::string> names = bundled_town_names();
  if (names.empty()) GTEST_SKIP() << "no bundled datasets in " << datasets_dir();
  EXPECT_TRUE(std::any_of(names.begin(), names.end(),
                          [](const std::string& n) { return characters(n).size() < n.size(); }))
      << "no town name holds a character beyond ASCII (the case this test is for)";
  MeasuringCanvas m;
  const map_detail::TextSetter text(m.canvas().cr());
  for (const std::string& name : names) {
    const TextShape s = text.shape(name, map_detail::kTownFont);
    EXPECT_EQ(s.unknown_glyphs, 0) << "\"" << name << "\" has a character without a glyph";
    EXPECT_EQ(s.characters, int(characters(name).size())) << name;
    EXPECT_GT(s.width, 0) << name;
  }
}

}  // namespace
}  // namespace remnant
