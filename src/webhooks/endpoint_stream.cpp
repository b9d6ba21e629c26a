#include "webhooks/endpoint_stream.hpp"

#include <map>
#include <string_view>
#include <utility>

namespace contactsd::webhooks {

EndpointStream::EndpointStream(store::EventPosition cursor) : cursor_(cursor), read_to_(cursor) {}

bool EndpointStream::HoldsBack(const Slot& slot) {
  if (slot.state != State::kSettled) return false;
  if (slot.dropped) return false;
  if (!slot.attempt) return true;  // held back: parked behind another
  return !slot.attempt->delivered && slot.attempt->next_attempt_at_ms.has_value();
}

void EndpointStream::Append(std::vector<StreamEvent> events, const std::vector<std::string>& erased,
                            store::EventPosition read_to) {
  for (const std::string& contact : erased) {
    for (Slot& slot : window_) {
      if (slot.state == State::kWaiting && slot.event.delivery.contact_id == contact) {
        slot.state = State::kSettled;
        slot.dropped = true;
      }
    }
  }
  for (StreamEvent& event : events) {
    window_.push_back(Slot{std::move(event), State::kWaiting, false, std::nullopt});
  }
  read_to_ = read_to;
}

void EndpointStream::SetHeldContacts(std::vector<std::string> contacts) {
  held_ = std::set<std::string, std::less<>>(std::make_move_iterator(contacts.begin()),
                                             std::make_move_iterator(contacts.end()));
}

std::vector<EndpointStream::Serial> EndpointStream::Next(int budget) {
  // What the events seen so far ask of their contact's later ones.
  enum class Gate { kWait, kHold };
  std::map<std::string_view, Gate> gates;
  std::vector<Serial> out;
  for (std::size_t i = 0; i < window_.size(); ++i) {
    Slot& slot = window_[i];
    const std::string_view contact = slot.event.delivery.contact_id;
    if (contact.empty()) {  // in no contact's order
      if (slot.state == State::kWaiting && budget > 0) {
        slot.state = State::kSending;
        out.push_back(first_serial_ + i);
        --budget;
      }
      continue;
    }
    std::optional<Gate> gate;
    if (held_.contains(contact)) gate = Gate::kHold;
    if (auto it = gates.find(contact); it != gates.end()) {
      gate = gate == Gate::kHold ? Gate::kHold : it->second;
    }
    switch (slot.state) {
      case State::kSettled:
        if (HoldsBack(slot)) gates[contact] = Gate::kHold;
        break;
      case State::kSending:
        gates.try_emplace(contact, Gate::kWait);
        break;
      case State::kWaiting:
        if (gate == Gate::kHold) {
          slot.state = State::kSettled;  // parked unattempted, behind the failed one
          gates[contact] = Gate::kHold;
        } else if (!gate && budget > 0) {
          slot.state = State::kSending;
          out.push_back(first_serial_ + i);
          --budget;
          gates[contact] = Gate::kWait;
        } else {
          gates.try_emplace(contact, Gate::kWait);
        }
        break;
    }
  }
  return out;
}

const StreamEvent& EndpointStream::event(Serial serial) const {
  return window_[serial - first_serial_].event;
}

void EndpointStream::Finish(Serial serial, store::AttemptResult result) {
  if (serial < first_serial_ || serial - first_serial_ >= window_.size()) return;
  Slot& slot = window_[serial - first_serial_];
  if (slot.state != State::kSending) return;
  slot.state = State::kSettled;
  slot.attempt = std::move(result);
  // Kept only to send it: a parked one is rendered again from the log (one of no contact
  // keeps its body: Commit).
  if (!slot.event.delivery.contact_id.empty()) slot.event.delivery.payload.clear();
}

bool EndpointStream::DropWaitingAfter(std::size_t keep) {
  std::size_t waiting = 0;
  std::size_t cut = window_.size();
  for (std::size_t i = 0; i < window_.size(); ++i) {
    if (window_[i].state != State::kWaiting) continue;
    if (++waiting > keep) {
      cut = i;
      break;
    }
  }
  for (std::size_t i = cut; i < window_.size(); ++i) {
    if (window_[i].state == State::kSending) return false;
  }
  if (cut == window_.size()) return false;
  read_to_ = cut == 0 ? cursor_ : window_[cut - 1].event.position;
  window_.erase(window_.begin() + static_cast<std::ptrdiff_t>(cut), window_.end());
  return true;
}

std::size_t EndpointStream::settled() const {
  std::size_t n = 0;
  while (n < window_.size() && window_[n].state == State::kSettled) ++n;
  return n;
}

std::optional<EndpointStream::PrefixCommit> EndpointStream::Commit(
    const std::string& org_id, const std::string& endpoint_id) const {
  const std::size_t n = settled();
  if (n == 0 && !window_.empty()) return std::nullopt;
  const store::EventPosition to = n == window_.size() ? read_to_ : window_[n - 1].event.position;
  if (to == cursor_) return std::nullopt;
  PrefixCommit prefix{{org_id, endpoint_id, cursor_, to, {}}, n};
  prefix.commit.events.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Slot& slot = window_[i];
    if (slot.dropped) continue;
    store::StreamedEvent event;
    event.delivery.event_id = slot.event.delivery.event_id;
    event.delivery.contact_id = slot.event.delivery.contact_id;
    // A parked one is rendered from the log when sent; an event of no contact cannot be found
    // there by its contact, so it keeps its body.
    if (event.delivery.contact_id.empty()) event.delivery.payload = slot.event.delivery.payload;
    event.attempt = slot.attempt;
    prefix.commit.events.push_back(std::move(event));
  }
  return prefix;
}

void EndpointStream::Committed(const PrefixCommit& prefix) {
  for (std::size_t i = 0; i < prefix.slots; ++i) {
    const Slot& slot = window_.front();
    // Parked now: the contact's later events stay behind it (until the store says otherwise).
    if (HoldsBack(slot) && !slot.event.delivery.contact_id.empty()) {
      held_.insert(slot.event.delivery.contact_id);
    }
    window_.pop_front();
    ++first_serial_;
  }
  cursor_ = prefix.commit.to;
}

}  // namespace contactsd::webhooks
