// Contact and key ids: UUIDs in canonical lower-case text. New ids are version 7 (time-ordered),
// so ordering by id is creation order and inserts append to the index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace contactsd {

// A new UUIDv7 for the instant `unix_ms`: ids made by one process sort in the order they were
// made, also within one millisecond (a counter), and never go back when the clock does.
// The rest is random, from the CSPRNG. Thread-safe.
std::string NewUuidV7(std::int64_t unix_ms);

// True for 8-4-4-4-12 hex digits (either case). Ids are compared after ToLowerUuid.
bool IsUuid(std::string_view text);

// REQUIRES: IsUuid(text).
std::string ToLowerUuid(std::string_view text);

}  // namespace contactsd
