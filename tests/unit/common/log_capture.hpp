// For tests: the process's log sent to a temporary file while a LogCapture lives (log::Install),
// and the lines written so far. Not thread-safe against itself: one capture at a time.
#pragma once

#include "common/log_sink.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace contactsd::log {

class LogCapture {
 public:
  explicit LogCapture(Settings settings = {}) : file_(std::tmpfile()) {
    EXPECT_NE(file_, nullptr);
    Install(settings, fileno(file_));
  }
  ~LogCapture() {
    Install({}, STDERR_FILENO);  // before the file closes: nothing may log into a closed fd
    std::fclose(file_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Everything written, as it is.
  std::string Text() const {
    std::string text;
    char chunk[4096];
    off_t at = 0;
    for (ssize_t got; (got = pread(fileno(file_), chunk, sizeof chunk, at)) > 0; at += got) {
      text.append(chunk, static_cast<std::size_t>(got));
    }
    return text;
  }

  // The lines written, each without its '\n'.
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(Text());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  std::FILE* file_;
};

}  // namespace contactsd::log
