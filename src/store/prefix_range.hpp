// The range of the strings that start with a prefix, as both backends read a sorted index
// (SQLite's BINARY collation, PostgreSQL's "C": byte order, which for UTF-8 is code point
// order): [prefix, PrefixEnd(prefix)).
#pragma once

#include <string>
#include <string_view>

namespace contactsd::store {

// The first string, in byte order, after every string that starts with `prefix`, itself valid
// UTF-8 (PostgreSQL takes no other text): the prefix with its last code point below U+10FFFF
// raised by one (past the surrogates) and what follows it dropped. Empty when there is none
// (an empty prefix, or one of U+10FFFF only). REQUIRES: `prefix` is valid UTF-8.
inline std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    // The last code point: its lead byte is the last byte that is not a continuation byte.
    std::size_t lead = end.size() - 1;
    while (lead > 0 && (static_cast<unsigned char>(end[lead]) & 0xC0) == 0x80) --lead;
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(end[i]); };
    const std::size_t n = end.size() - lead;
    char32_t c = n == 1   ? byte(lead)
                 : n == 2 ? (byte(lead) & 0x1Fu) << 6
                 : n == 3 ? (byte(lead) & 0x0Fu) << 12
                          : (byte(lead) & 0x07u) << 18;
    for (std::size_t i = lead + 1; i < end.size(); ++i) {
      c |= static_cast<char32_t>(byte(i) & 0x3Fu) << (6 * (end.size() - 1 - i));
    }
    end.resize(lead);
    if (c >= 0x10FFFF) continue;  // nothing above it: raise the one before
    c = c + 1 == 0xD800 ? 0xE000 : c + 1;
    if (c < 0x80) {
      end += static_cast<char>(c);
    } else if (c < 0x800) {
      end += static_cast<char>(0xC0 | (c >> 6));
      end += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      end += static_cast<char>(0xE0 | (c >> 12));
      end += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      end += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      end += static_cast<char>(0xF0 | (c >> 18));
      end += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      end += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      end += static_cast<char>(0x80 | (c & 0x3F));
    }
    return end;
  }
  return end;
}

}  // namespace contactsd::store
