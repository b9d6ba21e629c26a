// The outbound client's texts (http/outbound_client.cpp): which request header fields are its
// own, and what a failure is called in a result's `error` ("connection refused", "timeout",
// "tls: certificate verify failed (...)").
#pragma once

#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace contactsd::http::outbound {

// Header fields the client writes itself: taking them from the caller could break the framing.
bool IsClientsHeader(std::string_view name);
// No CR, LF or NUL.
bool IsSafeHeaderText(std::string_view text);

std::string Describe(std::string_view phase, const boost::system::error_code& ec);
std::string DescribeTls(const boost::system::error_code& ec, SSL* ssl);

}  // namespace contactsd::http::outbound
