// Internal to host/inputs, not part of its interface: the parts of loading a
// scenario that parse_scenario (scenario.cpp) puts together, each defined in
// the file named above it. All of them read through Section (toml_section.h).
#pragma once

#include <toml++/toml.h>

#include <set>
#include <string>
#include <vector>

#include "host/inputs/scenario.h"
#include "host/inputs/toml_section.h"

namespace remnant::inputs_detail {

// ---- set_override.cpp: --set KEY=VALUE, applied to the scenario's TOML before it is read
// create_tables: a missing table on the key's path is created (building a
// new file's TOML) instead of refused.
void apply_override(toml::table& root, const Override& o, const std::string& file, bool create_tables = false);

// ---- munition_overrides.cpp

// [munition_overrides.NAME]: a scenario's changes to a catalogue (or inline)
// entry. Each value replaces the entry's before the entry is parsed, so it is
// checked exactly as a catalogue value is; each one applied is recorded.
struct MunitionOverrides {
  toml::table* table = nullptr;  // the scenario's [munition_overrides], if any
  std::string file;
  std::set<std::string> applied;   // entry names
  std::vector<std::string> notes;  // for Scenario::assumptions
};

// Applies the overrides to root's [[submunition]] and then its [[carrier]]
// entries (root: a catalogue's or the scenario's); `where` names the file for
// the record.
void apply_munition_overrides(toml::table& root, const std::string& where, MunitionOverrides& mo);
// Messages about an overridden entry name the override.
Section& label_overridden(Section& s, const MunitionOverrides& mo);
// Every NAME in [munition_overrides] must be an entry.
void check_override_names(const Scenario& sc, const MunitionOverrides& mo);

// ---- catalogue.cpp: [[submunition]] and [[carrier]] entries

// A munition catalogue file ([scenario] munitions), its overrides applied.
void load_munitions(Scenario& sc, const std::string& path, const std::string& referenced_from, MunitionOverrides& mo);
// The [[submunition]] and [[carrier]] tables of top (a catalogue or the
// scenario), added to sc; at least one of each when required.
void parse_munition_entries(Scenario& sc, Section& top, bool required, const MunitionOverrides& mo);

// ---- land_cover.cpp: land-cover classes and tables

// A land-cover class name, checked.
LandCover land_cover_key(Section& s, const std::string& key);
void default_recoverable(Scenario& sc);
// A land-cover table file ([scenario] land_cover_table).
void load_land_cover_table(Scenario& sc, const std::string& path, const std::string& referenced_from);
// [land_cover] written in the scenario.
void parse_inline_land_cover(Scenario& sc, Section& top);

// ---- strikes.cpp: what fell and where
void parse_strikes(Scenario& sc, Section& top);
void parse_inventory(Scenario& sc, Section& top);
void parse_sites(Scenario& sc, Section& top);

// ---- citations.cpp: the keys the sources cite

// Reads the run's bibliography (sc.bibliography_path, named at
// bibliography_from; when none is named, sources.toml beside the munition
// catalogue, if there is one) and checks every key cited anywhere in the
// scenario's merged table (root, read from file), its land-cover table and
// its catalogue against it: InputError naming the file, line and key for one
// it lacks. Sets sc.references to the full references of the keys cited by
// the scenario, the land-cover table and the catalogue entries the run fires.
void resolve_citations(Scenario& sc, const toml::table& root, const std::string& file,
                       const std::string& bibliography_from);

}  // namespace remnant::inputs_detail
