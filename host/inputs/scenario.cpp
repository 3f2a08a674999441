// A scenario file read into a Scenario: its base merged in, --set overrides
// applied, then each part read in turn (scenario_parts.h says where each
// part is read).
#include "host/inputs/scenario.h"

#include "host/common/geo.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/inputs/scenario_parts.h"

namespace remnant {

using namespace inputs_detail;  // the parts of a scenario and the TOML reader

namespace {

// A scenario built on another: its tables merge into the base's key by key;
// any other value, arrays of tables included, replaces the base's (area = []
// removes the base's areas).
// Values are moved, not copied: a moved node keeps its source (file, line)
// for error messages.
void merge_into(toml::table& base, toml::table& over) {
  for (auto&& [k, v] : over) {
    toml::node* b = base.get(k);
    if (b && b->is_table() && v.is_table()) merge_into(*b->as_table(), *v.as_table());
    else base.insert_or_assign(k, std::move(v));
  }
}

// A key of the scenario that something other than the file it was written in
// replaced: a --set, or a scenario building on the file (its base).
struct Replacement {
  std::string key;   // dotted path, as --set writes it
  std::string by;    // "--set KEY=VALUE", or "FILE (building on BASE)"
  std::string file;  // the file that replaced it ("" for --set)
};

// The dotted paths of the values under n (tables descended, arrays whole).
void value_paths(const toml::table& t, const std::string& prefix, std::vector<std::string>& out) {
  for (auto&& [k, v] : t) {
    const std::string path = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) value_paths(*sub, path, out);
    else out.push_back(path);
  }
}

// The scenario's TOML: the file's own, or, when it builds on another
// ([scenario] base), the base's with the file's merged into it; the keys the
// file sets over its base go into `replaced`.
toml::table parse_with_base(Scenario& sc, const std::string& text, const std::string& file,
                            std::vector<Replacement>& replaced) {
  toml::table root = parse_toml(text, file);
  if (const toml::node* b = root.at_path("scenario.base").node()) {
    if (!b->is_string())
      throw InputError(fmt::format("{}:{}: scenario.base: expected the path of the scenario this one builds on", file,
                                   b->source().begin.line));
    sc.base_path = relative_to(file, *b->value<std::string>());
    sc.base_text = read_text(sc.base_path, "base scenario", fmt::format("{}:{}", file, b->source().begin.line));
    toml::table base = parse_toml(sc.base_text, sc.base_path);
    if (base.at_path("scenario.base"))
      throw InputError(fmt::format("{}: scenario.base: a base scenario cannot itself have a base", sc.base_path));
    root.as_table()->get_as<toml::table>("scenario")->erase("base");
    std::vector<std::string> keys;
    value_paths(root, "", keys);
    for (const std::string& k : keys)
      replaced.push_back({k, fmt::format("{} (building on {})", file, sc.base_path), file});
    merge_into(base, root);
    root = std::move(base);
  }
  return root;
}

// --set KEY=VALUE, in order, each recorded.
void apply_overrides(Scenario& sc, toml::table& root, const std::vector<Override>& overrides, const std::string& file,
                     std::vector<Replacement>& replaced) {
  for (const Override& o : overrides) {
    apply_override(root, o, file);
    sc.overrides.push_back(o.key + "=" + o.value);
    replaced.push_back({o.key, "--set " + o.key + "=" + o.value, ""});
  }
}

// Whether key `part` is `whole` or lies inside it ("sites.area[0].weight" in "sites.area").
bool inside_key(const std::string& part, const std::string& whole) {
  return part == whole || (part.size() > whole.size() && part.compare(0, whole.size(), whole) == 0 &&
                           (part[whole.size()] == '.' || part[whole.size()] == '['));
}

// [scenario] assumptions: a string holds for the whole run; a table
// { text = "...", about = ["KEY", ...] } holds while none of the keys it rests
// on (or a table holding one, or a key inside one) is replaced by a --set or
// by a scenario building on the file that states it: then it is dropped, and
// dropped_assumptions says why.
void parse_assumptions(Scenario& sc, Section& s, const std::vector<Replacement>& replaced) {
  const toml::node* n = s.node("assumptions");
  if (!n) return;
  const toml::array* a = n->as_array();
  const std::string what = "an array of assumptions: strings, or tables { text = \"...\", about = [\"KEY\", ...] }";
  if (!a) s.expected("assumptions", what);
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    if (e.is_string()) {
      sc.assumptions.push_back(*e.value<std::string>());
      continue;
    }
    if (!e.is_table()) s.fail_at(&e, "assumptions", fmt::format("expected {}, got {} in it", what, type_name(e)));
    Section t(*e.as_table(), s.full(fmt::format("assumptions[{}]", i)), s.file());
    const std::string text = t.string("text", "the assumption, a sentence");
    const toml::node* about = t.node("about");
    const toml::array* keys = about ? about->as_array() : nullptr;
    if (!keys || keys->empty()) t.expected("about", "a non-empty array of the scenario keys it rests on (\"sites.area\")");
    std::string dropped;
    for (const toml::node& k : *keys) {
      if (!k.is_string() || k.value<std::string>()->empty())
        t.fail_at(&k, "about", "expected scenario keys as strings (\"sites.area\", \"inventory.carrier\")");
      const std::string key = *k.value<std::string>();
      const auto& stated_in = e.source().path;
      for (const Replacement& r : replaced)
        if (dropped.empty() && !(stated_in && !r.file.empty() && *stated_in == r.file) &&
            (inside_key(r.key, key) || inside_key(key, r.key)))
          dropped = fmt::format("{} (rests on {}, replaced by {})", text, key, r.by);
    }
    t.finish();
    if (dropped.empty()) sc.assumptions.push_back(text);
    else sc.dropped_assumptions.push_back(dropped);
  }
}

