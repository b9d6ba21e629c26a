#include "common/outbound_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace contactsd {
namespace {

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Not url.port_number(): Boost.URL 1.81 wraps "99999" around instead of refusing it.
std::optional<std::uint16_t> ParsePort(std::string_view digits) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<OutboundDestination> ParseOutboundUrl(std::string_view text, std::string& error) {
  error = "invalid url";
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& url = *parsed;
  OutboundDestination out;
  out.tls = url.scheme_id() == boost::urls::scheme::https;
  if (!out.tls && url.scheme_id() != boost::urls::scheme::http) {
    error = "unsupported url scheme (http and https only)";
    return std::nullopt;
  }
  // Boost.URL 1.81 reads "http://host:80path" as port 80 and the path "path" (boostorg/url#680).
  const std::string_view path = url.encoded_path();
  if (!url.has_authority() || !(path.empty() || path.starts_with('/'))) return std::nullopt;
  if (url.has_userinfo()) {
    error = "credentials in the url are not supported";
    return std::nullopt;
  }
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      out.host = url.host_address();
      out.host_is_address = true;
      break;
    case boost::urls::host_type::name:
      out.host = Lower(url.host());
      if (out.host.empty() || !std::all_of(out.host.begin(), out.host.end(), IsHostNameChar)) {
        return std::nullopt;
      }
      break;
    default:  // IPvFuture, or no host
      return std::nullopt;
  }
  const std::uint16_t default_port = out.tls ? 443 : 80;
  std::uint16_t port = default_port;
  if (url.has_port() && !url.port().empty()) {
    const auto parsed_port = ParsePort(url.port());
    if (!parsed_port) return std::nullopt;
    port = *parsed_port;
  }
  out.port = std::to_string(port);
  const std::string host = Lower(url.encoded_host());  // brackets kept around IPv6
  out.host_header = port == default_port ? host : host + ":" + out.port;
  out.target = path.empty() ? "/" : std::string(path);
  if (url.has_query()) out.target += "?" + std::string(url.encoded_query());
  out.origin = std::string(out.tls ? "https://" : "http://") + host + ":" + out.port;
  error.clear();
  return out;
}

}  // namespace contactsd
