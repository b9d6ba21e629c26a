// The query parameters of the OpenAPI document's operations: each name a RouteDoc lists,
// described once here; "filters" stands for the model's list filters, its unique fields and ?q=.
#include "api/openapi_parameters.hpp"

#include "model/field_types.hpp"

namespace contactsd::api {
namespace {

namespace json = boost::json;

json::object QueryParameter(std::string_view name, std::string_view description,
                            json::object schema) {
  return {{"name", name}, {"in", "query"}, {"description", description}, {"schema", schema}};
}

json::array FilterParameters(const model::Model& model) {
  json::array out;
  auto schema_of = [](const model::FieldSpec& f) {
    model::FieldSpec item = f;
    item.type = model::TraitsOf(f.type).item_type;
    json::object s;
    model::TraitsOf(item.type).schema(item, model::SchemaSide::kRequest, s);
    s.erase("description");
    return s;
  };
  for (const model::ListFilter& f : model.list_filters()) {
    const bool array = model::TraitsOf(f.field->type).item_type != f.field->type;
    out.push_back(QueryParameter(f.param,
                                 array ? "Contacts whose " + f.field->name + " holds this value"
                                       : "Contacts whose " + f.field->name + " is this value",
                                 schema_of(*f.field)));
  }
  for (const model::FieldSpec& f : model.fields()) {
    if (!f.unique || f.gated || f.write_only) continue;
    out.push_back(QueryParameter(f.name,
                                 "The contact whose " + f.name +
                                     " is this value (compared as stored); not combined with "
                                     "other filters",
                                 {{"type", "string"}}));
  }
  if (!model.search_fields().empty()) {
    std::string fields;
    for (const model::FieldSpec* f : model.search_fields()) {
      fields += (fields.empty() ? "" : ", ") + f->name;
    }
    out.push_back(
        QueryParameter("q", "Contacts one of whose " + fields + " starts with this text (any case)",
                       {{"type", "string"}, {"minLength", 1}}));
  }
  return out;
}

}  // namespace

json::array QueryParameters(const model::Model& model, const RouteDoc& doc) {
  json::array out;
  for (std::string_view name : doc.query) {
    if (name == "filters") {
      for (auto& p : FilterParameters(model)) out.push_back(std::move(p));
    } else if (name == "limit") {
      out.push_back(QueryParameter("limit", "How many items a page holds at most",
                                   {{"type", "integer"}, {"minimum", 1}}));
    } else if (name == "cursor") {
      out.push_back(
          QueryParameter("cursor", "The next_cursor of the page before", {{"type", "string"}}));
    } else if (name == "after") {
      out.push_back(QueryParameter("after", "A next_cursor of the feed: the events after it",
                                   {{"type", "string"}}));
    } else if (name == "wait") {
      out.push_back(
          QueryParameter("wait", "Seconds to wait for an event when there is none yet (long poll)",
                         {{"type", "integer"}, {"minimum", 0}, {"maximum", 30}}));
    } else if (name == "type") {
      out.push_back(QueryParameter("type", "Only events of this type (contact.updated, ...)",
                                   {{"type", "string"}}));
    } else if (name == "contact_id") {
      out.push_back(
          QueryParameter("contact_id", "Only this contact's events", {{"type", "string"}}));
    } else if (name == "order") {
      out.push_back(
          QueryParameter("order", "id (the default), or updated_at for a sync: oldest change first",
                         {{"type", "string"}, {"enum", json::array{"id", "updated_at"}}}));
    } else if (name == "updated_since") {
      out.push_back(QueryParameter("updated_since", "Only contacts changed at or after this time",
                                   {{"type", "string"}, {"format", "date-time"}}));
    } else if (name == "format") {
      out.push_back(QueryParameter(
          "format", "The lines' format",
          {{"type", "string"}, {"enum", json::array{"ndjson", "csv"}}, {"default", "ndjson"}}));
    } else if (name == "properties") {
      if (model.optional_properties().empty()) continue;
      std::string names;
      for (const auto& p : model.optional_properties()) names += (names.empty() ? "" : ", ") + p;
      out.push_back(QueryParameter("properties",
                                   "Optional properties to show, comma-separated: " + names,
                                   {{"type", "string"}}));
    } else if (name == "id_property" || name == "upsert_on") {
      json::array unique;
      for (const model::FieldSpec& f : model.fields()) {
        if (f.unique) unique.emplace_back(f.name);
      }
      out.push_back(QueryParameter(
          name,
          name == "upsert_on" ? "Each line updates the contact holding this unique field's "
                                "value, or creates one"
                              : "The path names the contact by this unique field, not its id",
          {{"type", "string"}, {"enum", std::move(unique)}}));
    }
  }
  return out;
}

}  // namespace contactsd::api
