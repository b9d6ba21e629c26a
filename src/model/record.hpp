// A contact record is the JSON object of the model's fields as stored. These functions build,
// merge and check whole records. Pure.
#pragma once

#include "common/error.hpp"
#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace contactsd::model {

// A record for a create (or a full replace): each field the patch does not set gets its
// default (or null). REQUIRES: `patch` came from CheckPatch.
boost::json::object NewRecord(const Model& model, const boost::json::object& patch);

// A full replace (PUT): a new record from the patch, except that create_only fields keep
// their values from `current` (a replace cannot change them any more than a PATCH can).
// REQUIRES: `patch` came from CheckPatch with WriteKind::kUpdate.
boost::json::object ReplaceRecord(const Model& model, const boost::json::object& current,
                                  const boost::json::object& patch);

// A partial update, in place: every key of the patch replaces the stored value (null: the
// field's default, which is null unless the model gives one), except the custom-fields object,
// which is merged key by key (a null value removes that key). Returns whether `record`
// changed: a PATCH that sends what is stored already writes nothing.
// REQUIRES: `patch` came from CheckPatch.
bool ApplyPatch(const Model& model, boost::json::object& record, const boost::json::object& patch);

// The rules that need the whole record: required fields present and non-empty.
std::vector<FieldError> ValidateRecord(const Model& model, const boost::json::object& record);

// The values this record holds uniquely: {field name, value} for each unique field that is
// set. Emails compare case-insensitively, so their key is lower-cased.
std::vector<std::pair<std::string, std::string>> UniqueKeys(const Model& model,
                                                            const boost::json::object& record);

// The key a contact holds when `raw` is written to the unique field `spec`: normalized as a
// write stores it (trimmed; emails lower-cased). Nothing when `raw` is not a valid value of
// the field, which then no contact can hold.
std::optional<std::string> UniqueKeyOf(const Model& model, const FieldSpec& spec,
                                       std::string_view raw);

// The longest search term, in bytes: a longer value is searched by its first 64 bytes.
inline constexpr std::size_t kMaxSearchTermBytes = 64;

// The terms a record is found by with ?q= (the model's search fields): each field's value,
// trimmed and lower-cased (ASCII letters), and each later word of it, so "Mary Ann" is found by
// "mar" and by "ann"; cut at kMaxSearchTermBytes (on a character boundary). Sorted, each once.
std::vector<std::string> SearchTerms(const Model& model, const boost::json::object& record);

// What a ?q= value is compared with: the prefix as the terms are made (trimmed, lower-cased,
// cut at a NUL and at kMaxSearchTermBytes); empty when nothing is left. Nothing when `q` is not
// UTF-8.
std::optional<std::string> SearchPrefixOf(std::string_view q);

// The entry ids that the referencing fields (those with "references") of `values` hold: one
// item per field holding at least one id, each id once, in the order held. `values` is a
// record, or the normalized values of a request (null and absent fields hold none).
struct FieldReferences {
  const FieldSpec* field = nullptr;
  std::vector<std::int64_t> ids;
};
std::vector<FieldReferences> ReferencedIds(const Model& model, const boost::json::object& values);

// Takes `id` out of every field of `record` that references `collection`: an array loses the
// item, an integer field equal to it goes back to its default. Returns whether anything changed.
bool RemoveReference(const Model& model, std::string_view collection, std::int64_t id,
                     boost::json::object& record);

}  // namespace contactsd::model
