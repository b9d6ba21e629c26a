// EndpointStream: what a window of the log hands out to send, in what order per contact, what
// it holds back behind a failure, and what its commits carry.
#include "webhooks/endpoint_stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::webhooks {
namespace {

constexpr std::int64_t kNowMs = 1'800'000'000'000;

StreamEvent Event(std::int64_t seq, const std::string& contact) {
  StreamEvent event;
  event.position = {0, seq};
  event.delivery.event_id = "evt_" + std::to_string(seq);
  event.delivery.contact_id = contact;
  event.delivery.payload = R"({"id":"evt_)" + std::to_string(seq) + R"("})";
  return event;
}

store::AttemptResult Delivered() {
  store::AttemptResult result;
  result.at_ms = kNowMs;
  result.status = 200;
  result.delivered = true;
  return result;
}

store::AttemptResult Failed(std::optional<std::int64_t> retry_at = kNowMs + 5'000) {
  store::AttemptResult result;
  result.at_ms = kNowMs;
  result.status = 503;
  result.next_attempt_at_ms = retry_at;
  return result;
}

std::vector<std::string> EventIds(const EndpointStream& stream,
                                  const std::vector<EndpointStream::Serial>& serials) {
  std::vector<std::string> ids;
  for (auto serial : serials) ids.push_back(stream.event(serial).delivery.event_id);
  return ids;
}

// Commit's events as "event_id:fate" (delivered, failed, given-up, held).
std::vector<std::string> Fates(const store::StreamCommit& commit) {
  std::vector<std::string> fates;
  for (const store::StreamedEvent& e : commit.events) {
    const char* fate = !e.attempt                      ? "held"
                       : e.attempt->delivered          ? "delivered"
                       : e.attempt->next_attempt_at_ms ? "failed"
                                                       : "given-up";
    fates.push_back(e.delivery.event_id + ":" + fate);
  }
  return fates;
}

TEST(EndpointStream, SendsOneContactsEventsOneAfterTheOtherAndOthersAtOnce) {
  EndpointStream stream({0, 10});
  stream.Append({Event(11, "a"), Event(12, "b"), Event(13, "a"), Event(14, "")}, {}, {0, 20});
  const auto first = stream.Next(16);
  EXPECT_EQ(EventIds(stream, first), (std::vector<std::string>{"evt_11", "evt_12", "evt_14"}));
  EXPECT_TRUE(stream.Next(16).empty());  // a's second waits for its first
  stream.Finish(first[0], Delivered());
  EXPECT_EQ(EventIds(stream, stream.Next(16)), (std::vector<std::string>{"evt_13"}));
}

TEST(EndpointStream, HandsOutNoMoreThanTheBudgetInLogOrder) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "a"), Event(2, "b"), Event(3, "c")}, {}, {0, 3});
  EXPECT_EQ(EventIds(stream, stream.Next(2)), (std::vector<std::string>{"evt_1", "evt_2"}));
  EXPECT_TRUE(stream.Next(0).empty());
  EXPECT_EQ(EventIds(stream, stream.Next(5)), (std::vector<std::string>{"evt_3"}));
}

TEST(EndpointStream, HoldsBackTheLaterEventsOfAContactWhoseEventFailed) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "a"), Event(2, "b"), Event(3, "a"), Event(4, "a")}, {}, {0, 4});
  const auto sent = stream.Next(16);
  ASSERT_EQ(EventIds(stream, sent), (std::vector<std::string>{"evt_1", "evt_2"}));
  stream.Finish(sent[0], Failed());
  stream.Finish(sent[1], Delivered());
  EXPECT_TRUE(stream.Next(16).empty());  // a's later ones are held, not sent
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(Fates(commit->commit), (std::vector<std::string>{"evt_1:failed", "evt_2:delivered",
                                                             "evt_3:held", "evt_4:held"}));
  EXPECT_EQ(commit->commit.from, (store::EventPosition{0, 0}));
  EXPECT_EQ(commit->commit.to, (store::EventPosition{0, 4}));
  // A parked event is rendered again from the log when sent: its body is not kept.
  EXPECT_TRUE(commit->commit.events[0].delivery.payload.empty());
  EXPECT_EQ(commit->commit.events[0].delivery.contact_id, "a");
  stream.Committed(*commit);
  EXPECT_EQ(stream.cursor(), (store::EventPosition{0, 4}));
  EXPECT_EQ(stream.size(), 0u);
  // Committed: a's events read later are held too (its parked ones are in the store now).
  stream.Append({Event(5, "a"), Event(6, "c")}, {}, {0, 6});
  EXPECT_EQ(EventIds(stream, stream.Next(16)), (std::vector<std::string>{"evt_6"}));
  EXPECT_EQ(stream.settled(), 1u);  // evt_5 held
}

TEST(EndpointStream, AGivenUpEventHoldsNothingBack) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "a"), Event(2, "a")}, {}, {0, 2});
  const auto sent = stream.Next(16);
  ASSERT_EQ(sent.size(), 1u);
  stream.Finish(sent[0], Failed(std::nullopt));
  EXPECT_EQ(EventIds(stream, stream.Next(16)), (std::vector<std::string>{"evt_2"}));
}

