#include "common/log_line.hpp"

#include <array>
#include <chrono>
#include <cstring>

namespace contactsd::log {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// `text` appended with one copy, inline: a line is a few dozen short pieces, and fmt's
// append() is a call and a loop for each.
[[gnu::always_inline]] inline void Put(LineBuffer& out, std::string_view text) {
  const std::size_t size = out.size();
  if (text.size() > out.capacity() - size) {
    out.append(text);
    return;
  }
  std::memcpy(out.data() + size, text.data(), text.size());
  out.resize(size + text.size());  // within the capacity: sets the size, allocates nothing
}

// What a byte may be, looked up rather than worked out: every byte of a line is asked.
enum ByteClass : unsigned char {
  kBareByte = 1,       // printable ASCII but space, '"', '=' and '\': no quotes needed in logfmt
  kPlainInQuotes = 2,  // kept as it is in a JSON string: printable ASCII but '"' and '\'
  kKeyByte = 4,        // [A-Za-z0-9_.-]
};
constexpr std::array<unsigned char, 256> kByteClasses = [] {
  std::array<unsigned char, 256> classes{};
  for (int c = ' '; c < 0x7f; ++c) {
    if (c != '"' && c != '\\') classes[c] |= kPlainInQuotes;
    if (c != ' ' && c != '"' && c != '\\' && c != '=') classes[c] |= kBareByte;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '.' || c == '-') {
      classes[c] |= kKeyByte;
    }
  }
  return classes;
}();

bool Is(unsigned char byte_class, char c) {
  return (kByteClasses[static_cast<unsigned char>(c)] & byte_class) != 0;
}
bool IsPlainInQuotes(char c) { return Is(kPlainInQuotes, c); }
bool IsKeyChar(char c) { return Is(kKeyByte, c); }

bool AllAre(unsigned char byte_class, std::string_view text) {
  for (char c : text) {
    if (!Is(byte_class, c)) return false;
  }
  return true;
}

// JSON's integer grammar, -?(0|[1-9][0-9]*): what a JSON line writes as a number.
bool IsWholeNumber(std::string_view text) {
  std::size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i == text.size()) return false;
  if (text[i] == '0') return i + 1 == text.size();
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

bool IsBare(std::string_view text) {
  if (text.empty() || IsWholeNumber(text)) return false;
  return AllAre(kBareByte, text);
}

void AppendUnicodeEscape(LineBuffer& out, unsigned code) {
  const char escape[6] = {'\\',
                          'u',
                          kHex[(code >> 12) & 0xf],
                          kHex[(code >> 8) & 0xf],
                          kHex[(code >> 4) & 0xf],
                          kHex[code & 0xf]};
  Put(out, std::string_view(escape, sizeof escape));
}

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// The length of the well-formed UTF-8 sequence at text[i] (a lead byte >= 0x80), or 0 when it
// is not one (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t SequenceLength(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const unsigned char lead = at(0);
  if (lead >= 0xc2 && lead <= 0xdf) return IsContinuation(at(1)) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const unsigned char low = lead == 0xe0 ? 0xa0 : 0x80;
    const unsigned char high = lead == 0xed ? 0x9f : 0xbf;
    return at(1) >= low && at(1) <= high && IsContinuation(at(2)) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const unsigned char low = lead == 0xf0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xf4 ? 0x8f : 0xbf;
    return at(1) >= low && at(1) <= high && IsContinuation(at(2)) && IsContinuation(at(3)) ? 4 : 0;
  }
  return 0;
}

// The body's pairs as JSON members (",\"k\":v" each). False when the body is not one
// AppendBody wrote (then `out` may hold part of it).
bool AppendBodyAsMembers(LineBuffer& out, std::string_view body) {
  std::size_t i = 0;
  while (i < body.size()) {
    if (i > 0 && body[i++] != ' ') return false;
    const std::size_t eq = body.find('=', i);
    if (eq == std::string_view::npos || eq == i) return false;
    const std::string_view key = body.substr(i, eq - i);
    if (!AllAre(kKeyByte, key)) return false;
    Put(out, std::string_view(",\""));
    Put(out, key);
    Put(out, std::string_view("\":"));
    i = eq + 1;
    if (i < body.size() && body[i] == '"') {  // already a JSON string: copied as it is
      std::size_t end = i + 1;
      while (end < body.size() && body[end] != '"') end += body[end] == '\\' ? 2 : 1;
      if (end >= body.size()) return false;
      Put(out, body.substr(i, end + 1 - i));
      i = end + 1;
      continue;
    }
    std::size_t end = body.find(' ', i);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view token = body.substr(i, end - i);
    if (IsWholeNumber(token)) {
      Put(out, token);
    } else {
      if (!AllAre(kBareByte, token)) return false;
      out.push_back('"');
      Put(out, token);
      out.push_back('"');
    }
    i = end;
  }
  return true;
}

void AppendTwoDigits(char* out, unsigned value) {
  out[0] = static_cast<char>('0' + value / 10);
  out[1] = static_cast<char>('0' + value % 10);
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "error";
}

