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

// The response object for a stored record: every property of the model's response that is
// not optional, plus the optional ones named in `requested`. A field missing from the record
// (a model that gained a field after the record was written) shows its default.
boost::json::object Project(const Model& model, const RecordMeta& meta,
                            const boost::json::object& record,
                            std::span<const std::string> requested = {});

}  // namespace contactsd::model
