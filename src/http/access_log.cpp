#include "http/access_log.hpp"

namespace contactsd::http {
namespace {

std::string_view OrDash(std::string_view value) { return value.empty() ? "-" : value; }

// At most kMaxLoggedPath bytes, not ending inside a UTF-8 sequence (a percent-decoded byte may
// be anything; the log writes what is not UTF-8 as U+FFFD).
std::string_view Shortened(std::string_view path) {
  if (path.size() <= kMaxLoggedPath) return path;
  std::size_t end = kMaxLoggedPath;
  while (end > 0 && (static_cast<unsigned char>(path[end]) & 0xc0) == 0x80) --end;
  return path.substr(0, end);
}

}  // namespace

AccessFields FieldsOf(const AccessEntry& entry) {
  AccessFields out;
  auto add = [&out](log::Field field) { out.fields[out.count++] = field; };
  add({"method", OrDash(entry.method)});
  add({"route", OrDash(entry.route)});
  if (OrDash(entry.route) == "-") add({"path", OrDash(Shortened(entry.path))});
  add({"status", entry.status});
  add({"us", entry.duration.count()});
  add({"org", OrDash(entry.org)});
  add({"rid", OrDash(entry.request_id)});
  return out;
}

void AccessLog::Write(const AccessEntry& entry) const {
  if (!enabled_ || !log::Enabled(log::Level::kInfo)) return;
  const AccessFields line = FieldsOf(entry);
  log::Write(log::Level::kInfo, "access", "request",
             std::span<const log::Field>(line.fields.data(), line.count));
}

}  // namespace contactsd::http
