// --set KEY=VALUE: a command line's changes to a scenario, each written into
// the scenario's TOML (as if the file held it) before the scenario is read.
#include "host/inputs/scenario.h"

#include <fmt/format.h>

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "host/inputs/scenario_parts.h"

namespace remnant {
namespace {

// One segment of a --set KEY: a bare name (anything but '.'), or a TOML
// quoted key ("A.B" with \" and \\ escapes, or 'A.B'), either optionally
// followed by [INDEX].
struct KeySegment {
  std::string name;
  std::optional<std::size_t> index;
  std::string text;  // as written, for messages
};

std::vector<KeySegment> split_key(const std::string& key) {
  std::vector<KeySegment> out;
  std::size_t i = 0;
  const std::size_t n = key.size();
  while (true) {
    KeySegment seg;
    const std::size_t start = i;
    std::size_t rest;  // where an optional [INDEX] may begin
    if (i < n && (key[i] == '"' || key[i] == '\'')) {
      const char q = key[i++];
      bool closed = false;
      while (i < n) {
        const char c = key[i++];
        if (c == q) {
          closed = true;
          break;
        }
        if (q == '"' && c == '\\') {
          if (i < n && (key[i] == '"' || key[i] == '\\')) {
            seg.name += key[i++];
            continue;
          }
          throw InputError(fmt::format("--set {}: only \\\" and \\\\ are understood as escapes in a quoted key", key));
        }
        seg.name += c;
      }
      if (!closed) throw InputError(fmt::format("--set {}: a quoted key segment is not closed (missing {})", key, q));
      rest = i;
      while (i < n && key[i] != '.') ++i;
    } else {
      while (i < n && key[i] != '.') ++i;
      seg.name = key.substr(start, i - start);
      rest = seg.name.find('[') != std::string::npos && !seg.name.empty() && seg.name.back() == ']'
                 ? start + seg.name.find('[')
                 : i;
      seg.name = key.substr(start, rest - start);
    }
    seg.text = key.substr(start, i - start);
    if (rest < i) {
      const std::string idx = key.substr(rest, i - rest);
      bool ok = idx.size() > 2 && idx.front() == '[' && idx.back() == ']';
      for (std::size_t k = 1; ok && k + 1 < idx.size(); ++k) ok = idx[k] >= '0' && idx[k] <= '9';
      if (!ok) throw InputError(fmt::format("--set {}: \"{}\" is not NAME[INDEX]", key, seg.text));
      try {
        seg.index = std::stoul(idx.substr(1, idx.size() - 2));
      } catch (const std::exception&) {
        throw InputError(fmt::format("--set {}: \"{}\" is not NAME[INDEX]", key, seg.text));
      }
    }
    if (seg.name.empty() && seg.text.empty())
      throw InputError(fmt::format("--set {}: an empty segment (a leading, trailing or doubled '.')", key));
    out.push_back(std::move(seg));
    if (i == n) break;
    ++i;  // the '.'
  }
  return out;
}

toml::node* find_child(toml::node* at, const KeySegment& seg, const std::string& key) {
  toml::table* t = at ? at->as_table() : nullptr;
  toml::node* n = t ? t->get(seg.name) : nullptr;
  if (!n) return nullptr;
  if (seg.index) {
    toml::array* a = n->as_array();
    if (!a || *seg.index >= a->size())
      throw InputError(fmt::format("--set {}: {} has no entry [{}]", key, seg.name, *seg.index));
    return a->get(*seg.index);
  }
  return n;
}

}  // namespace

namespace inputs_detail {

void apply_override(toml::table& root, const Override& o, const std::string& file, bool create_tables) {
  const std::vector<KeySegment> segs = split_key(o.key);
  toml::node* parent = &root;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    toml::node* child = find_child(parent, segs[i], o.key);
    // [munition_overrides.NAME] need not be in the file: --set creates it.
    if (!child && (create_tables || segs[0].name == "munition_overrides") && !segs[0].index && !segs[i].index)
      child = &parent->as_table()->insert(segs[i].name, toml::table{}).first->second;
    parent = child;
    if (!parent || !parent->is_table())
      throw InputError(fmt::format("--set {}: {} has no table \"{}\"", o.key, file, segs[i].text));
  }
  const KeySegment& last = segs.back();
  if (last.index)
    throw InputError(fmt::format("--set {}: the last segment cannot be NAME[INDEX] (a whole array entry cannot be "
                                 "replaced; set its keys one by one)",
                                 o.key));
  const std::string origin = fmt::format("--set {}={}", o.key, o.value);
  toml::table value;
  try {
    value = toml::parse("v = " + o.value, origin);
  } catch (const toml::parse_error&) {
    try {
      value = toml::parse("v = \"" + o.value + "\"", origin);  // a bare word is a string
    } catch (const toml::parse_error& e) {
      throw InputError(fmt::format("--set {}: \"{}\" is not a TOML value ({})", o.key, o.value, e.description()));
    }
  }
  parent->as_table()->insert_or_assign(last.name, std::move(*value.get("v")));
}

}  // namespace inputs_detail

Override parse_override(const std::string& arg) {
  // The first '=' outside a quoted key segment.
  std::size_t eq = std::string::npos;
  for (std::size_t i = 0; i < arg.size() && eq == std::string::npos; ++i) {
    if (arg[i] == '=') eq = i;
    else if (arg[i] == '"' || arg[i] == '\'') {
      const char q = arg[i];
      for (++i; i < arg.size() && arg[i] != q; ++i)
        if (q == '"' && arg[i] == '\\' && i + 1 < arg.size()) ++i;
    }
  }
  if (eq == std::string::npos) eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw InputError(fmt::format("--set {}: expected KEY=VALUE, e.g. inventory.total_submunitions=4600000", arg));
  return Override{arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace remnant
