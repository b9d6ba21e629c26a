#include "common/outbound_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd {
namespace {

OutboundDestination Parse(std::string_view url) {
  std::string error;
  auto destination = ParseOutboundUrl(url, error);
  EXPECT_TRUE(destination) << url << ": " << error;
  EXPECT_EQ(error, "");
  return destination.value_or(OutboundDestination{});
}

std::string ErrorOf(std::string_view url) {
  std::string error;
  EXPECT_FALSE(ParseOutboundUrl(url, error)) << url;
  return error;
}

TEST(ParseOutboundUrl, DefaultPorts) {
  const OutboundDestination http = Parse("http://Hooks.Example.com");
  EXPECT_FALSE(http.tls);
  EXPECT_EQ(http.host, "hooks.example.com");
  EXPECT_FALSE(http.host_is_address);
  EXPECT_EQ(http.port, "80");
  EXPECT_EQ(http.host_header, "hooks.example.com");
  EXPECT_EQ(http.target, "/");
  EXPECT_EQ(http.origin, "http://hooks.example.com:80");

  const OutboundDestination https = Parse("https://hooks.example.com/in");
  EXPECT_TRUE(https.tls);
  EXPECT_EQ(https.port, "443");
  EXPECT_EQ(https.host_header, "hooks.example.com");
  EXPECT_EQ(https.origin, "https://hooks.example.com:443");
  EXPECT_EQ(Parse("https://hooks.example.com:443/").host_header, "hooks.example.com");
}

TEST(ParseOutboundUrl, ExplicitPortIsInTheHostHeader) {
  const OutboundDestination d = Parse("https://hooks.example.com:8443/a");
  EXPECT_EQ(d.port, "8443");
  EXPECT_EQ(d.host_header, "hooks.example.com:8443");
  EXPECT_EQ(d.origin, "https://hooks.example.com:8443");
  EXPECT_EQ(Parse("http://hooks.example.com:/").port, "80");  // an empty port is the default
}

TEST(ParseOutboundUrl, TargetKeepsPathAndQueryAndDropsFragment) {
  EXPECT_EQ(Parse("http://h.example/a/b%20c?x=1&y=%2F#frag").target, "/a/b%20c?x=1&y=%2F");
  EXPECT_EQ(Parse("http://h.example?x=1").target, "/?x=1");
}

TEST(ParseOutboundUrl, AddressLiterals) {
  const OutboundDestination v4 = Parse("http://127.0.0.1:8080/");
  EXPECT_TRUE(v4.host_is_address);
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.host_header, "127.0.0.1:8080");

  const OutboundDestination v6 = Parse("https://[2606:4700::1111]/");
  EXPECT_TRUE(v6.host_is_address);
  EXPECT_EQ(v6.host, "2606:4700::1111");  // bare, as resolved and as checked in the certificate
  EXPECT_EQ(v6.host_header, "[2606:4700::1111]");
  EXPECT_EQ(v6.origin, "https://[2606:4700::1111]:443");
}

TEST(ParseOutboundUrl, RefusesWhatItCannotSend) {
  EXPECT_EQ(ErrorOf("not a url"), "invalid url");
  EXPECT_EQ(ErrorOf("/relative"), "invalid url");
  EXPECT_EQ(ErrorOf("ftp://h.example/"), "unsupported url scheme (http and https only)");
  EXPECT_EQ(ErrorOf("http:path"), "invalid url");
  EXPECT_EQ(ErrorOf("http:///path"), "invalid url");
  EXPECT_EQ(ErrorOf("http://h.example:80path"), "invalid url");
  EXPECT_EQ(ErrorOf("http://user:pw@h.example/"), "credentials in the url are not supported");
  EXPECT_EQ(ErrorOf("http://h.example:0/"), "invalid url");
  EXPECT_EQ(ErrorOf("http://h.example:65536/"), "invalid url");
  EXPECT_EQ(ErrorOf("http://h.example:99999/"), "invalid url");
  EXPECT_EQ(ErrorOf("http://exa%0d%0ample.com/"), "invalid url");
  EXPECT_EQ(ErrorOf("http://exa%2fmple.com/"), "invalid url");
  EXPECT_EQ(ErrorOf("http://[v1.future]/"), "invalid url");
  EXPECT_EQ(Parse("http://h.example:65535/").port, "65535");
}

}  // namespace
}  // namespace contactsd
