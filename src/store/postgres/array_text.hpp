// A text[] parameter in PostgreSQL's array text form, built item by item.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace contactsd::store::postgres {

// One column of rows in PostgreSQL's array text form: {"a","b"}, each item quoted, with its
// quotes and backslashes escaped.
class ArrayText {
 public:
  void Add(std::string_view item) {
    text_ += text_.empty() ? "{\"" : ",\"";
    for (char c : item) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void Add(std::int64_t item) { Add(std::string_view(std::to_string(item))); }
  // The array's text (an empty one is "{}").
  std::string Take() { return text_.empty() ? std::string("{}") : std::move(text_) + "}"; }

 private:
  std::string text_;
};

}  // namespace contactsd::store::postgres
