// CORS (the Fetch standard's cross-origin protocol) for browser apps that call the API from
// another origin. Off unless origins are configured (--cors-origins). Credentials are bearer
// tokens, never cookies, so Access-Control-Allow-Credentials is never sent. Pure: no Beast.
#pragma once

#include "api/request.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::http {

class CorsPolicy {
 public:
  // `origins`: exact origins ("https://app.example.com"), or "*" for any. Empty: CORS off.
  explicit CorsPolicy(std::vector<std::string> origins = {});

  bool enabled() const { return any_ || !origins_.empty(); }
  // True when `origin` (the request's Origin header) may read our answers.
  bool Allows(std::string_view origin) const;

  // For a preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed
  // origin: Allow-Origin, Vary, Allow-Methods (`allow`, the path's Allow value),
  // Allow-Headers and Max-Age.
  static void AddPreflightHeaders(api::Response& answer, std::string_view origin,
                                  std::string_view allow);
  // For any other answer to an allowed origin: Allow-Origin, Vary and Expose-Headers.
  static void AddResponseHeaders(api::Response& answer, std::string_view origin);

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace contactsd::http
