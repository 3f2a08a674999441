// What fell and where: the scenario's [[strike]] tables, or its [inventory]
// (carriers by count or by share of a total) and the [sites] it fell on.
#include "host/inputs/scenario.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "host/inputs/scenario_parts.h"

namespace remnant {
namespace inputs_detail {
namespace {

// The index of carrier `name`, or -1.
int find_carrier(const Scenario& sc, const std::string& name) {
  for (std::size_t i = 0; i < sc.carriers.size(); ++i)
    if (sc.carriers[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string unknown_carrier(const Scenario& sc, const std::string& name) {
  std::string known;
  for (const CarrierType& c : sc.carriers) known += (known.empty() ? "" : ", ") + c.name;
  return fmt::format("unknown carrier \"{}\"; expected one of: {}", name, known);
}

std::size_t carrier_index(const Scenario& sc, Section& s, const std::string& key) {
  const std::string name = s.string(key, "the name of a carrier in the catalogue");
  const int i = find_carrier(sc, name);
  if (i < 0) s.fail_at(s.node(key), key, unknown_carrier(sc, name));
  return static_cast<std::size_t>(i);
}

// A points file read for placement = "fixed", its carriers resolved: a count
// of submunitions becomes the whole carriers that fire at least that many.
FixedPoints read_fixed_points(const Scenario& sc, const std::string& path) {
  FixedPoints f;
  f.table = read_points_table(path);
  const std::size_t n = f.table.points.size();
  f.carrier.assign(n, -1);
  f.carriers.assign(n, 0);
  for (std::size_t i = 0; i < f.table.details.size(); ++i) {
    const PointDetails& d = f.table.details[i];
    if (d.carrier.empty()) continue;
    const int c = find_carrier(sc, d.carrier);
    if (c < 0) throw InputError(fmt::format("{}:{}: column carrier: {}", path, i + 2, unknown_carrier(sc, d.carrier)));
    const std::uint64_t per = sc.carriers[c].submunitions_per_carrier;
    f.carrier[i] = c;
    f.carriers[i] = d.carriers ? d.carriers : (d.submunitions + per - 1) / per;
  }
  return f;
}

void heading_keys(Section& s, std::optional<double>& heading, double& spread) {
  if (s.has("heading_deg"))
    heading = s.number("heading_deg", -360.0, 720.0, "degrees clockwise from north, between -360 and 720");
  spread = s.number_or("heading_spread_deg", 0.0, 0.0, 360.0, "a spread in [0, 360] degrees");
}

std::vector<std::array<double, 2>> lonlat_polygon(Section& a, const std::string& key) {
  std::vector<std::array<double, 2>> out;
  const toml::node* n = a.node(key);
  const toml::array* arr = n ? n->as_array() : nullptr;
  const std::string what = "an array of at least 3 [lon, lat] pairs (WGS84 degrees)";
  if (!arr || arr->size() < 3) a.expected(key, what);
  for (const toml::node& e : *arr) {
    const toml::array* p = e.as_array();
    if (!p || p->size() != 2 || !(*p)[0].is_number() || !(*p)[1].is_number()) a.fail_at(&e, key, "expected " + what);
    const double lon = as_double((*p)[0]), lat = as_double((*p)[1]);
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
      a.fail_at(&e, key, fmt::format("[{}, {}] is not a WGS84 longitude, latitude", lon, lat));
    out.push_back({lon, lat});
  }
  return out;
}

}  // namespace

void parse_strikes(Scenario& sc, Section& top) {
  for (Section& s : top.tables("strike", false)) {
    Strike st;
    st.line = s.line();
    st.carrier = carrier_index(sc, s, "carrier");
    st.carriers =
        static_cast<std::uint32_t>(s.integer("carriers", 1, 100'000'000, "a number of carriers between 1 and 1e8"));
    const bool metres = s.has("x_m") || s.has("y_m");
    if (metres || !(s.has("lon") || s.has("lat"))) {
      st.x_m = s.number("x_m", -1e8, 1e8, "a projected x in metres between -1e8 and 1e8 (or give lon and lat)");
      st.y_m = s.number("y_m", -1e8, 1e8, "a projected y in metres between -1e8 and 1e8");
      if (s.has("lon")) s.fail_at(s.node("lon"), "lon", "give either x_m, y_m or lon, lat, not both");
    } else {
      st.lon = s.number("lon", -180.0, 180.0, "a longitude in degrees east, WGS84");
      st.lat = s.number("lat", -90.0, 90.0, "a latitude in degrees north, WGS84");
    }
    heading_keys(s, st.heading_deg, st.heading_spread_deg);
    s.finish();
    sc.strikes.push_back(st);
  }
}

void parse_inventory(Scenario& sc, Section& top) {
  Section inv = top.table("inventory");
  sc.inventory.present = true;
  if (inv.has("total_submunitions"))
    sc.inventory.total_submunitions =
        inv.count("total_submunitions", 1, 4'000'000'000ull, "a number of submunitions between 1 and 4e9");
  double share_sum = 0.0;
  bool any_share = false;
  for (Section& l : inv.tables("carrier", true)) {
    InventoryLine line;
    line.line = l.line();
    line.carrier = carrier_index(sc, l, "carrier");
    if (l.has("carriers") == l.has("share"))
      l.fail_at(l.node("carrier"), "carrier", "give exactly one of carriers = N (a count) or share = F (of the total)");
    if (l.has("carriers")) line.carriers = l.count("carriers", 0, 100'000'000, "a number of carriers between 0 and 1e8");
    if (l.has("share")) {
      line.share = l.number("share", 0.0, 1.0, "a share of the total submunitions in [0, 1]");
      share_sum += *line.share;
      any_share = true;
    }
    if (l.has("function_height_m")) line.function_height_m = l.range("function_height_m", 0.0, 20000.0, "metres above ground");
    if (l.has("spin_rpm")) line.spin_rpm = l.range("spin_rpm", 0.0, 1e5, "revolutions per minute");
    l.finish();
    sc.inventory.lines.push_back(line);
  }
  if (any_share && !sc.inventory.total_submunitions)
    inv.expected("total_submunitions", "a total, which the shares of [[inventory.carrier]] divide");
  if (any_share && std::fabs(share_sum - 1.0) > 1e-6)
    inv.fail_at(inv.node("carrier"), "carrier", fmt::format("the shares add up to {}, expected 1", share_sum));
  inv.finish();
}

void parse_sites(Scenario& sc, Section& top) {
  Section s = top.table("sites");
  SiteSpec& sp = sc.sites;
  sp.present = true;
  sp.line = s.line();
  // With placement = "fixed" and points_csv, count may be left out: each point is one site.
  const bool count_optional = s.has("points_csv") && s.has("placement") && s.node("placement")->value_or(std::string()) == "fixed";
  if (s.has("count") || !count_optional)
    sp.count = static_cast<std::uint32_t>(s.count("count", 1, 10'000'000, "a number of strike sites between 1 and 1e7"));
  const std::string placement = s.string("placement", "\"per_realization\" (sites redrawn in every realization) or \"fixed\"");
  if (placement != "per_realization" && placement != "fixed")
    s.fail_at(s.node("placement"), "placement", fmt::format("expected \"per_realization\" or \"fixed\", got \"{}\"", placement));
  sp.per_realization = placement == "per_realization";
  heading_keys(s, sp.heading_deg, sp.heading_spread_deg);
  if (s.has("points_csv")) {
    sp.points_csv = s.path("points_csv", "the path of a CSV of points (lon,lat or x,y columns)");
    if (!sp.per_realization) sp.fixed_points = read_fixed_points(sc, sp.points_csv);
  }
  for (Section& a : s.tables("area", false)) {
    SiteArea area;
    area.line = a.line();
    area.name = a.string("name", "a name for the area");
    area.weight = a.number("weight", 0.0, 1e12, "a relative weight between 0 and 1e12");
    int kinds = 0;
    if (a.has("polygon_lonlat")) {
      ++kinds;
      area.polygon_lonlat = lonlat_polygon(a, "polygon_lonlat");
    }
    if (a.has("x_m") || a.has("y_m")) {
      ++kinds;
      area.x_m = a.range("x_m", -1e8, 1e8, "metres");
      area.y_m = a.range("y_m", -1e8, 1e8, "metres");
    }
    if (a.has("polygon_file")) {
      ++kinds;
      const std::string what = "a vector file of polygons, or \"dataset:LAYER\"";
      const std::string f = a.string("polygon_file", what);
      area.polygon_file = f.rfind("dataset:", 0) == 0 ? f : a.path("polygon_file", what);
      area.where = a.string_or("where", "");
    }
    if (kinds != 1)
      a.fail_at(nullptr, "name", "expected exactly one of polygon_lonlat, x_m and y_m, or polygon_file");
    if (a.has("within_lonlat")) area.within_lonlat = lonlat_polygon(a, "within_lonlat");
    a.finish();
    sp.areas.push_back(std::move(area));
  }
  if (sp.areas.empty() == sp.points_csv.empty())
    s.fail_at(nullptr, "area", "expected either [[sites.area]] tables or points_csv (one of them)");
  s.finish();
}

}  // namespace inputs_detail

std::vector<ResolvedLine> resolve_inventory(const Scenario& sc) {
  std::vector<ResolvedLine> out;
  std::uint64_t counted = 0;
  for (const InventoryLine& l : sc.inventory.lines)
    if (l.carriers) counted += *l.carriers * sc.carriers[l.carrier].submunitions_per_carrier;
  const std::uint64_t total = sc.inventory.total_submunitions.value_or(counted);
  if (counted > total)
    throw InputError(fmt::format("{}: [inventory]: the counted carriers fire {} submunitions, more than total_submunitions = {}",
                                 sc.path, counted, total));
  for (const InventoryLine& l : sc.inventory.lines) {
    ResolvedLine r;
    r.carrier = l.carrier;
    const std::uint64_t per = sc.carriers[r.carrier].submunitions_per_carrier;
    r.carriers = l.carriers ? *l.carriers : std::llround(static_cast<double>(total - counted) * *l.share / per);
    r.submunitions = r.carriers * per;
    out.push_back(r);
  }
  return out;
}

}  // namespace remnant
