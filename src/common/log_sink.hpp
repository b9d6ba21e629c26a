// Where log lines go: spdlog's default logger, on one sink that writes every line, whoever logs
// it (log::Write or a plain spdlog call), in the one format the process was started with.
#pragma once

#include "common/log.hpp"

#include <optional>
#include <string_view>

namespace contactsd::log {

struct Settings {
  Format format = Format::kLogfmt;
  Level level = Level::kInfo;  // lines below it are not written (not even formatted)
};

// "logfmt" or "json"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);
// "debug", "info", "warn" or "error"; nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view name);

// Makes spdlog's default logger a logger named "contactsd" at `settings.level` whose one sink
// writes each line whole, with one write(2), to `fd` (stderr unless a test says otherwise).
// spdlog's own errors (a bad format string) become lines too. May be called again to change
// the settings. REQUIRES: no other thread logs meanwhile (call it at start-up), and `fd` stays
// open as long as anything may log.
void Install(const Settings& settings, int fd = 2);

// How log::Write marks its lines for the sink: spdlog carries the body of a structured line as
// its message text, with this as the source file name (compared by address).
inline constexpr char kStructuredMark[] = "contactsd::log";

}  // namespace contactsd::log
