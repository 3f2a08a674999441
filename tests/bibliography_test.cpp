// The bibliography (configs/sources.toml): every source in configs/ cites a
// key of it or states an assumption, the loader refuses a key it lacks
// (naming the file, the line and the key), and a run's result file, info and
// map carry the full reference of each key it cites.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/evidence/result_file.h"
#include "host/evidence/report.h"
#include "host/inputs/bibliography.h"
#include "host/inputs/scenario.h"
#include "host/maps/map.h"
#include "tests/scenario_fixture.h"
#include "tests/test_support.h"

namespace remnant {
namespace {

const std::string kConfigs = std::string(REMNANT_SOURCE_DIR) + "/configs/";

// The 1-based number of the first line of text holding needle (0: none).
std::size_t line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  return at == std::string::npos ? 0 : 1 + std::count(text.begin(), text.begin() + at, '\n');
}

// Every `*_source` string and `sources` entry under n, with its path.
void source_texts(const toml::node& n, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  if (const toml::table* t = n.as_table()) {
    for (auto&& [k, v] : *t) {
      const std::string key(k.str()), p = path.empty() ? key : path + "." + key;
      if (key.size() > 7 && key.compare(key.size() - 7, 7, "_source") == 0 && v.is_string()) {
        out.emplace_back(p, *v.value<std::string>());
      } else if (key == "sources" && v.is_array()) {
        std::size_t i = 0;
        for (const toml::node& e : *v.as_array()) out.emplace_back(p + "[" + std::to_string(i++) + "]", e.value_or(std::string()));
      } else {
        source_texts(v, p, out);
      }
    }
  } else if (const toml::array* a = n.as_array()) {
    std::size_t i = 0;
    for (const toml::node& e : *a) source_texts(e, path + "[" + std::to_string(i++) + "]", out);
  }
}

std::vector<std::string> config_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(kConfigs))
    if (e.path().extension() == ".toml" && e.path().filename() != "sources.toml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Bibliography, CitedKeysAreBracketedCapitalsNotRangesOrPlaceholders) {
  EXPECT_EQ(cited_keys("UN [UN-LEBANON-2006]; HRW 2008 [HRW-2008], again [UN-LEBANON-2006]"),
            (std::vector<std::string>{"UN-LEBANON-2006", "HRW-2008"}));
  EXPECT_EQ(cited_keys("THOR glossary [THOR]"), (std::vector<std::string>{"THOR"}));
  EXPECT_TRUE(cited_keys("a range [0, 100], a placeholder carrier[N], lower [hrw-2008], [AB]").empty());
  EXPECT_TRUE(is_assumption("Assumption: calm"));
  EXPECT_TRUE(is_assumption("assumption"));
  EXPECT_FALSE(is_assumption("an assumption"));
}

TEST(Bibliography, EverySourceInConfigsCitesAKeyOrSaysAssumption) {
  const Bibliography b = load_bibliography(kConfigs + "sources.toml", "");
  std::size_t checked = 0;
  for (const std::string& f : config_files()) {
    SCOPED_TRACE(f);
    std::vector<std::pair<std::string, std::string>> texts;
    source_texts(toml::parse_file(f), "", texts);
    for (const auto& [path, text] : texts) {
      ++checked;
      const std::vector<std::string> keys = cited_keys(text);
      EXPECT_TRUE(!keys.empty() || is_assumption(text)) << path << " = \"" << text << "\" cites no key and is not an assumption";
      for (const std::string& k : keys) EXPECT_TRUE(b.references.count(k)) << path << " cites [" << k << "], not in sources.toml";
    }
  }
  EXPECT_GT(checked, 100u);  // the walk found the configs' sources
}

// Every document a config points its reader to (a name ending in .md) is one
// of the repository's own, so a reader can open it.
TEST(Bibliography, EveryDocumentTheConfigsNameIsInTheRepository) {
  const std::regex doc(R"([A-Za-z0-9_./-]+\.md\b)");
  std::size_t named = 0;
  for (const std::string& f : config_files()) {
    const std::string text = test::slurp(f);
    for (auto m = std::sregex_iterator(text.begin(), text.end(), doc); m != std::sregex_iterator(); ++m, ++named) {
      const std::filesystem::path p = std::filesystem::path(REMNANT_SOURCE_DIR) / m->str();
      EXPECT_TRUE(std::filesystem::is_regular_file(p)) << f << " names " << m->str() << ", not a file of the repository";
      EXPECT_EQ(m->str().find(".."), std::string::npos) << f << " names " << m->str() << ", outside the repository";
    }
  }
  EXPECT_GT(named, 0u) << "the configs point to docs/SOURCES.md";
}

