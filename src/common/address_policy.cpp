#include "common/address_policy.hpp"

#include <arpa/inet.h>
#include <array>
#include <cstdint>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace contactsd {
namespace {

using Ipv4 = std::uint32_t;  // host byte order
using Ipv6 = std::array<std::uint8_t, 16>;

constexpr Ipv4 MakeIpv4(Ipv4 a, Ipv4 b, Ipv4 c, Ipv4 d) { return a << 24 | b << 16 | c << 8 | d; }

struct Ipv4Range {
  Ipv4 prefix;
  int bits;
  std::string_view reason;
};

// The first range that holds an address names its reason, so a narrower range comes before
// the range that contains it. Sources: RFC 6890 (special-purpose registries) and the clouds'
// metadata endpoints, which answer credentials to whoever asks from inside the machine.
constexpr Ipv4Range kForbiddenIpv4[] = {
    {MakeIpv4(169, 254, 169, 254), 32, "cloud metadata"},  // AWS, GCP, Azure, OpenStack, ...
    {MakeIpv4(100, 100, 100, 200), 32, "cloud metadata"},  // Alibaba Cloud
    {MakeIpv4(168, 63, 129, 16), 32, "cloud metadata"},    // Azure's host endpoint (public!)
    {MakeIpv4(0, 0, 0, 0), 8, "unspecified"},              // "this network"; 0.0.0.0 is us
    {MakeIpv4(10, 0, 0, 0), 8, "private"},
    {MakeIpv4(100, 64, 0, 0), 10, "shared address space"},  // carrier-grade NAT
    {MakeIpv4(127, 0, 0, 0), 8, "loopback"},
    {MakeIpv4(169, 254, 0, 0), 16, "link-local"},
    {MakeIpv4(172, 16, 0, 0), 12, "private"},
    {MakeIpv4(192, 0, 0, 0), 24, "reserved"},  // IETF protocol assignments
    {MakeIpv4(192, 0, 2, 0), 24, "documentation"},
    {MakeIpv4(192, 88, 99, 0), 24, "reserved"},  // the former 6to4 relay anycast
    {MakeIpv4(192, 168, 0, 0), 16, "private"},
    {MakeIpv4(198, 18, 0, 0), 15, "benchmarking"},
    {MakeIpv4(198, 51, 100, 0), 24, "documentation"},
    {MakeIpv4(203, 0, 113, 0), 24, "documentation"},
    {MakeIpv4(224, 0, 0, 0), 4, "multicast"},
    {MakeIpv4(255, 255, 255, 255), 32, "broadcast"},
    {MakeIpv4(240, 0, 0, 0), 4, "reserved"},
};

struct Ipv6Range {
  Ipv6 prefix;  // the bytes past the prefix are zero
  int bits;
  std::string_view reason;
};

constexpr Ipv6Range kForbiddenIpv6[] = {
    // fd00:ec2::254, AWS's metadata service over IPv6 (inside fc00::/7, so named first).
    {{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128, "cloud metadata"},
    {{}, 128, "unspecified"},                                             // ::
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},  // ::1
    {{0xfc}, 7, "private"},                                               // unique local
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "private"},  // site-local, deprecated but still routed by some stacks
    {{0xff}, 8, "multicast"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation"},
    {{0x3f, 0xff}, 20, "documentation"},
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, "benchmarking"},
    {{0x20, 0x01}, 23, "reserved"},  // IETF protocol assignments (Teredo, ORCHID, ...)
};

std::string_view Ipv4Reason(Ipv4 address) {
  for (const Ipv4Range& range : kForbiddenIpv4) {
    const Ipv4 mask = ~Ipv4{0} << (32 - range.bits);
    if ((address & mask) == range.prefix) return range.reason;
  }
  return {};
}

bool InPrefix(const std::uint8_t* address, const Ipv6& prefix, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
    if ((address[i] & mask) != prefix[i]) return false;
  }
  return true;
}

Ipv4 Ipv4At(const std::uint8_t* bytes) { return MakeIpv4(bytes[0], bytes[1], bytes[2], bytes[3]); }

// The IPv4 address an IPv6 address stands for, where packets to it reach that IPv4 address
// (so 127.0.0.1 written as ::ffff:127.0.0.1 is still loopback).
std::optional<Ipv4> EmbeddedIpv4(const std::uint8_t* b) {
  auto zero = [b](int from, int to) {
    for (int i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  const bool mapped = zero(0, 10) && b[10] == 0xff && b[11] == 0xff;  // ::ffff:0:0/96
  const bool translated =
      zero(0, 8) && b[8] == 0xff && b[9] == 0xff && zero(10, 12);  // ::ffff:0:0:0/96 (SIIT)
  const bool nat64 =
      b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12);  // 64:ff9b::/96
  // ::a.b.c.d (deprecated); :: and ::1 are the IPv6 unspecified and loopback addresses.
  const bool compatible = zero(0, 12) && Ipv4At(b + 12) > 1;
  if (mapped || translated || nat64 || compatible) return Ipv4At(b + 12);
  if (b[0] == 0x20 && b[1] == 0x02) return Ipv4At(b + 2);  // 6to4, 2002:a.b.c.d::/48
  return std::nullopt;
}

std::string_view Ipv6Reason(const std::uint8_t* address) {
  if (const auto embedded = EmbeddedIpv4(address)) return Ipv4Reason(*embedded);
  for (const Ipv6Range& range : kForbiddenIpv6) {
    if (InPrefix(address, range.prefix, range.bits)) return range.reason;
  }
  // Only 2000::/3 is handed out as global unicast; the rest is reserved or named above.
  if ((address[0] & 0xe0) != 0x20) return "reserved";
  return {};
}

// The characters of an IPv4 address in any form inet_aton reads (decimal, octal, hex; 1 to 4
// parts). inet_aton ignores what follows a space, so anything else means "not an address".
bool HasOnlyIpv4Characters(std::string_view text) {
  for (const char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != '.' && c != 'x' && c != 'X') return false;
  }
  return true;
}

}  // namespace

std::string_view ForbiddenAddressReason(const sockaddr* address) {
  switch (address->sa_family) {
    case AF_INET: {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
      return Ipv4Reason(ntohl(v4->sin_addr.s_addr));
    }
    case AF_INET6: {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
      return Ipv6Reason(v6->sin6_addr.s6_addr);
    }
    default:
      return "unsupported address family";
  }
}

std::optional<std::string_view> ForbiddenLiteralReason(std::string_view text) {
  bool ipv6_only = false;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    ipv6_only = true;
  }
  // A zone ("%eth0", or "%25eth0" percent-encoded in a URL) picks an interface, not an address.
  if (const auto zone = text.find('%'); zone != std::string_view::npos) {
    text = text.substr(0, zone);
    ipv6_only = true;
  }
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buffer) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  in6_addr v6{};
  if (inet_pton(AF_INET6, buffer, &v6) == 1) return Ipv6Reason(v6.s6_addr);
  if (ipv6_only) return std::nullopt;
  // inet_aton, not inet_pton: the resolver reads "127.1" and "0x7f000001" as 127.0.0.1 too,
  // and such a host must not pass as a name.
  in_addr v4{};
  if (HasOnlyIpv4Characters(text) && inet_aton(buffer, &v4) != 0) {
    return Ipv4Reason(ntohl(v4.s_addr));
  }
  return std::nullopt;
}

}  // namespace contactsd
