// The change log as a tenant's clients read it: the feed of its events, oldest first and
// resumable from a cursor, and one contact's history, newest first. Knows no HTTP and no SQL.
// Thread-safe.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "contacts/change_prior.hpp"
#include "model/model.hpp"
#include "model/projection.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactsd::contacts {

// One event, with what its reader needs to show it: the contact after the change (parsed), the
// contact before it (for the events that show changes), and what the reader may see of it.
struct EventView {
  store::Event event;
  std::string type;          // as the model names it (an archive of a model that hides is a delete)
  bool has_contact = false;  // false for events of no contact (custom_field.created)
  bool erased = false;       // contact.erased: the id, and nothing of the contact
  boost::json::object record;
  std::optional<ContactBefore> before;  // set for updates, archives and restores
  model::AccessState access;
};

struct EventPage {
  std::vector<EventView> items;
  // Feed: where the next call resumes (always set: also after the last event, to wait for
  // more). History: the next page, absent on the last.
  std::optional<std::string> next_cursor;
};

class EventsService {
 public:
  EventsService(const model::Model& model, store::Store& store, std::string cursor_secret);

  // Events after `cursor` (empty: from the start of the log). Errors: BadRequest
  // "invalid_query" (limit outside 1..kMaxPageSize, an unknown type, a contact_id that is not a
  // UUID), "invalid_cursor" (malformed, forged, or another tenant's).
  Result<EventPage> Feed(const Principal& who, std::string_view cursor, int limit,
                         std::string_view type, std::string_view contact_id) const;
  // The contact's events, newest first; archived and hidden contacts keep theirs. Errors:
  // invalid_id, invalid_cursor, invalid_query, not_found (no such contact, and no event of it).
  Result<EventPage> History(const Principal& who, std::string_view id, std::string_view cursor,
                            int limit) const;

  // The events after `after`, oldest first, as `who` reads them, and the position the next read
  // resumes from (`after` when there were none): what a webhook delivers.
  Result<std::pair<std::vector<EventView>, store::EventPosition>> After(const Principal& who,
                                                                        store::EventPosition after,
                                                                        int limit) const;
  // The contact's event at `seq` as `who` reads it; nullopt when the log has it no longer (an
  // erasure or retention deleted it): what a parked webhook delivery sends.
  Result<std::optional<EventView>> Find(const Principal& who, std::string_view contact_id,
                                        std::int64_t seq) const;
  // The position a feed cursor of `who` names. Errors: invalid_cursor.
  Result<store::EventPosition> PositionOf(const Principal& who, std::string_view cursor) const;
  // The event types this model's log records, as the model names them.
  std::vector<std::string> ShownTypes() const;

  static constexpr int kMaxPageSize = 1000;
  static constexpr int kDefaultPageSize = 100;
  // A feed or history page ends early, its cursor at its last event, once its events' documents
  // pass this many bytes: a page of large contacts stays within what the transport holds for
  // an answer (64 MiB for all of them), and a consumer always moves on (docs/events.md).
  static constexpr std::size_t kMaxPageBytes = 4 << 20;

 private:
  // The tenants whose logs `who` reads: its own, and the catalogue's for a catalogue model.
  std::vector<std::string> TenantsOf(const Principal& who) const;
  Result<std::vector<EventView>> ViewsOf(const Principal& who,
                                         std::vector<store::Event> events) const;
  // The stored type of a type the model shows, or nullopt for one the model has not.
  std::optional<std::string> StoredType(std::string_view shown) const;
  std::string ShownType(std::string_view stored) const;

  const model::Model& model_;
  store::Store& store_;
  std::string cursor_secret_;
};

}  // namespace contactsd::contacts