TEST(Bibliography, SourcesMdIsMadeFromSourcesToml) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3 to run scripts/sources_md.py";
  const test::CommandResult r =
      test::run_command("/usr/bin/python3 " + std::string(REMNANT_SOURCE_DIR) + "/scripts/sources_md.py --check 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// A scenario of its own, with a bibliography and sources that cite it.
std::string cited_scenario(const std::string& bibliography, const std::string& source) {
  return test::ScenarioText("cites", 3, 2)
      .scenario("bibliography", test::quoted(bibliography))
      .scenario("sources", "[\"" + source + "\"]")
      .submunition(test::m77())
      .carrier(test::m26())
      .strike(test::Strike("M26", 2, 500.0, 500.0))
      .text();
}

TEST(Bibliography, AScenarioCarriesTheFullReferencesOfTheKeysItCites) {
  const Scenario sc = parse_scenario(cited_scenario(kConfigs + "sources.toml", "UN [UN-LEBANON-2006]"), "s.toml");
  EXPECT_EQ(sc.bibliography_path, kConfigs + "sources.toml");
  ASSERT_EQ(sc.references.size(), 1u);
  EXPECT_EQ(sc.references[0].rfind("[UN-LEBANON-2006] United Nations Mine Action Coordination Centre South Lebanon", 0), 0u)
      << sc.references[0];
}

TEST(Bibliography, AnUnknownKeyNamesTheFileTheLineAndTheKey) {
  const std::string text = cited_scenario(kConfigs + "sources.toml", "UN [UN-LEBANON-2006]; a typo [HRW-2080]");
  const std::string msg = test::scenario_error(text);
  const std::size_t line = line_of(text, "HRW-2080");
  EXPECT_NE(msg.find("s.toml:" + std::to_string(line) + ": scenario.sources[0]: cites [HRW-2080]"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(kConfigs + "sources.toml"), std::string::npos) << msg;
}

TEST(Bibliography, AKeyFromASetOverrideIsCheckedToo) {
  const std::string text = cited_scenario(kConfigs + "sources.toml", "UN [UN-LEBANON-2006]");
  const std::string msg =
      test::scenario_error(text, {parse_override("wind.speed_mps_source=\"made up [NOWHERE-1]\"")});
  EXPECT_NE(msg.find("--set wind.speed_mps_source: cites [NOWHERE-1]"), std::string::npos) << msg;
}

TEST(Bibliography, AKeyWithoutABibliographyIsRefused) {
  const std::string text = test::replace_all(cited_scenario("unused", "HRW [HRW-2008]"), "bibliography = \"unused\"\n", "");
  const std::string msg = test::scenario_error(text);
  EXPECT_NE(msg.find("scenario.sources[0]: cites [HRW-2008], but the scenario has no bibliography"), std::string::npos)
      << msg;
}

TEST(Bibliography, AnUnknownKeyInTheCatalogueNamesTheCatalogue) {
  test::TempDir dir;
  std::string cat = test::slurp(kConfigs + "munitions.toml");
  const std::string cited = "[PRESS-RBL755] (L)";
  ASSERT_NE(cat.find(cited), std::string::npos);
  cat = test::replace_all(cat, cited, "[PRESS-RBL7555] (L)");
  dir.write("munitions.toml", cat);
  dir.write("sources.toml", test::slurp(kConfigs + "sources.toml"));  // found beside the catalogue
  const std::string text = test::ScenarioText("t", 5, 2)
                               .scenario("munitions", test::quoted(dir.file("munitions.toml")))
                               .scenario("dud_rates", test::quoted("field"))
                               .strike(test::Strike("M26", 1, 500.0, 500.0))
                               .text();
  const std::string msg = test::scenario_error(text);
  const std::size_t line = line_of(cat, "[PRESS-RBL7555]");
  EXPECT_NE(msg.find(dir.file("munitions.toml") + ":" + std::to_string(line) + ": carrier["), std::string::npos) << msg;
  EXPECT_NE(msg.find("cites [PRESS-RBL7555], which the bibliography " + dir.file("sources.toml") + " does not have"),
            std::string::npos)
      << msg;
}

TEST(Bibliography, ABadEntryNamesTheFileLineAndField) {
  test::TempDir dir;
  std::string bib = test::slurp(kConfigs + "sources.toml");
  const std::string locator = "locator = \"page not recorded\"\ngrade = \"H\"\nused_for = \"CBU-87 footprint";
  ASSERT_NE(bib.find(locator), std::string::npos);
  dir.write("sources.toml", test::replace_all(bib, locator, "grade = \"H\"\nused_for = \"CBU-87 footprint"));
  const std::string msg = test::scenario_error(cited_scenario(dir.file("sources.toml"), "[HRW-2008]"));
  EXPECT_NE(msg.find(dir.file("sources.toml")), std::string::npos) << msg;
  EXPECT_NE(msg.find("HRW-1999.locator"), std::string::npos) << msg;
}

TEST(Bibliography, TheResultFileInfoAndMapCarryTheReferences) {
  test::TempDir dir;
  const Scenario sc = parse_scenario(cited_scenario(kConfigs + "sources.toml", "UN [UN-LEBANON-2006]"), "s.toml");
  ResultData d = test::result_data(cited_scenario(kConfigs + "sources.toml", "UN [UN-LEBANON-2006]"), 2, 7);
  ASSERT_EQ(d.references, sc.references);
  write_result_file(dir.file("r.h5"), d);
  const ResultData back = read_result_file(dir.file("r.h5"));
  EXPECT_EQ(back.format_version, kResultFormatVersion);
  EXPECT_EQ(back.references, sc.references);
  EXPECT_NE(result_info_text(back).find("reference: " + sc.references[0]), std::string::npos);
  MapOptions o;
  render_map(back, o, dir.file("m.svg"));
  const std::string texts = test::text_layer(test::slurp(dir.file("m.svg")));
  EXPECT_NE(texts.find("References: [UN-LEBANON-2006] United Nations"), std::string::npos) << texts;
}

}  // namespace
}  // namespace remnant
