// One endpoint's window of the change log, in the process that holds its lease: the events
// read after the endpoint's cursor, in log order, as they are sent and settle. No I/O: the
// dispatcher reads the log into it, sends what it hands out, reports each attempt, and
// records its settled prefix (store::StreamCommit), which moves the cursor past it.
//
// One contact's events go in log order: an event is sent only when no earlier event of its
// contact is being sent or waiting, and it is held back (parked unattempted, settled) when an
// earlier one failed and waits for its retry, or when its contact has a parked delivery pending
// in the store (SetHeldContacts). A delivered event, and one given up, hold nothing back.
#pragma once

#include "store/webhook_store.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace contactsd::webhooks {

struct StreamEvent {
  store::EventPosition position;
  store::NewDelivery delivery;  // its payload: the event as rendered when read
};

class EndpointStream {
 public:
  // Hands out the numbers of the events it sends (their place in the window).
  using Serial = std::uint64_t;

  explicit EndpointStream(store::EventPosition cursor);

  store::EventPosition cursor() const { return cursor_; }
  // Where the next read of the log resumes.
  store::EventPosition read_to() const { return read_to_; }
  std::size_t size() const { return window_.size(); }

  // The events read after read_to(), up to `read_to` (events of types the endpoint does not
  // want are not given, and passed over), and the contacts erased among them: their events
  // read before, and still waiting, are gone from the log, and are not sent.
  void Append(std::vector<StreamEvent> events, const std::vector<std::string>& erased,
              store::EventPosition read_to);
  // The contacts with a parked delivery pending in the store (read with the log).
  void SetHeldContacts(std::vector<std::string> contacts);

  // Up to `budget` waiting events to send now, in log order, as being sent; holds back those
  // behind a failed one of their contact first.
  std::vector<Serial> Next(int budget);
  const StreamEvent& event(Serial serial) const;
  // The attempt of an event handed out by Next (ignored for one the window has no longer).
  void Finish(Serial serial, store::AttemptResult result);
  // Drops the events read ahead that wait, but the first `keep` (a failing endpoint is sent
  // one event at a time: it reads the next when it is due, not hours before), unless one after
  // them is being sent. True when it dropped any: the log must be read again from read_to().
  bool DropWaitingAfter(std::size_t keep);

  // The settled prefix of the window (and, when all of it settled, the read past it) as a
  // commit from the cursor; nullopt when there is nothing to move.
  struct PrefixCommit {
    store::StreamCommit commit;
    std::size_t slots = 0;  // the window's events it settles (erased ones have no row)
  };
  std::optional<PrefixCommit> Commit(const std::string& org_id,
                                     const std::string& endpoint_id) const;
  // A commit from Commit was applied: drops its events and moves the cursor.
  void Committed(const PrefixCommit& prefix);
  // How many events of the window are settled in a row from its start.
  std::size_t settled() const;

 private:
  enum class State { kWaiting, kSending, kSettled };
  struct Slot {
    StreamEvent event;
    State state = State::kWaiting;
    bool dropped = false;                         // settled: erased before it was sent (no row)
    std::optional<store::AttemptResult> attempt;  // settled: unset when held back
  };
  // Whether a settled slot holds its contact's later events back.
  static bool HoldsBack(const Slot& slot);

  store::EventPosition cursor_;
  store::EventPosition read_to_;
  std::deque<Slot> window_;
  Serial first_serial_ = 0;  // the serial of window_.front()
  std::set<std::string, std::less<>> held_;
};

}  // namespace contactsd::webhooks
