// Which IP addresses a webhook may be delivered to: the guard against server-side request
// forgery (a tenant pointing a webhook at our loopback, our private network or a cloud's
// metadata service). Pure functions over bytes; no I/O.
#pragma once

#include <optional>
#include <string_view>

struct sockaddr;

namespace contactsd {

// Why `address` may not be a webhook's destination, or an empty view when it may. The reasons
// are short lower-case phrases: "unspecified", "loopback", "private", "shared address space",
// "link-local", "cloud metadata", "multicast", "broadcast", "reserved", "benchmarking",
// "documentation"; an IPv6 address that embeds an IPv4 one (IPv4-mapped, IPv4-compatible,
// NAT64, 6to4) is judged as that IPv4 address. IPv6 outside the global unicast 2000::/3 is
// "reserved" unless named above. A family other than AF_INET and AF_INET6 is
// "unsupported address family". The view points at a string literal. Thread-safe.
// REQUIRES: `address` is not null and is as long as its family's sockaddr_in / sockaddr_in6.
std::string_view ForbiddenAddressReason(const sockaddr* address);

// The same for an IP address written as text: dotted IPv4 ("10.0.0.1", and the legacy forms
// the resolver also reads as numbers: "127.1", "0x7f000001"), IPv6 ("::1"), IPv6 in brackets
// ("[::1]") and with a zone ("[fe80::1%25eth0]"). std::nullopt when `text` is not an IP address
// (a host name): the caller then resolves it and checks each address with the function above,
// which is the check that counts (a name can resolve to anything). Thread-safe.
std::optional<std::string_view> ForbiddenLiteralReason(std::string_view text);

}  // namespace contactsd
