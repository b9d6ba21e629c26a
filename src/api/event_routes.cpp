// {base}/events and {base}/contacts/{id}/history: the change log, and
// {base}/contacts/{id}/erase, which takes a contact out of it, for a model whose file says
// "change_log": true. Each event shows the contact as the model's responses do, for the reader.
#include "api/event_json.hpp"
#include "api/principal_of.hpp"
#include "api/routes.hpp"
#include "common/time.hpp"
#include "model/changes.hpp"
#include "model/json_text.hpp"
#include "model/projection.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <charconv>
#include <chrono>

namespace contactsd::api {
namespace {

namespace json = boost::json;
using contacts::EventView;

Response PageResponse(const model::Model& model, const contacts::EventPage& page) {
  Response r{200, R"({"data":[)", {}};
  r.body.reserve(1024 * (page.items.size() + 1));
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) r.body += ',';
    AppendEventJson(r.body, model, page.items[i]);
  }
  r.body += R"(],"next_cursor":)";
  if (page.next_cursor) {
    model::AppendJsonString(r.body, *page.next_cursor);
  } else {
    r.body += "null";
  }
  r.body += '}';
  return r;
}

// The page size a request asks for, or the default.
Result<int> LimitOf(const Request& req) {
  const std::string* text = req.Query("limit");
  if (!text) return contacts::EventsService::kDefaultPageSize;
  int limit = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || end != text->data() + text->size() || limit < 1 ||
      limit > contacts::EventsService::kMaxPageSize) {
    return Error::BadRequest("limit must be an integer between 1 and " +
                                 std::to_string(contacts::EventsService::kMaxPageSize),
                             "invalid_query");
  }
  return limit;
}

// A query parameter the route does not know is a mistake worth naming (a typo of a filter
// would otherwise return every event).
Status OnlyParams(const Request& req, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : req.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error::BadRequest("Unknown query parameter '" + name + "'", "invalid_query");
    }
  }
  return {};
}

std::string_view QueryOr(const Request& req, std::string_view name) {
  const std::string* v = req.Query(name);
  return v ? std::string_view(*v) : std::string_view();
}

// The feed's parameters, read from a request.
struct FeedParams {
  std::string after;
  int limit = contacts::EventsService::kDefaultPageSize;
  std::string type;
  std::string contact_id;
  int wait_seconds = 0;
};

constexpr int kMaxWaitSeconds = 30;

Result<FeedParams> FeedParamsOf(const Request& req) {
  if (auto ok = OnlyParams(req, {"after", "limit", "type", "contact_id", "wait"}); !ok) {
    return std::move(ok).error();
  }
  FeedParams params;
  auto limit = LimitOf(req);
  if (!limit.ok()) return std::move(limit).error();
  params.limit = *limit;
  params.after = QueryOr(req, "after");
  params.type = QueryOr(req, "type");
  params.contact_id = QueryOr(req, "contact_id");
  if (const std::string* wait = req.Query("wait")) {
    auto [end, ec] =
        std::from_chars(wait->data(), wait->data() + wait->size(), params.wait_seconds);
    if (ec != std::errc() || end != wait->data() + wait->size() || params.wait_seconds < 0 ||
        params.wait_seconds > kMaxWaitSeconds) {
      return Error::BadRequest(
          "wait must be a whole number of seconds from 0 to " + std::to_string(kMaxWaitSeconds),
          "invalid_query");
    }
  }
  return params;
}

// Answers with a page, built here (a worker or the waiters' thread), not on the I/O thread.
void ReplyWith(const ApiContext& ctx, const Reply& reply, Result<contacts::EventPage> page) {
  if (!page.ok()) {
    reply(Answered(std::move(page).error()));
    return;
  }
  reply(Answered(PageResponse(ctx.model, *page)));
}

