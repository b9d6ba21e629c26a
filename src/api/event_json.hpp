// One event of the change log as JSON, as the feed (GET {base}/events) and webhook deliveries
// both show it: id, type, occurred_at, contact_id, actor, request_id, changes and data, the
// contact shown as the model's responses show it to the reader of `view`.
#pragma once

#include "contacts/events_service.hpp"
#include "model/model.hpp"

#include <string>

namespace contactsd::api {

void AppendEventJson(std::string& out, const model::Model& model, const contacts::EventView& view);

}  // namespace contactsd::api
