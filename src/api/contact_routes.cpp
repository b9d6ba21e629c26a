// /contacts: decode the request, call the service, encode the contact in the model's shape.
#include "api/conditional.hpp"
#include "api/contact_json.hpp"
#include "api/json_body.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "common/time.hpp"
#include "model/json_text.hpp"
#include "model/projection.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <span>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::ContactView;

bool HasOptionalProperties(const model::Model& model) {
  return std::any_of(model.response().begin(), model.response().end(),
                     [](const model::ResponseProperty& p) { return p.optional; });
}

// A list page ends early, with a next_cursor, once its body passes this: a page of large
// contacts is not held in memory whole for a slow reader (docs/http.md).
constexpr std::size_t kMaxPageBytes = 256 << 10;

// A non-negative decimal integer, or nullopt.
std::optional<std::int64_t> ParseCount(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

// The principal of a write: 401 for bad credentials, then 403 when the model's write policy
// leaves out the org's plan, before anything of the request is read.
Result<Principal> WriterOf(const ApiContext& ctx, const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return who;
  if (auto allowed = ctx.contacts.MayWrite(*who); !allowed) return std::move(allowed).error();
  return who;
}

// A write's body is parsed into memory on the stack: the service copies what it keeps, so
// the parsed body dies with the handler, and a typical body needs no allocation at all (a
// larger one, up to the 1 MiB limit, takes more from the heap).
struct BodyArena {
  unsigned char buffer[4096];
  json::monotonic_resource resource{buffer, sizeof buffer};
};

// The request's field map, its values allocated from `arena`.
Result<json::object> WriteFields(const ApiContext& ctx, const Request& req,
                                 json::monotonic_resource& arena) {
  auto body = ParseObject(req.body, &arena);
  if (!body.ok()) return std::move(body).error();
  return FieldsOf(ctx.model, std::move(body).value());
}

// A write of one contact made with an Idempotency-Key runs as a batch of one, so that its answer
// commits with it (api/idempotent_writes.hpp): the operation the request makes.
std::vector<contacts::BatchOp> OneOperation(contacts::BatchOp::Kind kind, const Request& req,
                                            const json::object* fields = nullptr,
                                            bool by_key = true) {
  std::vector<contacts::BatchOp> ops(1);
  contacts::BatchOp& op = ops.front();
  op.kind = kind;
  op.id = std::string(req.Param("id"));
  if (const std::string* property = req.Query("id_property"); property && by_key) {
    op.id_property = *property;
  }
  op.condition = ConditionsOf(req);
  // Out of the handler's arena: the operation may outlive it (an asynchronous write).
  if (fields) op.fields = json::object(*fields, json::storage_ptr());
  return ops;
}

// The answer of a batch of one, as the write without a key answers: its contact (201 when it
// created it), or 204 where `no_content`.
ResultsRender OneAnswer(const model::Model& model, std::vector<std::string> requested = {},
                        bool no_content = false) {
  return [&model, requested = std::move(requested),
          no_content](const std::vector<contacts::BatchResult>& results) -> Result<Response> {
    const contacts::BatchResult& result = results.back();
    if (!result.view.ok()) return result.view.error();
    if (no_content) return Response{204, {}, {}};
    return ContactResponse(model, result.created ? 201 : 200, *result.view, requested);
  };
}

// The handlers: decode, call the service, encode. Each takes what it needs from the context.

Result<Response> HandleCreate(const ApiContext& ctx, const Request& req) {
  auto who = WriterOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto requested = RequestedProperties(ctx.model, req);
  if (!requested.ok()) return std::move(requested).error();
  BodyArena arena;
  auto fields = WriteFields(ctx, req, arena.resource);
  if (!fields.ok()) return std::move(fields).error();
  return RunWrites(ctx, *who, req, OneOperation(contacts::BatchOp::Kind::kCreate, req, &*fields),
                   true, OneAnswer(ctx.model, std::move(requested).value()));
}

Result<Response> HandleList(const ApiContext& ctx, const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto requested = RequestedProperties(ctx.model, req);
  if (!requested.ok()) return std::move(requested).error();
  int limit = contacts::ContactsService::kDefaultPageSize;
  std::string_view cursor;
  std::vector<std::pair<std::string, std::string>> filters;
  contacts::ListOrder order;
  for (const auto& [name, value] : req.query) {
    if (name == "limit") {
      auto v = ParseCount(value);
      if (!v || *v > contacts::ContactsService::kMaxPageSize || *v < 1) {
        return Error::BadRequest("limit must be an integer between 1 and " +
                                     std::to_string(contacts::ContactsService::kMaxPageSize),
                                 "invalid_query");
      }
      limit = static_cast<int>(*v);
    } else if (name == "cursor") {
      cursor = value;
    } else if (name == "updated_since") {
      order.updated_since_ms = ParseTimestamp(value);
      if (!order.updated_since_ms) {
        return Error::BadRequest(
            "updated_since must be an RFC 3339 timestamp, e.g. 2026-12-01T00:00:00Z",
            "invalid_query");
      }
    } else if (name == "order") {
      if (value != "updated_at" && value != "id") {
        return Error::BadRequest("order must be 'id' or 'updated_at'", "invalid_query");
      }
      order.by_update = value == "updated_at";
    } else if (name != "properties" || !HasOptionalProperties(ctx.model)) {
      filters.emplace_back(name, value);
    }
  }
  auto page = ctx.contacts.List(*who, limit, cursor, filters, order);
  if (!page.ok()) return std::move(page).error();
  Response r{200, R"({"data":[)", {}};
  r.body.reserve(std::min<std::size_t>(1024 * (page->items.size() + 1), kMaxPageBytes));
  for (std::size_t i = 0; i < page->items.size(); ++i) {
    if (i > 0) r.body += ',';
    AppendContact(r.body, ctx.model, page->items[i], *requested);
    if (r.body.size() >= kMaxPageBytes && i + 1 < page->items.size()) {
      page->next_cursor = ctx.contacts.CursorAfter(page->items[i].stored, order);
      break;
    }
  }
  r.body += R"(],"next_cursor":)";
  if (page->next_cursor) {
    model::AppendJsonString(r.body, *page->next_cursor);
  } else {
    r.body += "null";
  }
  r.body += '}';
  return r;
}

// The id of the contact the path names: {id}, or with ?id_property=FIELD the active contact
// whose unique field FIELD holds the path's value (PATCH and DELETE; GET reads it in one query
// with GetByKey; not restore, since an archived contact holds no key).
Result<std::string> ContactIdOf(const ApiContext& ctx, const Principal& who, const Request& req) {
  return ctx.contacts.IdOf(who, req.Param("id"), req.Query("id_property"));
}

Result<Response> HandleGet(const ApiContext& ctx, const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  auto requested = RequestedProperties(ctx.model, req);
  if (!requested.ok()) return std::move(requested).error();
  const std::string* property = req.Query("id_property");
  auto c = property ? ctx.contacts.GetByKey(*who, req.Param("id"), *property)
                    : ctx.contacts.Get(*who, req.Param("id"));
  if (!c.ok()) return std::move(c).error();
  // If-None-Match names the version the client holds: it need not be sent again.
  if (ConditionsOf(req).NoneMatchFails(c->stored.version)) {
    return Response{304, {}, {{"ETag", ETagOf(c->stored.version)}}};
  }
  return ContactResponse(ctx.model, 200, *c, *requested);
}

// PATCH (merge the sent keys) and PUT (replace the record) differ only in the service call,
// which answers later (after the commit) on another thread: the response is rendered by the
// Render handed back, on the connection's thread.
using WriteCall = void (contacts::ContactsService::*)(const Principal&, std::string_view,
                                                      const json::object&,
                                                      const contacts::VersionCondition&,
                                                      contacts::ViewDone) const;

void HandleWrite(const ApiContext& ctx, const Request& req, const Reply& reply, WriteCall call,
                 contacts::BatchOp::Kind kind) {
  auto fail = [&reply](Error error) { reply(Answered(std::move(error))); };
  auto who = WriterOf(ctx, req);
  if (!who.ok()) return fail(std::move(who).error());
  if (HasIdempotencyKey(req)) {
    auto requested = RequestedProperties(ctx.model, req);
    if (!requested.ok()) return fail(std::move(requested).error());
    BodyArena arena;
    auto fields = WriteFields(ctx, req, arena.resource);
    if (!fields.ok()) return fail(std::move(fields).error());
    return RunKeyedWrites(ctx, *who, req, OneOperation(kind, req, &*fields), true,
                          OneAnswer(ctx.model, std::move(requested).value()),
                          [reply](Result<Response> answer) { reply(Answered(std::move(answer))); });
  }
  auto id = ContactIdOf(ctx, *who, req);
  if (!id.ok()) return fail(std::move(id).error());
  auto requested = RequestedProperties(ctx.model, req);
  if (!requested.ok()) return fail(std::move(requested).error());
  BodyArena arena;
  auto fields = WriteFields(ctx, req, arena.resource);
  if (!fields.ok()) return fail(std::move(fields).error());
  (ctx.contacts.*call)(*who, *id, *fields, ConditionsOf(req),
                       [&model = ctx.model, requested = std::move(requested).value(),
                        reply](Result<contacts::ContactView> written) mutable {
                         reply([&model, requested = std::move(requested),
                                written = std::move(written)]() -> Result<Response> {
                           if (!written.ok()) return written.error();
                           return ContactResponse(model, 200, *written, requested);
                         });
                       });
}

void HandlePatch(const ApiContext& ctx, const Request& req, const Reply& reply) {
  HandleWrite(ctx, req, reply, &contacts::ContactsService::PatchAsync,
              contacts::BatchOp::Kind::kUpdate);
}

void HandleReplace(const ApiContext& ctx, const Request& req, const Reply& reply) {
  HandleWrite(ctx, req, reply, &contacts::ContactsService::ReplaceAsync,
              contacts::BatchOp::Kind::kReplace);
}

// PUT {base}/contacts/{value}?id_property=FIELD, where the model has unique fields and no PUT
// of its own: an upsert by that key (HubSpot's). 201 with Location when it created the
// contact, 200 when it updated the holder.
Result<Response> HandleUpsert(const ApiContext& ctx, const Request& req) {
  auto who = WriterOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  const std::string* property = req.Query("id_property");
  if (!property) {
    return Error::BadRequest(
        "PUT is an upsert by a unique key: add ?id_property=<field> (PATCH changes a contact "
        "by its id)",
        "invalid_query");
  }
  auto requested = RequestedProperties(ctx.model, req);
  if (!requested.ok()) return std::move(requested).error();
  BodyArena arena;
  auto fields = WriteFields(ctx, req, arena.resource);
  if (!fields.ok()) return std::move(fields).error();
  return RunWrites(ctx, *who, req, OneOperation(contacts::BatchOp::Kind::kUpsert, req, &*fields),
                   true, OneAnswer(ctx.model, std::move(requested).value()));
}

// PATCH, PUT or DELETE on the collection: the client forgot the id. Saying so beats a 405.
Result<Response> HandleMissingId(const ApiContext&, const Request&) {
  return Error::BadRequest("The contact id is missing from the path", "invalid_id");
}

// Where archived contacts stay visible, DELETE answers with the archived contact; where they
// are hidden, the contact is gone for the client and DELETE answers 204.
Result<Response> HandleDelete(const ApiContext& ctx, const Request& req) {
  auto who = WriterOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  if (HasIdempotencyKey(req)) {
    return RunWrites(ctx, *who, req, OneOperation(contacts::BatchOp::Kind::kArchive, req), true,
                     OneAnswer(ctx.model, {}, ctx.model.archived_hidden()));
  }
  auto id = ContactIdOf(ctx, *who, req);
  if (!id.ok()) return std::move(id).error();
  auto c = ctx.contacts.Archive(*who, *id, ConditionsOf(req));
  if (!c.ok()) return std::move(c).error();
  if (ctx.model.archived_hidden()) return Response{204, {}, {}};
  return ContactResponse(ctx.model, 200, *c);
}

Result<Response> HandleRestore(const ApiContext& ctx, const Request& req) {
  auto who = WriterOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  if (HasIdempotencyKey(req)) {
    // Not by ?id_property=, as without a key: an archived contact holds no key.
    return RunWrites(ctx, *who, req,
                     OneOperation(contacts::BatchOp::Kind::kRestore, req, nullptr, false), true,
                     OneAnswer(ctx.model));
  }
  auto c = ctx.contacts.Restore(*who, req.Param("id"), ConditionsOf(req));
  if (!c.ok()) return std::move(c).error();
  return ContactResponse(ctx.model, 200, *c);
}

// POST .../unlock: any body is ignored (the request names everything in its path). 200 with
// the contact, its gated fields shown, and its access block.
Result<Response> HandleUnlock(const ApiContext& ctx, const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  if (HasIdempotencyKey(req)) {
    auto unlock = [&ctx, who = *who, id = std::string(req.Param("id"))](
                      std::shared_ptr<const contacts::BatchAnswer> answer,
                      contacts::BatchDone done) {
      auto c = ctx.contacts.Unlock(who, id, std::move(answer));
      if (!c.ok()) return done(std::move(c).error());
      std::vector<contacts::BatchResult> results(1);
      results.front().view = std::move(c);
      done(std::move(results));
    };
    return RunKeyedAndWait(ctx, *who, req, unlock, OneAnswer(ctx.model));
  }
  auto c = ctx.contacts.Unlock(*who, req.Param("id"));
  if (!c.ok()) return std::move(c).error();
  return ContactResponse(ctx.model, 200, *c);
}

}  // namespace

