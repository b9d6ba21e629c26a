#include "contacts/cursor.hpp"

#include <gtest/gtest.h>

namespace contactsd::contacts {
namespace {

constexpr std::string_view kId = "0190a0b0-c0d0-7000-8000-000000000001";

TEST(Cursor, RoundTripsWithTheSameSecret) {
  std::string c = EncodeCursor(kId, "secret");
  EXPECT_EQ(DecodeCursor(c, "secret"), std::string(kId));
  EXPECT_EQ(c.find(std::string(kId)), std::string::npos);  // opaque: the id is not in plain text
}

TEST(Cursor, RefusesTamperingAndOtherSecrets) {
  std::string c = EncodeCursor(kId, "secret");
  EXPECT_FALSE(DecodeCursor(c, "other"));
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::string t = c;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecodeCursor(t, "secret")) << "position " << i;
  }
  EXPECT_FALSE(DecodeCursor("", "secret"));
  EXPECT_FALSE(DecodeCursor("not a cursor!", "secret"));
  EXPECT_FALSE(DecodeCursor(std::string(500, 'A'), "secret"));
  // A validly signed payload that is not an id is refused too.
  EXPECT_FALSE(DecodeCursor(EncodeCursor("x", "secret"), "secret"));
}

}  // namespace
}  // namespace contactsd::contacts
