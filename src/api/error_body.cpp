#include "api/error_body.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>

namespace contactsd::api {
namespace {

// The length of the UTF-8 sequence (RFC 3629 §4) that starts `text`, or 0 when none does (a
// stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
std::size_t Utf8SequenceLength(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < text.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
    return in(1, lo, hi) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// `text` as JSON text may carry it (RFC 8259 §8.1: UTF-8): itself when it is valid UTF-8, else
// a copy in `scratch` with each byte of an invalid sequence shown as U+FFFD. Messages quote
// what a client sent, percent-decoded from its target, which may be any bytes.
std::string_view ValidUtf8(std::string_view text, std::string& scratch) {
  std::size_t i = 0;
  std::size_t n = 0;
  while (i < text.size() && (n = Utf8SequenceLength(text.substr(i))) != 0) i += n;
  if (i == text.size()) return text;
  scratch.assign(text.substr(0, i));
  while (i < text.size()) {
    n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      scratch += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      scratch.append(text.substr(i, n));
      i += n;
    }
  }
  return scratch;
}

}  // namespace

std::string ErrorBody(const Error& error, std::optional<std::size_t> index) {
  std::string scratch[3];  // a copy per text shown at once, used only when it is not UTF-8
  boost::json::object body;
  body.reserve(5);
  body.emplace("error", ValidUtf8(error.error, scratch[0]));
  body.emplace("message", ValidUtf8(error.message, scratch[1]));
  body.emplace("statusCode", HttpStatus(error.code));
  if (!error.details.empty()) {
    boost::json::array details;
    details.reserve(error.details.size());
    for (const FieldError& d : error.details) {
      boost::json::object detail{{"field", ValidUtf8(d.field, scratch[0])},
                                 {"code", ValidUtf8(d.code, scratch[1])},
                                 {"message", ValidUtf8(d.message, scratch[2])}};
      if (!d.existing_id.empty())
        detail.emplace("existing_id", ValidUtf8(d.existing_id, scratch[0]));
      details.push_back(std::move(detail));
    }
    body.emplace("details", std::move(details));
  }
  if (index) body.emplace("index", *index);
  return boost::json::serialize(body);
}

}  // namespace contactsd::api
