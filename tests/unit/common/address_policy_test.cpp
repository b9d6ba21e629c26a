#include "common/address_policy.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>

namespace contactsd {
namespace {

// The reason for a literal, or "<not a literal>" for a host name, so one EXPECT_EQ says both.
std::string Reason(std::string_view text) {
  const auto reason = ForbiddenLiteralReason(text);
  return reason ? std::string(*reason) : "<not a literal>";
}

TEST(ForbiddenLiteralReason, Ipv4Classes) {
  EXPECT_EQ(Reason("0.0.0.0"), "unspecified");
  EXPECT_EQ(Reason("0.1.2.3"), "unspecified");
  EXPECT_EQ(Reason("127.0.0.1"), "loopback");
  EXPECT_EQ(Reason("127.255.255.254"), "loopback");
  EXPECT_EQ(Reason("10.0.0.1"), "private");
  EXPECT_EQ(Reason("172.16.0.1"), "private");
  EXPECT_EQ(Reason("172.31.255.255"), "private");
  EXPECT_EQ(Reason("192.168.1.1"), "private");
  EXPECT_EQ(Reason("100.64.0.1"), "shared address space");
  EXPECT_EQ(Reason("100.127.255.255"), "shared address space");
  EXPECT_EQ(Reason("169.254.0.1"), "link-local");
  EXPECT_EQ(Reason("169.254.169.254"), "cloud metadata");
  EXPECT_EQ(Reason("100.100.100.200"), "cloud metadata");
  EXPECT_EQ(Reason("224.0.0.1"), "multicast");
  EXPECT_EQ(Reason("239.255.255.250"), "multicast");
  EXPECT_EQ(Reason("240.0.0.1"), "reserved");
  EXPECT_EQ(Reason("255.255.255.255"), "broadcast");
  EXPECT_EQ(Reason("192.0.0.8"), "reserved");
  EXPECT_EQ(Reason("198.18.0.1"), "benchmarking");
  EXPECT_EQ(Reason("198.19.255.255"), "benchmarking");
  EXPECT_EQ(Reason("192.0.2.1"), "documentation");
}

TEST(ForbiddenLiteralReason, Ipv4RangeEdgesAreAllowed) {
  EXPECT_EQ(Reason("8.8.8.8"), "");
  EXPECT_EQ(Reason("1.1.1.1"), "");
  EXPECT_EQ(Reason("172.15.255.255"), "");
  EXPECT_EQ(Reason("172.32.0.0"), "");
  EXPECT_EQ(Reason("100.63.255.255"), "");
  EXPECT_EQ(Reason("100.128.0.0"), "");
  EXPECT_EQ(Reason("198.17.255.255"), "");
  EXPECT_EQ(Reason("198.20.0.0"), "");
  EXPECT_EQ(Reason("223.255.255.255"), "");
  EXPECT_EQ(Reason("11.0.0.0"), "");
}

// The resolver reads these as numbers too, so they must not pass as host names.
TEST(ForbiddenLiteralReason, LegacyIpv4FormsAreLiterals) {
  EXPECT_EQ(Reason("127.1"), "loopback");
  EXPECT_EQ(Reason("0x7f000001"), "loopback");
  EXPECT_EQ(Reason("2130706433"), "loopback");
  EXPECT_EQ(Reason("0177.0.0.1"), "loopback");
  EXPECT_EQ(Reason("0xa9.254.169.254"), "cloud metadata");
}

TEST(ForbiddenLiteralReason, Ipv6Classes) {
  EXPECT_EQ(Reason("::"), "unspecified");
  EXPECT_EQ(Reason("::1"), "loopback");
  EXPECT_EQ(Reason("[::1]"), "loopback");
  EXPECT_EQ(Reason("fe80::1"), "link-local");
  EXPECT_EQ(Reason("febf::1"), "link-local");
  EXPECT_EQ(Reason("fc00::1"), "private");
  EXPECT_EQ(Reason("fd12:3456::1"), "private");
  EXPECT_EQ(Reason("fec0::1"), "private");
  EXPECT_EQ(Reason("fd00:ec2::254"), "cloud metadata");
  EXPECT_EQ(Reason("[fd00:ec2::254]"), "cloud metadata");
  EXPECT_EQ(Reason("ff02::1"), "multicast");
  EXPECT_EQ(Reason("2001:db8::1"), "documentation");
  EXPECT_EQ(Reason("2001::1"), "reserved");  // Teredo
  EXPECT_EQ(Reason("100::1"), "reserved");   // discard-only, outside 2000::/3
  EXPECT_EQ(Reason("64:ff9b:1::1"), "reserved");
}

TEST(ForbiddenLiteralReason, Ipv6WithZoneIsJudgedWithoutIt) {
  EXPECT_EQ(Reason("fe80::1%eth0"), "link-local");
  EXPECT_EQ(Reason("[fe80::1%25eth0]"), "link-local");
}

TEST(ForbiddenLiteralReason, EmbeddedIpv4IsJudgedAsIpv4) {
  EXPECT_EQ(Reason("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(Reason("[::ffff:127.0.0.1]"), "loopback");
  EXPECT_EQ(Reason("::ffff:7f00:1"), "loopback");
  EXPECT_EQ(Reason("::ffff:169.254.169.254"), "cloud metadata");
  EXPECT_EQ(Reason("::ffff:0:10.0.0.1"), "private");  // SIIT-translated
  EXPECT_EQ(Reason("::10.0.0.1"), "private");         // IPv4-compatible
  EXPECT_EQ(Reason("64:ff9b::127.0.0.1"), "loopback");
  EXPECT_EQ(Reason("64:ff9b::a9fe:a9fe"), "cloud metadata");
  EXPECT_EQ(Reason("2002:c0a8:0101::1"), "private");  // 6to4 of 192.168.1.1
  EXPECT_EQ(Reason("2002::1"), "unspecified");        // 6to4 of 0.0.0.0
  EXPECT_EQ(Reason("::ffff:8.8.8.8"), "");
  EXPECT_EQ(Reason("64:ff9b::8.8.8.8"), "");
  EXPECT_EQ(Reason("2002:0808:0808::1"), "");
}

TEST(ForbiddenLiteralReason, GlobalIpv6IsAllowed) {
  EXPECT_EQ(Reason("2606:4700::1111"), "");
  EXPECT_EQ(Reason("[2606:4700::1111]"), "");
  EXPECT_EQ(Reason("2a00:1450:4001:80b::200e"), "");
}

TEST(ForbiddenLiteralReason, HostNamesAreNotLiterals) {
  EXPECT_EQ(Reason("example.com"), "<not a literal>");
  EXPECT_EQ(Reason("localhost"), "<not a literal>");
  EXPECT_EQ(Reason("cafe.bad"), "<not a literal>");
  EXPECT_EQ(Reason("1.2.3.4.example.com"), "<not a literal>");
  EXPECT_EQ(Reason("127.0.0.1 trailing"), "<not a literal>");
  EXPECT_EQ(Reason("[127.0.0.1]"), "<not a literal>");  // brackets are for IPv6 only
  EXPECT_EQ(Reason(""), "<not a literal>");
  EXPECT_EQ(Reason("[]"), "<not a literal>");
  EXPECT_EQ(Reason(std::string(200, '1')), "<not a literal>");
}

TEST(ForbiddenAddressReason, Ipv4Sockaddr) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.1", &address.sin_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "loopback");
  ASSERT_EQ(inet_pton(AF_INET, "169.254.169.254", &address.sin_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "cloud metadata");
  ASSERT_EQ(inet_pton(AF_INET, "8.8.8.8", &address.sin_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "");
}

TEST(ForbiddenAddressReason, Ipv6Sockaddr) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET6, "::1", &address.sin6_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "loopback");
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:10.1.2.3", &address.sin6_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "private");
  ASSERT_EQ(inet_pton(AF_INET6, "2606:4700::1111", &address.sin6_addr), 1);
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)), "");
}

TEST(ForbiddenAddressReason, OtherFamiliesAreRefused) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  EXPECT_EQ(ForbiddenAddressReason(reinterpret_cast<sockaddr*>(&address)),
            "unsupported address family");
}

}  // namespace
}  // namespace contactsd
