// JsonText: a JSON value as compact text, as boost::json::serialize writes it except for
// doubles. Boost 1.81 writes 1.5 as "1.5E0" and 100.0 as "1E2"; valid JSON, but not what any
// client or person expects to read. Here a double is the shortest text that reads back to the
// same double (std::to_chars): 1.5, 0.1, 100, 1e+300.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace contactsd::model {

std::string JsonText(const boost::json::value& value);
void AppendJsonText(std::string& out, const boost::json::value& value);
// `text` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view text);
// `text` escaped for the inside of a JSON string literal, without the quotes.
void AppendJsonEscaped(std::string& out, std::string_view text);

// Gives every double in `value` (arrays and objects included) the kind that its JsonText reads
// back as: a whole double written without a fraction or an exponent ("5", "-0") becomes the
// integer Boost.JSON reads that text as. A validated value then compares equal to the value in
// its stored document, so that the same value sent again is no change.
void AsStoredNumbers(boost::json::value& value);

// Whether every number in `value` is finite. Boost.JSON reads 1e400 as infinity, which no JSON
// document can carry back out (JsonText would write "inf"): a value that is not is refused
// where it comes in, rather than stored and served as invalid JSON later.
bool AllNumbersFinite(const boost::json::value& value);

}  // namespace contactsd::model
