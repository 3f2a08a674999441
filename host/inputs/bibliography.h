// The bibliography a scenario's sources cite (configs/sources.toml): one
// table per key, each a full reference. Source texts cite keys in square
// brackets, "[HRW-2008]"; the loader refuses a key the bibliography lacks,
// and a run carries the full reference of every key it cites.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace remnant {

struct Bibliography {
  std::string path;                               // the file read ("" when none)
  std::map<std::string, std::string> references;  // key -> full reference
};

// Reads a bibliography file. Throws InputError naming the file (and the line
// and key) for a missing file, bad TOML, a key that is not a citation key, or
// an entry without its author, title, publisher, date, locator, grade or
// used_for. referenced_from: where the path was named, for the message.
Bibliography load_bibliography(const std::string& path, const std::string& referenced_from);

// The full reference of an entry, "AUTHOR, TITLE, PUBLISHER, DATE (LOCATOR)":
// the text scripts/sources_md.py writes into docs/SOURCES.md (without its italics).
std::string full_reference(const std::string& author, const std::string& title, const std::string& publisher,
                           const std::string& date, const std::string& locator);

// The keys a source text cites, in order of first appearance: each "[KEY]"
// whose KEY is a capital letter followed by at least two capital letters,
// digits or hyphens ("[HRW-2008]", "[THOR]"; not "[0, 1]" or "[N]").
std::vector<std::string> cited_keys(const std::string& text);

// Whether a source text states an assumption rather than a citation: it
// begins with "assumption" (any case).
bool is_assumption(const std::string& text);

}  // namespace remnant
