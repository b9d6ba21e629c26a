// The dispatcher's inbox (webhooks/dispatcher.hpp): the attempts the outbound client's thread
// hands back, for dispatcher.cpp and dispatcher_sending.cpp alone.
#pragma once

#include "webhooks/dispatcher.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace contactsd::webhooks {

// An attempt that came back, and what it was of: an event of a window (its generation and
// serial) or a parked delivery.
struct Dispatcher::Finished {
  EndpointKey key;
  std::string event_id;  // the webhook-id sent
  std::uint64_t generation = 0;
  std::optional<EndpointStream::Serial> serial;  // set: a window's event
  store::DueDelivery due;                        // a parked delivery, without its payload
  bool give_up = false;                          // not to be tried again (not in the log)
  http::OutboundResult result;
  std::int64_t at_ms = 0;
};

struct Dispatcher::Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Finished> finished;  // guarded by mu
  bool stopping = false;           // guarded by mu
};

}  // namespace contactsd::webhooks
