// The scenario texts of the tests and the benchmark, built by one fixture: a
// base scenario and named variations, so that a test says only how its
// scenario differs instead of copying fifty lines of TOML.
//
//   const std::string text = test::ScenarioText("cuda test", 17, 200)
//       .grid(100, 100, 10.0)
//       .region({0.0, 1000.0}, {300.0, 380.0}, "water")
//       .wind({0.0, 12.0}, {200.0, 340.0})
//       .multiplier("cropland", 1.3)
//       .submunition(test::m77())
//       .carrier(test::m26())
//       .strike(test::Strike("M26", 6, 700.0, 500.0).heading(20.0, 10.0))
//       .text();
//
// The base: [grid] of 100 x 100 cells of 10 m at the origin (0, 0), cropland;
// [wind] calm (0.0 from 0.0); no munitions or strikes. The named munitions
// (m77, m26, m483, ...) are the ones several tests share; a test changes the
// figures it needs (`test::m26().per_carrier(300)`).
//
// The text is written as the scenario files are: the tables in the order
// [scenario], [grid], [[grid.region]], [terrain], [wind], [land_cover],
// [land_cover.dud_rate_multiplier], [[submunition]], [[carrier]], [[strike]],
// [inventory], [[inventory.carrier]], [sites], [[sites.area]], one blank line
// between tables, the keys of a table in the order of the scenario reference
// (so a key set later still lands on its usual line), and no leading blank
// line. Tests that name line numbers (cli_test, cases_test, bad_input_test)
// count on that layout.
//
// Header only, no GoogleTest: bench/bench_scenario.h includes it too.
#pragma once

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace remnant::test {

// A TOML value as text. An integer is written as it is (carriers = 6), a
// double with at least one decimal (50.0, 0.07, 3680000.0), {lo, hi} as the
// range [lo, hi], and a string is taken as TOML already: a table such as
// "{ alpha = 3.0, beta = 22.0 }", a quoted string, or a placeholder that a
// test fills later ("@RATE@").
class Value {
 public:
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Value(T v) : text_(std::to_string(v)) {}
  Value(double v) : text_(number(v)) {}
  Value(std::initializer_list<double> range) {
    text_ = "[";
    for (double v : range) text_ += (text_.size() > 1 ? ", " : "") + number(v);
    text_ += "]";
  }
  Value(const char* toml) : text_(toml) {}
  Value(std::string toml) : text_(std::move(toml)) {}
  const std::string& text() const { return text_; }

  // 50.0 -> "50.0", 0.07 -> "0.07": the shortest decimal that reads back as v.
  static std::string number(double v) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    std::string s = ec == std::errc() ? std::string(buf, end) : std::to_string(v);
    if (s.find_first_of(".ein") == std::string::npos) s += ".0";
    return s;
  }

 private:
  std::string text_;
};

// A TOML string: quoted("cropland") is "\"cropland\"".
inline Value quoted(const std::string& s) { return Value("\"" + s + "\""); }

// A Beta prior, as the scenarios write it: { alpha = 3.0, beta = 22.0 }.
inline Value beta(double alpha, double b) {
  return Value("{ alpha = " + Value::number(alpha) + ", beta = " + Value::number(b) + " }");
}

// One TOML table: its header line and its keys in order. A key that is set
// again keeps its line; a new key goes to its place in `order` (the scenario
// reference's order for that table), or last if it is not listed there.
class Table {
 public:
  explicit Table(std::string header, std::vector<std::string> order = {})
      : header_(std::move(header)), order_(std::move(order)) {}

  Table& set(const std::string& key, const Value& value) {
    for (auto& kv : keys_)
      if (kv.first == key) {
        kv.second = value.text();
        return *this;
      }
    keys_.insert(keys_.begin() + static_cast<std::ptrdiff_t>(place_of(key)), {key, value.text()});
    return *this;
  }
  Table& erase(const std::string& key) {
    keys_.erase(std::remove_if(keys_.begin(), keys_.end(), [&](const auto& kv) { return kv.first == key; }),
                keys_.end());
    return *this;
  }
  bool empty() const { return keys_.empty(); }
  const std::string& header() const { return header_; }

