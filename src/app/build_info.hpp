// What the binary was built from, for `contactsd version` and --version. The commit is written
// at build time by cmake/build_commit.cmake.
#pragma once

#include "common/version.hpp"

#include <string>

namespace contactsd::app {

extern const char kCommit[];

// "contactsd 0.1.0 (commit 0123456789ab)".
inline std::string VersionLine() {
  return std::string("contactsd ") + kVersion + " (commit " + kCommit + ")";
}

}  // namespace contactsd::app
