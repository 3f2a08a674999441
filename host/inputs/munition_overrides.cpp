// [munition_overrides.NAME]: a scenario's changes to the entries of its
// catalogue (or its own), written into each entry before the entry is parsed
// and recorded among the scenario's assumptions (scenario_parts.h).
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "host/inputs/scenario_parts.h"

namespace remnant::inputs_detail {
namespace {

const std::vector<std::string> kSubmunitionOverrideKeys = {
    "terminal_velocity_mps", "dud_rate",      "dud_rate_test",         "dud_rate_field", "dud_rate_test_range",
    "dud_rate_field_range",  "self_destruct", "self_destruct_failure"};
const std::vector<std::string> kCarrierOverrideKeys = {
    "submunitions_per_carrier", "pattern",          "semi_major_m", "semi_minor_m",     "ring_inner_fraction",
    "aim_error_cep_m",          "function_height_m", "spin_rpm",    "footprint_scaling"};

// A name as a TOML key: bare if it can be, else quoted ("M42/M46").
std::string toml_key(const std::string& name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (bare) return name;
  std::string out = "\"";
  for (char c : name) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// A value as TOML text, for the record.
std::string value_text(const toml::node& n) {
  if (n.is_number()) return fmt::format("{}", as_double(n));
  if (n.is_string()) return fmt::format("\"{}\"", *n.value<std::string>());
  if (n.is_boolean()) return *n.value<bool>() ? "true" : "false";
  std::string out;
  if (const toml::array* a = n.as_array()) {
    for (const toml::node& e : *a) out += (out.empty() ? "" : ", ") + value_text(e);
    return "[" + out + "]";
  }
  if (const toml::table* t = n.as_table()) {
    for (auto&& [k, v] : *t) out += fmt::format("{}{} = {}", out.empty() ? "" : ", ", k.str(), value_text(v));
    return "{ " + out + " }";
  }
  return type_name(n);
}

// The --set argument a value came from, or "" for a value written in a file.
std::string set_origin(const toml::node& n) {
  const auto& p = n.source().path;
  return p && p->rfind("--set ", 0) == 0 ? *p : std::string();
}

// The provenance: the --set argument, else the source written beside it.
std::string override_source(const Section& os, const toml::table& over, const std::string& key, const toml::node& v) {
  std::string source = set_origin(v);
  if (source.empty()) {
    if (const toml::node* src = over.get(key + "_source")) source = *src->value<std::string>();
    else if (is_figure(v))
      os.fail_at(&v, key,
                 fmt::format("an overridden catalogue figure needs a source: add {}_source = \"...\" (a citation, "
                             "or \"assumption: why\")",
                             key));
  }
  return source;
}

// One dud_rate and the pair of test and field priors exclude each other:
// an overriding dud_rate replaces the pair; a prior of the pair cannot
// be given to an entry with one dud_rate.
void check_dud_rate_keys(const Section& os, const toml::table& over, const toml::table& entry, const std::string& name,
                         const std::string& key, const toml::node& v) {
  const bool pair_key = key == "dud_rate_test" || key == "dud_rate_field" || key == "dud_rate_test_range" ||
                        key == "dud_rate_field_range";
  if (key == "dud_rate") {
    for (const char* p : {"dud_rate_test", "dud_rate_field", "dud_rate_test_range", "dud_rate_field_range"})
      if (over.contains(p))
        os.fail_at(&v, key,
                   fmt::format("give either dud_rate (which replaces the test and field priors) or {}, not both", p));
  }
  if (pair_key && entry.contains("dud_rate") && !over.contains("dud_rate"))
    os.fail_at(&v, key,
               fmt::format("{} has one dud_rate, not separate test and field priors; override dud_rate instead", name));
}

// What an overriding value replaces, for the record. An overriding dud_rate
// of an entry with test and field priors removes both priors from the entry.
std::string replaced_value(toml::table& entry, const std::string& name, const std::string& kind,
                           const std::string& key, const std::string& where) {
  std::string was = "no value in " + where;
  if (kind == "submunition" && key == "dud_rate" && !entry.contains("dud_rate") &&
      (entry.contains("dud_rate_test") || entry.contains("dud_rate_field"))) {
    auto described = [&](const std::string& k) {
      const toml::node* n = entry.get(k);
      if (!n) return std::string();
      std::string d = fmt::format("{} = {}", k, value_text(*n));
      if (const toml::node* r = entry.get(k + "_range")) d += fmt::format(" in {}", value_text(*r));
      if (const toml::node* src = entry.get(k + "_source"); src && src->is_string())
        d += fmt::format(" (source: {})", *src->value<std::string>());
      return d;
    };
    const std::string test = described("dud_rate_test"), field = described("dud_rate_field");
    was = fmt::format("{}{}{} from {}: both priors are removed, so [scenario] dud_rates no longer applies to {}",
                      test, !test.empty() && !field.empty() ? " and " : "", field, where, name);
    for (const std::string k : {"dud_rate_test", "dud_rate_field", "dud_rate_test_range", "dud_rate_field_range"}) {
      entry.erase(k);
      entry.erase(k + "_source");
    }
  } else if (const toml::node* old = entry.get(key)) {
    was = fmt::format("{} from {}", value_text(*old), where);
    if (const toml::node* src = entry.get(key + "_source"); src && src->is_string())
      was += fmt::format(" (source: {})", *src->value<std::string>());
  } else if (key == "self_destruct_failure") {
    was += " (its dud rates were of the whole item, self-destruct included; this failure probability now "
           "multiplies them)";
  }
  return was;
}

// Writes the values of one entry's override table `over` into the entry,
// recording each with its source and the value it replaces.
void override_entry(toml::table& entry, const std::string& name, toml::table& over, const std::string& kind,
                    const std::string& where, MunitionOverrides& mo) {
  const std::vector<std::string>& keys = kind == "submunition" ? kSubmunitionOverrideKeys : kCarrierOverrideKeys;
  const Section os(over, "munition_overrides." + toml_key(name), mo.file);
  for (auto&& [k, v] : over) {
    const std::string key(k.str());
    if (os.source_key(key, v)) continue;
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      os.fail_at(&v, key, fmt::format("not a {} key a scenario may override; expected one of: {}", kind, joined(keys)));
    const std::string source = override_source(os, over, key, v);
    if (kind == "submunition") check_dud_rate_keys(os, over, entry, name, key, v);
    const std::string was = replaced_value(entry, name, kind, key, where);
    mo.notes.push_back(fmt::format("munition override: {} {} = {} (source: {}) replaces {}", name, key,
                                   value_text(v), source.empty() ? "none given" : source, was));
    entry.insert_or_assign(key, std::move(v));  // keeps its file and line for messages
    entry.erase(key + "_source");
    if (!source.empty()) entry.insert(key + "_source", source);
  }
}

// Applies the overrides of the entries in root's [[kind]] array (kind is
// "submunition" or "carrier"); `where` names the file for the record.
void override_entries(toml::table& root, const std::string& kind, const std::string& where, MunitionOverrides& mo) {
  toml::array* entries = mo.table ? root.get_as<toml::array>(kind) : nullptr;
  if (!entries) return;
  for (toml::node& e : *entries) {
    toml::table* entry = e.as_table();
    const std::optional<std::string> name = entry ? (*entry)["name"].value<std::string>() : std::nullopt;
    toml::node* o = name ? mo.table->get(*name) : nullptr;
    if (!o) continue;
    if (!o->is_table())
      Section(*mo.table, "munition_overrides", mo.file).expected(*name, fmt::format("a table of the {}'s keys", kind));
    mo.applied.insert(*name);
    override_entry(*entry, *name, *o->as_table(), kind, where, mo);
  }
}

}  // namespace

void apply_munition_overrides(toml::table& root, const std::string& where, MunitionOverrides& mo) {
  override_entries(root, "submunition", where, mo);
  override_entries(root, "carrier", where, mo);
}

Section& label_overridden(Section& s, const MunitionOverrides& mo) {
  if (const auto name = s.raw()["name"].value<std::string>(); name && mo.applied.count(*name))
    s.rename("munition_overrides." + toml_key(*name));
  return s;
}

void check_override_names(const Scenario& sc, const MunitionOverrides& mo) {
  if (!mo.table) return;
  for (auto&& [k, v] : *mo.table) {
    const std::string name(k.str());
    if (mo.applied.count(name)) continue;
    std::vector<std::string> names;
    for (const SubmunitionType& t : sc.submunitions) names.push_back(t.name);
    for (const CarrierType& c : sc.carriers) names.push_back(c.name);
    Section(*mo.table, "munition_overrides", mo.file)
        .fail_at(&v, toml_key(name),
                 fmt::format("no submunition or carrier \"{}\" in the catalogue or the scenario; expected one of: {}",
                             name, joined(names)));
  }
}

}  // namespace remnant::inputs_detail
