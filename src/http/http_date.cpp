#include "http/http_date.hpp"

#include <ctime>

namespace contactsd::http {
namespace {

constexpr std::size_t kLength = 29;  // "Fri, 04 Dec 2026 20:22:58 GMT"

void TwoDigits(char* out, int n) {
  out[0] = static_cast<char>('0' + n / 10);
  out[1] = static_cast<char>('0' + n % 10);
}

}  // namespace

void FormatHttpDate(std::int64_t unix_seconds, char* out) {
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char* p = out;
  for (int i = 0; i < 3; ++i) *p++ = kDays[tm.tm_wday * 3 + i];
  *p++ = ',';
  *p++ = ' ';
  TwoDigits(p, tm.tm_mday);
  p += 2;
  *p++ = ' ';
  for (int i = 0; i < 3; ++i) *p++ = kMonths[tm.tm_mon * 3 + i];
  *p++ = ' ';
  const int year = tm.tm_year + 1900;  // four digits until 9999
  TwoDigits(p, year / 100);
  TwoDigits(p + 2, year % 100);
  p += 4;
  *p++ = ' ';
  TwoDigits(p, tm.tm_hour);
  p += 2;
  *p++ = ':';
  TwoDigits(p, tm.tm_min);
  p += 2;
  *p++ = ':';
  TwoDigits(p, tm.tm_sec);
  p += 2;
  *p++ = ' ';
  *p++ = 'G';
  *p++ = 'M';
  *p++ = 'T';
}

std::string_view HttpDateNow() {
  // CLOCK_REALTIME_COARSE is read from the vDSO without a syscall; its tick (a few ms) is far
  // finer than the second the header shows.
  thread_local std::int64_t cached_second = -1;
  thread_local char text[kLength];
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec != cached_second) {
    FormatHttpDate(now.tv_sec, text);
    cached_second = now.tv_sec;
  }
  return {text, kLength};
}

}  // namespace contactsd::http
