// The access log: one line per answered request (event=access, level info), in the process's
// log format (common/log.hpp; docs/operations.md), e.g.
//   ts=2026-11-23T10:00:00.123Z level=info event=access msg=request method=GET
//   route=/v1/contacts/{id} status=200 us=412 org=acme rid=3f2a9c0d1e4b5a67
// `route` is the matched pattern, so lines group by endpoint and no client-chosen id lands in
// the log unasked. A request that matched no route ("-": 404, 405, a head we refused) carries
// its raw path instead, cut at kMaxLoggedPath bytes: the only way to see what was asked. Never
// the query, a header or the body.
#pragma once

#include "common/log.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace contactsd::http {

struct AccessEntry {
  std::string_view method;  // "-" when the request line was unreadable
  std::string_view route;   // the pattern, or "-"
  std::string_view path;    // the target's path as sent (no query); logged when route is "-"
  int status = 0;
  std::chrono::microseconds duration{0};
  std::string_view org;  // Request::log_org; "-" when empty
  std::string_view request_id;
};

// A scanner's 8 KiB path is not worth 8 KiB a line.
inline constexpr std::size_t kMaxLoggedPath = 256;

// The entry as the fields of its line, in order (the path only when there is no route). The
// fields view `entry`'s strings. Pure; Write() logs them.
struct AccessFields {
  std::array<log::Field, 7> fields;
  std::size_t count = 0;
};
AccessFields FieldsOf(const AccessEntry& entry);

class AccessLog {
 public:
  // When disabled (--no-access-log), Write() does nothing.
  explicit AccessLog(bool enabled) : enabled_(enabled) {}

  bool enabled() const { return enabled_; }

  // Thread-safe; the line is made on the stack (no heap allocation for a line of a few hundred
  // bytes). Subject to the log level like any info line.
  void Write(const AccessEntry& entry) const;

 private:
  bool enabled_;
};

}  // namespace contactsd::http
