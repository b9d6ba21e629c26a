// Structured log lines, from every layer: an event name, a message and key=value fields, written
// as one line of the format the process was started with (common/log_sink.hpp; docs/operations.md).
//   log::Warn("webhook_lease_failed", "leasing endpoints failed", {{"error", e.internal}});
//   log::Error("handler_threw", e.what(), {{"rid", request.request_id}, {"route", route}});
// Plain spdlog calls still work: their text becomes the msg of an event "log". This header is
// light (no spdlog, no fmt) so that any file may log.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace contactsd::log {

// The values are spdlog's own (common/log.cpp checks), so a level passes to it as it is.
enum class Level { kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

// How lines are written: logfmt ("ts=... level=info event=... msg=\"...\" key=value") or one JSON
// object per line with the same keys.
enum class Format { kLogfmt, kJson };

// One key=value of a line: text, or a whole number (a JSON number in JSON lines). Holds views:
// what they point to must live until the call that takes the field returns (the field is
// copied into the line before that).
class Field {
 public:
  Field() = default;
  Field(std::string_view key, std::string_view text) : key_(key), text_(text) {}
  Field(std::string_view key, const char* text) : key_(key), text_(text) {}
  Field(std::string_view key, const std::string& text) : key_(key), text_(text) {}
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool> &&
                                            !std::is_same_v<Int, char>,
                                        int> = 0>
  Field(std::string_view key, Int number)
      : key_(key), number_(static_cast<std::int64_t>(number)), is_number_(true) {}

  std::string_view key() const { return key_; }
  bool is_number() const { return is_number_; }
  std::string_view text() const { return text_; }
  std::int64_t number() const { return number_; }

 private:
  std::string_view key_;
  std::string_view text_;
  std::int64_t number_ = 0;
  bool is_number_ = false;
};

using Fields = std::initializer_list<Field>;

// Whether a line at `level` would be written (the --log-level). Cheap: one atomic load.
bool Enabled(Level level);

// Writes one line: `event` (a stable snake_case name to search and alert on), `message` (for
// people; may be empty on lines whose fields say everything), then the fields in order. Keys are
// code's own names: [A-Za-z0-9_.-] (anything else is written as '_'), never ts, level, event or
// msg. Thread-safe; the line is formatted on the stack (no heap allocation for lines up to a few
// hundred bytes) and written whole under the sink's one mutex.
void Write(Level level, std::string_view event, std::string_view message,
           std::span<const Field> fields);
inline void Write(Level level, std::string_view event, std::string_view message,
                  Fields fields = {}) {
  Write(level, event, message, std::span<const Field>(fields.begin(), fields.size()));
}

inline void Debug(std::string_view event, std::string_view message, Fields fields = {}) {
  Write(Level::kDebug, event, message, fields);
}
inline void Info(std::string_view event, std::string_view message, Fields fields = {}) {
  Write(Level::kInfo, event, message, fields);
}
inline void Warn(std::string_view event, std::string_view message, Fields fields = {}) {
  Write(Level::kWarn, event, message, fields);
}
inline void Error(std::string_view event, std::string_view message, Fields fields = {}) {
  Write(Level::kError, event, message, fields);
}

}  // namespace contactsd::log
