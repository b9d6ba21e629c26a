#include "contacts/webhook_rules.hpp"

#include "common/address_policy.hpp"
#include "common/crypto.hpp"
#include "common/outbound_url.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <memory>
#include <netdb.h>
#include <sys/socket.h>

namespace contactsd::contacts {
namespace {

Error UrlError(std::string message) {
  return Error::Validation({{"url", "invalid_url", std::move(message)}});
}

// Every address `host` resolves to must be allowed: a name with one private address among
// public ones would reach the private one on some connection.
Status CheckResolvedHost(const std::string& host, const WebhookPolicy& policy) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return UrlError("The URL's host '" + host + "' does not resolve");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  if (policy.allow_private) return {};
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const std::string_view reason = ForbiddenAddressReason(a->ai_addr);
    if (!reason.empty()) {
      return UrlError("The URL's host '" + host + "' resolves to a " + std::string(reason) +
                      " address; webhooks are delivered to public addresses only (the server's "
                      "--webhook-allow-private lifts this)");
    }
  }
  return {};
}

bool IsName(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

}  // namespace

Status CheckWebhookUrl(std::string_view url, const WebhookPolicy& policy) {
  if (url.size() > kMaxWebhookUrlBytes) {
    return UrlError("The URL is longer than " + std::to_string(kMaxWebhookUrlBytes) + " bytes");
  }
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return UrlError("The URL is not an absolute URL");
  const std::string scheme = parsed->scheme();
  if (scheme != "https" && scheme != "http") return UrlError("The URL must be https://");
  if (scheme == "http" && !policy.allow_http) {
    return UrlError("The URL must be https:// (the server's --webhook-allow-http allows http://)");
  }
  if (parsed->has_userinfo()) return UrlError("The URL must not carry credentials");
  const std::string host = parsed->host_address();
  if (host.empty()) return UrlError("The URL has no host");
  // What a delivery reads the URL as: one it could not read (a port past 65535, which Boost.URL
  // 1.81 wraps around, "host:443path") would be accepted here and fail at every attempt.
  std::string unsendable;
  if (!ParseOutboundUrl(url, unsendable)) {
    return UrlError("The URL cannot be sent to (" + unsendable +
                    "): a port must be 1 to 65535 and a path start with '/'");
  }
  if (auto literal = ForbiddenLiteralReason(parsed->encoded_host())) {
    if (literal->empty() || policy.allow_private) return {};
    return UrlError("The URL's host is a " + std::string(*literal) +
                    " address; webhooks are delivered to public addresses only (the server's "
                    "--webhook-allow-private lifts this)");
  }
  return CheckResolvedHost(host, policy);
}

Status CheckEventPatterns(const std::vector<std::string>& patterns,
                          const std::vector<std::string>& known) {
  if (patterns.empty()) {
    return Error::Validation({{"events", "required", "List at least one event type, or \"*\""}});
  }
  if (patterns.size() > kMaxWebhookPatterns) {
    return Error::Validation(
        {{"events", "too_many", "At most " + std::to_string(kMaxWebhookPatterns) + " patterns"}});
  }
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string& p = patterns[i];
    bool ok = p == "*" || std::find(known.begin(), known.end(), p) != known.end();
    if (!ok && p.ends_with(".*") && IsName(std::string_view(p).substr(0, p.size() - 2))) {
      const std::string group = p.substr(0, p.size() - 1);  // "contact."
      ok = std::any_of(known.begin(), known.end(),
                       [&](const std::string& type) { return type.starts_with(group); });
    }
    if (!ok) {
      std::string list;
      for (const std::string& type : known) list += (list.empty() ? "" : ", ") + type;
      // A long pattern is not echoed whole: no event type is longer than this.
      constexpr std::size_t kEchoed = 64;
      const std::string shown = p.size() > kEchoed ? p.substr(0, kEchoed) + "..." : p;
      errors.push_back({"events[" + std::to_string(i) + "]", "invalid_value",
                        "Unknown event type '" + shown + "': one of " + list +
                            ", a group such as contact.*, or *"});
    }
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  return {};
}

bool PatternsMatch(const std::vector<std::string>& patterns, std::string_view type) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    if (p == "*" || p == type) return true;
    return p.ends_with(".*") && type.starts_with(std::string_view(p).substr(0, p.size() - 1));
  });
}

std::string NewWebhookSecret() { return "whsec_" + Base64Encode(RandomBytes(32)); }

}  // namespace contactsd::contacts
