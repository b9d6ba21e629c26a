// Pagination cursors: opaque to clients, signed so that a tampered cursor is refused (400)
// rather than silently read as another position.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace contactsd::contacts {

// The cursor that resumes a listing after the contact `last_id`.
std::string EncodeCursor(std::string_view last_id, std::string_view secret);

// The id a cursor resumes after, or nullopt when it is malformed or its signature is wrong.
std::optional<std::string> DecodeCursor(std::string_view cursor, std::string_view secret);

}  // namespace contactsd::contacts