  // "[header]\nkey = value\n...".
  std::string text() const {
    std::string s = header_ + "\n";
    for (const auto& [key, value] : keys_) s += key + " = " + value + "\n";
    return s;
  }

 private:
  std::size_t rank(const std::string& key) const {
    return static_cast<std::size_t>(std::find(order_.begin(), order_.end(), key) - order_.begin());
  }
  // After the last key that comes before `key` in the order.
  std::size_t place_of(const std::string& key) const {
    const std::size_t r = rank(key);
    std::size_t at = 0;
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (rank(keys_[i].first) <= r) at = i + 1;
    return at;
  }

  std::string header_;
  std::vector<std::string> order_;
  std::vector<std::pair<std::string, std::string>> keys_;
};

// A table a test names and changes key by key: key() sets any key and
// returns the entry itself, so that the named setters below chain.
template <typename Self>
class Entry : public Table {
 public:
  Entry(std::string header, std::vector<std::string> order, std::vector<std::pair<std::string, Value>> keys)
      : Table(std::move(header), std::move(order)) {
    for (const auto& [k, v] : keys) set(k, v);
  }
  Self& key(const std::string& k, const Value& v) {
    set(k, v);
    return static_cast<Self&>(*this);
  }
};

// A [[submunition]]: name, terminal velocity (m/s), dud rate (a probability,
// a prior beta(a, b), or a placeholder).
class Submunition : public Entry<Submunition> {
 public:
  Submunition(const std::string& name, const Value& terminal_velocity_mps, const Value& dud_rate)
      : Entry("[[submunition]]", {"name", "terminal_velocity_mps", "dud_rate", "self_destruct_failure"},
              {{"name", quoted(name)}, {"terminal_velocity_mps", terminal_velocity_mps}, {"dud_rate", dud_rate}}) {}
  Submunition& terminal_velocity(const Value& v) { return key("terminal_velocity_mps", v); }
  Submunition& dud_rate(const Value& v) { return key("dud_rate", v); }
  Submunition& self_destruct_failure(const Value& v) { return key("self_destruct_failure", v); }
};

// A [[carrier]]: name, the submunition it carries and how many, delivery and
// pattern; the footprint, aim error and function height are set by name.
class Carrier : public Entry<Carrier> {
 public:
  Carrier(const std::string& name, const std::string& submunition, const Value& per_carrier,
          const std::string& delivery, const std::string& pattern)
      : Entry("[[carrier]]",
              {"name", "submunition", "submunitions_per_carrier", "delivery", "pattern", "semi_major_m", "semi_minor_m",
               "ring_inner_fraction", "aim_error_cep_m", "function_height_m"},
              {{"name", quoted(name)},
               {"submunition", quoted(submunition)},
               {"submunitions_per_carrier", per_carrier},
               {"delivery", quoted(delivery)},
               {"pattern", quoted(pattern)}}) {}
  Carrier& name(const std::string& n) { return key("name", quoted(n)); }
  Carrier& submunition(const std::string& n) { return key("submunition", quoted(n)); }
  Carrier& per_carrier(const Value& n) { return key("submunitions_per_carrier", n); }
  Carrier& pattern(const std::string& p) { return key("pattern", quoted(p)); }
  // The footprint's semi-axes (m), each a number or a range.
  Carrier& footprint(const Value& semi_major_m, const Value& semi_minor_m) {
    return key("semi_major_m", semi_major_m).key("semi_minor_m", semi_minor_m);
  }
  Carrier& ring_inner_fraction(const Value& f) { return key("ring_inner_fraction", f); }
  Carrier& aim_error_cep(const Value& m) { return key("aim_error_cep_m", m); }
  Carrier& function_height(const Value& m) { return key("function_height_m", m); }
};

