#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace contactsd::http {
namespace {

// "/v1/contacts/{id}" → ["v1", "contacts", "{id}"]; "/" → [].
std::vector<std::string_view> SplitPattern(std::string_view pattern) {
  std::vector<std::string_view> parts;
  pattern.remove_prefix(1);
  if (!pattern.empty() && pattern.back() == '/') pattern.remove_suffix(1);
  while (!pattern.empty()) {
    const std::size_t slash = pattern.find('/');
    parts.push_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return parts;
}

// The order methods are listed in Allow: reads, then writes, then OPTIONS.
constexpr std::array<std::string_view, 9> kKnownMethods = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"};

// `methods` (each a known method, or dropped) in the order of kKnownMethods, once each.
std::vector<std::string_view> CanonicalOrder(const std::vector<std::string_view>& methods) {
  std::vector<std::string_view> ordered;
  for (std::string_view known : kKnownMethods) {
    if (std::find(methods.begin(), methods.end(), known) != methods.end()) {
      ordered.push_back(known);
    }
  }
  return ordered;
}

// What a path (or the whole server) answers, given the methods of its routes: HEAD is served
// wherever GET is, and OPTIONS everywhere.
std::vector<std::string_view> ServedMethods(std::vector<std::string_view> methods) {
  if (methods.empty()) return methods;
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end()) methods.push_back("HEAD");
  methods.push_back("OPTIONS");
  return CanonicalOrder(methods);
}

}  // namespace

bool IsKnownMethod(std::string_view method) {
  return std::find(kKnownMethods.begin(), kKnownMethods.end(), method) != kKnownMethods.end();
}

Router::Router(std::vector<api::Route> routes) {
  routes_.reserve(routes.size());
  for (api::Route& route : routes) {
    const std::string pattern = route.pattern;
    const std::string label = "route " + route.method + " " + pattern + ": ";
    auto bad = [&](std::string_view why) {
      return std::invalid_argument(label + std::string(why));
    };
    if (pattern.empty() || pattern.front() != '/') throw bad("a pattern starts with '/'");
    const int handlers =
        (route.handler ? 1 : 0) + (route.async_handler ? 1 : 0) + (route.open_body ? 1 : 0);
    if (handlers != 1) throw bad("give one of a handler, an async_handler or an open_body");

    Compiled compiled{std::move(route), {}};
    for (std::string_view part : SplitPattern(pattern)) {
      if (part.empty()) throw bad("empty segment");
      const bool is_param = part.front() == '{';
      if (is_param) {
        if (part.size() < 3 || part.back() != '}') throw bad("a parameter is written {name}");
        part = part.substr(1, part.size() - 2);
        for (const Segment& s : compiled.segments) {
          if (s.is_param && s.text == part) throw bad("repeated parameter name");
        }
      }
      if (part.find_first_of("{}") != std::string_view::npos) throw bad("stray brace");
      compiled.segments.push_back({std::string(part), is_param});
    }

    for (const Compiled& other : routes_) {
      if (other.route.method != compiled.route.method) continue;
      if (other.segments.size() != compiled.segments.size()) continue;
      const bool same_shape =
          std::equal(other.segments.begin(), other.segments.end(), compiled.segments.begin(),
                     [](const Segment& a, const Segment& b) {
                       return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                     });
      if (same_shape) throw bad("duplicates " + other.route.method + " " + other.route.pattern);
    }
    routes_.push_back(std::move(compiled));
  }
  std::vector<std::string_view> methods;
  for (const Compiled& c : routes_) methods.push_back(c.route.method);
  all_methods_ = ServedMethods(std::move(methods));
}

bool Router::Matches(const Compiled& c, const std::vector<std::string>& segments) {
  if (c.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = c.segments[i];
    if (s.is_param ? segments[i].empty() : s.text != segments[i]) return false;
  }
  return true;
}

bool Router::MoreSpecific(const Compiled& a, const Compiled& b) {
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

const Router::Compiled* Router::Find(std::string_view method,
                                     const std::vector<std::string>& segments) const {
  const Compiled* best = nullptr;
  for (const Compiled& c : routes_) {
    if (c.route.method != method || !Matches(c, segments)) continue;
    if (best == nullptr || MoreSpecific(c, *best)) best = &c;
  }
  return best;
}

RouteMatch Router::Match(std::string_view method, const std::vector<std::string>& segments) const {
  RouteMatch match;
  const Compiled* best = Find(method, segments);
  // HEAD is GET without the body (which the transport leaves out).
  if (best == nullptr && method == "HEAD") best = Find("GET", segments);
  if (best != nullptr) {
    match.route = &best->route;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (best->segments[i].is_param)
        match.params.emplace_back(best->segments[i].text, segments[i]);
    }
    return match;
  }
  // The slow path, only for 404/405/OPTIONS: which methods does the path serve? A route that
  // is not advertised still makes the path exist (so OPTIONS there is no 404).
  bool exists = false;
  std::vector<std::string_view> methods;
  for (const Compiled& c : routes_) {
    if (!Matches(c, segments)) continue;
    exists = true;
    if (c.route.advertised) methods.push_back(c.route.method);
  }
  if (exists) {
    if (methods.empty()) methods.push_back("OPTIONS");
    match.allowed = ServedMethods(std::move(methods));
  }
  return match;
}

std::string Router::AllowHeader(const std::vector<std::string_view>& methods) {
  std::string allow;
  for (std::string_view m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  return allow;
}

Error Router::NoRouteError(const RouteMatch& match, std::string_view method,
                           std::string_view path) {
  if (!IsKnownMethod(method)) {
    return Error::NotImplemented("Method " + std::string(method) + " is not implemented");
  }
  if (match.allowed.empty()) {
    return Error::NotFound("No route matches " + std::string(path));
  }
  return Error::MethodNotAllowed("Method " + std::string(method) + " is not allowed on " +
                                 std::string(path) + "; allowed: " + AllowHeader(match));
}

std::vector<const api::Route*> Router::routes() const {
  std::vector<const api::Route*> out;
  out.reserve(routes_.size());
  for (const Compiled& c : routes_) out.push_back(&c.route);
  return out;
}

}  // namespace contactsd::http