// The scenario's [munition_overrides], if any.
MunitionOverrides munition_overrides_of(Section& top, toml::table& root, const std::string& file) {
  MunitionOverrides mo;
  mo.file = file;
  if (top.has("munition_overrides")) {
    if (!top.node("munition_overrides")->is_table())
      top.expected("munition_overrides", "a table of [munition_overrides.NAME] tables");
    mo.table = root.get_as<toml::table>("munition_overrides");
  }
  return mo;
}

// [scenario]: name, seed, realizations, the catalogue and land-cover table
// used, which dud rates, sources and assumptions, the bibliography. Returns
// where the bibliography was named ("" when it was not).
std::string parse_scenario_table(Scenario& sc, Section& top, MunitionOverrides& mo,
                                 const std::vector<Replacement>& replaced) {
  Section s = top.table("scenario");
  sc.name = s.string("name", "a scenario name");
  s.string_or("description", "");
  sc.seed = static_cast<std::uint64_t>(s.integer("seed", 0, INT64_MAX, "a non-negative integer seed"));
  sc.realizations = static_cast<std::uint32_t>(
      s.integer("realizations", 1, 100'000'000, "a number of realizations between 1 and 100000000"));
  if (s.has("munitions"))
    load_munitions(sc, s.path("munitions", "the path of a munition catalogue"), s.where("munitions"), mo);
  if (s.has("land_cover_table")) {
    if (top.has("land_cover"))
      s.fail_at(s.node("land_cover_table"), "land_cover_table", "give a land-cover table file or an inline [land_cover], not both");
    load_land_cover_table(sc, s.path("land_cover_table", "the path of a land-cover table"),
                          s.where("land_cover_table"));
  }
  if (s.has("dud_rates")) {
    sc.dud_rates = s.string("dud_rates", "\"field\" or \"test\"");
    if (sc.dud_rates != "field" && sc.dud_rates != "test")
      s.fail_at(s.node("dud_rates"), "dud_rates", fmt::format("expected \"field\" or \"test\", got \"{}\"", sc.dud_rates));
  }
  sc.sources = s.strings_or_empty("sources");
  parse_assumptions(sc, s, replaced);
  std::string bibliography_from;
  if (s.has("bibliography")) {
    sc.bibliography_path = s.path("bibliography", "the path of a bibliography (a TOML file like configs/sources.toml)");
    bibliography_from = s.where("bibliography");
  }
  s.finish();
  return bibliography_from;
}

// ------------------------------------------------------------ grid, terrain, wind

