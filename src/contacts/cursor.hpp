// Pagination cursors: opaque to clients, signed so that a tampered cursor is refused (400)
// rather than silently read as another position.
#pragma once

#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace contactsd::contacts {

// A cursor that carries `payload`, signed with `secret`; VerifyCursor gives the payload back,
// or nullopt when the cursor is malformed or its signature is wrong.
std::string SignCursor(std::string_view payload, std::string_view secret);
std::optional<std::string> VerifyCursor(std::string_view cursor, std::string_view secret);

// The cursor that resumes a listing after the contact `last_id`.
std::string EncodeCursor(std::string_view last_id, std::string_view secret);

// The id a cursor resumes after, or nullopt when it is malformed or its signature is wrong.
std::optional<std::string> DecodeCursor(std::string_view cursor, std::string_view secret);

// The cursor of the list ordered by (updated_at, id), after `last`; and back.
std::string EncodeUpdateCursor(const store::UpdatedPosition& last, std::string_view secret);
std::optional<store::UpdatedPosition> DecodeUpdateCursor(std::string_view cursor,
                                                         std::string_view secret);

}  // namespace contactsd::contacts
