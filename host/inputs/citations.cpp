// The keys the sources cite, checked against the run's bibliography; the full
// references of those a run rests on, for its result file and maps.
#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "host/inputs/bibliography.h"
#include "host/inputs/scenario_parts.h"

namespace remnant::inputs_detail {

namespace {

struct Text {
  const toml::node* node;
  std::string key;  // dotted path, for messages
  std::string text;
};

// Every string under n (tables, arrays, arrays of tables), with its path.
void texts_under(const toml::node& n, const std::string& path, std::vector<Text>& out) {
  if (const toml::table* t = n.as_table()) {
    for (auto&& [k, v] : *t) texts_under(v, path.empty() ? std::string(k.str()) : path + "." + std::string(k.str()), out);
  } else if (const toml::array* a = n.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) texts_under(*a->get(i), fmt::format("{}[{}]", path, i), out);
  } else if (n.is_string()) {
    out.push_back({&n, path, *n.value<std::string>()});
  }
}

// "FILE:LINE: KEY" of a value, or "--set KEY" for one given on the command line.
std::string written_at(const Text& t, const std::string& file) {
  const auto& origin = t.node->source().path;
  if (t.node->source().begin.line == 0 || (origin && origin->rfind("--set ", 0) == 0)) return "--set " + t.key;
  return fmt::format("{}:{}: {}", origin && !origin->empty() ? *origin : file, t.node->source().begin.line, t.key);
}

// Checks every key cited under n and adds them to `cited`.
void cite(const toml::node& n, const std::string& prefix, const std::string& file, const Bibliography& b,
          std::set<std::string>& cited) {
  std::vector<Text> texts;
  texts_under(n, prefix, texts);
  for (const Text& t : texts)
    for (const std::string& k : cited_keys(t.text)) {
      if (b.references.count(k)) {
        cited.insert(k);
        continue;
      }
      if (b.path.empty())
        throw InputError(fmt::format(
            "{}: cites [{}], but the scenario has no bibliography: name one with [scenario] bibliography = "
            "\"FILE\" (or keep a sources.toml beside the munition catalogue)",
            written_at(t, file), k));
      throw InputError(fmt::format("{}: cites [{}], which the bibliography {} does not have (see docs/SOURCES.md)",
                                   written_at(t, file), k, b.path));
    }
}

// The catalogue entries (submunitions and carriers) the run fires.
std::set<std::string> entries_fired(const Scenario& sc) {
  std::set<std::string> names;
  auto carrier = [&](std::size_t i) {
    names.insert(sc.carriers[i].name);
    names.insert(sc.submunitions[sc.carriers[i].type].name);
  };
  for (const InventoryLine& l : sc.inventory.lines) carrier(l.carrier);
  for (const Strike& s : sc.strikes) carrier(s.carrier);
  return names;
}

}  // namespace

void resolve_citations(Scenario& sc, const toml::table& root, const std::string& file,
                       const std::string& bibliography_from) {
  Bibliography b;
  if (!sc.bibliography_path.empty()) {
    b = load_bibliography(sc.bibliography_path, bibliography_from);
  } else if (!sc.munitions_path.empty()) {
    const std::string beside = (std::filesystem::path(sc.munitions_path).parent_path() / "sources.toml").string();
    std::error_code ec;
    if (std::filesystem::is_regular_file(beside, ec)) {
      sc.bibliography_path = beside;
      b = load_bibliography(beside, "beside the munition catalogue " + sc.munitions_path);
    }
  }
  std::set<std::string> cited;
  cite(root, "", file, b, cited);
  if (!sc.land_cover_text.empty())
    cite(parse_toml(sc.land_cover_text, sc.land_cover_path), "", sc.land_cover_path, b, cited);
  if (!sc.munitions_text.empty()) {
    const toml::table cat = parse_toml(sc.munitions_text, sc.munitions_path);
    const std::set<std::string> fired = entries_fired(sc);
    std::set<std::string> unused;  // checked all the same: a catalogue cites only keys its bibliography has
    for (const char* kind : {"submunition", "carrier"})
      if (const toml::array* entries = cat.get_as<toml::array>(kind))
        for (std::size_t i = 0; i < entries->size(); ++i) {
          const toml::table* e = entries->get(i)->as_table();
          if (!e) continue;
          const std::string name = e->get_as<std::string>("name") ? **e->get_as<std::string>("name") : "";
          cite(*e, fmt::format("{}[{}]", kind, i), sc.munitions_path, b, fired.count(name) ? cited : unused);
        }
    for (auto&& [k, v] : cat)
      if (k.str() != "submunition" && k.str() != "carrier") cite(v, std::string(k.str()), sc.munitions_path, b, cited);
  }
  sc.references.clear();
  for (const std::string& k : cited) sc.references.push_back(fmt::format("[{}] {}", k, b.references.at(k)));
}

}  // namespace remnant::inputs_detail