void parse_grid(Scenario& sc, Section& top) {
  Section g = top.table("grid");
  GridSpec& gs = sc.grid;
  if (g.has("dataset")) {
    const std::string name = g.string("dataset", "the name of a bundled dataset (e.g. \"south-lebanon\") or its directory");
    g.finish();
    sc.dataset = load_dataset(name, g.where());
    gs = sc.dataset->grid;
    return;
  }
  const std::string larger = " (a larger extent needs larger cells, grid.cell_size_m)";
  gs.nx = static_cast<std::uint32_t>(
      g.integer("nx", 1, 1'000'000, "a number of columns between 1 and 1000000" + larger));
  gs.ny = static_cast<std::uint32_t>(g.integer("ny", 1, 1'000'000, "a number of rows between 1 and 1000000" + larger));
  gs.cell_size_m = g.number("cell_size_m", 0.01, 1e6, "a cell size in metres between 0.01 and 1e6");
  gs.origin_x_m = g.number("origin_x_m", -1e8, 1e8, "the x of the lower-left corner in metres, between -1e8 and 1e8");
  gs.origin_y_m = g.number("origin_y_m", -1e8, 1e8, "the y of the lower-left corner in metres, between -1e8 and 1e8");
  gs.crs = g.string_or("crs", "");
  if (!gs.crs.empty()) {  // checked now, not when a raster or the result file needs it
    try {
      require_projected_metres(gs.crs, "CRS");
    } catch (const InputError& e) {
      g.fail_at(g.node("crs"), "crs", e.what());
    }
  }
  gs.land_cover = land_cover_key(g, "land_cover");
  gs.elevation_m = g.number_or("elevation_m", 0.0, -500.0, 9000.0, "an elevation in metres between -500 and 9000");
  if (static_cast<std::uint64_t>(gs.nx) * gs.ny > 0xFFFFFFFFull)
    g.fail_at(g.node("nx"), "nx",
              fmt::format("grid of {} x {} cells exceeds 2^32 cells; expected fewer: use larger cells "
                          "(grid.cell_size_m) or a smaller extent",
                          gs.nx, gs.ny));
  for (Section& r : g.tables("region", false)) {
    LandCoverRegion reg;
    reg.x_m = r.range("x_m", -1e8, 1e8, "metres");
    reg.y_m = r.range("y_m", -1e8, 1e8, "metres");
    reg.land_cover = land_cover_key(r, "land_cover");
    r.finish();
    gs.regions.push_back(reg);
  }
  g.finish();
}

void parse_terrain(Scenario& sc, Section& top) {
  Section t = top.table("terrain");
  if (t.has("elevation")) sc.terrain.elevation = t.path("elevation", "the path of a DEM raster");
  if (t.has("land_cover")) {
    sc.terrain.land_cover = t.path("land_cover", "the path of a land-cover raster");
    sc.terrain.land_cover_codes = t.string("land_cover_codes", "\"worldcover\" or \"remnant\" (how to read the raster's codes)");
    if (sc.terrain.land_cover_codes != "worldcover" && sc.terrain.land_cover_codes != "remnant")
      t.fail_at(t.node("land_cover_codes"), "land_cover_codes",
                fmt::format("expected \"worldcover\" or \"remnant\", got \"{}\"", sc.terrain.land_cover_codes));
  }
  t.finish();
  if (sc.terrain.elevation.empty() && sc.terrain.land_cover.empty())
    throw InputError(fmt::format("{}: [terrain]: expected elevation and/or land_cover raster paths", t.where()));
}

void parse_wind(Scenario& sc, Section& top) {
  Section w = top.table("wind");
  sc.wind.speed_mps = w.range("speed_mps", 0.0, 100.0, "m/s");
  sc.wind.from_deg = w.range("from_deg", -360.0, 720.0, "degrees");
  w.finish();
}

