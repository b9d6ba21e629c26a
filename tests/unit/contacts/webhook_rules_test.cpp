// The endpoint rules that need no network: URL shapes, literal addresses under the guard, and
// event patterns. (Host names that resolve to private addresses are tested against the real
// server in tests/api/test_webhooks.py.)
#include "contacts/webhook_rules.hpp"

#include "common/crypto.hpp"

#include <gtest/gtest.h>

namespace contactsd::contacts {
namespace {

const WebhookPolicy kStrict{};
const WebhookPolicy kOpen{true, true};

std::string RuleOf(const Status& status) {
  if (status.ok() || status.error().details.empty()) return "";
  return status.error().details[0].code + ": " + status.error().details[0].message;
}

TEST(CheckWebhookUrl, RefusesLiteralPrivateAddressesNamingTheRule) {
  for (const auto& [url, rule] : std::vector<std::pair<std::string, std::string>>{
           {"https://127.0.0.1/h", "loopback"},
           {"https://10.0.0.1/h", "private"},
           {"https://169.254.169.254/latest", "cloud metadata"},
           {"https://[::1]:8443/h", "loopback"},
           {"https://[::ffff:10.1.2.3]/h", "private"}}) {
    const Status status = CheckWebhookUrl(url, kStrict);
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_NE(RuleOf(status).find(rule), std::string::npos) << url << " -> " << RuleOf(status);
    EXPECT_TRUE(CheckWebhookUrl(url, kOpen).ok()) << url;
  }
  EXPECT_TRUE(CheckWebhookUrl("https://93.184.215.14/h", kStrict).ok());
}

TEST(CheckWebhookUrl, RefusesWhatIsNotAnHttpsUrl) {
  for (const char* url : {"", "not a url", "/relative", "ftp://93.184.215.14/", "https://",
                          "https://user:pw@93.184.215.14/", "https://93.184.215.14:0/",
                          "https://93.184.215.14:100000/", "https://93.184.215.14:70000/",
                          "https://93.184.215.14:443evil", "https://bad%20host.example/"}) {
    EXPECT_EQ(RuleOf(CheckWebhookUrl(url, kOpen)).rfind("invalid_url", 0), 0u) << url;
  }
  EXPECT_FALSE(CheckWebhookUrl("http://93.184.215.14/h", kStrict).ok());
  EXPECT_TRUE(CheckWebhookUrl("http://93.184.215.14/h", kOpen).ok());
  EXPECT_FALSE(CheckWebhookUrl("https://93.184.215.14/" + std::string(3000, 'a'), kOpen).ok());
}

TEST(CheckEventPatterns, AcceptsTypesGroupsAndStar) {
  const std::vector<std::string> known = {"contact.created", "contact.updated",
                                          "custom_field.created"};
  EXPECT_TRUE(CheckEventPatterns({"*"}, known).ok());
  EXPECT_TRUE(CheckEventPatterns({"contact.*", "custom_field.created"}, known).ok());
  EXPECT_FALSE(CheckEventPatterns({}, known).ok());
  const Status bad =
      CheckEventPatterns({"contact.updated", "contact.exploded", "webhook.*"}, known);
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.error().details.size(), 2u);  // every bad pattern, each named by its index
  EXPECT_EQ(bad.error().details[0].field, "events[1]");
  EXPECT_EQ(bad.error().details[1].field, "events[2]");
  const Status huge = CheckEventPatterns({std::string(100'000, 'x')}, known);
  ASSERT_FALSE(huge.ok());
  EXPECT_LT(huge.error().details[0].message.size(), 300u);  // not echoed whole
}

TEST(PatternsMatch, MatchesExactlyByGroupOrAll) {
  EXPECT_TRUE(PatternsMatch({"contact.*"}, "contact.updated"));
  EXPECT_FALSE(PatternsMatch({"contact.*"}, "custom_field.created"));
  EXPECT_FALSE(PatternsMatch({"contact.*"}, "contacts.updated"));
  EXPECT_TRUE(PatternsMatch({"contact.created", "*"}, "custom_field.created"));
  EXPECT_FALSE(PatternsMatch({"contact.created"}, "contact.created.more"));
}

TEST(NewWebhookSecret, IsWhsecAndThirtyTwoRandomBytes) {
  const std::string a = NewWebhookSecret();
  ASSERT_TRUE(a.starts_with("whsec_"));
  std::string key;
  ASSERT_TRUE(Base64Decode(a.substr(6), key));
  EXPECT_EQ(key.size(), 32u);
  EXPECT_NE(NewWebhookSecret(), a);
}

}  // namespace
}  // namespace contactsd::contacts