Result<Response> GetContactNamed(const ApiContext& ctx, const Request& req,
                                 std::string_view value) {
  Request named = req;
  named.path_params = {{"id", std::string(value)}};
  return HandleGet(ctx, named);
}

std::vector<Route> ContactRoutes(const ApiContext& ctx) {
  const std::string base = ctx.model.base_path() + "/contacts";
  const std::string one = base + "/{id}";
  auto bind = [&ctx](Result<Response> (*handler)(const ApiContext&, const Request&)) {
    return [&ctx, handler](const Request& req) { return handler(ctx, req); };
  };
  // Writes of one contact hand their commit over and return: on the I/O thread where the
  // store queues writes (SQLite), on the worker pool where they block (PostgreSQL).
  auto bind_async = [&ctx](std::string method, std::string pattern,
                           void (*handler)(const ApiContext&, const Request&, const Reply&)) {
    return Route{.method = std::move(method),
                 .pattern = std::move(pattern),
                 .handler = {},
                 .async_handler = [&ctx, handler](const Request& req,
                                                  Reply reply) { handler(ctx, req, reply); },
                 .async_blocks = !ctx.contacts.QueuesWrites()};
  };
  // A write on the collection without an id is answered, but not advertised in Allow.
  auto missing_id = [&](std::string method) {
    Route route{std::move(method), base, bind(HandleMissingId)};
    route.advertised = false;
    return route;
  };
  const bool has_unique = std::any_of(ctx.model.fields().begin(), ctx.model.fields().end(),
                                      [](const model::FieldSpec& f) { return f.unique; });
  // ?id_property= names a contact by a unique field, where the model has one.
  auto by_key = [has_unique](std::vector<std::string_view> query) {
    if (has_unique) query.push_back("id_property");
    return query;
  };
  const bool archived_shown = ctx.model.archiving_enabled() && !ctx.model.archived_hidden();
  // An archived contact is a 409 where archiving keeps it visible, a 404 where it hides it.
  const std::vector<int> write_errors = archived_shown ? std::vector<int>{403, 404, 409, 412, 422}
                                                       : std::vector<int>{403, 404, 412, 422};

  std::vector<Route> routes;
  auto add = [&routes](Route route, RouteDoc doc) {
    route.doc = std::move(doc);
    routes.push_back(std::move(route));
  };
  add({"POST", base, bind(HandleCreate)}, {.id = "createContact",
                                           .summary = "Create a contact",
                                           .tag = "contacts",
                                           .request = Shape::kContactCreate,
                                           .answer = Shape::kContact,
                                           .status = 201,
                                           .errors = {403, 409, 422},
                                           .query = {"properties"},
                                           .conditional = true,
                                           .idempotent = true});
  Route list{"GET", base, bind(HandleList)};
  list.large_answers = true;  // a page may be up to kMaxPageBytes
  add(std::move(list),
      {.id = "listContacts",
       .summary = "List contacts, a page at a time",
       .tag = "contacts",
       .answer = Shape::kContactPage,
       .errors = {410},
       .query = {"limit", "cursor", "order", "updated_since", "properties", "filters"}});
  add({"GET", one, bind(HandleGet)}, {.id = "getContact",
                                      .summary = "Read a contact",
                                      .tag = "contacts",
                                      .answer = Shape::kContact,
                                      .errors = {304, 404},
                                      .query = by_key({"properties"}),
                                      .conditional = true});
  add(bind_async("PATCH", one, HandlePatch),
      {.id = "updateContact",
       .summary = "Change some of a contact's fields (a JSON merge patch, validated as a whole)",
       .tag = "contacts",
       .request = Shape::kContactUpdate,
       .answer = Shape::kContact,
       .errors = write_errors,
       .query = by_key({"properties"}),
       .conditional = true,
       .idempotent = true});
  routes.push_back(missing_id("PATCH"));
  if (ctx.model.replace_enabled()) {
    add(bind_async("PUT", one, HandleReplace),
        {.id = "replaceContact",
         .summary = "Replace a contact's fields (those not sent are cleared)",
         .tag = "contacts",
         .request = Shape::kContactReplace,
         .answer = Shape::kContact,
         .errors = write_errors,
         .query = {"properties"},
         .conditional = true,
         .idempotent = true});
    routes.push_back(missing_id("PUT"));
  } else if (has_unique) {
    add({"PUT", one, bind(HandleUpsert)},
        {.id = "upsertContact",
         .summary = "Create the contact a unique key names, or change the one that holds it",
         .tag = "contacts",
         .request = Shape::kContactCreate,
         .answer = Shape::kContact,
         .errors = {403, 409, 412, 422},
         .query = {"id_property", "properties"},
         .conditional = true,
         .idempotent = true});
  }
  if (ctx.model.archiving_enabled()) {
    add({"DELETE", one, bind(HandleDelete)},
        {.id = "archiveContact",
         .summary = ctx.model.archived_hidden() ? "Archive a contact (it is gone for clients)"
                                                : "Archive a contact (it can be restored)",
         .tag = "contacts",
         .answer = archived_shown ? Shape::kContact : Shape::kNone,
         .status = archived_shown ? 200 : 204,
         .errors = write_errors,
         .query = by_key({}),
         .conditional = true,
         .idempotent = true});
    routes.push_back(missing_id("DELETE"));
    if (archived_shown) {
      add({"POST", one + "/restore", bind(HandleRestore)},
          {.id = "restoreContact",
           .summary = "Restore an archived contact",
           .tag = "contacts",
           .answer = Shape::kContact,
           .errors = {403, 404, 409, 412, 422},
           .conditional = true,
           .idempotent = true});
    }
  }
  if (ctx.model.unlocks()) {
    add({"POST", one + "/unlock", bind(HandleUnlock)},
        {.id = "unlockContact",
         .summary = "Unlock a contact's gated fields, spending its cost from the org's credits",
         .tag = "contacts",
         .answer = Shape::kContact,
         .errors = {402, 404, 422},
         .idempotent = true});
  }
  return routes;
}

}  // namespace contactsd::api
