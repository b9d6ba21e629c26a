// /contacts: decode the request, call the service, encode the contact in the model's shape.
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "model/projection.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::ContactView;

json::object Encode(const model::Model& model, const ContactView& c) {
  model::RecordMeta meta{c.stored.id, c.stored.version, c.stored.created_at_ms,
                         c.stored.updated_at_ms, c.stored.archived_at_ms};
  return model::Project(model, meta, c.record);
}

Response ContactResponse(const model::Model& model, int status, const ContactView& c) {
  Response r = JsonResponse(status, Encode(model, c));
  r.headers.emplace_back("ETag", "\"" + std::to_string(c.stored.version) + "\"");
  return r;
}

// A non-negative decimal integer, or nullopt.
std::optional<std::int64_t> ParseCount(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

// If-Match: "7", W/"7" or *. Absent or * → no condition. Anything else that names no version
// can never match, so it is a 412 like a stale version.
Result<std::optional<std::int64_t>> ExpectedVersion(const Request& req) {
  const std::string* h = req.Header("if-match");
  if (!h || *h == "*") return std::optional<std::int64_t>();
  std::string_view tag = *h;
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    if (auto v = ParseCount(tag.substr(1, tag.size() - 2))) return std::optional(*v);
  }
  return Error::PreconditionFailed("If-Match must name a version, e.g. \"3\"");
}

Result<json::object> WriteFields(const ApiContext& ctx, const Request& req) {
  auto body = ParseObject(req.body);
  if (!body.ok()) return std::move(body).error();
  return FieldsOf(ctx.model, std::move(body).value());
}

}  // namespace

std::vector<Route> ContactRoutes(const ApiContext& ctx) {
  const std::string base = ctx.model.base_path() + "/contacts";
  const std::string one = base + "/{id}";
  const model::Model& model = ctx.model;
  return {
      {"POST", base,
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         auto fields = WriteFields(ctx, req);
         if (!fields.ok()) return std::move(fields).error();
         auto created = ctx.contacts.Create(*who, *fields);
         if (!created.ok()) return std::move(created).error();
         return ContactResponse(model, 201, *created);
       }},
      {"GET", base,
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         int limit = contacts::ContactsService::kDefaultPageSize;
         if (const std::string* l = req.Query("limit")) {
           auto v = ParseCount(*l);
           if (!v || *v > contacts::ContactsService::kMaxPageSize || *v < 1) {
             return Error::BadRequest("limit must be an integer between 1 and " +
                                          std::to_string(contacts::ContactsService::kMaxPageSize),
                                      "invalid_query");
           }
           limit = static_cast<int>(*v);
         }
         const std::string* cursor = req.Query("cursor");
         auto page = ctx.contacts.List(*who, limit, cursor ? *cursor : std::string_view());
         if (!page.ok()) return std::move(page).error();
         json::array data;
         data.reserve(page->items.size());
         for (const auto& c : page->items) data.push_back(Encode(model, c));
         json::object out;
         out["data"] = std::move(data);
         out["next_cursor"] = page->next_cursor ? json::value(*page->next_cursor) : nullptr;
         return JsonResponse(200, out);
       }},
      {"GET", one,
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         auto c = ctx.contacts.Get(*who, req.Param("id"));
         if (!c.ok()) return std::move(c).error();
         return ContactResponse(model, 200, *c);
       }},
      {"PATCH", one,
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         auto expected = ExpectedVersion(req);
         if (!expected.ok()) return std::move(expected).error();
         auto fields = WriteFields(ctx, req);
         if (!fields.ok()) return std::move(fields).error();
         auto c = ctx.contacts.Patch(*who, req.Param("id"), *fields, *expected);
         if (!c.ok()) return std::move(c).error();
         return ContactResponse(model, 200, *c);
       }},
      {"DELETE", one,
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         auto c = ctx.contacts.Archive(*who, req.Param("id"));
         if (!c.ok()) return std::move(c).error();
         return ContactResponse(model, 200, *c);
       }},
      {"POST", one + "/restore",
       [&ctx, &model](const Request& req) -> Result<Response> {
         auto who = PrincipalOf(ctx, req);
         if (!who.ok()) return std::move(who).error();
         auto c = ctx.contacts.Restore(*who, req.Param("id"));
         if (!c.ok()) return std::move(c).error();
         return ContactResponse(model, 200, *c);
       }},
  };
}

}  // namespace contactsd::api
