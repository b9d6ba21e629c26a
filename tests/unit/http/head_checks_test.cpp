#include "http/head_checks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace contactsd::http {
namespace {

api::Request Head(std::vector<api::NameValue> headers) {
  api::Request r;
  r.method = "POST";
  r.headers = std::move(headers);
  return r;
}

// The status CheckHead answers (200 when the head passes).
int Answer(const api::Request& head, unsigned version = 11, std::size_t target = 10) {
  contactsd::Status checked = CheckHead(head, version, target, 8192);
  return checked.ok() ? 200 : HttpStatus(checked.error().code);
}

TEST(HeadChecks, ChunkedAloneFramesTheBody) {
  EXPECT_EQ(Answer(Head({{"host", "x"}, {"transfer-encoding", "chunked"}})), 200);
  EXPECT_EQ(Answer(Head({{"host", "x"}, {"transfer-encoding", "Chunked"}})), 200);
  EXPECT_EQ(Answer(Head({{"host", "x"}, {"content-length", "5"}})), 200);
}

// Each of these lets a proxy and this server disagree on where the body ends.
TEST(HeadChecks, AFinalCodingOtherThanChunkedIs400) {
  for (const char* te : {"gzip", "identity", "foo", "chunked, gzip", "xchunked", "chunked,", "",
                         "chunked, chunked", "chunked;x=1, gzip"}) {
    EXPECT_EQ(Answer(Head({{"host", "x"}, {"transfer-encoding", te}})), 400) << te;
  }
  // Repeated lines are one list: its last coding counts.
  EXPECT_EQ(Answer(Head(
                {{"host", "x"}, {"transfer-encoding", "chunked"}, {"transfer-encoding", "gzip"}})),
            400);
  EXPECT_EQ(
      Answer(Head({{"host", "x"}, {"transfer-encoding", "xchunked"}, {"content-length", "5"}})),
      400);
}

TEST(HeadChecks, ACodingBeforeChunkedIs501) {
  EXPECT_EQ(Answer(Head({{"host", "x"}, {"transfer-encoding", "gzip, chunked"}})), 501);
  EXPECT_EQ(Answer(Head(
                {{"host", "x"}, {"transfer-encoding", "gzip"}, {"transfer-encoding", "chunked"}})),
            501);
}

TEST(HeadChecks, TransferEncodingBesideContentLengthOrInHttp10Is400) {
  EXPECT_EQ(
      Answer(Head({{"host", "x"}, {"transfer-encoding", "chunked"}, {"content-length", "5"}})),
      400);
  EXPECT_EQ(Answer(Head({{"transfer-encoding", "chunked"}}), 10), 400);
}

TEST(HeadChecks, Http11NeedsOneWellFormedHost) {
  EXPECT_EQ(Answer(Head({})), 400);
  EXPECT_EQ(Answer(Head({{"host", "a"}, {"host", "a"}})), 400);
  EXPECT_EQ(Answer(Head({}), 10), 200);  // HTTP/1.0 predates Host
  for (const char* good : {"example.com", "example.com:8080", "127.0.0.1", "[::1]:80", "[::1]",
                           "a-b.c_d~e", "", "ex%41mple.com", "[v1.x]:1", "host:"}) {
    EXPECT_TRUE(IsValidHost(good)) << good;
    EXPECT_EQ(Answer(Head({{"host", good}})), 200) << good;
  }
  for (const char* bad :
       {"a b", "exa mple.com", "host:port", "host:99999999", "[::1", "@evil", "user@host", ":80",
        "a/b", "a?b", "host:65536", "bad%4", "bad%zz", "host:123456", "[::1]:x"}) {
    EXPECT_FALSE(IsValidHost(bad)) << bad;
  }
}

TEST(HeadChecks, ALongTargetIs414) {
  EXPECT_EQ(Answer(Head({{"host", "x"}}), 11, 8192), 200);
  EXPECT_EQ(Answer(Head({{"host", "x"}}), 11, 8193), 414);
}

TEST(HeadChecks, JsonPatchIsRecognisedWhateverItsCaseAndParameters) {
  EXPECT_TRUE(IsJsonPatch("application/json-patch+json"));
  EXPECT_TRUE(IsJsonPatch("Application/JSON-Patch+JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonPatch("application/merge-patch+json"));
  EXPECT_FALSE(IsJsonPatch("application/json"));
  EXPECT_FALSE(IsJsonPatch("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonPatch(""));
}

}  // namespace
}  // namespace contactsd::http
