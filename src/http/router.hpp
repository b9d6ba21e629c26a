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
  const api::Route* route = nullptr;      // the route to call; null when nothing matched
  std::vector<api::NameValue> params;     // {"id", "..."} when matched
  std::vector<std::string_view> allowed;  // when the path matched but not the method (405)

  bool found() const { return route != nullptr; }
};

class Router {
 public:
  // Throws std::invalid_argument for a malformed pattern (no leading "/", empty or repeated
  // "{}" names) or two routes with the same method and the same pattern shape.
  explicit Router(std::vector<api::Route> routes);

  // `segments` as Target::segments (decoded; no trailing empty one). Thread-safe (const).
  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;

  // The 404 (nothing matched the path) or 405 (listing `allowed`) error for an unmatched result.
  // REQUIRES: !match.found()
  static Error NoRouteError(const RouteMatch& match, std::string_view method,
                            std::string_view path);

  // "GET, PATCH": the Allow header value for a 405.
  static std::string AllowHeader(const RouteMatch& match);

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

  std::vector<Compiled> routes_;
};

}  // namespace contactsd::http
