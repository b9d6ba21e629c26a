// /<collection> for each of the model's collections ("/lists", "/labels"): a tenant creates,
// lists and deletes its named entries.
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"

#include <boost/json/value.hpp>

namespace contactsd::api {
namespace {

namespace json = boost::json;

json::object Encode(const store::CollectionEntry& e) {
  return json::object{{"id", e.id}, {"name", e.name}};
}

Result<Response> HandleCreate(const ApiContext& ctx, const std::string& collection,
                              const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto body = ParseObject(req.body);
  if (!body.ok()) return std::move(body).error();
  auto entry = ctx.collections.Create(*who, collection, *body);
  if (!entry.ok()) return std::move(entry).error();
  Response created = JsonResponse(201, Encode(*entry));
  created.headers.emplace_back(
      "Location", ctx.model.base_path() + "/" + collection + "/" + std::to_string(entry->id));
  return created;
}

Result<Response> HandleGet(const ApiContext& ctx, const std::string& collection,
                           const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto entry = ctx.collections.Get(*who, collection, req.Param("id"));
  if (!entry.ok()) return std::move(entry).error();
  return JsonResponse(200, Encode(*entry));
}

Result<Response> HandleList(const ApiContext& ctx, const std::string& collection,
                            const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto entries = ctx.collections.List(*who, collection);
  if (!entries.ok()) return std::move(entries).error();
  json::array data;
  data.reserve(entries->size());
  for (const auto& e : *entries) data.push_back(Encode(e));
  return JsonResponse(200, json::object{{"data", std::move(data)}});
}

Result<Response> HandleDelete(const ApiContext& ctx, const std::string& collection,
                              const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  if (auto deleted = ctx.collections.Delete(*who, collection, req.Param("id")); !deleted) {
    return std::move(deleted).error();
  }
  return Response{204, {}, {}};
}

// DELETE on the collection itself: the client forgot the id, as for contacts.
Result<Response> HandleMissingId(const ApiContext&, const std::string&, const Request&) {
  return Error::BadRequest("The id is missing from the path", "invalid_id");
}

}  // namespace

std::vector<Route> CollectionRoutes(const ApiContext& ctx) {
  std::vector<Route> routes;
  using Handler = Result<Response> (*)(const ApiContext&, const std::string&, const Request&);
  for (const std::string& collection : ctx.model.collections()) {
    const std::string base = ctx.model.base_path() + "/" + collection;
    // Pointers by value: the context and the model's names outlive the routes, this loop's
    // locals do not.
    auto bind = [context = &ctx, name = &collection](Handler handler) {
      return [context, name, handler](const Request& req) { return handler(*context, *name, req); };
    };
    // "lists" → "List": the operations' names ("createList", "getList") and summaries.
    std::string noun =
        collection.substr(0, collection.size() - (collection.ends_with('s') ? 1 : 0));
    std::string title = noun;
    title.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(title.front())));
    routes.push_back(Described({"POST", base, bind(HandleCreate)},
                               {.id = "create" + title,
                                .summary = "Create a " + noun + " (an entry of " + collection + ")",
                                .tag = collection,
                                .request = Shape::kCollectionEntryDefinition,
                                .answer = Shape::kCollectionEntry,
                                .status = 201,
                                .errors = {409, 422}}));
    routes.push_back(
        Described({"GET", base, bind(HandleList)}, {.id = "list" + title + "s",
                                                    .summary = "The tenant's " + collection,
                                                    .tag = collection,
                                                    .answer = Shape::kCollectionEntryList}));
    routes.push_back(
        Described({"GET", base + "/{id}", bind(HandleGet)}, {.id = "get" + title,
                                                             .summary = "Read a " + noun,
                                                             .tag = collection,
                                                             .answer = Shape::kCollectionEntry,
                                                             .errors = {404}}));
    routes.push_back(
        Described({"DELETE", base + "/{id}", bind(HandleDelete)},
                  {.id = "delete" + title,
                   .summary = "Delete a " + noun + " (its id leaves every contact that holds it)",
                   .tag = collection,
                   .status = 204,
                   .errors = {404}}));
    Route missing_id{"DELETE", base, bind(HandleMissingId)};
    missing_id.advertised = false;  // answered, but not something the path serves
    routes.push_back(std::move(missing_id));
  }
  return routes;
}

}  // namespace contactsd::api
