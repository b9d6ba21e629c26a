// The text of a log line, in either format (docs/operations.md, "Logs"). Pure functions over
// buffers, for the sink (common/log_sink.cpp), the writer (common/log.cpp) and tests.
//
// A structured call is first written as its logfmt body, "event=E msg=M k=v ...", which the
// sink either prefixes with ts and level (logfmt) or re-reads into a JSON object (json). Values
// are quoted with JSON's string escapes, so a quoted logfmt value is a JSON string as it stands:
// the JSON line copies it, and never unescapes. A text value that reads as a whole number is
// quoted too, so that in JSON only numbers become numbers.
#pragma once

#include "common/log.hpp"

#include <fmt/format.h>

#include <string_view>

namespace contactsd::log {

// Room for a whole line on the stack; longer lines spill to the heap.
using LineBuffer = fmt::basic_memory_buffer<char, 512>;

// "debug", "info", "warn" or "error".
std::string_view LevelName(Level level);

// `key` as a logfmt/JSON key: [A-Za-z0-9_.-], anything else as '_' ("_" when empty).
void AppendKey(LineBuffer& out, std::string_view key);
// `text` as a logfmt value: bare when it can be (printable ASCII without space, '"', '=' or
// '\\', and not a whole number), else quoted and escaped as a JSON string. Invalid UTF-8 is
// written as U+FFFD, so the line is always valid UTF-8; U+0085, U+2028 and U+2029 are escaped
// (line breaks to some readers).
void AppendValue(LineBuffer& out, std::string_view text);
// `text` as a JSON string, quotes included (the escapes of AppendValue).
void AppendQuoted(LineBuffer& out, std::string_view text);

// The body of a structured line: "event=E msg=M k1=v1 k2=v2". The msg is always there, "" when
// empty.
void AppendBody(LineBuffer& out, std::string_view event, std::string_view message,
                std::span<const Field> fields);

// A whole line, ending in '\n'. `timestamp`: "2026-12-05T23:20:01.123Z". `payload`: a body from
// AppendBody when `structured`, else a plain message (spdlog's text), written as the msg of an
// event "log".
void AppendLine(LineBuffer& out, Format format, Level level, std::string_view timestamp,
                std::string_view payload, bool structured);

// "2026-12-05T23:20:01.123Z" for a time in milliseconds since the Unix epoch.
// REQUIRES: `out` has room for 24 characters.
void WriteTimestamp(std::int64_t unix_ms, char* out);
inline constexpr std::size_t kTimestampSize = 24;

}  // namespace contactsd::log
