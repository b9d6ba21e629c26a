#include "common/log_sink.hpp"

#include "common/log_line.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <unistd.h>

namespace contactsd::log {
namespace {

Level LevelOf(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return Level::kDebug;
    case spdlog::level::info:
      return Level::kInfo;
    case spdlog::level::warn:
      return Level::kWarn;
    default:
      return Level::kError;
  }
}

// One write(2) per line: on a pipe, a line under PIPE_BUF never interleaves with another
// process's. No stdio buffer, so nothing waits for a flush.
void WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to tell: the log itself is what failed
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

void WriteLine(int fd, Format format, Level level, std::chrono::system_clock::time_point time,
               std::string_view payload, bool structured) {
  char timestamp[kTimestampSize];
  WriteTimestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count(),
      timestamp);
  LineBuffer line;
  AppendLine(line, format, level, std::string_view(timestamp, kTimestampSize), payload, structured);
  WriteAll(fd, line.data(), line.size());
}

// spdlog's sink: base_sink holds its mutex around sink_it_, the only lock a line takes. The
// format is the sink's own; spdlog's patterns are ignored.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LineSink(int fd, Format format) : fd_(fd), format_(format) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    WriteLine(fd_, format_, LevelOf(msg.level), msg.time,
              std::string_view(msg.payload.data(), msg.payload.size()),
              msg.source.filename == kStructuredMark);
  }
  void flush_() override {}
  void set_pattern_(const std::string&) override {}
  void set_formatter_(std::unique_ptr<spdlog::formatter>) override {}

 private:
  const int fd_;
  const Format format_;
};

}  // namespace

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "logfmt") return Format::kLogfmt;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (name == LevelName(level)) return level;
  }
  return std::nullopt;
}

void Install(const Settings& settings, int fd) {
  auto logger = std::make_shared<spdlog::logger>("contactsd",
                                                 std::make_shared<LineSink>(fd, settings.format));
  logger->set_level(static_cast<spdlog::level::level_enum>(settings.level));  // log.cpp checks
  // A line spdlog could not format (a bad format string) is reported as a line of its own,
  // not as spdlog's default text on stderr.
  logger->set_error_handler([fd, format = settings.format](const std::string& what) noexcept {
    try {
      LineBuffer body;
      AppendBody(body, "log_error", what, {});
      WriteLine(fd, format, Level::kError, std::chrono::system_clock::now(),
                std::string_view(body.data(), body.size()), true);
    } catch (...) {  // bad_alloc: the line is lost, the caller goes on
    }
  });
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace contactsd::log
