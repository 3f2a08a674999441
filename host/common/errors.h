// The error types every layer of the host shares. They sit here, at the bottom,
// so that a file reader, a projection or a map page can report a user's mistake
// without depending on the scenario (or anything else above it).
#pragma once

#include <stdexcept>

namespace remnant {

// A user mistake in an input: the message names the file, line and key (or
// the option, layer or path) and what was expected. `main` turns it into exit
// code 2; nothing partial is written when it is thrown.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown (an InputError) when a run cannot start from its checkpoint: there is
// none to resume, or it is not one, or it is another run's.
class ResumeError : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace remnant
