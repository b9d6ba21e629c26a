// The body that creates an entry of a model collection (a list, a label): {"name": "..."}.
#pragma once

#include "common/result.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>

namespace contactsd::model {

inline constexpr std::size_t kMaxEntryNameLength = 255;  // Unicode characters, after trimming

// The entry's name: required, a string, trimmed of surrounding whitespace, then 1 to
// kMaxEntryNameLength characters. Errors: Validation naming every bad key (an unknown key too).
Result<std::string> CheckCollectionEntry(const boost::json::object& body);

}  // namespace contactsd::model
