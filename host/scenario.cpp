#include "host/scenario.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace remnant {
namespace {

constexpr const char* kLandCoverNames[kLandCoverClasses] = {"water", "built_up", "bare", "grass_shrub",
                                                            "cropland", "tree", "wetland"};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return fmt::format("the string \"{}\"", *n.value<std::string>());
    case toml::node_type::integer: return fmt::format("the integer {}", *n.value<std::int64_t>());
    case toml::node_type::floating_point: return fmt::format("the number {}", *n.value<double>());
    case toml::node_type::boolean: return fmt::format("the boolean {}", *n.value<bool>() ? "true" : "false");
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

// Strict access to one TOML table: every key read is marked, finish() reports
// the first key nobody asked for. Messages: "file:line: key: expected ..., got ...".
class Section {
 public:
  Section(const toml::table& t, std::string prefix, const std::string& file)
      : t_(t), prefix_(std::move(prefix)), file_(file) {}

  [[noreturn]] void fail_at(const toml::node* n, const std::string& key, const std::string& msg) const {
    const auto line = n ? n->source().begin.line : t_.source().begin.line;
    throw InputError(fmt::format("{}:{}: {}: {}", file_, line, full(key), msg));
  }
  [[noreturn]] void expected(const std::string& key, const std::string& what) const {
    const toml::node* n = t_.get(key);
    fail_at(n, key, n ? fmt::format("expected {}, got {}", what, type_name(*n)) : fmt::format("missing; expected {}", what));
  }

  std::string full(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  const std::string& file() const { return file_; }
  bool has(const std::string& key) const { return t_.contains(key); }
  const toml::node* node(const std::string& key) {
    used_.insert(key);
    return t_.get(key);
  }

  double number(const std::string& key, double lo, double hi, const std::string& what) {
    const toml::node* n = node(key);
    if (!n) expected(key, what);
    std::optional<double> v;
    if (n->is_floating_point()) v = *n->value<double>();
    else if (n->is_integer()) v = static_cast<double>(*n->value<std::int64_t>());
    if (!v) expected(key, what);
    if (!std::isfinite(*v) || *v < lo || *v > hi) fail_at(n, key, fmt::format("expected {}, got {}", what, *v));
    return *v;
  }
  double number_or(const std::string& key, double fallback, double lo, double hi, const std::string& what) {
    return has(key) ? number(key, lo, hi, what) : (node(key), fallback);
  }

  std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, const std::string& what) {
    const toml::node* n = node(key);
    if (!n || !n->is_integer()) expected(key, what);
    const std::int64_t v = *n->value<std::int64_t>();
    if (v < lo || v > hi) fail_at(n, key, fmt::format("expected {}, got {}", what, v));
    return v;
  }

  std::string string(const std::string& key, const std::string& what) {
    const toml::node* n = node(key);
    if (!n || !n->is_string()) expected(key, what);
    return *n->value<std::string>();
  }
  std::string string_or(const std::string& key, const std::string& fallback) {
    return has(key) ? string(key, "a string") : fallback;
  }

  // [lo, hi] with lo <= hi, both inside [min, max]; a single number means lo = hi.
  Range range(const std::string& key, double min, double max, const std::string& unit) {
    const std::string what = fmt::format("a number or a [low, high] pair of numbers in [{}, {}] {}", min, max, unit);
    const toml::node* n = node(key);
    if (!n) expected(key, what);
    if (n->is_number()) {
      const double v = number(key, min, max, what);
      return Range{v, v};
    }
    const toml::array* a = n->as_array();
    if (!a || a->size() != 2 || !(*a)[0].is_number() || !(*a)[1].is_number()) expected(key, what);
    auto as_double = [](const toml::node& e) {
      return e.is_integer() ? static_cast<double>(*e.value<std::int64_t>()) : *e.value<double>();
    };
    Range r{as_double((*a)[0]), as_double((*a)[1])};
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo < min || r.hi > max || r.lo > r.hi)
      fail_at(n, key, fmt::format("expected {}, got [{}, {}]", what, r.lo, r.hi));
    return r;
  }

  Section table(const std::string& key) {
    const toml::node* n = node(key);
    if (!n || !n->is_table()) expected(key, "a table");
    return Section(*n->as_table(), full(key), file_);
  }

  // Array of tables ([[key]]); empty when absent and not required.
  std::vector<Section> tables(const std::string& key, bool required) {
    const toml::node* n = node(key);
    std::vector<Section> out;
    if (!n) {
      if (required) expected(key, fmt::format("at least one [[{}]] table", full(key)));
      return out;
    }
    const toml::array* a = n->as_array();
    if (!a) expected(key, fmt::format("an array of tables [[{}]]", full(key)));
    std::size_t i = 0;
    for (const toml::node& e : *a) {
      if (!e.is_table()) fail_at(&e, key, "expected a table in the array");
      out.emplace_back(*e.as_table(), fmt::format("{}[{}]", full(key), i++), file_);
    }
    if (required && out.empty()) fail_at(n, key, "expected at least one entry");
    return out;
  }

