#include "host/inputs/toml_section.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace remnant::inputs_detail {

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

double as_double(const toml::node& n) {
  return n.is_integer() ? static_cast<double>(*n.value<std::int64_t>()) : *n.value<double>();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_figure(const toml::node& n) {
  if (n.is_number()) return true;
  if (const toml::array* a = n.as_array()) return !a->empty() && (*a)[0].is_number();
  if (const toml::table* t = n.as_table()) return t->contains("alpha");
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

// ------------------------------------------------------------ Section

void Section::fail_at(const toml::node* n, const std::string& key, const std::string& msg) const {
  const toml::node* at = n ? n : &t_;
  // A value set on the command line (--set) has no place in a file; one from
  // a base scenario names that file.
  const auto& origin = at->source().path;
  if (at->source().begin.line == 0 || (origin && origin->rfind("--set ", 0) == 0))
    throw InputError(fmt::format("--set {}: {}", full(key), msg));
  const std::string where = origin && !origin->empty() ? *origin : file_;
  throw InputError(fmt::format("{}:{}: {}: {}", where, at->source().begin.line, full(key), msg));
}

void Section::expected(const std::string& key, const std::string& what) const {
  const toml::node* n = t_.get(key);
  fail_at(n, key, n ? fmt::format("expected {}, got {}", what, type_name(*n)) : fmt::format("missing; expected {}", what));
}

double Section::number(const std::string& key, double lo, double hi, const std::string& what) {
  const toml::node* n = node(key);
  if (!n) expected(key, what);
  std::optional<double> v;
  if (n->is_floating_point()) v = *n->value<double>();
  else if (n->is_integer()) v = static_cast<double>(*n->value<std::int64_t>());
  if (!v) expected(key, what);
  if (!std::isfinite(*v) || *v < lo || *v > hi) fail_at(n, key, fmt::format("expected {}, got {}", what, *v));
  return *v;
}

std::int64_t Section::integer(const std::string& key, std::int64_t lo, std::int64_t hi, const std::string& what) {
  const toml::node* n = node(key);
  if (!n || !n->is_integer()) expected(key, what);
  const std::int64_t v = *n->value<std::int64_t>();
  if (v < lo || v > hi) fail_at(n, key, fmt::format("expected {}, got {}", what, v));
  return v;
}

std::string Section::string(const std::string& key, const std::string& what) {
  const toml::node* n = node(key);
  if (!n || !n->is_string()) expected(key, what);
  return *n->value<std::string>();
}

std::string Section::path(const std::string& key, const std::string& what) {
  const std::string p = string(key, what);
  const auto& origin = node(key)->source().path;
  if (!origin || origin->empty()) return p;  // --set
  return relative_to(origin->rfind("--set ", 0) == 0 ? std::string() : *origin, p);
}

bool Section::boolean(const std::string& key, const std::string& what) {
  const toml::node* n = node(key);
  if (!n || !n->is_boolean()) expected(key, what);
  return *n->value<bool>();
}

std::vector<std::string> Section::strings_or_empty(const std::string& key) {
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

std::uint64_t Section::count(const std::string& key, std::uint64_t lo, std::uint64_t hi, const std::string& what) {
  const double v = number(key, static_cast<double>(lo), static_cast<double>(hi), what);
  if (v != std::floor(v)) fail_at(node(key), key, fmt::format("expected {}, got {} (not a whole number)", what, v));
  return static_cast<std::uint64_t>(v);
}

Range Section::range(const std::string& key, double min, double max, const std::string& unit) {
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

Section Section::table(const std::string& key) {
  const toml::node* n = node(key);
  if (!n || !n->is_table()) expected(key, "a table");
  return Section(*n->as_table(), full(key), file_, require_sources_);
}

std::vector<Section> Section::tables(const std::string& key, bool required) {
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

std::string Section::where() const { return fmt::format("{}:{}", file_, line()); }

std::string Section::where(const std::string& key) {
  const toml::node* n = node(key);
  const auto& origin = n->source().path;
  if (n->source().begin.line == 0 || (origin && origin->rfind("--set ", 0) == 0)) return "--set " + full(key);
  return fmt::format("{}:{}", origin && !origin->empty() ? *origin : file_, n->source().begin.line);
}

void Section::finish() const {
  for (auto&& [k, v] : t_) {
    const std::string key(k.str());
    if (source_key(key, v)) continue;
    if (!used_.count(key)) fail_at(&v, key, "unknown key (not part of the format; misspelt?)");
    if (require_sources_ && is_figure(v) && !t_.contains(key + "_source"))
      fail_at(&v, key,
              fmt::format("a catalogue figure needs a source: add {}_source = \"...\" (a citation, or "
                          "\"assumption: why\")",
                          key));
  }
}

bool Section::source_key(const std::string& key, const toml::node& v) const {
  if (!ends_with(key, "_source")) return false;
  const std::string base = key.substr(0, key.size() - 7);
  if (!t_.contains(base)) fail_at(&v, key, fmt::format("a source for \"{}\", which is not there", base));
  if (!v.is_string() || v.value<std::string>()->empty())
    fail_at(&v, key, "expected a non-empty string: a citation, or \"assumption: why\"");
  return true;
}

// ------------------------------------------------------------ rate priors

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

std::string relative_to(const std::string& file, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

}  // namespace remnant::inputs_detail