void AppendKey(LineBuffer& out, std::string_view key) {
  if (key.empty()) {
    out.push_back('_');
    return;
  }
  if (AllAre(kKeyByte, key)) {  // code's own names: always
    Put(out, key);
    return;
  }
  for (char c : key) out.push_back(IsKeyChar(c) ? c : '_');
}

void AppendQuoted(LineBuffer& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (IsPlainInQuotes(text[i])) {  // a run of them, copied at once
      std::size_t end = i + 1;
      while (end < text.size() && IsPlainInQuotes(text[end])) ++end;
      Put(out, text.substr(i, end - i));
      i = end;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"':
          Put(out, std::string_view("\\\""));
          break;
        case '\\':
          Put(out, std::string_view("\\\\"));
          break;
        case '\n':
          Put(out, std::string_view("\\n"));
          break;
        case '\r':
          Put(out, std::string_view("\\r"));
          break;
        case '\t':
          Put(out, std::string_view("\\t"));
          break;
        default:
          AppendUnicodeEscape(out, c);  // the other control characters and DEL
      }
      ++i;
      continue;
    }
    const std::size_t length = SequenceLength(text, i);
    if (length == 0) {  // not UTF-8: the replacement character, and on with the next byte
      AppendUnicodeEscape(out, 0xfffd);
      ++i;
      continue;
    }
    const std::string_view sequence = text.substr(i, length);
    if (sequence == "\xc2\x85") {
      AppendUnicodeEscape(out, 0x85);
    } else if (sequence == "\xe2\x80\xa8" || sequence == "\xe2\x80\xa9") {
      AppendUnicodeEscape(out, sequence[2] == '\xa8' ? 0x2028 : 0x2029);
    } else {
      Put(out, sequence);
    }
    i += length;
  }
  out.push_back('"');
}

void AppendValue(LineBuffer& out, std::string_view text) {
  if (IsBare(text)) {
    Put(out, text);
  } else {
    AppendQuoted(out, text);
  }
}

void AppendBody(LineBuffer& out, std::string_view event, std::string_view message,
                std::span<const Field> fields) {
  Put(out, std::string_view("event="));
  AppendValue(out, event);
  Put(out, std::string_view(" msg="));
  AppendValue(out, message);
  for (const Field& field : fields) {
    out.push_back(' ');
    AppendKey(out, field.key());
    out.push_back('=');
    if (field.is_number()) {
      const fmt::format_int digits(field.number());
      Put(out, std::string_view(digits.data(), digits.size()));
    } else {
      AppendValue(out, field.text());
    }
  }
}

void AppendLine(LineBuffer& out, Format format, Level level, std::string_view timestamp,
                std::string_view payload, bool structured) {
  if (format == Format::kLogfmt) {
    Put(out, std::string_view("ts="));
    Put(out, timestamp);
    Put(out, std::string_view(" level="));
    Put(out, LevelName(level));
    if (structured) {
      out.push_back(' ');
      Put(out, payload);
    } else {
      Put(out, std::string_view(" event=log msg="));
      AppendValue(out, payload);
    }
    out.push_back('\n');
    return;
  }
  Put(out, std::string_view("{\"ts\":\""));
  Put(out, timestamp);
  Put(out, std::string_view("\",\"level\":\""));
  Put(out, LevelName(level));
  out.push_back('"');
  const std::size_t members = out.size();
  if (!structured || !AppendBodyAsMembers(out, payload)) {
    out.resize(members);
    Put(out, std::string_view(",\"event\":\"log\",\"msg\":"));
    AppendQuoted(out, payload);
  }
  Put(out, std::string_view("}\n"));
}

void WriteTimestamp(std::int64_t unix_ms, char* out) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds(unix_ms)};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {  // not a time this process will see; keeps the width fixed
    std::string_view("0000-00-00T00:00:00.000Z").copy(out, kTimestampSize);
    return;
  }
  AppendTwoDigits(out, static_cast<unsigned>(year / 100));
  AppendTwoDigits(out + 2, static_cast<unsigned>(year % 100));
  out[4] = '-';
  AppendTwoDigits(out + 5, static_cast<unsigned>(date.month()));
  out[7] = '-';
  AppendTwoDigits(out + 8, static_cast<unsigned>(date.day()));
  out[10] = 'T';
  AppendTwoDigits(out + 11, static_cast<unsigned>(clock.hours().count()));
  out[13] = ':';
  AppendTwoDigits(out + 14, static_cast<unsigned>(clock.minutes().count()));
  out[16] = ':';
  AppendTwoDigits(out + 17, static_cast<unsigned>(clock.seconds().count()));
  out[19] = '.';
  const auto millis = static_cast<unsigned>(clock.subseconds().count());
  out[20] = static_cast<char>('0' + millis / 100);
  AppendTwoDigits(out + 21, millis % 100);
  out[23] = 'Z';
}

}  // namespace contactsd::log
