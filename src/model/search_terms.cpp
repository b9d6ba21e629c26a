// SearchTerms and SearchPrefixOf (record.hpp): what ?q= compares, made the same way on both
// sides. Lower-casing covers ASCII letters only: other characters are compared as written.
#include "model/record.hpp"

#include <boost/json/value.hpp>

#include <algorithm>

namespace contactsd::model {
namespace {

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
      return k < s.size() && b(k) >= lo && b(k) <= hi;
    };
    const unsigned lead = b(i);
    std::size_t n = 0;
    if (lead < 0x80) {
      n = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      n = in(i + 1, 0x80, 0xBF) ? 2 : 0;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
      n = in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      const unsigned lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
      n = in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
    }
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// `s` lower-cased, cut at a NUL (PostgreSQL text holds none) and at kMaxSearchTermBytes, never
// inside a UTF-8 sequence.
std::string Term(std::string_view s) {
  s = s.substr(0, s.find('\0'));
  if (s.size() > kMaxSearchTermBytes) {
    std::size_t end = kMaxSearchTermBytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s = s.substr(0, end);
  }
  std::string term(s);
  for (char& c : term) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return term;
}

}  // namespace

std::vector<std::string> SearchTerms(const Model& model, const boost::json::object& record) {
  std::vector<std::string> terms;
  for (const FieldSpec* f : model.search_fields()) {
    const boost::json::value* v = record.if_contains(f->name);
    if (!v || !v->is_string()) continue;
    std::string_view value = Trimmed(v->get_string());
    if (value.empty()) continue;
    terms.push_back(Term(value));
    // Each later word too: a space or a hyphen starts one ("Mary Ann", "Smith-Jones").
    for (std::size_t i = 0; i + 1 < value.size(); ++i) {
      if ((IsSpace(value[i]) || value[i] == '-') && !IsSpace(value[i + 1]) && value[i + 1] != '-') {
        terms.push_back(Term(value.substr(i + 1)));
      }
    }
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

std::optional<std::string> SearchPrefixOf(std::string_view q) {
  if (!IsValidUtf8(q)) return std::nullopt;
  return Term(Trimmed(q));
}

}  // namespace contactsd::model