// A [[strike]]: `carriers` of the carrier named, aimed at (x_m, y_m); a
// heading (and its spread) where one is given.
class Strike : public Entry<Strike> {
 public:
  Strike(const std::string& carrier, const Value& carriers, const Value& x_m, const Value& y_m)
      : Entry("[[strike]]", {"carrier", "carriers", "x_m", "y_m", "heading_deg", "heading_spread_deg"},
              {{"carrier", quoted(carrier)}, {"carriers", carriers}, {"x_m", x_m}, {"y_m", y_m}}) {}
  Strike& heading(const Value& deg) { return key("heading_deg", deg); }
  Strike& heading(const Value& deg, const Value& spread_deg) {
    return key("heading_deg", deg).key("heading_spread_deg", spread_deg);
  }
};

// The munitions several tests share (the figures of the bundled catalogue's
// entries, rounded). A test changes what it needs: m26().per_carrier(300).
inline Submunition m77() { return Submunition("M77", {30.0, 50.0}, beta(3.0, 22.0)); }
inline Submunition m42() { return Submunition("M42", {30.0, 50.0}, beta(2.0, 30.0)); }
inline Submunition blu97() { return Submunition("BLU-97", {20.0, 40.0}, beta(2.0, 25.0)); }
inline Submunition bomblet() { return Submunition("bomblet", {30.0, 50.0}, 0.1); }

// M26 rocket: 644 M77, uniform ellipse.
inline Carrier m26() {
  return Carrier("M26", "M77", 644, "rocket", "uniform_ellipse")
      .footprint({80.0, 120.0}, {40.0, 60.0})
      .aim_error_cep(150.0)
      .function_height({500.0, 900.0});
}
// M483 shell: 88 M77 (a test may load M42), ring.
inline Carrier m483() {
  return Carrier("M483", "M77", 88, "artillery", "ring")
      .footprint({50.0, 80.0}, {40.0, 60.0})
      .ring_inner_fraction(0.6)
      .aim_error_cep(80.0)
      .function_height({300.0, 500.0});
}
// CBU-87 bomb: 202 BLU-97, Gaussian ellipse.
inline Carrier cbu87() {
  return Carrier("CBU-87", "BLU-97", 202, "air", "gaussian_ellipse")
      .footprint({60.0, 240.0}, {40.0, 120.0})
      .aim_error_cep(60.0)
      .function_height({100.0, 900.0});
}
// A dispenser of bomblets dropped from the air, uniform ellipse.
inline Carrier dispenser(const Value& per_carrier = 200) {
  return Carrier("dispenser", "bomblet", per_carrier, "air", "uniform_ellipse")
      .footprint({80.0, 100.0}, {40.0, 50.0})
      .aim_error_cep(20.0)
      .function_height(0.0);
}

// A whole scenario: the base (see the top of this file) and what a test
// changes in it.
class ScenarioText {
 public:
  ScenarioText(const std::string& name, const Value& seed, const Value& realizations)
      : scenario_("[scenario]", {"name", "seed", "realizations", "munitions", "land_cover_table", "dud_rates"}),
        grid_("[grid]", {"nx", "ny", "cell_size_m", "origin_x_m", "origin_y_m", "crs", "land_cover", "elevation_m"}),
        terrain_("[terrain]"),
        wind_("[wind]", {"speed_mps", "from_deg"}),
        land_cover_("[land_cover]"),
        multiplier_("[land_cover.dud_rate_multiplier]"),
        inventory_("[inventory]"),
        sites_("[sites]", {"count", "placement", "points_csv"}) {
    scenario_.set("name", quoted(name)).set("seed", seed).set("realizations", realizations);
    grid(100, 100, 10.0);
    origin(0.0, 0.0);
    land_cover("cropland");
    wind(0.0, 0.0);
  }

  // Any key of [scenario] (munitions, land_cover_table, dud_rates, ...).
  ScenarioText& scenario(const std::string& key, const Value& v) { return in(scenario_, key, v); }

