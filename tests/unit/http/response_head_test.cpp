#include "http/response_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd::http {
namespace {

std::string Head(const api::Response& answer, unsigned version, bool keep_alive,
                 std::size_t body_size) {
  std::string out = "kept:";  // appended to, never overwritten
  AppendResponseHead(out, answer, version, keep_alive, "rid-1", body_size,
                     "Fri, 04 Dec 2026 20:22:58 GMT");
  EXPECT_TRUE(out.starts_with("kept:"));
  return out.substr(5);
}

TEST(ResponseHead, AJsonAnswerOnAKeptConnection) {
  api::Response answer{200, R"({"ok":true})", {{"ETag", "\"3\""}}};
  EXPECT_EQ(Head(answer, 11, true, answer.body.size()),
            "HTTP/1.1 200 OK\r\n"
            "ETag: \"3\"\r\n"
            "Content-Type: application/json\r\n"
            "Server: contactsd\r\n"
            "Cache-Control: no-store\r\n"
            "Date: Fri, 04 Dec 2026 20:22:58 GMT\r\n"
            "X-Request-Id: rid-1\r\n"
            "Content-Length: 11\r\n"
            "\r\n");
}

TEST(ResponseHead, ConnectionFollowsTheVersion) {
  api::Response answer{404, "{}", {}};
  const std::string closing = Head(answer, 11, false, 2);
  EXPECT_TRUE(closing.starts_with("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_NE(closing.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(Head(answer, 11, true, 2).find("Connection"), std::string::npos);

  const std::string kept10 = Head(answer, 10, true, 2);
  EXPECT_TRUE(kept10.starts_with("HTTP/1.0 404 Not Found\r\n"));
  EXPECT_NE(kept10.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(Head(answer, 10, false, 2).find("Connection"), std::string::npos);
}

TEST(ResponseHead, NoContentHasNeitherLengthNorType) {
  EXPECT_EQ(Head(api::Response{204, "", {}}, 11, true, 0),
            "HTTP/1.1 204 No Content\r\n"
            "Server: contactsd\r\n"
            "Cache-Control: no-store\r\n"
            "Date: Fri, 04 Dec 2026 20:22:58 GMT\r\n"
            "X-Request-Id: rid-1\r\n"
            "\r\n");
}

TEST(ResponseHead, AHandlersOwnTypeServerAndCacheControlWin) {
  api::Response answer{
      200,
      "x",
      {{"content-type", "text/plain"}, {"SERVER", "other"}, {"cache-control", "max-age=5"}}};
  const std::string head = Head(answer, 11, true, 1);
  EXPECT_NE(head.find("content-type: text/plain\r\n"), std::string::npos);
  EXPECT_NE(head.find("SERVER: other\r\n"), std::string::npos);
  EXPECT_NE(head.find("cache-control: max-age=5\r\n"), std::string::npos);
  EXPECT_EQ(head.find("no-store"), std::string::npos);
  EXPECT_EQ(head.find("application/json"), std::string::npos);
  EXPECT_EQ(head.find("contactsd"), std::string::npos);
}

TEST(ResponseHead, ADroppedTypeOrServerHeaderLeavesTheDefaults) {
  api::Response answer{200, "{}", {{"Content-Type", "text/html\r\nX: y"}, {"Server", "a\nb"}}};
  EXPECT_EQ(Head(answer, 11, true, 2),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Server: contactsd\r\n"
            "Cache-Control: no-store\r\n"
            "Date: Fri, 04 Dec 2026 20:22:58 GMT\r\n"
            "X-Request-Id: rid-1\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
}

TEST(ResponseHead, UnsafeHeadersAreDropped) {
  api::Response answer{503,
                       "{}",
                       {{"Retry-After", "1"},
                        {"X-Evil", "a\r\nSet-Cookie: x"},
                        {"Content-Length", "999"},
                        {"Connection", "close"},
                        {"x-request-id", "forged"},
                        {"Bad Name", "v"},
                        {"Nul", std::string("a\0b", 3)}}};
  EXPECT_EQ(Head(answer, 11, true, 2),
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Retry-After: 1\r\n"
            "Content-Type: application/json\r\n"
            "Server: contactsd\r\n"
            "Cache-Control: no-store\r\n"
            "Date: Fri, 04 Dec 2026 20:22:58 GMT\r\n"
            "X-Request-Id: rid-1\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
}

}  // namespace
}  // namespace contactsd::http