  std::uint32_t line() const { return t_.source().begin.line; }

  void finish() const {
    for (auto&& [k, v] : t_) {
      const std::string key(k.str());
      if (!used_.count(key)) fail_at(&v, key, "unknown key (not part of the scenario format; misspelt?)");
    }
  }

 private:
  const toml::table& t_;
  std::string prefix_;
  const std::string& file_;
  std::set<std::string> used_;
};

RatePrior rate_prior(Section& s, const std::string& key) {
  const toml::node* n = s.node(key);
  const std::string what = "a probability in [0, 1] or a Beta prior { alpha = A, beta = B } with A, B > 0";
  if (!n) s.expected(key, what);
  RatePrior p;
  if (n->is_number()) {
    p.fixed = true;
    p.value = s.number(key, 0.0, 1.0, "a probability in [0, 1]");
    return p;
  }
  if (!n->is_table()) s.expected(key, what);
  Section t = s.table(key);
  p.fixed = false;
  p.alpha = t.number("alpha", 1e-6, 1e9, "a positive number (Beta alpha)");
  p.beta = t.number("beta", 1e-6, 1e9, "a positive number (Beta beta)");
  if (p.alpha <= 0.0) t.fail_at(t.node("alpha"), "alpha", "expected a positive number");
  if (p.beta <= 0.0) t.fail_at(t.node("beta"), "beta", "expected a positive number");
  t.finish();
  return p;
}

LandCover land_cover_key(Section& s, const std::string& key) {
  const std::string v = s.string(key, "a land-cover class name");
  const auto lc = land_cover_from_name(v);
  if (!lc)
    s.fail_at(s.node(key), key,
              fmt::format("unknown land-cover class \"{}\"; expected one of water, built_up, bare, grass_shrub, "
                          "cropland, tree, wetland",
                          v));
  return *lc;
}

}  // namespace

const char* land_cover_name(LandCover c) { return kLandCoverNames[static_cast<int>(c) % kLandCoverClasses]; }

std::optional<LandCover> land_cover_from_name(const std::string& s) {
  for (int i = 0; i < kLandCoverClasses; ++i)
    if (s == kLandCoverNames[i]) return static_cast<LandCover>(i);
  return std::nullopt;
}

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::GaussianEllipse: return "gaussian_ellipse";
    case Pattern::Ring: return "ring";
    case Pattern::UniformEllipse:
    default: return "uniform_ellipse";
  }
}

