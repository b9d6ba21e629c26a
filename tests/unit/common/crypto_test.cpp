#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include <set>

namespace contactsd {
namespace {

TEST(Crypto, Sha256HexOfKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, RandomAlphanumericHasLengthAlphabetAndVariety) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string s = RandomAlphanumeric(40);
    ASSERT_EQ(s.size(), 40u);
    for (char c : s) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << s;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Crypto, Base64UrlRoundTripsEveryLength) {
  std::string data = RandomBytes(40);
  for (std::size_t n = 0; n <= data.size(); ++n) {
    std::string encoded = Base64UrlEncode(data.substr(0, n));
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, data.substr(0, n));
  }
}

TEST(Crypto, Base64UrlDecodeRejectsGarbage) {
  std::string out;
  EXPECT_FALSE(Base64UrlDecode("ab$d", out));
  EXPECT_FALSE(Base64UrlDecode("a", out));
  EXPECT_FALSE(Base64UrlDecode("ab=", out));
  // "AB" has non-zero leftover bits: a second spelling of "\0" that must not decode.
  EXPECT_FALSE(Base64UrlDecode("AB", out));
}

TEST(Crypto, Base64OfRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
  const std::string binary("\xff\x00\xfe+/", 5);
  std::string decoded;
  ASSERT_TRUE(Base64Decode(Base64Encode(binary), decoded));
  EXPECT_EQ(decoded, binary);
  EXPECT_FALSE(Base64Decode("Zm9", decoded));   // not padded
  EXPECT_FALSE(Base64Decode("Zm9$", decoded));  // outside the alphabet
}

TEST(Crypto, HmacDiffersByKeyAndIsStable) {
  EXPECT_EQ(HmacSha256("k", "m"), HmacSha256("k", "m"));
  EXPECT_NE(HmacSha256("k", "m"), HmacSha256("k2", "m"));
  EXPECT_EQ(HmacSha256("k", "m").size(), 32u);
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
}

}  // namespace
}  // namespace contactsd
