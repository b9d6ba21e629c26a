// An event's changes: what a write changed, named and shaped as the model's responses show a
// contact. Pure.
#pragma once

#include "model/model.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace contactsd::model {

// Appends {property: {"before": v, "after": v}} for each property whose value differs between
// two projections of one contact (AppendProjection's output, parsed), in the order of `after`.
// Left out: the properties that move on every write (version, updated_at). A nested custom
// fields property is compared key by key, {"custom_fields": {key: {"before", "after"}}}, as
// the response nests them; a property missing on one side shows null there.
void AppendChanges(std::string& out, const Model& model, const boost::json::object& before,
                   const boost::json::object& after);

}  // namespace contactsd::model
