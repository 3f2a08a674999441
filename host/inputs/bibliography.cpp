#include "host/inputs/bibliography.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "host/common/errors.h"
#include "host/inputs/toml_section.h"

namespace remnant {

using namespace inputs_detail;

namespace {

bool key_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'; }

bool is_key(const std::string& k) {
  if (k.size() < 3 || k[0] < 'A' || k[0] > 'Z') return false;
  for (char c : k)
    if (!key_char(c)) return false;
  return true;
}

}  // namespace

std::string full_reference(const std::string& author, const std::string& title, const std::string& publisher,
                           const std::string& date, const std::string& locator) {
  return fmt::format("{}, {}, {}, {} ({})", author, title, publisher, date, locator);
}

std::vector<std::string> cited_keys(const std::string& text) {
  std::vector<std::string> keys;
  for (std::size_t open = text.find('['); open != std::string::npos; open = text.find('[', open + 1)) {
    const std::size_t close = text.find(']', open);
    if (close == std::string::npos) break;
    const std::string k = text.substr(open + 1, close - open - 1);
    if (is_key(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  return keys;
}

bool is_assumption(const std::string& text) {
  static const std::string word = "assumption";
  if (text.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  return true;
}

Bibliography load_bibliography(const std::string& path, const std::string& referenced_from) {
  Bibliography b;
  b.path = path;
  const toml::table root = parse_toml(read_text(path, "bibliography", referenced_from), path);
  Section top(root, "", path);
  if (top.has("bibliography")) {
    Section meta = top.table("bibliography");
    meta.string("name", "the bibliography's name");
    meta.integer("version", 1, 1, "format version 1");
    meta.finish();
  }
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key == "bibliography") continue;
    if (!is_key(key))
      top.fail_at(&v, key,
                  "expected a citation key: a capital letter, then at least two capital letters, digits or hyphens "
                  "(e.g. HRW-2008)");
    if (!v.is_table()) top.expected(key, "a table: author, title, publisher, date, locator, grade, used_for");
    Section e = top.table(key);
    auto field = [&](const char* name, const std::string& what) {
      const std::string text = e.string(name, what);
      if (text.find_first_not_of(" \t") == std::string::npos) e.expected(name, what + " (not empty)");
      return text;
    };
    const std::string author = field("author", "the author: a person or an organisation");
    const std::string title = field("title", "the title");
    const std::string publisher = field("publisher", "the publisher");
    const std::string date = field("date", "the date of publication");
    const std::string locator = field("locator", "the section or page, or what is not recorded");
    const std::string grade = field("grade", "\"H\", \"M\" or \"L\"");
    if (grade != "H" && grade != "M" && grade != "L")
      e.fail_at(e.node("grade"), "grade", fmt::format("expected \"H\", \"M\" or \"L\", got \"{}\"", grade));
    field("used_for", "what the project takes from the source");
    e.finish();
    b.references[key] = full_reference(author, title, publisher, date, locator);
  }
  top.finish();
  return b;
}

}  // namespace remnant