// [hazard]: the fade-out distance that makes the hazard area.
void parse_hazard(Scenario& sc, Section& top) {
  if (!top.has("hazard")) {
    sc.assumptions.push_back(fmt::format(
        "hazard area: a fade-out distance of {:g} m around every unexploded item (Remnant's default, an assumption; "
        "set hazard.fade_out_m)",
        kDefaultFadeOutM));
    return;
  }
  Section h = top.table("hazard");
  sc.hazard.fade_out_m = h.number("fade_out_m", 1.0, 1000.0, "a fade-out distance in metres between 1 and 1000");
  sc.hazard.stated = true;
  h.string_or("fade_out_m_source", "");
  h.finish();
}

// The submunitions and carriers: the catalogue's and the scenario's own, with
// [munition_overrides] applied and recorded among the assumptions.
void parse_munitions(Scenario& sc, toml::table& root, Section& top, MunitionOverrides& mo) {
  const bool catalogue = !sc.munitions_path.empty();
  apply_munition_overrides(root, "the scenario " + sc.path, mo);
  parse_munition_entries(sc, top, !catalogue, mo);
  check_override_names(sc, mo);
  sc.assumptions.insert(sc.assumptions.end(), mo.notes.begin(), mo.notes.end());
}

// Which dud-rate prior the run uses.
void choose_dud_rates(Scenario& sc, Section& top) {
  for (SubmunitionType& t : sc.submunitions) {
    if (!t.dud_rate_test) continue;
    if (sc.dud_rates.empty())
      top.fail_at(nullptr, "scenario.dud_rates",
                  fmt::format("submunition \"{}\" ({}) has test and field dud-rate priors; say which to use: "
                              "dud_rates = \"field\" or \"test\" in [scenario]",
                              t.name, t.defined_at));
    t.dud_rate = sc.dud_rates == "test" ? *t.dud_rate_test : *t.dud_rate_field;
  }
}

// What fell: [[strike]]s, or an [inventory] with [sites].
void parse_what_fell(Scenario& sc, Section& top) {
  parse_strikes(sc, top);
  if (top.has("inventory")) parse_inventory(sc, top);
  if (top.has("sites")) parse_sites(sc, top);
}

// Checked after top.finish(), so that a misspelt [[strike]] or [sites] is named as such.
void check_what_fell(const Scenario& sc, const Section& top) {
  // Fixed points may name their own carriers, and then need no [inventory]
  // (make_plan checks that every site gets its carriers one way or the other).
  const bool fixed_points = sc.sites.present && !sc.sites.fixed_points.table.points.empty();
  if (sc.inventory.present != sc.sites.present && !(fixed_points && !sc.inventory.present))
    top.fail_at(nullptr, sc.inventory.present ? "sites" : "inventory",
                "an [inventory] needs [sites] to say where it fell, and [sites] need an [inventory] (unless "
                "placement = \"fixed\" and every point of points_csv names its carrier and carriers)");
  if (sc.strikes.empty() && !sc.sites.present)
    top.fail_at(nullptr, "strike", "expected at least one [[strike]], or an [inventory] with [sites]");
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file, const std::vector<Override>& overrides) {
  Scenario sc;
  sc.path = file;
  sc.text = text;
  std::vector<Replacement> replaced;
  toml::table root = parse_with_base(sc, text, file, replaced);
  apply_overrides(sc, root, overrides, file, replaced);
  Section top(root, "", file);
  MunitionOverrides mo = munition_overrides_of(top, root, file);
  sc.dud_multiplier.fill(1.0);
  default_recoverable(sc);

  const std::string bibliography_from = parse_scenario_table(sc, top, mo, replaced);
  parse_grid(sc, top);
  if (top.has("terrain")) parse_terrain(sc, top);
  parse_wind(sc, top);
  parse_hazard(sc, top);
  if (top.has("land_cover")) parse_inline_land_cover(sc, top);
  else if (sc.land_cover_path.empty())
    sc.assumptions.push_back("no land-cover table: dud-rate multiplier 1.0 for every class, no slope effect");

  parse_munitions(sc, root, top, mo);
  choose_dud_rates(sc, top);

  parse_what_fell(sc, top);
  top.finish();  // first: a misspelt [[strike]] or [sites] is named as such
  check_what_fell(sc, top);
  resolve_citations(sc, root, file, bibliography_from);
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  return parse_scenario(read_text(path, "scenario file", ""), path, overrides);
}

}  // namespace remnant
