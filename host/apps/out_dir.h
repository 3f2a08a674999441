// The output directory of a command that writes many files into one
// directory (`sweep`, `calibrate`): checked before anything runs, created
// only when the checks pass.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace remnant {

// Checks that `dir` (--out-dir of the command `command`) exists and is
// writable, or can be created: its parent is a writable directory (only the
// last component is created, as `run --out` wants its directory to exist).
// None of `files` (the names the command writes there) may be a directory.
// Without --resume, it holds no file whose name `ours` accepts (a fresh run
// would overwrite some and leave others beside its own). Nothing is created.
// Throws InputError naming the option and the problem.
void check_out_dir(const std::string& dir, const std::string& command, const std::vector<std::string>& files,
                   const std::function<bool(const std::string& name)>& ours, bool resume);

// A word for a shell command line (a resume hint): as it is when plain,
// else single-quoted.
std::string shell_word(const std::string& s);

// Creates `dir` when it is missing (after check_out_dir); InputError when it cannot.
void make_out_dir(const std::string& dir);

}  // namespace remnant
