// ISO 3166 codes, from Debian's iso-codes data at build time (cmake/gen_iso_codes.py).
#pragma once

#include <span>
#include <string_view>

namespace contactsd::model {

// Every ISO 3166-1 alpha-2 code, sorted.
std::span<const std::string_view> CountryCodes();

// An ISO 3166-1 alpha-2 code that exists, upper-case ("US", "CA"; not "XX" or "us").
bool IsCountryCode(std::string_view code);

// An ISO 3166-2 subdivision of `country` by its code after the dash ("NY" for US-NY).
bool IsSubdivisionCode(std::string_view country, std::string_view code);

// The first of `country`'s subdivision codes, after the dash ("AK" for US), for messages;
// empty when the country has none.
std::string_view SubdivisionExample(std::string_view country);

}  // namespace contactsd::model
