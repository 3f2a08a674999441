#include "host/inputs/scenario.h"

#include "host/common/geo.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace remnant {
namespace {

constexpr const char* kLandCoverNames[kLandCoverClasses] = {"water", "built_up", "bare",    "grass_shrub",
                                                            "cropland", "tree",     "wetland", "unknown"};
constexpr const char* kLandCoverList = "water, built_up, bare, grass_shrub, cropland, tree, wetland, unknown";

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

std::string relative_to(const std::string& file, const std::string& path);

// A TOML number (integer or float) as a double.
double as_double(const toml::node& n) {
  return n.is_integer() ? static_cast<double>(*n.value<std::int64_t>()) : *n.value<double>();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A figure: a number, an array of numbers, or a prior table. In a catalogue
// every figure needs a "<key>_source" beside it.
bool is_figure(const toml::node& n) {
  if (n.is_number()) return true;
  if (const toml::array* a = n.as_array()) return !a->empty() && (*a)[0].is_number();
  if (const toml::table* t = n.as_table()) return t->contains("alpha");
  return false;
}

// Strict access to one TOML table: every key read is marked, finish() reports
// the first key nobody asked for. Messages: "file:line: key: expected ..., got ...".
// "<key>_source" strings may stand beside any key; in a catalogue
// (require_sources) every figure must have one.
class Section {
 public:
  Section(const toml::table& t, std::string prefix, const std::string& file, bool require_sources = false)
      : t_(t), prefix_(std::move(prefix)), file_(file), require_sources_(require_sources) {}

  [[noreturn]] void fail_at(const toml::node* n, const std::string& key, const std::string& msg) const {
    const toml::node* at = n ? n : &t_;
    // A value set on the command line (--set) has no place in a file; one from
    // a base scenario names that file.
    const auto& origin = at->source().path;
    if (at->source().begin.line == 0 || (origin && origin->rfind("--set ", 0) == 0))
      throw InputError(fmt::format("--set {}: {}", full(key), msg));
    const std::string where = origin && !origin->empty() ? *origin : file_;
    throw InputError(fmt::format("{}:{}: {}: {}", where, at->source().begin.line, full(key), msg));
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

  // A path written in a file is relative to that file's directory: the file
  // the value came from (a base scenario's, when inherited), the current
  // directory for a --set value.
  std::string path(const std::string& key, const std::string& what) {
    const std::string p = string(key, what);
    const auto& origin = node(key)->source().path;
    if (!origin || origin->empty()) return p;  // --set
    return relative_to(origin->rfind("--set ", 0) == 0 ? std::string() : *origin, p);
  }

  bool boolean(const std::string& key, const std::string& what) {
    const toml::node* n = node(key);
    if (!n || !n->is_boolean()) expected(key, what);
    return *n->value<bool>();
  }

  std::vector<std::string> strings_or_empty(const std::string& key) {
    std::vector<std::string> out;
    const toml::node* n = node(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) expected(key, "an array of strings");
    for (const toml::node& e : *a) {
      if (!e.is_string()) fail_at(&e, key, fmt::format("expected an array of strings, got {} in it", type_name(e)));
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

  // A count that may be written 4_000_000 or 4e6 (a whole number either way).
  std::uint64_t count(const std::string& key, std::uint64_t lo, std::uint64_t hi, const std::string& what) {
    const double v = number(key, static_cast<double>(lo), static_cast<double>(hi), what);
    if (v != std::floor(v)) fail_at(node(key), key, fmt::format("expected {}, got {} (not a whole number)", what, v));
    return static_cast<std::uint64_t>(v);
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
    Range r{as_double((*a)[0]), as_double((*a)[1])};
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo < min || r.hi > max || r.lo > r.hi)
      fail_at(n, key, fmt::format("expected {}, got [{}, {}]", what, r.lo, r.hi));
    return r;
  }

  Section table(const std::string& key) {
    const toml::node* n = node(key);
    if (!n || !n->is_table()) expected(key, "a table");
    return Section(*n->as_table(), full(key), file_, require_sources_);
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
      out.emplace_back(*e.as_table(), fmt::format("{}[{}]", full(key), i++), file_, require_sources_);
    }
    if (required && out.empty()) fail_at(n, key, "expected at least one entry");
    return out;
  }

  const toml::table& raw() const { return t_; }
  void rename(std::string prefix) { prefix_ = std::move(prefix); }  // for messages
  std::uint32_t line() const { return t_.source().begin.line; }
  std::string where() const { return fmt::format("{}:{}", file_, line()); }
  // Where a key's value was written: FILE:LINE (the base's file for an
  // inherited value), or --set KEY.
  std::string where(const std::string& key) {
    const toml::node* n = node(key);
    const auto& origin = n->source().path;
    if (n->source().begin.line == 0 || (origin && origin->rfind("--set ", 0) == 0)) return "--set " + full(key);
    return fmt::format("{}:{}", origin && !origin->empty() ? *origin : file_, n->source().begin.line);
  }

  // finish() for a table whose figures share one source written beside the
  // table (a prior's alpha and beta, footprint_scaling), or hold none (the
  // catalogue's format version).
  void finish_under_one_source() {
    const bool keep = require_sources_;
    require_sources_ = false;
    finish();
    require_sources_ = keep;
  }

  void finish() const {
    for (auto&& [k, v] : t_) {
      const std::string key(k.str());
      if (ends_with(key, "_source")) {
        const std::string base = key.substr(0, key.size() - 7);
        if (!t_.contains(base)) fail_at(&v, key, fmt::format("a source for \"{}\", which is not there", base));
        if (!v.is_string() || v.value<std::string>()->empty())
          fail_at(&v, key, "expected a non-empty string: a citation, or \"assumption: why\"");
        continue;
      }
      if (!used_.count(key)) fail_at(&v, key, "unknown key (not part of the format; misspelt?)");
      if (require_sources_ && is_figure(v) && !t_.contains(key + "_source"))
        fail_at(&v, key,
                fmt::format("a catalogue figure needs a source: add {}_source = \"...\" (a citation, or "
                            "\"assumption: why\")",
                            key));
    }
  }

 private:
  const toml::table& t_;
  std::string prefix_;
  std::string file_;
  bool require_sources_ = false;
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
  p.alpha = t.number("alpha", 1e-6, 1e9, "a positive number (Beta alpha) between 1e-6 and 1e9");
  p.beta = t.number("beta", 1e-6, 1e9, "a positive number (Beta beta) between 1e-6 and 1e9");
  if (p.alpha <= 0.0) t.fail_at(t.node("alpha"), "alpha", "expected a positive number");
  if (p.beta <= 0.0) t.fail_at(t.node("beta"), "beta", "expected a positive number");
  t.finish_under_one_source();
  return p;
}

LandCover land_cover_key(Section& s, const std::string& key) {
  const std::string v = s.string(key, "a land-cover class name");
  const auto lc = land_cover_from_name(v);
  if (!lc)
    s.fail_at(s.node(key), key,
              fmt::format("unknown land-cover class \"{}\"; expected one of {}", v, kLandCoverList));
  return *lc;
}


// ------------------------------------------------------------ file helpers

std::string read_text(const std::string& path, const std::string& what, const std::string& referenced_from) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(fmt::format("{}: is a directory; expected the {} (a TOML file){}", path, what,
                                 referenced_from.empty() ? "" : fmt::format("; named at {}", referenced_from)));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(fmt::format("{}: cannot open the {} (missing or unreadable){}", path, what,
                                 referenced_from.empty() ? "" : fmt::format("; named at {}", referenced_from)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: error while reading the {}", path, what));
  return ss.str();
}

toml::table parse_toml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw InputError(fmt::format("{}:{}:{}: not valid TOML: {}", file, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }
}

// A path written in a file is relative to that file's directory.
std::string relative_to(const std::string& file, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

// ------------------------------------------------------------ --set

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

void apply_override(toml::table& root, const Override& o, const std::string& file) {
  const std::vector<KeySegment> segs = split_key(o.key);
  toml::node* parent = &root;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    toml::node* child = find_child(parent, segs[i], o.key);
    // [munition_overrides.NAME] need not be in the file: --set creates it.
    if (!child && segs[0].name == "munition_overrides" && !segs[0].index && !segs[i].index)
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

// ------------------------------------------------------------ munition overrides

// [munition_overrides.NAME]: a scenario's changes to a catalogue (or inline)
// entry. Each value replaces the entry's before the entry is parsed, so it is
// checked exactly as a catalogue value is; each one applied is recorded.
struct MunitionOverrides {
  toml::table* table = nullptr;  // the scenario's [munition_overrides], if any
  std::string file;
  std::set<std::string> applied;   // entry names
  std::vector<std::string> notes;  // for Scenario::assumptions
};

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

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
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

// Applies the overrides of the entries in root's [[kind]] array (kind is
// "submunition" or "carrier"); `where` names the file for the record.
void override_entries(toml::table& root, const std::string& kind, const std::string& where, MunitionOverrides& mo) {
  toml::array* entries = mo.table ? root.get_as<toml::array>(kind) : nullptr;
  if (!entries) return;
  const std::vector<std::string>& keys = kind == "submunition" ? kSubmunitionOverrideKeys : kCarrierOverrideKeys;
  for (toml::node& e : *entries) {
    toml::table* entry = e.as_table();
    const std::optional<std::string> name = entry ? (*entry)["name"].value<std::string>() : std::nullopt;
    toml::node* o = name ? mo.table->get(*name) : nullptr;
    if (!o) continue;
    if (!o->is_table())
      Section(*mo.table, "munition_overrides", mo.file).expected(*name, fmt::format("a table of the {}'s keys", kind));
    toml::table& over = *o->as_table();
    const Section os(over, "munition_overrides." + toml_key(*name), mo.file);
    mo.applied.insert(*name);
    for (auto&& [k, v] : over) {
      const std::string key(k.str());
      if (ends_with(key, "_source")) {
        const std::string base = key.substr(0, key.size() - 7);
        if (!over.contains(base)) os.fail_at(&v, key, fmt::format("a source for \"{}\", which is not there", base));
        if (!v.is_string() || v.value<std::string>()->empty())
          os.fail_at(&v, key, "expected a non-empty string: a citation, or \"assumption: why\"");
        continue;
      }
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        os.fail_at(&v, key, fmt::format("not a {} key a scenario may override; expected one of: {}", kind, joined(keys)));
      // The provenance: the --set argument, else the source written beside it.
      std::string source = set_origin(v);
      if (source.empty()) {
        if (const toml::node* src = over.get(key + "_source")) source = *src->value<std::string>();
        else if (is_figure(v))
          os.fail_at(&v, key,
                     fmt::format("an overridden catalogue figure needs a source: add {}_source = \"...\" (a citation, "
                                 "or \"assumption: why\")",
                                 key));
      }
      // One dud_rate and the pair of test and field priors exclude each other:
      // an overriding dud_rate replaces the pair; a prior of the pair cannot
      // be given to an entry with one dud_rate.
      const bool pair_key = key == "dud_rate_test" || key == "dud_rate_field" || key == "dud_rate_test_range" ||
                            key == "dud_rate_field_range";
      if (kind == "submunition" && key == "dud_rate") {
        for (const char* p : {"dud_rate_test", "dud_rate_field", "dud_rate_test_range", "dud_rate_field_range"})
          if (over.contains(p))
            os.fail_at(&v, key,
                       fmt::format("give either dud_rate (which replaces the test and field priors) or {}, not both", p));
      }
      if (kind == "submunition" && pair_key && entry->contains("dud_rate") && !over.contains("dud_rate"))
        os.fail_at(&v, key,
                   fmt::format("{} has one dud_rate, not separate test and field priors; override dud_rate instead",
                               *name));
      std::string was = "no value in " + where;
      if (kind == "submunition" && key == "dud_rate" && !entry->contains("dud_rate") &&
          (entry->contains("dud_rate_test") || entry->contains("dud_rate_field"))) {
        auto described = [&](const std::string& k) {
          const toml::node* n = entry->get(k);
          if (!n) return std::string();
          std::string d = fmt::format("{} = {}", k, value_text(*n));
          if (const toml::node* r = entry->get(k + "_range")) d += fmt::format(" in {}", value_text(*r));
          if (const toml::node* src = entry->get(k + "_source"); src && src->is_string())
            d += fmt::format(" (source: {})", *src->value<std::string>());
          return d;
        };
        const std::string test = described("dud_rate_test"), field = described("dud_rate_field");
        was = fmt::format("{}{}{} from {}: both priors are removed, so [scenario] dud_rates no longer applies to {}",
                          test, !test.empty() && !field.empty() ? " and " : "", field, where, *name);
        for (const std::string k : {"dud_rate_test", "dud_rate_field", "dud_rate_test_range", "dud_rate_field_range"}) {
          entry->erase(k);
          entry->erase(k + "_source");
        }
      } else if (const toml::node* old = entry->get(key)) {
        was = fmt::format("{} from {}", value_text(*old), where);
        if (const toml::node* src = entry->get(key + "_source"); src && src->is_string())
          was += fmt::format(" (source: {})", *src->value<std::string>());
      } else if (key == "self_destruct_failure") {
        was += " (its dud rates were of the whole item, self-destruct included; this failure probability now "
               "multiplies them)";
      }
      mo.notes.push_back(fmt::format("munition override: {} {} = {} (source: {}) replaces {}", *name, key,
                                     value_text(v), source.empty() ? "none given" : source, was));
      entry->insert_or_assign(key, std::move(v));  // keeps its file and line for messages
      entry->erase(key + "_source");
      if (!source.empty()) entry->insert(key + "_source", source);
    }
  }
}

// Messages about an overridden entry name the override.
Section& label_overridden(Section& s, const MunitionOverrides& mo) {
  if (const auto name = s.raw()["name"].value<std::string>(); name && mo.applied.count(*name))
    s.rename("munition_overrides." + toml_key(*name));
  return s;
}

// Every NAME in [munition_overrides] must be an entry.
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

void load_munitions(Scenario& sc, const std::string& path, const std::string& referenced_from, MunitionOverrides& mo) {
  sc.munitions_path = path;
  sc.munitions_text = read_text(path, "munition catalogue", referenced_from);
  toml::table root = parse_toml(sc.munitions_text, path);
  override_entries(root, "submunition", "the catalogue " + path, mo);
  override_entries(root, "carrier", "the catalogue " + path, mo);
  Section top(root, "", path, true);
  if (top.has("catalogue")) {
    Section meta = top.table("catalogue");
    meta.string("name", "the catalogue's name");
    meta.integer("version", 1, 1, "format version 1");
    meta.string_or("description", "");
    meta.finish_under_one_source();  // the format version is not a figure
  }
  for (Section& t : top.tables("submunition", true)) add_submunition(sc, parse_submunition(label_overridden(t, mo)), t);
  for (Section& c : top.tables("carrier", true)) add_carrier(sc, parse_carrier(label_overridden(c, mo)), c);
  top.finish();
}

// ------------------------------------------------------------ land cover

void default_recoverable(Scenario& sc) {
  sc.recoverable.fill(true);
  sc.recoverable[static_cast<int>(LandCover::Water)] = false;
}

void load_land_cover_table(Scenario& sc, const std::string& path, const std::string& referenced_from) {
  sc.land_cover_path = path;
  sc.land_cover_text = read_text(path, "land-cover table", referenced_from);
  const toml::table root = parse_toml(sc.land_cover_text, path);
  Section top(root, "", path, true);
  top.string_or("description", "");
  sc.slope_coefficient = top.number("slope_coefficient", 0.0, 100.0, "a coefficient in [0, 100]");
  std::array<bool, kLandCoverClasses> seen{};
  for (Section& c : top.tables("class", true)) {
    const LandCover lc = land_cover_key(c, "name");
    const int k = static_cast<int>(lc);
    if (seen[k]) c.fail_at(c.node("name"), "name", fmt::format("class \"{}\" is defined twice", land_cover_name(lc)));
    seen[k] = true;
    sc.dud_multiplier[k] = c.number("dud_rate_multiplier", 0.0, 100.0, "a multiplier in [0, 100]");
    sc.recoverable[k] = c.boolean("recoverable", "true or false (can items there be found and cleared?)");
    c.string("rationale", "a sentence on why this multiplier");
    if (c.has("worldcover_codes")) {
      const toml::node* n = c.node("worldcover_codes");
      const toml::array* a = n->as_array();
      if (!a) c.expected("worldcover_codes", "an array of ESA WorldCover class codes (integers 0-255)");
      for (const toml::node& e : *a) {
        if (!e.is_integer() || *e.value<std::int64_t>() < 0 || *e.value<std::int64_t>() > 255)
          c.fail_at(&e, "worldcover_codes", "expected integers 0-255");
        const int code = static_cast<int>(*e.value<std::int64_t>());
        for (const auto& [other, cls] : sc.worldcover)
          if (other == code)
            c.fail_at(&e, "worldcover_codes", fmt::format("code {} is already mapped to {}", code, land_cover_name(cls)));
        sc.worldcover.emplace_back(code, lc);
      }
    }
    c.finish();
  }
  for (int k = 0; k < kLandCoverClasses; ++k)
    if (!seen[k])
      throw InputError(fmt::format("{}: land-cover class \"{}\" is missing; every class ({}) needs a [[class]] entry",
                                   path, kLandCoverNames[k], kLandCoverList));
  top.finish();
}

void parse_inline_land_cover(Scenario& sc, Section& top) {
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
}

// ------------------------------------------------------------ grid, strikes, inventory, sites

void parse_grid(Scenario& sc, Section& top) {
  Section g = top.table("grid");
  GridSpec& gs = sc.grid;
  if (g.has("dataset")) {
    const std::string name = g.string("dataset", "the name of a bundled dataset (e.g. \"south-lebanon\") or its directory");
    g.finish();
    sc.dataset = load_dataset(name, g.where());
    gs = sc.dataset->grid;
    return;
  }
  const std::string larger = " (a larger extent needs larger cells, grid.cell_size_m)";
  gs.nx = static_cast<std::uint32_t>(
      g.integer("nx", 1, 1'000'000, "a number of columns between 1 and 1000000" + larger));
  gs.ny = static_cast<std::uint32_t>(g.integer("ny", 1, 1'000'000, "a number of rows between 1 and 1000000" + larger));
  gs.cell_size_m = g.number("cell_size_m", 0.01, 1e6, "a cell size in metres between 0.01 and 1e6");
  gs.origin_x_m = g.number("origin_x_m", -1e8, 1e8, "the x of the lower-left corner in metres, between -1e8 and 1e8");
  gs.origin_y_m = g.number("origin_y_m", -1e8, 1e8, "the y of the lower-left corner in metres, between -1e8 and 1e8");
  gs.crs = g.string_or("crs", "");
  if (!gs.crs.empty()) {  // checked now, not when a raster or the result file needs it
    try {
      require_projected_metres(gs.crs, "CRS");
    } catch (const InputError& e) {
      g.fail_at(g.node("crs"), "crs", e.what());
    }
  }
  gs.land_cover = land_cover_key(g, "land_cover");
  gs.elevation_m = g.number_or("elevation_m", 0.0, -500.0, 9000.0, "an elevation in metres between -500 and 9000");
  if (static_cast<std::uint64_t>(gs.nx) * gs.ny > 0xFFFFFFFFull)
    g.fail_at(g.node("nx"), "nx",
              fmt::format("grid of {} x {} cells exceeds 2^32 cells; expected fewer: use larger cells "
                          "(grid.cell_size_m) or a smaller extent",
                          gs.nx, gs.ny));
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

void parse_terrain(Scenario& sc, Section& top) {
  Section t = top.table("terrain");
  if (t.has("elevation")) sc.terrain.elevation = t.path("elevation", "the path of a DEM raster");
  if (t.has("land_cover")) {
    sc.terrain.land_cover = t.path("land_cover", "the path of a land-cover raster");
    sc.terrain.land_cover_codes = t.string("land_cover_codes", "\"worldcover\" or \"remnant\" (how to read the raster's codes)");
    if (sc.terrain.land_cover_codes != "worldcover" && sc.terrain.land_cover_codes != "remnant")
      t.fail_at(t.node("land_cover_codes"), "land_cover_codes",
                fmt::format("expected \"worldcover\" or \"remnant\", got \"{}\"", sc.terrain.land_cover_codes));
  }
  t.finish();
  if (sc.terrain.elevation.empty() && sc.terrain.land_cover.empty())
    throw InputError(fmt::format("{}: [terrain]: expected elevation and/or land_cover raster paths", t.where()));
}

std::size_t carrier_index(const Scenario& sc, Section& s, const std::string& key) {
  const std::string name = s.string(key, "the name of a carrier in the catalogue");
  for (std::size_t i = 0; i < sc.carriers.size(); ++i)
    if (sc.carriers[i].name == name) return i;
  std::string known;
  for (const CarrierType& c : sc.carriers) known += (known.empty() ? "" : ", ") + c.name;
  s.fail_at(s.node(key), key, fmt::format("unknown carrier \"{}\"; expected one of: {}", name, known));
}

void heading_keys(Section& s, std::optional<double>& heading, double& spread) {
  if (s.has("heading_deg"))
    heading = s.number("heading_deg", -360.0, 720.0, "degrees clockwise from north, between -360 and 720");
  spread = s.number_or("heading_spread_deg", 0.0, 0.0, 360.0, "a spread in [0, 360] degrees");
}

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

void parse_sites(Scenario& sc, Section& top) {
  Section s = top.table("sites");
  SiteSpec& sp = sc.sites;
  sp.present = true;
  sp.line = s.line();
  sp.count = static_cast<std::uint32_t>(s.count("count", 1, 10'000'000, "a number of strike sites between 1 and 1e7"));
  const std::string placement = s.string("placement", "\"per_realization\" (sites redrawn in every realization) or \"fixed\"");
  if (placement != "per_realization" && placement != "fixed")
    s.fail_at(s.node("placement"), "placement", fmt::format("expected \"per_realization\" or \"fixed\", got \"{}\"", placement));
  sp.per_realization = placement == "per_realization";
  heading_keys(s, sp.heading_deg, sp.heading_spread_deg);
  if (s.has("points_csv")) sp.points_csv = s.path("points_csv", "the path of a lon,lat[,weight] CSV");
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

std::string datasets_dir() {
  if (const char* env = std::getenv("REMNANT_DATASETS"); env && *env) return env;
  return REMNANT_DEFAULT_DATASETS_DIR;
}

Dataset load_dataset(const std::string& name_or_dir, const std::string& referenced_from) {
  namespace fs = std::filesystem;
  const bool is_path = name_or_dir.find('/') != std::string::npos;
  const std::string dir = is_path ? name_or_dir : (fs::path(datasets_dir()) / name_or_dir).string();
  const std::string file = (fs::path(dir) / "dataset.toml").string();
  if (!fs::exists(file))
    throw InputError(fmt::format(
        "{}: dataset \"{}\" not found: no {} (datasets are built by scripts/build.sh into build/datasets; "
        "set REMNANT_DATASETS to the directory holding them)",
        referenced_from, name_or_dir, file));
  Dataset d;
  d.dir = dir;
  d.text = read_text(file, "dataset description", referenced_from);
  const toml::table root = parse_toml(d.text, file);
  Section top(root, "", file);
  Section s = top.table("dataset");
  d.name = s.string("name", "the dataset's name");
  d.title = s.string("title", "a title");
  d.elevation = (fs::path(dir) / s.string("elevation", "the elevation raster's file name")).string();
  d.elevation_source = s.string("elevation_source", "where the elevation comes from");
  d.elevation_resolution_m = s.number("elevation_resolution_m", 0.0, 1e6, "the source's resolution in metres");
  d.land_cover = (fs::path(dir) / s.string("land_cover", "the land-cover raster's file name")).string();
  d.land_cover_source = s.string("land_cover_source", "where the land cover comes from");
  d.notes = s.strings_or_empty("notes");
  // The grid: the rasters are read onto it (through GDAL, like any user raster).
  d.grid.crs = s.string("crs", "a CRS such as \"EPSG:32636\"");
  d.grid.origin_x_m = s.number("origin_x_m", -1e8, 1e8, "metres");
  d.grid.origin_y_m = s.number("origin_y_m", -1e8, 1e8, "metres");
  d.grid.nx = static_cast<std::uint32_t>(s.integer("nx", 1, 1'000'000, "a number of columns"));
  d.grid.ny = static_cast<std::uint32_t>(s.integer("ny", 1, 1'000'000, "a number of rows"));
  d.grid.cell_size_m = s.number("cell_size_m", 0.01, 1e6, "metres");
  d.grid.land_cover = LandCover::Unknown;
  s.finish();
  for (Section& l : top.tables("layer", false)) {
    DatasetLayer layer;
    layer.name = l.string("name", "a layer name");
    layer.file = (fs::path(dir) / l.string("file", "the layer's file name")).string();
    layer.source = l.string("source", "where the layer comes from");
    layer.licence = l.string("licence", "its licence");
    l.finish();
    d.layers.push_back(layer);
  }
  top.finish();
  return d;
}

// A scenario built on another: its tables merge into the base's key by key;
// any other value, arrays of tables included, replaces the base's (area = []
// removes the base's areas).
// Values are moved, not copied: a moved node keeps its source (file, line)
// for error messages.
void merge_into(toml::table& base, toml::table& over) {
  for (auto&& [k, v] : over) {
    toml::node* b = base.get(k);
    if (b && b->is_table() && v.is_table()) merge_into(*b->as_table(), *v.as_table());
    else base.insert_or_assign(k, std::move(v));
  }
}

Scenario parse_scenario(const std::string& text, const std::string& file, const std::vector<Override>& overrides) {
  toml::table root = parse_toml(text, file);
  Scenario sc;
  sc.path = file;
  sc.text = text;
  if (const toml::node* b = root.at_path("scenario.base").node()) {
    if (!b->is_string())
      throw InputError(fmt::format("{}:{}: scenario.base: expected the path of the scenario this one builds on", file,
                                   b->source().begin.line));
    sc.base_path = relative_to(file, *b->value<std::string>());
    sc.base_text = read_text(sc.base_path, "base scenario", fmt::format("{}:{}", file, b->source().begin.line));
    toml::table base = parse_toml(sc.base_text, sc.base_path);
    if (base.at_path("scenario.base"))
      throw InputError(fmt::format("{}: scenario.base: a base scenario cannot itself have a base", sc.base_path));
    root.as_table()->get_as<toml::table>("scenario")->erase("base");
    merge_into(base, root);
    root = std::move(base);
  }
  for (const Override& o : overrides) {
    apply_override(root, o, file);
    sc.overrides.push_back(o.key + "=" + o.value);
  }
  Section top(root, "", file);
  MunitionOverrides mo;
  mo.file = file;
  if (top.has("munition_overrides")) {
    if (!top.node("munition_overrides")->is_table())
      top.expected("munition_overrides", "a table of [munition_overrides.NAME] tables");
    mo.table = root.get_as<toml::table>("munition_overrides");
  }
  sc.dud_multiplier.fill(1.0);
  default_recoverable(sc);

  {
    Section s = top.table("scenario");
    sc.name = s.string("name", "a scenario name");
    s.string_or("description", "");
    sc.seed = static_cast<std::uint64_t>(s.integer("seed", 0, INT64_MAX, "a non-negative integer seed"));
    sc.realizations = static_cast<std::uint32_t>(
        s.integer("realizations", 1, 100'000'000, "a number of realizations between 1 and 100000000"));
    if (s.has("munitions"))
      load_munitions(sc, s.path("munitions", "the path of a munition catalogue"), s.where("munitions"), mo);
    if (s.has("land_cover_table")) {
      if (top.has("land_cover"))
        s.fail_at(s.node("land_cover_table"), "land_cover_table", "give a land-cover table file or an inline [land_cover], not both");
      load_land_cover_table(sc, s.path("land_cover_table", "the path of a land-cover table"),
                            s.where("land_cover_table"));
    }
    if (s.has("dud_rates")) {
      sc.dud_rates = s.string("dud_rates", "\"field\" or \"test\"");
      if (sc.dud_rates != "field" && sc.dud_rates != "test")
        s.fail_at(s.node("dud_rates"), "dud_rates", fmt::format("expected \"field\" or \"test\", got \"{}\"", sc.dud_rates));
    }
    sc.sources = s.strings_or_empty("sources");
    sc.assumptions = s.strings_or_empty("assumptions");
    s.finish();
  }

  parse_grid(sc, top);
  if (top.has("terrain")) parse_terrain(sc, top);
  {
    Section w = top.table("wind");
    sc.wind.speed_mps = w.range("speed_mps", 0.0, 100.0, "m/s");
    sc.wind.from_deg = w.range("from_deg", -360.0, 720.0, "degrees");
    w.finish();
  }
  if (top.has("land_cover")) parse_inline_land_cover(sc, top);
  else if (sc.land_cover_path.empty())
    sc.assumptions.push_back("no land-cover table: dud-rate multiplier 1.0 for every class, no slope effect");

  const bool catalogue = !sc.munitions_path.empty();
  override_entries(root, "submunition", "the scenario " + file, mo);
  override_entries(root, "carrier", "the scenario " + file, mo);
  for (Section& t : top.tables("submunition", !catalogue)) add_submunition(sc, parse_submunition(label_overridden(t, mo)), t);
  for (Section& c : top.tables("carrier", !catalogue)) add_carrier(sc, parse_carrier(label_overridden(c, mo)), c);
  check_override_names(sc, mo);
  sc.assumptions.insert(sc.assumptions.end(), mo.notes.begin(), mo.notes.end());
  // Which dud-rate prior the run uses.
  for (SubmunitionType& t : sc.submunitions) {
    if (!t.dud_rate_test) continue;
    if (sc.dud_rates.empty())
      top.fail_at(nullptr, "scenario.dud_rates",
                  fmt::format("submunition \"{}\" ({}) has test and field dud-rate priors; say which to use: "
                              "dud_rates = \"field\" or \"test\" in [scenario]",
                              t.name, t.defined_at));
    t.dud_rate = sc.dud_rates == "test" ? *t.dud_rate_test : *t.dud_rate_field;
  }

  parse_strikes(sc, top);
  if (top.has("inventory")) parse_inventory(sc, top);
  if (top.has("sites")) parse_sites(sc, top);
  top.finish();  // first: a misspelt [[strike]] or [sites] is named as such
  if (sc.inventory.present != sc.sites.present)
    top.fail_at(nullptr, sc.inventory.present ? "sites" : "inventory",
                "an [inventory] needs [sites] to say where it fell, and [sites] need an [inventory]");
  if (sc.strikes.empty() && !sc.inventory.present)
    top.fail_at(nullptr, "strike", "expected at least one [[strike]], or an [inventory] with [sites]");
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  return parse_scenario(read_text(path, "scenario file", ""), path, overrides);
}

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
