// The access log: one logfmt line per request on stderr, e.g.
//   ts=2026-11-23T10:00:00.123Z event=access method=GET route=/v1/contacts/{id} status=200
//   us=412 org=acme rid=3f2a9c0d1e4b5a67
// `route` is the matched pattern ("-" when none matched), never the raw path, so lines group by
// endpoint and no client-chosen id lands in the log unasked.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace contactsd::http {

struct AccessEntry {
  std::string_view method;  // "-" when the request line was unreadable
  std::string_view route;   // the pattern, or "-"
  int status = 0;
  std::chrono::microseconds duration{0};
  std::string_view org;  // Request::log_org; "-" when empty
  std::string_view request_id;
};

// The line without the timestamp, as written. Values with spaces, quotes, '=' or control
// characters are quoted and escaped. For tests; Write() formats on the stack.
std::string FormatAccessLine(const AccessEntry& entry);

class AccessLog {
 public:
  // When disabled, Write() does nothing. When enabled, writes to its own stderr logger.
  explicit AccessLog(bool enabled);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const { return logger_ != nullptr; }

  // Thread-safe; no heap allocation beyond the sink's own.
  void Write(const AccessEntry& entry) const;

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace contactsd::http
