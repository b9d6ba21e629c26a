#include "contacts/events_service.hpp"

#include "common/uuid.hpp"
#include "contacts/cursor.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>

namespace contactsd::contacts {
namespace json = boost::json;

namespace {

Error InvalidCursor() { return Error::BadRequest("The cursor is not valid", "invalid_cursor"); }

// Keeps the events (at least one) whose documents fit in `max_bytes`; true when it cut any.
bool CutToBytes(std::vector<store::Event>& events, std::size_t max_bytes) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    bytes += events[i].contact.doc.size() + events[i].prior.size();
    if (bytes > max_bytes && i > 0) {
      events.resize(i);
      return true;
    }
  }
  return false;
}

Status CheckLimit(int limit, int max) {
  if (limit < 1 || limit > max) {
    return Error::BadRequest("limit must be between 1 and " + std::to_string(max), "invalid_query");
  }
  return {};
}

// Splits a cursor's payload "kind:a:b:c" into its fields after the kind, or nullopt.
std::optional<std::vector<std::string_view>> FieldsOf(std::string_view payload,
                                                      std::string_view kind, std::size_t count) {
  if (!payload.starts_with(kind)) return std::nullopt;
  payload.remove_prefix(kind.size());
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < count) {
    auto colon = payload.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    fields.push_back(payload.substr(0, colon));
    payload.remove_prefix(colon + 1);
  }
  fields.push_back(payload);
  return fields;
}

std::optional<std::int64_t> NumberOf(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

Result<json::object> ParseObject(const std::string& text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(
      text, ec, json::make_shared_resource<json::monotonic_resource>(2 * text.size() + 512));
  if (ec || !v.is_object()) return Error::Internal(std::string(what) + " is not an object");
  return std::move(v.get_object());
}

bool ShowsChanges(std::string_view stored_type) {
  return stored_type == "contact.updated" || stored_type == "contact.archived" ||
         stored_type == "contact.restored";
}

}  // namespace

EventsService::EventsService(const model::Model& model, store::Store& store,
                             std::string cursor_secret)
    : model_(model), store_(store), cursor_secret_(std::move(cursor_secret)) {}

std::vector<std::string> EventsService::TenantsOf(const Principal& who) const {
  if (model_.tenancy() == model::Tenancy::kCatalogue) {
    return {std::string(store::kCatalogueTenantId), who.org_id};
  }
  return {who.org_id};
}

std::string EventsService::ShownType(std::string_view stored) const {
  if (stored == "contact.archived" && model_.archived_hidden()) return "contact.deleted";
  return std::string(stored);
}

std::vector<std::string> EventsService::ShownTypes() const {
  std::vector<std::string> types = {"contact.created", "contact.updated", "contact.erased"};
  if (model_.archiving_enabled()) {
    types.push_back(model_.archived_hidden() ? "contact.deleted" : "contact.archived");
    types.push_back("contact.restored");
  }
  if (model_.unlocks()) types.push_back("contact.unlocked");
  if (model_.custom_fields_enabled()) {
    for (const char* type :
         {"custom_field.created", "custom_field.updated", "custom_field.deleted"}) {
      types.push_back(type);
    }
  }
  types.push_back("webhook.disabled");
  return types;
}

std::optional<std::string> EventsService::StoredType(std::string_view shown) const {
  const std::vector<std::string> types = ShownTypes();
  if (std::find(types.begin(), types.end(), shown) == types.end()) return std::nullopt;
  if (shown == "contact.deleted") return "contact.archived";
  return std::string(shown);
}

Result<std::vector<EventView>> EventsService::ViewsOf(const Principal& who,
                                                      std::vector<store::Event> events) const {
  std::vector<EventView> views;
  views.reserve(events.size());
  std::vector<std::string> contact_ids;
  for (store::Event& event : events) {
    EventView view;
    view.type = ShownType(event.type);
    view.has_contact = !event.contact.id.empty();
    view.erased = event.type == "contact.erased";
    auto record = ParseObject(event.contact.doc, "an event's document");
    if (!record.ok()) return std::move(record).error();
    view.record = std::move(record).value();
    if (ShowsChanges(event.type)) {
      auto before = BeforeOf(view.record, event.contact, event.prior);
      if (!before.ok()) return std::move(before).error();
      view.before = std::move(before).value();
    }
    if (view.has_contact &&
        std::find(contact_ids.begin(), contact_ids.end(), event.contact.id) == contact_ids.end()) {
      contact_ids.push_back(event.contact.id);
    }
    view.event = std::move(event);
    views.push_back(std::move(view));
  }
  if (!model_.unlocks() || contact_ids.empty()) return views;
  // What the reader may see of each contact: its plan's access, and its own unlocks now.
  const bool full_access = model_.PlanHasFullAccess(who.plan);
  auto unlocks = store_.ListUnlocks(who.org_id, contact_ids);
  if (!unlocks.ok()) return std::move(unlocks).error();
  for (EventView& view : views) {
    view.access.full_access = full_access;
    for (const store::Unlock& unlock : *unlocks) {
      if (unlock.contact_id != view.event.contact.id) continue;
      view.access.unlocked = true;
      view.access.unlocked_at_ms = unlock.unlocked_at_ms;
      view.access.credits_spent = unlock.credits_spent;
    }
  }
  return views;
}

Result<store::EventPosition> EventsService::PositionOf(const Principal& who,
                                                       std::string_view cursor) const {
  auto payload = VerifyCursor(cursor, cursor_secret_);
  if (!payload) return InvalidCursor();
  auto fields = FieldsOf(*payload, "events:", 3);
  if (!fields || (*fields)[0] != who.org_id) return InvalidCursor();
  auto txid = NumberOf((*fields)[1]);
  auto seq = NumberOf((*fields)[2]);
  if (!txid || !seq) return InvalidCursor();
  return store::EventPosition{*txid, *seq};
}

