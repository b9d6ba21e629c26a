#include "model/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace contactsd::model {
namespace {

// Which bytes a JSON string cannot hold as they are: the control characters, '"' and '\\'.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;  // start of the pending run of characters that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[c]) continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text, run, text.size() - run);
}

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

namespace {

template <class Number>
void AppendNumber(std::string& out, Number number) {
  char buffer[32];  // the longest double is 24 characters, an int64 20
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
  out.append(buffer, end);
}

}  // namespace

void AsStoredNumbers(boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_: {
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
      const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
      if (text.find_first_of(".e") != std::string_view::npos) {
        // Read back as a double, by Boost.JSON's parser, which may land a unit in the last place
        // away from the shortest text's value: keep what it reads (a few rounds reach a value
        // that reads back as itself), so a value and its stored copy compare equal.
        double d = value.get_double();
        for (int round = 0; round < 4; ++round) {
          auto [last, done] = std::to_chars(buffer, buffer + sizeof buffer, d);
          boost::system::error_code ec;
          const boost::json::value back = boost::json::parse(
              std::string_view(buffer, static_cast<std::size_t>(last - buffer)), ec);
          if (ec || !back.is_double() || back.get_double() == d) break;
          d = back.get_double();
        }
        value = d;
        return;
      }
      // As Boost.JSON reads an integer: int64 when it fits, else uint64, else a double.
      std::int64_t i = 0;
      if (std::from_chars(text.data(), end, i).ec == std::errc()) {
        value = i;
        return;
      }
      std::uint64_t u = 0;
      if (std::from_chars(text.data(), end, u).ec == std::errc()) value = u;
      return;
    }
    case boost::json::kind::array:
      for (boost::json::value& item : value.get_array()) AsStoredNumbers(item);
      return;
    case boost::json::kind::object:
      for (auto& [key, item] : value.get_object()) AsStoredNumbers(item);
      return;
    default:
      return;
  }
}

void AppendJsonText(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      AppendNumber(out, value.get_int64());
      return;
    case boost::json::kind::uint64:
      AppendNumber(out, value.get_uint64());
      return;
    case boost::json::kind::double_:
      AppendNumber(out, value.get_double());
      return;
    case boost::json::kind::string:
      AppendJsonString(out, value.get_string());
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJsonText(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, key);
        out += ':';
        AppendJsonText(out, item);
      }
      out += '}';
      return;
    }
  }
}

std::string JsonText(const boost::json::value& value) {
  std::string out;
  out.reserve(256);
  AppendJsonText(out, value);
  return out;
}

bool AllNumbersFinite(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(value.get_double());
    case boost::json::kind::array:
      for (const auto& item : value.get_array()) {
        if (!AllNumbersFinite(item)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& [key, item] : value.get_object()) {
        if (!AllNumbersFinite(item)) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace contactsd::model
