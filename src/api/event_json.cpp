#include "api/event_json.hpp"

#include "common/time.hpp"
#include "model/changes.hpp"
#include "model/json_text.hpp"
#include "model/projection.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::EventView;

// Appends the contact of `view` as the model's responses show it, before or after the change,
// with every optional property (e.g. crm's phone): a consumer of the feed learns every change.
void AppendContactOf(std::string& out, const model::Model& model, const EventView& view,
                     bool before) {
  const store::Contact& c = view.event.contact;
  model::RecordMeta meta{
      c.id, c.version, c.created_at_ms, c.updated_at_ms, c.archived_at_ms, c.archived_by};
  if (before) {
    meta.archived_at_ms = view.before->archived_at_ms;
    meta.archived_by = view.before->archived_by;
    meta.version = c.version - 1;
    model::AppendProjection(out, model, meta, view.before->record, model.optional_properties(),
                            &view.access);
  } else {
    model::AppendProjection(out, model, meta, view.record, model.optional_properties(),
                            &view.access);
  }
}

// Two projections of the contact compared as JSON: the changes as the reader sees them.
void AppendChangesOf(std::string& out, const model::Model& model, const EventView& view,
                     std::string_view after_text) {
  std::string before_text;
  AppendContactOf(before_text, model, view, true);
  unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value before = json::parse(before_text, ec, &arena);
  json::value after = json::parse(after_text, ec, &arena);
  if (!before.is_object() || !after.is_object()) {
    out += "null";  // cannot happen: both are our own projections
    return;
  }
  model::AppendChanges(out, model, before.get_object(), after.get_object());
}

}  // namespace

void AppendEventJson(std::string& out, const model::Model& model, const EventView& view) {
  const store::Event& e = view.event;
  out += R"({"id":"evt_)";
  out += std::to_string(e.position.seq);
  out += R"(","type":)";
  model::AppendJsonString(out, view.type);
  out += R"(,"occurred_at":)";
  model::AppendJsonString(out, FormatTimestamp(e.occurred_at_ms));
  out += R"(,"contact_id":)";
  if (view.has_contact) {
    model::AppendJsonString(out, e.contact.id);
  } else {
    out += "null";
  }
  out += R"(,"actor":{"type":)";
  model::AppendJsonString(out, e.origin.actor_type);
  out += R"(,"id":)";
  if (e.origin.actor_id.empty()) {
    out += "null";
  } else {
    model::AppendJsonString(out, e.origin.actor_id);
  }
  out += R"(},"request_id":)";
  if (e.origin.request_id.empty()) {
    out += "null";
  } else {
    model::AppendJsonString(out, e.origin.request_id);
  }
  std::string data;
  if (view.erased) {
    data = "null";
  } else if (view.has_contact) {
    AppendContactOf(data, model, view, false);
  } else {
    model::AppendJsonText(data, view.record);  // a custom field's definition
  }
  out += R"(,"changes":)";
  if (view.before) {
    AppendChangesOf(out, model, view, data);
  } else {
    out += "null";
  }
  out += R"(,"data":)";
  out += data;
  out += '}';
}

}  // namespace contactsd::api