Result<std::pair<std::vector<EventView>, store::EventPosition>> EventsService::After(
    const Principal& who, store::EventPosition after, int limit) const {
  if (auto ok = CheckLimit(limit, kMaxPageSize); !ok) return std::move(ok).error();
  store::EventQuery query;
  query.tenants = TenantsOf(who);
  query.limit = limit;
  query.after = after;
  auto events = store_.ListEvents(query);
  if (!events.ok()) return std::move(events).error();
  const store::EventPosition last = events->empty() ? after : events->back().position;
  auto views = ViewsOf(who, std::move(events).value());
  if (!views.ok()) return std::move(views).error();
  return std::make_pair(std::move(views).value(), last);
}

Result<std::optional<EventView>> EventsService::Find(const Principal& who,
                                                     std::string_view contact_id,
                                                     std::int64_t seq) const {
  auto event = store_.FindEvent(TenantsOf(who), contact_id, seq);
  if (!event.ok()) return std::move(event).error();
  std::optional<EventView> found;
  if (!*event) return found;
  std::vector<store::Event> events;
  events.push_back(std::move(**event));
  auto views = ViewsOf(who, std::move(events));
  if (!views.ok()) return std::move(views).error();
  if (!views->empty()) found = std::move(views->front());
  return found;
}

Result<EventPage> EventsService::Feed(const Principal& who, std::string_view cursor, int limit,
                                      std::string_view type, std::string_view contact_id) const {
  if (auto ok = CheckLimit(limit, kMaxPageSize); !ok) return std::move(ok).error();
  store::EventQuery query;
  query.tenants = TenantsOf(who);
  query.limit = limit;
  if (!cursor.empty()) {
    auto position = PositionOf(who, cursor);
    if (!position.ok()) return std::move(position).error();
    query.after = *position;
  }
  if (!type.empty()) {
    auto stored = StoredType(type);
    if (!stored) {
      return Error::BadRequest("Unknown event type '" + std::string(type) + "'", "invalid_query");
    }
    query.type = std::move(*stored);
  }
  if (!contact_id.empty()) {
    if (!IsUuid(contact_id)) {
      return Error::BadRequest("contact_id must be a UUID", "invalid_query");
    }
    query.contact_id = ToLowerUuid(contact_id);
  }
  auto events = store_.ListEvents(query);
  if (!events.ok()) return std::move(events).error();
  if (!cursor.empty()) {
    // Retention deleted events after this position: the consumer has missed some. Read after
    // the page, not before: retention only raises the horizon, so one below the cursor now was
    // below it when the page was read, and the page has every event after the cursor (read
    // before, a prune committed between the two would go unseen and leave a gap).
    auto horizon = store_.EventHorizon(query.tenants);
    if (!horizon.ok()) return std::move(horizon).error();
    if (query.after.seq < *horizon) {
      return Error::Gone(
          "The cursor is older than the events kept (--event-retention): some changes after it "
          "are no longer in the feed. Read the contacts again from the list (GET " +
              model_.base_path() +
              "/contacts?order=updated_at), then follow the feed from a new "
              "cursor",
          "cursor_expired");
    }
  }
  CutToBytes(*events, kMaxPageBytes);
  const store::EventPosition last = events->empty() ? query.after : events->back().position;
  auto views = ViewsOf(who, std::move(events).value());
  if (!views.ok()) return std::move(views).error();
  EventPage page{std::move(views).value(), {}};
  page.next_cursor = SignCursor(
      "events:" + who.org_id + ":" + std::to_string(last.txid) + ":" + std::to_string(last.seq),
      cursor_secret_);
  return page;
}

Result<EventPage> EventsService::History(const Principal& who, std::string_view id,
                                         std::string_view cursor, int limit) const {
  if (!IsUuid(id)) return Error::BadRequest("The contact id must be a UUID", "invalid_id");
  if (auto ok = CheckLimit(limit, kMaxPageSize); !ok) return std::move(ok).error();
  store::HistoryQuery query;
  query.tenants = TenantsOf(who);
  query.contact_id = ToLowerUuid(id);
  query.limit = limit + 1;  // one more tells whether another page follows
  if (!cursor.empty()) {
    auto payload = VerifyCursor(cursor, cursor_secret_);
    if (!payload) return InvalidCursor();
    auto fields = FieldsOf(*payload, "history:", 3);
    if (!fields || (*fields)[0] != who.org_id || (*fields)[1] != query.contact_id) {
      return InvalidCursor();
    }
    auto seq = NumberOf((*fields)[2]);
    if (!seq || *seq == 0) return InvalidCursor();
    query.before_seq = *seq;
  }
  auto events = store_.ListHistory(query);
  if (!events.ok()) return std::move(events).error();
  if (cursor.empty()) {
    // A contact that does not exist (or was erased) has no history, whatever its log holds; one
    // whose events retention pruned has an empty one.
    auto contact = store_.GetContact(query.tenants[0], query.contact_id);
    if (!contact.ok()) return std::move(contact).error();
  }
  bool more = static_cast<int>(events->size()) > limit;
  if (more) events->resize(static_cast<std::size_t>(limit));
  if (CutToBytes(*events, kMaxPageBytes)) more = true;
  const std::int64_t last_seq = events->empty() ? 0 : events->back().position.seq;
  auto views = ViewsOf(who, std::move(events).value());
  if (!views.ok()) return std::move(views).error();
  EventPage page{std::move(views).value(), {}};
  if (more) {
    page.next_cursor = SignCursor(
        "history:" + who.org_id + ":" + query.contact_id + ":" + std::to_string(last_seq),
        cursor_secret_);
  }
  return page;
}

}  // namespace contactsd::contacts
