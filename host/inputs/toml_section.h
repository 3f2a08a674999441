// Internal to host/inputs, not part of its interface: the strict TOML reader
// that the scenario, catalogue, land-cover table and dataset loaders share,
// and the helpers they read their files with (toml_section.cpp).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "host/inputs/scenario.h"

namespace remnant::inputs_detail {

// How a value is named in a message: "the string \"x\"", "the integer 3", "an array", ...
std::string type_name(const toml::node& n);

// A TOML number (integer or float) as a double.
double as_double(const toml::node& n);

bool ends_with(const std::string& s, const std::string& tail);

// A figure: a number, an array of numbers, or a prior table. In a catalogue
// every figure needs a "<key>_source" beside it.
bool is_figure(const toml::node& n);

// "a, b, c", for the lists of names in messages.
std::string joined(const std::vector<std::string>& v);

// Strict access to one TOML table: every key read is marked, finish() reports
// the first key nobody asked for. Messages: "file:line: key: expected ..., got ...".
// "<key>_source" strings may stand beside any key; in a catalogue
// (require_sources) every figure must have one.
class Section {
 public:
  Section(const toml::table& t, std::string prefix, const std::string& file, bool require_sources = false)
      : t_(t), prefix_(std::move(prefix)), file_(file), require_sources_(require_sources) {}

  [[noreturn]] void fail_at(const toml::node* n, const std::string& key, const std::string& msg) const;
  [[noreturn]] void expected(const std::string& key, const std::string& what) const;

  std::string full(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  const std::string& file() const { return file_; }
  bool has(const std::string& key) const { return t_.contains(key); }
  const toml::node* node(const std::string& key) {
    used_.insert(key);
    return t_.get(key);
  }

  double number(const std::string& key, double lo, double hi, const std::string& what);
  double number_or(const std::string& key, double fallback, double lo, double hi, const std::string& what) {
    return has(key) ? number(key, lo, hi, what) : (node(key), fallback);
  }

  std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, const std::string& what);

  std::string string(const std::string& key, const std::string& what);
  std::string string_or(const std::string& key, const std::string& fallback) {
    return has(key) ? string(key, "a string") : fallback;
  }

  // A path written in a file is relative to that file's directory: the file
  // the value came from (a base scenario's, when inherited), the current
  // directory for a --set value.
  std::string path(const std::string& key, const std::string& what);

  bool boolean(const std::string& key, const std::string& what);

  std::vector<std::string> strings_or_empty(const std::string& key);

  // A count that may be written 4_000_000 or 4e6 (a whole number either way).
  std::uint64_t count(const std::string& key, std::uint64_t lo, std::uint64_t hi, const std::string& what);

  // [lo, hi] with lo <= hi, both inside [min, max]; a single number means lo = hi.
  Range range(const std::string& key, double min, double max, const std::string& unit);

  Section table(const std::string& key);

  // Array of tables ([[key]]); empty when absent and not required.
  std::vector<Section> tables(const std::string& key, bool required);

  const toml::table& raw() const { return t_; }
  void rename(std::string prefix) { prefix_ = std::move(prefix); }  // for messages
  std::uint32_t line() const { return t_.source().begin.line; }
  std::string where() const;
  // Where a key's value was written: FILE:LINE (the base's file for an
  // inherited value), or --set KEY.
  std::string where(const std::string& key);

  // finish() for a table whose figures share one source written beside the
  // table (a prior's alpha and beta, footprint_scaling), or hold none (the
  // catalogue's format version).
  void finish_under_one_source() {
    const bool keep = require_sources_;
    require_sources_ = false;
    finish();
    require_sources_ = keep;
  }

  void finish() const;

  // True for a "<key>_source" (value v), once checked: the key it cites is in
  // the table and it is a non-empty string. False for any other key.
  bool source_key(const std::string& key, const toml::node& v) const;

 private:
  const toml::table& t_;
  std::string prefix_;
  std::string file_;
  bool require_sources_ = false;
  std::set<std::string> used_;
};

// A probability, or a Beta prior { alpha = A, beta = B }.
RatePrior rate_prior(Section& s, const std::string& key);

// ------------------------------------------------------------ file helpers

// The text of a file, or an InputError naming what it was and where it was named.
std::string read_text(const std::string& path, const std::string& what, const std::string& referenced_from);

// TOML text parsed, or an InputError at FILE:LINE:COLUMN.
toml::table parse_toml(const std::string& text, const std::string& file);

// A path written in a file is relative to that file's directory.
std::string relative_to(const std::string& file, const std::string& path);

}  // namespace remnant::inputs_detail
