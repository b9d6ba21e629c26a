#include "http/access_log.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <iterator>

namespace contactsd::http {
namespace {

using LineBuffer = fmt::basic_memory_buffer<char, 256>;

bool NeedsQuotes(std::string_view value) {
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendValue(LineBuffer& out, std::string_view value) {
  if (value.empty()) value = "-";
  if (!NeedsQuotes(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < ' ' || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

void AppendLine(LineBuffer& out, const AccessEntry& e) {
  out.append(std::string_view("event=access method="));
  AppendValue(out, e.method);
  out.append(std::string_view(" route="));
  AppendValue(out, e.route);
  fmt::format_to(std::back_inserter(out), " status={} us={} org=", e.status, e.duration.count());
  AppendValue(out, e.org);
  out.append(std::string_view(" rid="));
  AppendValue(out, e.request_id);
}

}  // namespace

std::string FormatAccessLine(const AccessEntry& entry) {
  LineBuffer line;
  AppendLine(line, entry);
  return fmt::to_string(line);
}

AccessLog::AccessLog(bool enabled) {
  if (!enabled) return;
  logger_ =
      std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger_->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
  logger_->set_level(spdlog::level::info);
}

AccessLog::~AccessLog() = default;

void AccessLog::Write(const AccessEntry& entry) const {
  if (!logger_) return;
  LineBuffer line;
  AppendLine(line, entry);
  logger_->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace contactsd::http
