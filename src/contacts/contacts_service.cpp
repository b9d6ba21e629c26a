#include "contacts/contacts_service.hpp"

#include "common/uuid.hpp"
#include "contacts/change_prior.hpp"
#include "contacts/contact_checks.hpp"
#include "contacts/cursor.hpp"
#include "contacts/custom_fields_service.hpp"
#include "contacts/entry_references.hpp"
#include "contacts/list_filters.hpp"
#include "contacts/origin.hpp"
#include "contacts/pending_write.hpp"
#include "model/json_text.hpp"
#include "model/patch_validator.hpp"
#include "model/record.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <future>
#include <iterator>
#include <memory>

namespace contactsd::contacts {
namespace json = boost::json;

namespace {

Result<ContactView> ViewOf(store::Contact stored) {
  auto record = ParseRecord(stored);
  if (!record.ok()) return std::move(record).error();
  return ContactView{std::move(stored), std::move(record).value(), {}};
}

// The request's errors, then the record's on fields the request has not already named (a
// field sent with a bad value is not also reported as missing).
std::vector<FieldError> Combine(std::vector<FieldError> request, std::vector<FieldError> record) {
  for (auto& e : record) {
    bool named = std::any_of(request.begin(), request.end(),
                             [&](const FieldError& r) { return r.field == e.field; });
    if (!named) request.push_back(std::move(e));
  }
  return request;
}

Error Archived() {
  return Error::Conflict("The contact is archived; restore it before changing it", "archived");
}

}  // namespace

ContactsService::ContactsService(const model::Model& model, store::Store& store, Clock clock,
                                 std::string cursor_secret, std::chrono::milliseconds answer_ttl)
    : model_(model),
      store_(store),
      clock_(std::move(clock)),
      cursor_secret_(std::move(cursor_secret)),
      answer_ttl_(answer_ttl) {}

Result<ContactsService::CustomFieldsChecked> ContactsService::CustomFieldsFor(
    const Principal& who, const json::object& fields) const {
  // Only a request that sends custom values pays for reading the tenant's definitions.
  const model::FieldSpec* container = model_.custom_fields_field();
  if (!container) return CustomFieldsChecked{};
  std::vector<std::string_view> names;  // the custom values it sends
  if (const json::value* nested = fields.if_contains(container->name)) {
    if (const json::object* values = nested->if_object()) {
      for (const auto& [key, value] : *values) names.push_back(key);
    }
  }
  bool sends_custom = fields.contains(container->name);
  if (model_.custom_fields_flat()) {
    for (const auto& [key, value] : fields) {
      if (model_.FindField(key) || model_.IsSystemName(key)) continue;
      sends_custom = true;
      names.push_back(key);
    }
  }
  if (!sends_custom) return CustomFieldsChecked{};
  auto stored = store_.ListCustomFields(TenantOf(who));
  if (!stored.ok()) return std::move(stored).error();
  auto specs = CustomFieldSpecsOf(*stored);
  if (!specs.ok()) return std::move(specs).error();
  CustomFieldsChecked checked{std::move(specs).value(), {}};
  for (store::CustomField& field : *stored) {
    if (std::find(names.begin(), names.end(), field.name) != names.end()) {
      checked.sent.push_back(std::move(field));
    }
  }
  return checked;
}

std::string_view ContactsService::TenantOf(const Principal& who) const {
  return model_.tenancy() == model::Tenancy::kCatalogue ? store::kCatalogueTenantId
                                                        : std::string_view(who.org_id);
}

Status ContactsService::MayWrite(const Principal& who) const {
  if (model_.PlanMayWrite(who.plan)) return {};
  std::string plans;
  for (const auto& plan : model_.write_plans()) {
    plans += plans.empty() ? "" : " or ";
    plans += "'" + plan + "'";
  }
  return Error::Forbidden("Only organizations on the " + plans +
                          " plan may create or change contacts");
}

Result<ContactView> ContactsService::ViewWithAccess(const Principal& who,
                                                    store::Contact stored) const {
  auto view = ViewOf(std::move(stored));
  if (!view.ok()) return view;
  if (auto filled = FillAccess(who, {&*view}); !filled) return std::move(filled).error();
  return view;
}

Status ContactsService::FillAccess(const Principal& who, std::vector<ContactView*> views) const {
  if (!model_.unlocks() || views.empty()) return {};
  const bool full_access = model_.PlanHasFullAccess(who.plan);
  std::vector<std::string> ids;
  ids.reserve(views.size());
  for (ContactView* view : views) {
    view->access = model::AccessState{};
    view->access.full_access = full_access;
    ids.push_back(view->stored.id);
  }
  // The unlocks are the org's own (its tenant), whoever stores the contacts.
  auto unlocks = store_.ListUnlocks(who.org_id, ids);
  if (!unlocks.ok()) return std::move(unlocks).error();
  for (const store::Unlock& unlock : *unlocks) {
    for (ContactView* view : views) {
      if (view->stored.id != unlock.contact_id) continue;
      view->access.unlocked = true;
      view->access.unlocked_at_ms = unlock.unlocked_at_ms;
      view->access.credits_spent = unlock.credits_spent;
    }
  }
  return {};
}

std::vector<store::UniqueKey> ContactsService::KeysOf(const json::object& record) const {
  std::vector<store::UniqueKey> keys;
  for (auto& [name, value] : model::UniqueKeys(model_, record)) {
    keys.push_back({std::move(name), std::move(value)});
  }
  return keys;
}

Result<ContactsService::NewRecord> ContactsService::PrepareCreate(const Principal& who,
                                                                  const json::object& fields,
                                                                  std::int64_t now_ms) const {
  auto custom = CustomFieldsFor(who, fields);
  if (!custom.ok()) return std::move(custom).error();
  model::PatchCheck check =
      model::CheckPatch(model_, fields, custom->specs, model::WriteKind::kCreate);
  NewRecord out{{}, model::NewRecord(model_, check.normalized)};
  store::NewContact& created = out.created;
  created.references = ReferencesOf(model_, out.record);
  // The store checks the references again in its transaction: an entry deleted since this
  // check fails the create the same way. Likewise the custom fields' definitions: one changed
  // or deleted since fails it with 409 custom_field_changed.
  created.custom_fields = std::move(custom->sent);
  if (auto st = AddMissingReferences(store_, TenantOf(who), created.references, check.errors);
      !st) {
    return std::move(st).error();
  }
  auto errors = Combine(std::move(check.errors), model::ValidateRecord(model_, out.record));
  if (!errors.empty()) return Error::Validation(std::move(errors));
  store::Contact& contact = created.contact;
  contact.org_id = TenantOf(who);
  contact.id = NewUuidV7(now_ms);
  contact.doc = model::JsonText(out.record);
  contact.created_at_ms = now_ms;
  contact.updated_at_ms = now_ms;
  created.keys = KeysOf(out.record);
  created.terms = model::SearchTerms(model_, out.record);
  return out;
}

Result<ContactView> ContactsService::Create(const Principal& who,
                                            const json::object& fields) const {
  if (auto allowed = MayWrite(who); !allowed) return std::move(allowed).error();
  std::vector<BatchOp> ops(1);
  ops.front().kind = BatchOp::Kind::kCreate;
  ops.front().fields = json::object(fields, json::storage_ptr());
  auto results = WriteBatch(who, std::move(ops), true, nullptr);
  if (!results.ok()) return std::move(results).error();
  return std::move(results->back().view);
}

Result<ContactView> ContactsService::Get(const Principal& who, std::string_view id) const {
  if (auto st = CheckId(id); !st) return std::move(st).error();
  auto stored = store_.GetContact(TenantOf(who), ToLowerUuid(id));
  if (!stored.ok()) return std::move(stored).error();
  if (model_.archived_hidden() && stored->archived_at_ms) return NotFound();
  return ViewWithAccess(who, std::move(stored).value());
}

Result<ContactPage> ContactsService::List(
    const Principal& who, int limit, std::string_view cursor,
    const std::vector<std::pair<std::string, std::string>>& filters, const ListOrder& order) const {
  if (limit < 1 || limit > kMaxPageSize) {
    return Error::BadRequest("limit must be between 1 and " + std::to_string(kMaxPageSize),
                             "invalid_query");
  }
  store::ListQuery query;
  query.org_id = TenantOf(who);
  query.limit = limit + 1;  // one more tells whether another page follows
  query.updated_since_ms = order.updated_since_ms;
  if (order.by_update) query.after_updated.emplace();
  if (!cursor.empty()) {
    auto after = order.by_update ? DecodeUpdateCursor(cursor, cursor_secret_)
                                 : std::optional<store::UpdatedPosition>();
    auto after_id = order.by_update ? std::nullopt : DecodeCursor(cursor, cursor_secret_);
    if (!after && !after_id) {
      return Error::BadRequest("The cursor is not valid", "invalid_cursor");
    }
    if (after) query.after_updated = std::move(*after);
    if (after_id) query.after_id = std::move(*after_id);
  }
  std::vector<std::optional<store::UniqueKey>> keys;
  bool matches_nothing = false;  // a filter on a value its field cannot hold
  std::size_t doc_filters = 0;
  for (const auto& [param, value] : filters) {
    if (param == "q" && !model_.search_fields().empty()) {
      if (query.search_prefix) return Error::BadRequest("q is given twice", "invalid_query");
      query.search_prefix = model::SearchPrefixOf(value);
      if (!query.search_prefix || query.search_prefix->empty()) {
        return Error::BadRequest("q must hold the start of a name or an email, as UTF-8 text",
                                 "invalid_query");
      }
      continue;
    }
    const model::FieldSpec* field = model_.FindField(param);
    if (field && field->unique) {
      auto key = model::UniqueKeyOf(model_, *field, value);
      keys.push_back(key ? std::optional<store::UniqueKey>({field->name, std::move(*key)})
                         : std::nullopt);
      continue;
    }
    auto filter = ListFilterFor(model_, param, value);
    if (!filter.ok()) return std::move(filter).error();
    ++doc_filters;
    if (!*filter) {
      matches_nothing = true;
      continue;
    }
    query.filters.push_back(std::move(**filter));
  }
  if (query.search_prefix &&
      (doc_filters > 0 || !keys.empty() || order.by_update || order.updated_since_ms)) {
    return Error::BadRequest(
        "q is a search of its own: it takes a cursor and a limit, no other filter or order",
        "invalid_query");
  }
  if (!keys.empty()) {
    if (doc_filters > 0) {
      return Error::BadRequest("A filter on a unique field cannot be combined with other filters",
                               "invalid_query");
    }
    return ListByKeys(who, query, keys);
  }
  if (doc_filters > store::kMaxListFilters) {
    return Error::BadRequest(
        "At most " + std::to_string(store::kMaxListFilters) + " filters at once", "invalid_query");
  }
  if (matches_nothing) return ContactPage{};
  auto rows = store_.ListContacts(query);
  if (!rows.ok()) return std::move(rows).error();
  ContactPage page;
  bool more = static_cast<int>(rows->size()) > limit;
  if (more) rows->resize(limit);
  page.items.reserve(rows->size());
  for (auto& row : *rows) {
    auto view = ViewOf(std::move(row));
    if (!view.ok()) return std::move(view).error();
    page.items.push_back(std::move(view).value());
  }
  if (more) page.next_cursor = CursorAfter(page.items.back().stored, order);
  std::vector<ContactView*> views;
  views.reserve(page.items.size());
  for (ContactView& view : page.items) views.push_back(&view);
  if (auto filled = FillAccess(who, std::move(views)); !filled) return std::move(filled).error();
  return page;
}

std::string ContactsService::CursorAfter(const store::Contact& last, const ListOrder& order) const {
  if (order.by_update) return EncodeUpdateCursor({last.updated_at_ms, last.id}, cursor_secret_);
  return EncodeCursor(last.id, cursor_secret_);
}

namespace {

// Runs an asynchronous call and waits for its answer.
template <class Start>
Result<ContactView> Await(Start start) {
  std::promise<Result<ContactView>> answer;
  start([&answer](Result<ContactView> view) { answer.set_value(std::move(view)); });
  return answer.get_future().get();
}

}  // namespace

Result<ContactView> ContactsService::Patch(const Principal& who, std::string_view id,
                                           const json::object& fields,
                                           const VersionCondition& condition) const {
  return Await([&](ViewDone done) { PatchAsync(who, id, fields, condition, done); });
}

Result<ContactView> ContactsService::Replace(const Principal& who, std::string_view id,
                                             const json::object& fields,
                                             const VersionCondition& condition) const {
  return Await([&](ViewDone done) { ReplaceAsync(who, id, fields, condition, done); });
}

void ContactsService::PatchAsync(const Principal& who, std::string_view id,
                                 const json::object& fields, const VersionCondition& condition,
                                 ViewDone done) const {
  WriteAsync(who, id, fields, condition, WriteMode::kMerge, std::move(done));
}

void ContactsService::ReplaceAsync(const Principal& who, std::string_view id,
                                   const json::object& fields, const VersionCondition& condition,
                                   ViewDone done) const {
  if (!model_.replace_enabled()) return done(Error::NotFound());
  WriteAsync(who, id, fields, condition, WriteMode::kReplace, std::move(done));
}

Result<std::shared_ptr<ContactsService::PendingWrite>> ContactsService::PrepareWrite(
    const Principal& who, const json::object& fields, const VersionCondition& condition,
    WriteMode mode) const {
  auto custom = CustomFieldsFor(who, fields);
  if (!custom.ok()) return std::move(custom).error();
  // The normalized fields live as long as the write, in an arena of their own: one allocation
  // rather than one per string and table.
  auto pending = std::make_shared<PendingWrite>(
      PendingWrite{mode,
                   model::CheckPatch(model_, fields, custom->specs, model::WriteKind::kUpdate,
                                     json::make_shared_resource<json::monotonic_resource>(1024)),
                   condition,
                   clock_(),
                   std::move(custom->sent),
                   {}});
  model::PatchCheck& check = pending->check;
  if (auto st = AddMissingReferences(store_, TenantOf(who), ReferencesOf(model_, check.normalized),
                                     check.errors);
      !st) {
    return std::move(st).error();
  }
  // Without whole-record rules there is nothing to add to the request's own errors, and no
  // reason to open a transaction.
  if (!check.errors.empty() && !model_.has_record_rules()) {
    return Error::Validation(std::move(check.errors));
  }
  return pending;
}

void ContactsService::WriteAsync(const Principal& who, std::string_view id,
                                 const json::object& fields, const VersionCondition& condition,
                                 WriteMode mode, ViewDone done) const {
  if (auto allowed = MayWrite(who); !allowed) return done(std::move(allowed).error());
  if (auto st = CheckId(id); !st) return done(std::move(st).error());
  auto prepared = PrepareWrite(who, fields, condition, mode);
  if (!prepared.ok()) return done(std::move(prepared).error());
  std::shared_ptr<PendingWrite> pending = std::move(prepared).value();
  const model::PatchCheck& check = pending->check;
  // What the org may see of the contact is read here, before the write rather than after it,
  // so that the completion, which runs on the store's writer, reads nothing. A write does not
  // change unlocks, so this is the access the contact has when the write commits, unless an
  // unlock races with the write; then the answer shows the state just before the unlock.
  ContactView view;
  view.stored.id = ToLowerUuid(id);
  if (auto filled = FillAccess(who, {&view}); !filled) return done(std::move(filled).error());
  auto mutate = [this, pending](const store::Contact& current) {
    return Rewrite(*pending, current);
  };
  auto complete = [pending, access = view.access,
                   done = std::move(done)](Result<store::Contact> stored) {
    if (!stored.ok()) {
      if (stored.error().code == ErrorCode::kNotFound && !pending->check.errors.empty()) {
        return done(Error::Validation(std::move(pending->check.errors)));  // the body first
      }
      return done(std::move(stored).error());
    }
    done(ContactView{std::move(stored).value(), std::move(*pending->result_record), access});
  };
  store_.UpdateContactAsync(TenantOf(who), view.stored.id, std::move(mutate),
                            ScopeOf(mode, check.normalized), OriginOf(who), std::move(complete));
}

store::UpdateScope ContactsService::ScopeOf(WriteMode mode, const json::object& normalized) const {
  // A replace may clear any field; a merge changes only the fields it sends.
  if (mode == WriteMode::kReplace) return store::UpdateScope::kAny;
  for (const auto& [key, value] : normalized) {
    const model::FieldSpec* field = model_.FindField(key);
    if (field && (field->unique || !field->references.empty())) return store::UpdateScope::kAny;
  }
  if (SendsSearchedField(normalized)) return store::UpdateScope::kAny;
  return store::UpdateScope::kDocumentOnly;
}

bool ContactsService::SendsSearchedField(const json::object& normalized) const {
  return std::any_of(model_.search_fields().begin(), model_.search_fields().end(),
                     [&](const model::FieldSpec* f) { return normalized.contains(f->name); });
}

Result<store::ContactWrite> ContactsService::Rewrite(PendingWrite& pending,
                                                     const store::Contact& current) const {
  const model::PatchCheck& check = pending.check;
  // The request's own problems come before the contact's state, as they do (without a lookup)
  // where the model has no record rules: a bad body is a 400 whatever the id names.
  Status fresh = CheckVersion(pending.condition, current);
  if (!check.errors.empty() && (current.archived_at_ms || !fresh.ok())) {
    return Error::Validation(check.errors);
  }
  if (current.archived_at_ms) return model_.archived_hidden() ? NotFound() : Archived();
  if (!fresh) return std::move(fresh).error();
  auto parsed = ParseRecord(current);
  if (!parsed.ok()) return std::move(parsed).error();
  json::object& stored_record = *parsed;
  // What the write is compared with, taken before the record changes in place.
  const std::vector<store::UniqueKey> keys_before = KeysOf(stored_record);
  // The search terms move only when the write sends a searched field (or replaces the record).
  const bool moves_terms =
      pending.mode == WriteMode::kReplace || SendsSearchedField(check.normalized);
  std::vector<std::string> terms_before;
  if (moves_terms) terms_before = model::SearchTerms(model_, stored_record);
  const std::vector<store::Reference> references_before = ReferencesOf(model_, stored_record);
  bool changed = false;
  std::optional<json::object> replaced;
  // The values the merge replaces, for the event's prior (the merge changes the record in
  // place, and only the keys the request sent).
  json::object replaced_values;
  if (pending.mode == WriteMode::kMerge) {
    for (const auto& [key, value] : check.normalized) {
      if (const json::value* was = stored_record.if_contains(key))
        replaced_values.emplace(key, *was);
    }
    changed = model::ApplyPatch(model_, stored_record, check.normalized);
  } else {
    replaced.emplace(model::ReplaceRecord(model_, stored_record, check.normalized));
    changed = *replaced != stored_record;
  }
  json::object& record = replaced ? *replaced : stored_record;
  auto errors = Combine(check.errors, model::ValidateRecord(model_, record));
  if (!errors.empty()) return Error::Validation(std::move(errors));
  store::ContactWrite write;
  if (!changed) {
    write.changed = false;
  } else {
    // About the stored document's size: one allocation, not a string grown step by step.
    write.doc.reserve(current.doc.size() + 256);
    model::AppendJsonText(write.doc, record);
    write.unique_keys = KeysOf(record);
    write.keys_unchanged = write.unique_keys == keys_before;  // the contact is active
    write.updated_at_ms = std::max(pending.now_ms, current.updated_at_ms);
    // Checked again in the transaction: only the ids the contact did not hold already (a
    // delete of one it holds rewrites this contact after the write).
    write.references = AddedReferences(ReferencesOf(model_, record), references_before);
    write.custom_fields = pending.custom_fields;  // checked again in the transaction
    write.prior = replaced ? PriorOf(stored_record, record)
                           : PriorOf(replaced_values, record, &check.normalized);
    if (moves_terms) {
      const std::vector<std::string> terms_after = model::SearchTerms(model_, record);
      std::set_difference(terms_before.begin(), terms_before.end(), terms_after.begin(),
                          terms_after.end(), std::back_inserter(write.terms_removed));
      std::set_difference(terms_after.begin(), terms_after.end(), terms_before.begin(),
                          terms_before.end(), std::back_inserter(write.terms_added));
    }
  }
  pending.result_record.emplace(std::move(record));
  return write;
}

}  // namespace contactsd::contacts
