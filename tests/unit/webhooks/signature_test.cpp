// The signature header against the Standard Webhooks specification's own example (the same
// value its reference library's Webhook.sign gives), and with two secrets after a rotation.
#include "webhooks/signature.hpp"

#include <gtest/gtest.h>

namespace contactsd::webhooks {
namespace {

constexpr char kSpecSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kSpecId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kSpecTimestamp = 1614265330;
constexpr char kSpecBody[] = R"({"test": 2432232314})";
constexpr char kSpecSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(SignatureHeader, MatchesTheSpecificationsExample) {
  EXPECT_EQ(SignatureHeader({kSpecSecret}, kSpecId, kSpecTimestamp, kSpecBody), kSpecSignature);
}

TEST(SignatureHeader, SignsWithEverySecretSpaceSeparated) {
  const auto header = SignatureHeader({"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", kSpecSecret},
                                      kSpecId, kSpecTimestamp, kSpecBody);
  ASSERT_TRUE(header);
  const auto space = header->find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_TRUE(header->starts_with("v1,"));
  EXPECT_NE(header->substr(0, space), kSpecSignature);
  EXPECT_EQ(header->substr(space + 1), kSpecSignature);
}

TEST(SignatureHeader, ChangesWithEveryPartSigned) {
  const auto base = SignatureHeader({kSpecSecret}, kSpecId, kSpecTimestamp, kSpecBody);
  EXPECT_NE(SignatureHeader({kSpecSecret}, "msg_other", kSpecTimestamp, kSpecBody), base);
  EXPECT_NE(SignatureHeader({kSpecSecret}, kSpecId, kSpecTimestamp + 1, kSpecBody), base);
  EXPECT_NE(SignatureHeader({kSpecSecret}, kSpecId, kSpecTimestamp, R"({"test": 1})"), base);
}

TEST(SignatureHeader, RefusesASecretThatIsNotWhsecBase64) {
  EXPECT_FALSE(SignatureHeader({"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, kSpecId, 1, "{}"));
  EXPECT_FALSE(SignatureHeader({"whsec_not base64!"}, kSpecId, 1, "{}"));
}

}  // namespace
}  // namespace contactsd::webhooks
