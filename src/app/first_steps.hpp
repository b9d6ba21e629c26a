// The quick start `contactsd serve` prints when it is up: the commands that take a new user from
// nothing to a stored contact on this server, for this model (its plan rules, its envelope, a
// body it accepts, the JWT route when the server takes HS256 tokens). Each line works when
// pasted with the value the line before printed in place of its <...>; an API test runs them
// for every built-in model.
#pragma once

#include "model/model.hpp"

#include <string>

namespace contactsd::app {

struct FirstStepsInput {
  std::string program;   // how the binary was invoked (argv[0]): build/contactsd, contactsd
  std::string db_url;    // the database as it may be shown (a password redacted)
  std::string base_url;  // http://HOST:PORT
  bool hs256 = false;    // served with --jwt-secret: offer a token as well as a key
};

// The text, each line ending in a newline.
std::string FirstSteps(const model::Model& model, const FirstStepsInput& input);

// `text` quoted for a POSIX shell (single quotes; a quote inside as '\'').
std::string ShellQuoted(std::string_view text);

}  // namespace contactsd::app
