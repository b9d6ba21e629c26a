// The response shape: which properties a stored contact shows, in the model's order.
#pragma once

#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace contactsd::model {

// The system-managed facts stored beside a record.
struct RecordMeta {
  std::string_view id;
  std::int64_t version = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> archived_at_ms;
  std::string_view archived_by;  // empty unless archived
};

// For a model with unlocks: what the calling org may see of one contact.
struct AccessState {
  bool full_access = false;                    // the org's plan sees gated fields without unlocking
  bool unlocked = false;                       // the org has unlocked the contact
  std::optional<std::int64_t> unlocked_at_ms;  // when, if it has
  std::int64_t credits_spent = 0;              // what it paid (0 unless unlocked)
};

// The contact's unlock cost (its cost field); 0 for a model without unlocks.
std::int64_t UnlockCostOf(const Model& model, const boost::json::object& record);

// Appends the response object for a stored record to `out`, as JSON text: every property of
// the model's response that is not optional, plus the optional ones named in `requested`, in
// the model's order. A field missing from the record (a model that gained a field after the
// record was written) shows its default. Gated fields show null unless `access` says the
// caller may see them (no `access`: they are masked), and an access property shows `access`
// as {is_unlocked, is_unlocking, unlocked_at, credits_spent, unlock_cost}. A flattened
// property (custom fields) adds its keys at its place, except keys named by the model's own
// properties.
// Written straight from the record, with no response object built and copied first: every
// read and write of a contact answers through here.
void AppendProjection(std::string& out, const Model& model, const RecordMeta& meta,
                      const boost::json::object& record,
                      std::span<const std::string> requested = {},
                      const AccessState* access = nullptr);

}  // namespace contactsd::model