TEST(EndpointStream, HoldsBackTheContactsTheStoreHoldsAndLetsThemGoWhenItNoLongerDoes) {
  EndpointStream stream({0, 0});
  stream.SetHeldContacts({"a"});
  stream.Append({Event(1, "a"), Event(2, "b")}, {}, {0, 2});
  const auto sent = stream.Next(16);
  EXPECT_EQ(EventIds(stream, sent), (std::vector<std::string>{"evt_2"}));
  stream.Finish(sent[0], Delivered());
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(Fates(commit->commit), (std::vector<std::string>{"evt_1:held", "evt_2:delivered"}));
  stream.Committed(*commit);
  // The store delivered a's parked ones since: a's next event goes.
  stream.SetHeldContacts({});
  stream.Append({Event(3, "a")}, {}, {0, 3});
  EXPECT_EQ(EventIds(stream, stream.Next(16)), (std::vector<std::string>{"evt_3"}));
}

TEST(EndpointStream, CommitsOnlyTheSettledPrefixAndMovesPastUnwantedEventsAlone) {
  EndpointStream stream({0, 0});
  EXPECT_FALSE(stream.Commit("org", "wh"));  // nothing read: nothing to move
  stream.Append({Event(2, "a"), Event(5, "b")}, {}, {0, 9});
  const auto sent = stream.Next(16);
  stream.Finish(sent[1], Delivered());
  EXPECT_FALSE(stream.Commit("org", "wh"));  // the first is still being sent
  stream.Finish(sent[0], Delivered());
  stream.Next(16);
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->commit.to, (store::EventPosition{0, 9}));  // past the unwanted 6..9 too
  stream.Committed(*commit);
  // Only events it does not want were read since: the cursor moves alone.
  stream.Append({}, {}, {0, 12});
  commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_TRUE(commit->commit.events.empty());
  EXPECT_EQ(commit->commit.to, (store::EventPosition{0, 12}));
}

TEST(EndpointStream, APartlySettledWindowCommitsUpToItsLastSettledEvent) {
  EndpointStream stream({0, 0});
  stream.Append({Event(2, "a"), Event(4, "b"), Event(7, "c")}, {}, {0, 9});
  const auto sent = stream.Next(16);
  stream.Finish(sent[0], Delivered());
  stream.Finish(sent[1], Delivered());
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->commit.to, (store::EventPosition{0, 4}));
  EXPECT_EQ(commit->slots, 2u);
  stream.Committed(*commit);
  // The serials handed out before still name their events.
  stream.Finish(sent[2], Delivered());
  commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(Fates(commit->commit), std::vector<std::string>{"evt_7:delivered"});
  EXPECT_EQ(commit->commit.to, (store::EventPosition{0, 9}));
}

TEST(EndpointStream, AnErasureDropsTheWaitingEventsOfItsContact) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "a"), Event(2, "a"), Event(3, "b")}, {}, {0, 3});
  const auto sent = stream.Next(16);  // evt_1 and evt_3; evt_2 waits behind evt_1
  ASSERT_EQ(sent.size(), 2u);
  stream.Append({Event(4, "a")}, {"a"}, {0, 4});  // evt_4: the erasure, delivered itself
  stream.Finish(sent[0], Delivered());
  stream.Finish(sent[1], Delivered());
  EXPECT_EQ(EventIds(stream, stream.Next(16)), (std::vector<std::string>{"evt_4"}));
  stream.Finish(sent[1] + 1, Delivered());  // evt_4's serial: one past the last handed out
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  // evt_2 is gone from the log: never sent, no row.
  EXPECT_EQ(Fates(commit->commit),
            (std::vector<std::string>{"evt_1:delivered", "evt_3:delivered", "evt_4:delivered"}));
  EXPECT_EQ(commit->slots, 4u);
}

TEST(EndpointStream, AFailingEndpointKeepsOneWaitingEventReadAhead) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "a"), Event(2, "b"), Event(3, "c"), Event(4, "d")}, {}, {0, 8});
  const auto sent = stream.Next(1);
  EXPECT_TRUE(stream.DropWaitingAfter(1));
  EXPECT_EQ(stream.size(), 2u);
  EXPECT_EQ(stream.read_to(), (store::EventPosition{0, 2}));  // evt_3 on is read again
  stream.Finish(sent[0], Failed());
  EXPECT_EQ(EventIds(stream, stream.Next(1)), (std::vector<std::string>{"evt_2"}));
  // Nothing waits after what is being sent: nothing to drop.
  EXPECT_FALSE(stream.DropWaitingAfter(0));
  EXPECT_EQ(stream.size(), 2u);
}

TEST(EndpointStream, AnEventOfNoContactKeepsItsBodyWhenParked) {
  EndpointStream stream({0, 0});
  stream.Append({Event(1, "")}, {}, {0, 1});
  const auto sent = stream.Next(1);
  stream.Finish(sent[0], Failed());
  auto commit = stream.Commit("org", "wh");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->commit.events[0].delivery.payload, R"({"id":"evt_1"})");
}

}  // namespace
}  // namespace contactsd::webhooks
