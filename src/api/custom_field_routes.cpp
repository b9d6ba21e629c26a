// /custom-fields: a tenant defines and lists its own fields.
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "common/time.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace contactsd::api {
namespace {

namespace json = boost::json;

json::object Encode(const store::CustomField& f) { return contacts::CustomFieldJson(f); }

}  // namespace

std::vector<Route> CustomFieldRoutes(const ApiContext& ctx) {
  if (!ctx.model.custom_fields_enabled()) return {};
  const std::string base = ctx.model.base_path() + "/custom-fields";
  return {
      Described({"POST", base,
                 [&ctx, base](const Request& req) -> Result<Response> {
                   auto who = PrincipalOf(ctx, req);
                   if (!who.ok()) return std::move(who).error();
                   auto body = ParseObject(req.body);
                   if (!body.ok()) return std::move(body).error();
                   auto field = ctx.custom_fields.Define(*who, *body);
                   if (!field.ok()) return std::move(field).error();
                   Response created = JsonResponse(201, Encode(*field));
                   created.headers.emplace_back("Location", base + "/" + field->name);
                   return created;
                 }},
                {.id = "createCustomField",
                 .summary = "Define a custom field of the tenant's contacts",
                 .tag = "custom fields",
                 .request = Shape::kCustomFieldDefinition,
                 .answer = Shape::kCustomField,
                 .status = 201,
                 .errors = {409, 422}}),
      Described({"GET", base + "/{name}",
                 [&ctx](const Request& req) -> Result<Response> {
                   auto who = PrincipalOf(ctx, req);
                   if (!who.ok()) return std::move(who).error();
                   auto fields = ctx.custom_fields.List(*who);  // at most 100 per tenant
                   if (!fields.ok()) return std::move(fields).error();
                   for (const auto& f : *fields) {
                     if (f.name == req.Param("name")) return JsonResponse(200, Encode(f));
                   }
                   return Error::NotFound("No custom field named '" +
                                          std::string(req.Param("name")) + "'");
                 }},
                {.id = "getCustomField",
                 .summary = "Read a custom field's definition",
                 .tag = "custom fields",
                 .answer = Shape::kCustomField,
                 .errors = {404}}),
      Described({"PATCH", base + "/{name}",
                 [&ctx](const Request& req) -> Result<Response> {
                   auto who = PrincipalOf(ctx, req);
                   if (!who.ok()) return std::move(who).error();
                   auto body = ParseObject(req.body);
                   if (!body.ok()) return std::move(body).error();
                   auto field = ctx.custom_fields.Update(*who, req.Param("name"), *body);
                   if (!field.ok()) return std::move(field).error();
                   return JsonResponse(200, Encode(*field));
                 }},
                {.id = "updateCustomField",
                 .summary = "Change what is safe to change of a custom field: add enum options, "
                            "remove those no contact holds",
                 .tag = "custom fields",
                 .request = Shape::kCustomFieldUpdate,
                 .answer = Shape::kCustomField,
                 .errors = {404, 409, 422}}),
      Described({"DELETE", base + "/{name}",
                 [&ctx](const Request& req) -> Result<Response> {
                   auto who = PrincipalOf(ctx, req);
                   if (!who.ok()) return std::move(who).error();
                   auto changed = ctx.custom_fields.Delete(*who, req.Param("name"));
                   if (!changed.ok()) return std::move(changed).error();
                   return JsonResponse(200, json::object{{"name", req.Param("name")},
                                                         {"contacts_changed", *changed}});
                 }},
                {.id = "deleteCustomField",
                 .summary = "Delete a custom field, and its value from every contact, atomically",
                 .tag = "custom fields",
                 .answer = Shape::kCustomFieldDeleted,
                 .errors = {404}}),
      Described({"GET", base,
                 [&ctx](const Request& req) -> Result<Response> {
                   auto who = PrincipalOf(ctx, req);
                   if (!who.ok()) return std::move(who).error();
                   auto fields = ctx.custom_fields.List(*who);
                   if (!fields.ok()) return std::move(fields).error();
                   json::array data;
                   for (const auto& f : *fields) data.push_back(Encode(f));
                   return JsonResponse(200, json::object{{"data", std::move(data)}});
                 }},
                {.id = "listCustomFields",
                 .summary = "The tenant's custom fields (at most 100)",
                 .tag = "custom fields",
                 .answer = Shape::kCustomFieldList}),
  };
}

}  // namespace contactsd::api