  // [grid]: nx x ny cells of cell_size_m metres.
  ScenarioText& grid(const Value& nx, const Value& ny, const Value& cell_size_m) {
    grid_.set("nx", nx).set("ny", ny);
    return in(grid_, "cell_size_m", cell_size_m);
  }
  ScenarioText& origin(const Value& x_m, const Value& y_m) {
    grid_.set("origin_x_m", x_m);
    return in(grid_, "origin_y_m", y_m);
  }
  ScenarioText& crs(const std::string& crs) { return in(grid_, "crs", quoted(crs)); }
  ScenarioText& land_cover(const std::string& cls) { return in(grid_, "land_cover", quoted(cls)); }
  ScenarioText& elevation(const Value& m) { return in(grid_, "elevation_m", m); }
  // A [[grid.region]] painted with another land cover.
  ScenarioText& region(const Value& x_m, const Value& y_m, const std::string& land_cover) {
    regions_.push_back(Table("[[grid.region]]"));
    regions_.back().set("x_m", x_m).set("y_m", y_m).set("land_cover", quoted(land_cover));
    return *this;
  }

  ScenarioText& terrain(const std::string& key, const Value& v) { return in(terrain_, key, v); }
  ScenarioText& wind(const Value& speed_mps, const Value& from_deg) {
    wind_.set("speed_mps", speed_mps);
    return in(wind_, "from_deg", from_deg);
  }
  // [land_cover] slope_coefficient.
  ScenarioText& slope_coefficient(const Value& k) { return in(land_cover_, "slope_coefficient", k); }
  // [land_cover.dud_rate_multiplier]: the multiplier of one class.
  ScenarioText& multiplier(const std::string& cls, const Value& m) { return in(multiplier_, cls, m); }

  ScenarioText& submunition(const Submunition& s) { return add(submunitions_, s); }
  ScenarioText& carrier(const Carrier& c) { return add(carriers_, c); }
  ScenarioText& strike(const Strike& s) { return add(strikes_, s); }

  // [inventory] total_submunitions, and an [[inventory.carrier]] with a share
  // ("share") or a count ("carriers").
  ScenarioText& inventory_total(const Value& n) { return in(inventory_, "total_submunitions", n); }
  ScenarioText& inventory_carrier(const std::string& carrier, const std::string& key, const Value& v) {
    inventory_carriers_.push_back(Table("[[inventory.carrier]]"));
    inventory_carriers_.back().set("carrier", quoted(carrier)).set(key, v);
    return *this;
  }
  // [sites] and its [[sites.area]]s.
  ScenarioText& sites(const Value& count, const std::string& placement) {
    sites_.set("count", count);
    return in(sites_, "placement", quoted(placement));
  }
  // Any key of [sites] (points_csv, placement, count, heading_deg, ...).
  ScenarioText& site(const std::string& key, const Value& v) { return in(sites_, key, v); }
  ScenarioText& site_area(const std::string& name, const Value& x_m, const Value& y_m, const Value& weight) {
    site_areas_.push_back(Table("[[sites.area]]"));
    site_areas_.back().set("name", quoted(name)).set("x_m", x_m).set("y_m", y_m).set("weight", weight);
    return *this;
  }

  std::string text() const {
    std::string s;
    const auto put = [&s](const Table& t) {
      if (t.empty()) return;
      if (!s.empty()) s += "\n";
      s += t.text();
    };
    for (const Table* t : {&scenario_, &grid_}) put(*t);
    for (const Table& t : regions_) put(t);
    for (const Table* t : {&terrain_, &wind_, &land_cover_, &multiplier_}) put(*t);
    for (const auto* list : {&submunitions_, &carriers_, &strikes_}) {
      for (const Table& t : *list) put(t);
    }
    put(inventory_);
    for (const Table& t : inventory_carriers_) put(t);
    put(sites_);
    for (const Table& t : site_areas_) put(t);
    return s;
  }

 private:
  ScenarioText& in(Table& t, const std::string& key, const Value& v) {
    t.set(key, v);
    return *this;
  }
  ScenarioText& add(std::vector<Table>& list, const Table& t) {
    list.push_back(t);
    return *this;
  }

  Table scenario_, grid_;
  std::vector<Table> regions_;
  Table terrain_, wind_, land_cover_, multiplier_;
  std::vector<Table> submunitions_, carriers_, strikes_;
  Table inventory_;
  std::vector<Table> inventory_carriers_;
  Table sites_;
  std::vector<Table> site_areas_;
};

}  // namespace remnant::test
