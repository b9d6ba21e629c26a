// Matches a method and decoded path segments against the routes' patterns. Pure: no Beast, no
// I/O, so every rule is unit-tested (router_test.cpp).
//   Patterns: "/v1/contacts", "/v1/contacts/{id}", "/v1/contacts/{id}/restore". A literal segment
//   matches itself; "{name}" matches one non-empty segment. When several patterns match, the one
//   with a literal at the first differing segment wins ("/a/search" before "/a/{id}").
#pragma once

#include "api/request.hpp"
#include "common/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::http {

struct RouteMatch {
  const api::Route* route = nullptr;   // the route to call; null when nothing matched
  std::vector<api::NameValue> params;  // {"id", "..."} when matched
  // When the path matched but not the method: what the path serves, in the canonical order
  // (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS), HEAD wherever GET is, OPTIONS on every
  // path. Empty when nothing serves the path (404).
  std::vector<std::string_view> allowed;

  bool found() const { return route != nullptr; }
};

// The methods of RFC 9110 and PATCH (RFC 5789). Any other is answered 501, not 405.
bool IsKnownMethod(std::string_view method);

class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern (no leading "/", empty or repeated
  // "{}" names) or two routes with the same method and the same pattern shape.
  explicit Router(std::vector<api::Route> routes);

  // `segments` as Target::segments (decoded; no trailing empty one). HEAD is served by the GET
  // route where no HEAD route exists. Thread-safe (const).
  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;

  // Every route, as the router holds it (the pointers live as long as the router).
  std::vector<const api::Route*> routes() const;

  // Every method some route serves, for `OPTIONS *`, in the canonical order.
  const std::vector<std::string_view>& all_methods() const { return all_methods_; }

  // The 404 (nothing matched the path), 501 (an unknown method) or 405 (listing `allowed`)
  // error for an unmatched result. REQUIRES: !match.found()
  static Error NoRouteError(const RouteMatch& match, std::string_view method,
                            std::string_view path);

  // "GET, HEAD, PATCH, OPTIONS": an Allow header value.
  static std::string AllowHeader(const std::vector<std::string_view>& methods);
  static std::string AllowHeader(const RouteMatch& match) { return AllowHeader(match.allowed); }

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool is_param;
  };
  struct Compiled {
    api::Route route;
    std::vector<Segment> segments;
  };

  static bool Matches(const Compiled& c, const std::vector<std::string>& segments);
  static bool MoreSpecific(const Compiled& a, const Compiled& b);

  const Compiled* Find(std::string_view method, const std::vector<std::string>& segments) const;

  std::vector<Compiled> routes_;
  std::vector<std::string_view> all_methods_;
};

}  // namespace contactsd::http
