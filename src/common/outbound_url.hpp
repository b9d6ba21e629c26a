// Where an outbound request (a webhook delivery) goes, read from its URL: for the outbound
// client (src/http), which sends there, and for the check of a webhook's URL when it is set
// (src/contacts), so that a URL accepted then is one a delivery can be sent to. Pure: nothing
// is resolved here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace contactsd {

struct OutboundDestination {
  bool tls = false;  // https
  std::string host;  // what is resolved and verified: a lower-case name, or a bare address
  bool host_is_address = false;  // an IPv4 or IPv6 literal (no SNI; checked as an IP SAN)
  std::string port;              // decimal, always present (80 and 443 by default)
  std::string host_header;       // "name", "[::1]:8080": the port only when not the default
  std::string target;            // path and query as written, at least "/"; no fragment
  std::string origin;            // "https://name:443": the key of the idle connections' pool
};

// The destination of an absolute http or https `url`, or nullopt with `error` set to a short
// reason: "invalid url", "unsupported url scheme (http and https only)", "credentials in the
// url are not supported". A host name may hold letters, digits, '-', '.' and '_' only (so
// percent-encoding cannot carry anything else into the resolver or the Host header).
std::optional<OutboundDestination> ParseOutboundUrl(std::string_view url, std::string& error);

}  // namespace contactsd
