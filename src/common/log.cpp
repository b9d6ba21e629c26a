#include "common/log.hpp"

#include "common/log_line.hpp"
#include "common/log_sink.hpp"

#include <spdlog/spdlog.h>

namespace contactsd::log {
namespace {

constexpr spdlog::level::level_enum SpdlogLevel(Level level) {
  return static_cast<spdlog::level::level_enum>(level);
}
static_assert(SpdlogLevel(Level::kDebug) == spdlog::level::debug &&
              SpdlogLevel(Level::kInfo) == spdlog::level::info &&
              SpdlogLevel(Level::kWarn) == spdlog::level::warn &&
              SpdlogLevel(Level::kError) == spdlog::level::err);

}  // namespace

bool Enabled(Level level) { return spdlog::default_logger_raw()->should_log(SpdlogLevel(level)); }

void Write(Level level, std::string_view event, std::string_view message,
           std::span<const Field> fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  const spdlog::level::level_enum spdlog_level = SpdlogLevel(level);
  if (!logger->should_log(spdlog_level)) return;
  // The body, then the sink adds the time and the level (and turns it into JSON if asked).
  LineBuffer body;
  AppendBody(body, event, message, fields);
  logger->log(spdlog::source_loc(kStructuredMark, 1, ""), spdlog_level,
              spdlog::string_view_t(body.data(), body.size()));
}

}  // namespace contactsd::log
