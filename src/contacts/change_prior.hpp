// What a write replaced, in the form its event keeps it (store::Event::prior), and the record
// rebuilt from it. The store keeps this text without reading it; this service writes it and
// reads it back to show an event's changes.
//
// The prior is a JSON object: each top-level key of the record that the write changed, with its
// value before the write; "$absent": the keys the record did not have before; "$archived_at"
// and "$archived_by": the archive marks before the write, when the write changed them (record
// keys are identifiers, so none starts with '$'). Empty text: nothing before (a create).
#pragma once

#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace contactsd::contacts {

// The prior of a write that changed `after` from `before`, comparing only `keys` (the keys a
// PATCH sent) or, when `keys` is null, every key of either.
std::string PriorOf(const boost::json::object& before, const boost::json::object& after,
                    const boost::json::object* keys = nullptr);

// The prior of a write that changed the archive marks only (archive, restore).
std::string ArchivePriorOf(const store::Contact& before);

// The contact as it was before the event's change: `after` with the prior's values put back.
// Errors: Internal for a prior that is not such an object.
struct ContactBefore {
  boost::json::object record;
  std::optional<std::int64_t> archived_at_ms;
  std::string archived_by;
};
Result<ContactBefore> BeforeOf(const boost::json::object& after, const store::Contact& stored_after,
                               std::string_view prior);

}  // namespace contactsd::contacts
