// Pagination cursors (contacts/cursor.*): the input is the ?cursor= value a client sends back.
// DecodeCursor must refuse anything it did not sign; what it accepts is a UUID, and encodes
// back to exactly the input (base64url has one encoding per byte string). Then the input as an
// id: EncodeCursor and back must give it again when it is a UUID, and nothing otherwise. The
// same for the signed payloads of the feed and history (VerifyCursor) and the list in update
// order (DecodeUpdateCursor: what it accepts re-encodes to the input).
#include "common/uuid.hpp"
#include "contacts/cursor.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace contactsd;

constexpr std::string_view kSecret =
    "cccccccccccccccccccccccccccccccc";  // 32 bytes, as the server's

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "cursor: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto id = contacts::DecodeCursor(input, kSecret)) {
    Require(IsUuid(*id), "a decoded cursor that is not a UUID");
    Require(contacts::EncodeCursor(*id, kSecret) == input, "a cursor with two encodings");
  }
  const std::string cursor = contacts::EncodeCursor(input, kSecret);
  const auto back = contacts::DecodeCursor(cursor, kSecret);
  // Cursors longer than 128 characters are refused (an id of 80 bytes or more).
  Require(back.has_value() == (IsUuid(input) && cursor.size() <= 128), "a cursor lost its id");
  Require(!back || *back == input, "a cursor names another id");

  if (auto payload = contacts::VerifyCursor(input, kSecret)) {
    Require(contacts::SignCursor(*payload, kSecret) == input, "a signed cursor, two encodings");
  }
  const std::string signed_input = contacts::SignCursor(input, kSecret);
  const auto verified = contacts::VerifyCursor(signed_input, kSecret);
  // An empty payload is never signed (the cursors carry a position), so it reads as none.
  Require(verified.has_value() == (!input.empty() && signed_input.size() <= 256),
          "a signed payload was lost");
  Require(!verified || *verified == input, "a signed cursor names another payload");
  if (auto position = contacts::DecodeUpdateCursor(input, kSecret)) {
    Require(IsUuid(position->id), "an update cursor without a contact id");
    Require(contacts::EncodeUpdateCursor(*position, kSecret) == input,
            "an update cursor with two encodings");
  }
  return 0;
}