// GET {base}/events: a page at once, or with ?wait= and nothing to show yet, a long poll
// answered by the FeedWaiters when an event arrives or the wait is over.
void HandleFeed(const ApiContext& ctx, const Request& req, Reply reply) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return ReplyWith(ctx, reply, std::move(who).error());
  auto params = FeedParamsOf(req);
  if (!params.ok()) return ReplyWith(ctx, reply, std::move(params).error());
  auto page = ctx.events.Feed(*who, params->after, params->limit, params->type, params->contact_id);
  if (!page.ok() || !page->items.empty() || params->wait_seconds == 0 || !ctx.feed_waiters) {
    return ReplyWith(ctx, reply, std::move(page));
  }
  auto poll = [&ctx, who = std::move(who).value(), params = std::move(params).value(),
               reply](bool last) {
    auto again = ctx.events.Feed(who, params.after, params.limit, params.type, params.contact_id);
    if (again.ok() && again->items.empty() && !last) return false;
    ReplyWith(ctx, reply, std::move(again));
    return true;
  };
  const auto deadline = FeedWaiters::Clock::now() + std::chrono::seconds(params->wait_seconds);
  if (!ctx.feed_waiters->Add(std::move(poll), deadline)) {
    ReplyWith(ctx, reply,
              Error::Unavailable("feed waiters full",
                                 "Too many requests are waiting for events; retry shortly"));
  }
}

Result<Response> HandleHistory(const ApiContext& ctx, const Request& req) {
  auto who = PrincipalOf(ctx, req);
  if (!who.ok()) return std::move(who).error();
  if (auto ok = OnlyParams(req, {"cursor", "limit"}); !ok) return std::move(ok).error();
  auto limit = LimitOf(req);
  if (!limit.ok()) return std::move(limit).error();
  auto page = ctx.events.History(*who, req.Param("id"), QueryOr(req, "cursor"), *limit);
  if (!page.ok()) return std::move(page).error();
  return PageResponse(ctx.model, *page);
}

}  // namespace

std::vector<Route> EventRoutes(const ApiContext& ctx) {
  if (!ctx.model.change_log()) return {};
  const std::string base = ctx.model.base_path();
  std::vector<Route> routes;
  Route feed{"GET", base + "/events", {}};
  feed.async_handler = [&ctx](const Request& req, Reply reply) {
    HandleFeed(ctx, req, std::move(reply));
  };
  feed.async_blocks = true;  // it reads the store: on a worker, never on an I/O thread
  feed.doc = {.id = "listEvents",
              .summary = "The tenant's change feed, oldest first, resumable by cursor",
              .tag = "events",
              .answer = Shape::kEventPage,
              .errors = {410},
              .query = {"after", "limit", "wait", "type", "contact_id"}};
  routes.push_back(std::move(feed));
  Route erase{"POST", base + "/contacts/{id}/erase",
              [&ctx](const Request& req) -> Result<Response> {
                auto who = PrincipalOf(ctx, req);
                if (!who.ok()) return std::move(who).error();
                if (auto erased = ctx.contacts.Erase(*who, req.Param("id")); !erased) {
                  return std::move(erased).error();
                }
                return Response{204, {}, {}};
              }};
  erase.scope = Scope::kAdmin;  // it destroys what no archive can bring back
  erase.doc = {.id = "eraseContact",
               .summary = "Erase a contact and every personal value of it, history included",
               .tag = "contacts",
               .status = 204,
               .errors = {403, 404}};
  routes.push_back(std::move(erase));
  Route history{"GET", base + "/contacts/{id}/history",
                [&ctx](const Request& req) { return HandleHistory(ctx, req); }};
  history.large_answers = true;
  history.doc = {.id = "getContactHistory",
                 .summary = "A contact's changes, newest first",
                 .tag = "events",
                 .answer = Shape::kHistoryPage,
                 .errors = {404},
                 .query = {"limit", "cursor"}};
  routes.push_back(std::move(history));
  return routes;
}

}  // namespace contactsd::api
