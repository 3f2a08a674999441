// The munition catalogue: [[submunition]] and [[carrier]] entries, from a
// catalogue file ([scenario] munitions) or written in the scenario itself.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "host/inputs/scenario_parts.h"

namespace remnant::inputs_detail {
namespace {

// ------------------------------------------------------------ catalogue

// A catalogue entry's name, with its free-text description and source.
std::string entry_name(Section& s, const std::string& what, std::string& defined_at) {
  defined_at = s.where();
  s.string_or("description", "");
  s.string_or("source", "");
  return s.string("name", what);
}

void check_prior_in_range(Section& t, const std::string& key, const RatePrior& p, const Range& r) {
  if (p.mean() < r.lo || p.mean() > r.hi)
    t.fail_at(t.node(key), key,
              fmt::format("the prior's mean {:.4f} lies outside the stated range [{}, {}]", p.mean(), r.lo, r.hi));
}

SubmunitionType parse_submunition(Section& t) {
  SubmunitionType st;
  st.name = entry_name(t, "a submunition name", st.defined_at);
  st.terminal_velocity_mps = t.range("terminal_velocity_mps", 1.0, 1000.0, "m/s");
  const bool single = t.has("dud_rate");
  const bool pair = t.has("dud_rate_test") || t.has("dud_rate_field");
  if (single && pair)
    t.fail_at(t.node("dud_rate"), "dud_rate", "give either dud_rate or dud_rate_test and dud_rate_field, not both");
  if (single) {
    st.dud_rate = rate_prior(t, "dud_rate");
  } else {
    st.dud_rate_test = rate_prior(t, "dud_rate_test");
    st.dud_rate_field = rate_prior(t, "dud_rate_field");
    st.dud_rate_test_range = t.range("dud_rate_test_range", 0.0, 1.0, "(a probability)");
    st.dud_rate_field_range = t.range("dud_rate_field_range", 0.0, 1.0, "(a probability)");
    check_prior_in_range(t, "dud_rate_test", *st.dud_rate_test, *st.dud_rate_test_range);
    check_prior_in_range(t, "dud_rate_field", *st.dud_rate_field, *st.dud_rate_field_range);
  }
  if (t.has("self_destruct")) st.self_destruct = t.boolean("self_destruct", "true or false");
  if (t.has("self_destruct_failure")) {
    st.self_destruct_failure = rate_prior(t, "self_destruct_failure");
    st.self_destruct = true;
  }
  t.finish();
  return st;
}

CarrierType parse_carrier(Section& c) {
  CarrierType ct;
  ct.name = entry_name(c, "a carrier name", ct.defined_at);
  ct.submunition = c.string("submunition", "the name of a [[submunition]]");
  ct.submunitions_per_carrier = static_cast<std::uint32_t>(
      c.integer("submunitions_per_carrier", 1, 1'000'000,
                "a number of submunitions per carrier between 1 and 1000000"));
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
  ct.aim_error_cep_m = c.number("aim_error_cep_m", 0.0, 1e5, "a circular error probable in metres between 0 and 1e5");
  ct.function_height_m = c.range("function_height_m", 0.0, 20000.0, "metres above ground");
  if (c.has("spin_rpm")) ct.spin_rpm = c.range("spin_rpm", 0.0, 1e5, "revolutions per minute");
  if (c.has("footprint_scaling")) {
    if (ct.delivery != "air")
      c.fail_at(c.node("footprint_scaling"), "footprint_scaling",
                fmt::format("footprint_scaling (the footprint's change with dispenser function height and spin) "
                            "applies to air-delivered carriers only (delivery = \"air\"); {} is delivered by {}",
                            ct.name, ct.delivery));
    Section f = c.table("footprint_scaling");
    HeightSpinScaling h;
    h.height_m = f.range("height_m", 0.0, 20000.0, "metres");
    h.spin_rpm = f.range("spin_rpm", 0.0, 1e5, "revolutions per minute");
    f.finish_under_one_source();  // one source, beside the table, covers both ranges
    if (!ct.spin_rpm)
      c.fail_at(c.node("footprint_scaling"), "footprint_scaling", "needs spin_rpm (the spin settings used) beside it");
    ct.scaling = h;
  }
  c.finish();
  return ct;
}

void add_submunition(Scenario& sc, SubmunitionType st, Section& t) {
  for (const SubmunitionType& o : sc.submunitions)
    if (o.name == st.name)
      t.fail_at(t.node("name"), "name", fmt::format("duplicate submunition \"{}\" (first defined at {})", st.name, o.defined_at));
  sc.submunitions.push_back(std::move(st));
}

void add_carrier(Scenario& sc, CarrierType ct, Section& c) {
  ct.type = 0;
  while (ct.type < sc.submunitions.size() && sc.submunitions[ct.type].name != ct.submunition) ++ct.type;
  if (ct.type == sc.submunitions.size()) {
    std::vector<std::string> names;
    for (const SubmunitionType& t : sc.submunitions) names.push_back(t.name);
    c.fail_at(c.node("submunition"), "submunition",
              fmt::format("unknown submunition \"{}\"; expected one of: {}", ct.submunition, joined(names)));
  }
  for (const CarrierType& o : sc.carriers)
    if (o.name == ct.name)
      c.fail_at(c.node("name"), "name", fmt::format("duplicate carrier \"{}\" (first defined at {})", ct.name, o.defined_at));
  sc.carriers.push_back(std::move(ct));
}

}  // namespace

void parse_munition_entries(Scenario& sc, Section& top, bool required, const MunitionOverrides& mo) {
  for (Section& t : top.tables("submunition", required)) add_submunition(sc, parse_submunition(label_overridden(t, mo)), t);
  for (Section& c : top.tables("carrier", required)) add_carrier(sc, parse_carrier(label_overridden(c, mo)), c);
}

void load_munitions(Scenario& sc, const std::string& path, const std::string& referenced_from, MunitionOverrides& mo) {
  sc.munitions_path = path;
  sc.munitions_text = read_text(path, "munition catalogue", referenced_from);
  toml::table root = parse_toml(sc.munitions_text, path);
  apply_munition_overrides(root, "the catalogue " + path, mo);
  Section top(root, "", path, true);
  if (top.has("catalogue")) {
    Section meta = top.table("catalogue");
    meta.string("name", "the catalogue's name");
    meta.integer("version", 1, 1, "format version 1");
    meta.string_or("description", "");
    meta.finish_under_one_source();  // the format version is not a figure
  }
  parse_munition_entries(sc, top, true, mo);
  top.finish();
}

}  // namespace remnant::inputs_detail
