// The outbound client's pieces on the wire (http/outbound_client.cpp): a connection, plain or
// TLS, and a response body that keeps its start.
#pragma once

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/optional/optional.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/socket.h>

namespace contactsd::http::outbound {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// ---- a response body that keeps its start --------------------------------------------------

// Keeps the first `keep` bytes and reads on to `limit` bytes, then stops with body_limit.
// Beast's own body_limit would refuse an answer whose Content-Length is too large before
// reading a byte of it, and the start of an answer is what a webhook's log wants to show.
struct CappedBody {
  struct value_type {
    std::string kept;
    std::size_t keep = 0;
    std::uint64_t limit = 0;
    std::uint64_t size = 0;  // bytes read
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      std::size_t read = 0;
      for (const auto buffer : beast::buffers_range_ref(buffers)) {
        const std::size_t room = body_.keep - std::min(body_.keep, body_.kept.size());
        body_.kept.append(static_cast<const char*>(buffer.data()), std::min(room, buffer.size()));
        read += buffer.size();
      }
      body_.size += read;
      ec = body_.size > body_.limit ? beast::error_code(bhttp::error::body_limit)
                                    : beast::error_code();
      return read;
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// ---- one connection --------------------------------------------------------------------------

struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& Tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Calls `f` with the stream requests are written to and answers read from.
  template <class F>
  void Visit(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  // Without a TLS close_notify: the answer is complete, and waiting for the peer's would cost
  // a round trip for nothing.
  void Close() { Tcp().close(); }

  // An idle connection must have nothing to read: the peer's FIN, a reset or unasked bytes
  // (a TLS alert) all mean it is not worth writing a request to.
  bool NothingToRead() {
    char byte;
    const ssize_t n = ::recv(Tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

}  // namespace contactsd::http::outbound
