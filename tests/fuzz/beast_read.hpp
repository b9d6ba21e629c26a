// Beast's read operations (boost/beast/http/impl/read.hpp: read_op over read_some_op, as
// http::async_read_header and http::async_read run them for a session) over bytes that arrive
// in pieces instead of from a socket, so that a fuzz target parses them exactly as a session
// does, without one.
#pragma once

#include "http/request_head.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace contactsd::fuzz {

// What a client sends, as it arrives: `first` bytes, then `piece` bytes at a time, then the
// end of the stream. `buffer` is the session's flat_buffer: received and not yet consumed.
struct Arrivals {
  Arrivals(std::string_view input, std::size_t first, std::size_t piece)
      : input(input), first(first), piece(piece) {}

  std::string_view input;
  std::size_t first;
  std::size_t piece;
  std::size_t arrived = 0;
  std::string buffer;

  bool Receive() {
    if (arrived == input.size()) return false;
    const std::size_t n = std::min(arrived == 0 ? first : piece, input.size() - arrived);
    buffer.append(input.substr(arrived, n));
    arrived += n;
    return true;
  }
  // Received or not, what the parser has not consumed.
  std::size_t left() const { return buffer.size() + (input.size() - arrived); }
};

// http::async_read_header (`whole_message` false) or http::async_read (true) on `in`: true
// when the parser has the head (or the whole message), else false with the read's error in
// `ec`. As read_some_op: `put` once on what the buffer holds, more bytes only when it is empty
// or the parser needs more, and at the end of the stream put_eof after some bytes,
// end_of_stream before any.
inline bool ReadMessage(http::RequestParser& parser, Arrivals& in, bool whole_message,
                        boost::beast::error_code& ec) {
  namespace bhttp = boost::beast::http;
  parser.eager(whole_message);
  ec = {};
  auto done = [&] { return whole_message ? parser.is_done() : parser.is_header_done(); };
  if (done()) return true;
  while (true) {
    if (!in.buffer.empty()) {
      const std::size_t used =
          parser.put(boost::asio::buffer(in.buffer.data(), in.buffer.size()), ec);
      in.buffer.erase(0, used);
      if (!ec) {
        if (done()) return true;
        continue;
      }
      if (ec != bhttp::error::need_more) return false;
      ec = {};
    }
    if (in.Receive()) continue;
    if (!parser.got_some()) {
      ec = bhttp::error::end_of_stream;
      return false;
    }
    parser.put_eof(ec);
    return !ec && done();
  }
}

}  // namespace contactsd::fuzz