Scenario parse_scenario(const std::string& text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw InputError(fmt::format("{}:{}:{}: not valid TOML: {}", file, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }

  Scenario sc;
  sc.path = file;
  sc.text = text;
  Section top(root, "", file);

  {
    Section s = top.table("scenario");
    sc.name = s.string("name", "a scenario name");
    sc.seed = static_cast<std::uint64_t>(s.integer("seed", 0, INT64_MAX, "a non-negative integer seed"));
    sc.realizations = static_cast<std::uint32_t>(
        s.integer("realizations", 1, 100'000'000, "a number of realizations between 1 and 100000000"));
    s.finish();
  }

  {
    Section g = top.table("grid");
    GridSpec& gs = sc.grid;
    gs.nx = static_cast<std::uint32_t>(g.integer("nx", 1, 1'000'000, "a number of columns >= 1"));
    gs.ny = static_cast<std::uint32_t>(g.integer("ny", 1, 1'000'000, "a number of rows >= 1"));
    gs.cell_size_m = g.number("cell_size_m", 0.01, 1e6, "a cell size in metres > 0");
    gs.origin_x_m = g.number("origin_x_m", -1e8, 1e8, "the x of the lower-left corner in metres");
    gs.origin_y_m = g.number("origin_y_m", -1e8, 1e8, "the y of the lower-left corner in metres");
    gs.crs = g.string_or("crs", "");
    gs.land_cover = land_cover_key(g, "land_cover");
    gs.elevation_m = g.number_or("elevation_m", 0.0, -500.0, 9000.0, "an elevation in metres");
    if (static_cast<std::uint64_t>(gs.nx) * gs.ny > 0xFFFFFFFFull)
      g.fail_at(g.node("nx"), "nx", fmt::format("grid of {} x {} cells exceeds 2^32 cells", gs.nx, gs.ny));
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

  {
    Section w = top.table("wind");
    sc.wind.speed_mps = w.range("speed_mps", 0.0, 100.0, "m/s");
    sc.wind.from_deg = w.range("from_deg", -360.0, 720.0, "degrees");
    w.finish();
  }

  sc.dud_multiplier.fill(1.0);
  if (top.has("land_cover")) {
    Section lc = top.table("land_cover");
    if (lc.has("dud_rate_multiplier")) {
      Section m = lc.table("dud_rate_multiplier");
      for (int i = 0; i < kLandCoverClasses; ++i) {
        if (m.has(kLandCoverNames[i]))
          sc.dud_multiplier[i] = m.number(kLandCoverNames[i], 0.0, 100.0, "a multiplier in [0, 100]");
        else
          sc.assumptions.push_back(fmt::format("land cover '{}': no dud-rate multiplier given, 1.0 used", kLandCoverNames[i]));
      }
      m.finish();
    } else {
      sc.assumptions.push_back("no land-cover dud-rate multipliers given: 1.0 for every class");
    }
    sc.slope_coefficient = lc.number_or("slope_coefficient", 0.0, 0.0, 100.0, "a coefficient in [0, 100]");
    lc.finish();
  } else {
    sc.assumptions.push_back("no [land_cover] table: dud-rate multiplier 1.0 for every class, no slope effect");
  }

  std::map<std::string, std::size_t> type_index, carrier_index;
  for (Section& t : top.tables("submunition", true)) {
    SubmunitionType st;
    st.name = t.string("name", "a submunition name");
    if (type_index.count(st.name)) t.fail_at(t.node("name"), "name", fmt::format("duplicate submunition \"{}\"", st.name));
    st.terminal_velocity_mps = t.range("terminal_velocity_mps", 1.0, 1000.0, "m/s");
    st.dud_rate = rate_prior(t, "dud_rate");
    if (t.has("self_destruct_failure")) st.self_destruct_failure = rate_prior(t, "self_destruct_failure");
    t.finish();
    type_index[st.name] = sc.submunitions.size();
    sc.submunitions.push_back(st);
  }

  for (Section& c : top.tables("carrier", true)) {
    CarrierType ct;
    ct.name = c.string("name", "a carrier name");
    if (carrier_index.count(ct.name)) c.fail_at(c.node("name"), "name", fmt::format("duplicate carrier \"{}\"", ct.name));
    ct.submunition = c.string("submunition", "the name of a [[submunition]]");
    if (!type_index.count(ct.submunition))
      c.fail_at(c.node("submunition"), "submunition",
                fmt::format("unknown submunition \"{}\"; expected the name of a [[submunition]] in this file", ct.submunition));
    ct.submunitions_per_carrier = static_cast<std::uint32_t>(
        c.integer("submunitions_per_carrier", 1, 1'000'000, "a number of submunitions per carrier >= 1"));
    ct.delivery = c.string("delivery", "air, rocket or artillery");
    if (ct.delivery != "air" && ct.delivery != "rocket" && ct.delivery != "artillery")
      c.fail_at(c.node("delivery"), "delivery", fmt::format("expected air, rocket or artillery, got \"{}\"", ct.delivery));
    const std::string pat = c.string("pattern", "uniform_ellipse, gaussian_ellipse or ring");
    if (pat == "uniform_ellipse") ct.pattern = Pattern::UniformEllipse;
    else if (pat == "gaussian_ellipse") ct.pattern = Pattern::GaussianEllipse;
    else if (pat == "ring") ct.pattern = Pattern::Ring;
    else c.fail_at(c.node("pattern"), "pattern", fmt::format("expected uniform_ellipse, gaussian_ellipse or ring, got \"{}\"", pat));
    ct.semi_major_m = c.range("semi_major_m", 0.0, 1e5, "metres");
    ct.semi_minor_m = c.range("semi_minor_m", 0.0, 1e5, "metres");
    if (ct.pattern == Pattern::Ring)
      ct.ring_inner_fraction = c.number("ring_inner_fraction", 0.0, 1.0, "a fraction in [0, 1] of the outer radius");
    ct.aim_error_cep_m = c.number("aim_error_cep_m", 0.0, 1e5, "a circular error probable in metres >= 0");
    ct.function_height_m = c.range("function_height_m", 0.0, 20000.0, "metres above ground");
    c.finish();
    carrier_index[ct.name] = sc.carriers.size();
    sc.carriers.push_back(ct);
  }

  for (Section& s : top.tables("strike", true)) {
    Strike st;
    st.line = s.line();
    st.carrier = s.string("carrier", "the name of a [[carrier]]");
    if (!carrier_index.count(st.carrier))
      s.fail_at(s.node("carrier"), "carrier",
                fmt::format("unknown carrier \"{}\"; expected the name of a [[carrier]] in this file", st.carrier));
    st.carriers = static_cast<std::uint32_t>(s.integer("carriers", 1, 100'000'000, "a number of carriers >= 1"));
    st.x_m = s.number("x_m", -1e8, 1e8, "a projected x in metres");
    st.y_m = s.number("y_m", -1e8, 1e8, "a projected y in metres");
    if (s.has("heading_deg")) st.heading_deg = s.number("heading_deg", -360.0, 720.0, "degrees clockwise from north");
    st.heading_spread_deg = s.number_or("heading_spread_deg", 0.0, 0.0, 360.0, "a spread in [0, 360] degrees");
    s.finish();
    sc.strikes.push_back(st);
  }

  top.finish();
  return sc;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the scenario file (missing or unreadable)", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: error while reading the scenario file", path));
  return parse_scenario(ss.str(), path);
}

}  // namespace remnant
