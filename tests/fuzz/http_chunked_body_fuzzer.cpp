// Chunked body framing: the head of a chunked POST, then the input as its body, through
// Boost.Beast's request parser set up as a session sets it up (LimitParser: the server's 1 MiB
// body limit) and read as a session reads it (beast_read.hpp: the head, then the body). The
// body is read twice: arriving whole, and in pieces of 1 to 7 bytes (TCP may deliver it cut
// anywhere). Both must frame it the same way: both refuse it, or both take the same body and
// leave the same bytes for the next request. Where a request ends must not depend on how its
// bytes arrived. (Which error a refused body gets may: Beast 1.81 counts a chunk's size against
// the body limit again when a malformed extension after it makes it wait for more bytes, so a
// bad body may be a 413 in pieces and a 400 whole; either way it is refused and the connection
// closed.)
#include "beast_read.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace contactsd;

constexpr std::string_view kHead =
    "POST /v1/contacts HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

struct Framed {
  boost::beast::error_code ec;  // the read's error; none when the message is complete
  std::string body;
  std::size_t left = 0;  // bytes not consumed: the start of the next request
};

// The head arrives at once, then the body `piece` bytes at a time.
Framed Frame(std::string_view input, std::size_t piece) {
  static const http::RequestLimits limits;  // the server's defaults
  http::RequestParser parser;
  http::LimitParser(parser, limits);
  fuzz::Arrivals in(input, kHead.size(), piece);
  Framed out;
  if (fuzz::ReadMessage(parser, in, false, out.ec) && fuzz::ReadMessage(parser, in, true, out.ec)) {
    out.body = parser.get().body();
    out.left = in.left();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(kHead);
  input.append(reinterpret_cast<const char*>(data), size);
  const Framed whole = Frame(input, input.size());
  const Framed pieces = Frame(input, 1 + size % 7);
  if (!whole.ec != !pieces.ec ||
      (!whole.ec && (whole.body != pieces.body || whole.left != pieces.left))) {
    std::fprintf(stderr,
                 "framing differs: whole: %s (body %zu, left %zu); in pieces: %s (%zu, %zu)\n",
                 whole.ec.message().c_str(), whole.body.size(), whole.left,
                 pieces.ec.message().c_str(), pieces.body.size(), pieces.left);
    std::abort();
  }
  return 0;
}
