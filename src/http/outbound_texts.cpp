#include "http/outbound_texts.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

namespace contactsd::http::outbound {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;

bool IsClientsHeader(std::string_view name) {
  for (const std::string_view own : {"host", "content-length", "transfer-encoding", "connection"}) {
    if (beast::iequals(name, own)) return true;
  }
  return false;
}

bool IsSafeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string Describe(std::string_view phase, const beast::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated ||
      ec == bhttp::error::end_of_stream) {
    return "connection closed";
  }
  if (ec == bhttp::error::partial_message) return "connection closed during the answer";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::timed_out) return "timeout";
  if (ec == asio::error::host_not_found) return "dns: host not found";
  if (ec == asio::error::host_not_found_try_again) return "dns: temporary failure";
  if (ec == asio::error::no_data) return "dns: no address";
  if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    return "bad answer: " + ec.message();
  }
  return std::string(phase) + ": " + ec.message();
}

std::string DescribeTls(const beast::error_code& ec, SSL* ssl) {
  if (ec.category() != asio::error::get_ssl_category()) return "tls: " + Describe("handshake", ec);
  const auto code = static_cast<unsigned long>(ec.value());
  if (ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    return std::string("tls: certificate verify failed (") +
           X509_verify_cert_error_string(SSL_get_verify_result(ssl)) + ")";
  }
  const char* reason = ERR_reason_error_string(code);
  return std::string("tls: ") + (reason ? reason : ec.message());
}

}  // namespace contactsd::http::outbound
