// Wall-clock time as milliseconds since the Unix epoch, and its one wire format:
// ISO 8601 UTC with milliseconds, "2026-11-25T01:16:03.123Z".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace contactsd {

std::int64_t NowMillis();

std::string FormatTimestamp(std::int64_t unix_ms);
// FormatTimestamp's text appended to `out` (no string of its own).
void AppendTimestamp(std::string& out, std::int64_t unix_ms);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fff...]" followed by "Z" or "+HH:MM"/"-HH:MM", with a real
// calendar date. Returns the instant in Unix milliseconds, or nullopt.
std::optional<std::int64_t> ParseTimestamp(std::string_view text);

// True for "YYYY-MM-DD" naming a real calendar date (leap years included).
bool IsCalendarDate(std::string_view text);

// A duration written as a whole number and a unit: "30d", "12h", "15m", "45s"; "0" is zero.
// Milliseconds, or nullopt for anything else (and for more than 100 years).
std::optional<std::int64_t> ParseDuration(std::string_view text);

}  // namespace contactsd
