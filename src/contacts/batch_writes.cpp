// ContactsService: batches of writes (POST {base}/contacts/batch), and the single writes that
// go the same way: an upsert (its decision and its write in one transaction) and any write made
// with an Idempotency-Key (its answer commits with it). Each operation is checked here, as the
// single write would be, then all of them run in one store transaction (Store::WriteContacts).
#include "common/uuid.hpp"
#include "contacts/contact_checks.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/origin.hpp"
#include "contacts/pending_write.hpp"
#include "model/record.hpp"

#include <future>
#include <utility>

namespace contactsd::contacts {

namespace json = boost::json;

// A batch operation made ready for the store, or the error it fails with before any write.
struct ContactsService::PreparedOp {
  std::optional<Error> error;
  store::ContactOp op;
  std::shared_ptr<PendingWrite> pending;       // update, replace, upsert
  std::optional<json::object> created_record;  // create, upsert
};

namespace {

using Kind = BatchOp::Kind;

}  // namespace

ContactsService::PreparedOp ContactsService::Prepare(const Principal& who, BatchOp& in,
                                                     std::int64_t now_ms) const {
  PreparedOp out;
  auto fail = [&out](Error error) {
    out.error = std::move(error);
    return std::move(out);
  };
  store::ContactOp& op = out.op;
  const bool lifecycle = in.kind == Kind::kArchive || in.kind == Kind::kRestore;
  if (lifecycle && !model_.archiving_enabled()) return fail(NotFound());
  if (in.kind == Kind::kRestore && model_.archived_hidden()) return fail(NotFound());
  if (in.kind == Kind::kReplace && !model_.replace_enabled()) return fail(NotFound());
  if (in.kind == Kind::kCreate) {
    auto created = PrepareCreate(who, in.fields, now_ms);
    if (!created.ok()) return fail(std::move(created).error());
    op.kind = store::ContactOp::Kind::kCreate;
    op.create = std::move(created->created);
    out.created_record.emplace(std::move(created->record));
    return out;
  }
  // The contact it addresses: by id, or by the value of a unique field.
  const model::FieldSpec* key_field = nullptr;
  if (in.kind == Kind::kUpsert && !in.id_property) {
    return fail(Error::BadRequest("An upsert names its contact by a unique field: id_property",
                                  "invalid_body"));
  }
  if (in.id_property) {
    auto named = UniqueFieldNamed(*in.id_property);
    if (!named.ok()) return fail(std::move(named).error());
    key_field = *named;
    auto key = model::UniqueKeyOf(model_, *key_field, in.id);
    if (!key && in.kind == Kind::kUpsert) {
      return fail(Error::Validation(
          {{key_field->name, "invalid_format", "the value is not a valid " + key_field->name}}));
    }
    if (!key) return fail(NotFound());  // no contact can hold it
    op.key = {key_field->name, std::move(*key)};
  } else {
    if (auto st = CheckId(in.id); !st) return fail(std::move(st).error());
    op.id = ToLowerUuid(in.id);
  }
  op.kind =
      in.kind == Kind::kUpsert ? store::ContactOp::Kind::kUpsert : store::ContactOp::Kind::kUpdate;
  if (in.kind == Kind::kArchive) {
    op.mutate = ArchiveMutation(who, in.condition, now_ms);
    return out;
  }
  if (in.kind == Kind::kRestore) {
    op.mutate = RestoreMutation(in.condition, now_ms);
    return out;
  }
  if (in.kind == Kind::kUpsert) {
    if (const json::value* sent = in.fields.if_contains(key_field->name)) {
      auto same = sent->is_string() ? model::UniqueKeyOf(model_, *key_field, sent->get_string())
                                    : std::nullopt;
      if (same != op.key.value) {
        return fail(Error::Validation({{key_field->name, "mismatch",
                                        "must be the path's value (in a batch, the operation's id) "
                                        "or left out in an upsert"}}));
      }
    }
  }
  auto pending = PrepareWrite(who, in.fields, in.condition,
                              in.kind == Kind::kReplace ? WriteMode::kReplace : WriteMode::kMerge);
  if (!pending.ok()) return fail(std::move(pending).error());
  out.pending = std::move(pending).value();
  op.mutate = [this, pending = out.pending](const store::Contact& current) {
    return Rewrite(*pending, current);
  };
  if (in.kind == Kind::kUpsert) {
    // What the upsert creates when no contact holds the key: the body with the key's value.
    if (in.condition.match) {
      op.create_error = Error::PreconditionFailed("No contact holds " + key_field->name);
      return out;
    }
    in.fields[key_field->name] = in.id;
    auto created = PrepareCreate(who, in.fields, now_ms);
    if (!created.ok()) {
      op.create_error = std::move(created).error();
      return out;
    }
    op.create = std::move(created->created);
    out.created_record.emplace(std::move(created->record));
  }
  return out;
}

// The results of the operations sent to the store, merged back with those that failed before,
// each with the view of its contact. `take`: the records move into the views (the last use).
Result<std::vector<BatchResult>> ContactsService::MergeResults(
    const Principal& who, std::vector<PreparedOp>& prepared, const std::vector<std::size_t>& sent,
    std::vector<store::ContactOpResult> stored, bool take) const {
  // An atomic batch that failed ran only up to the failing operation: the results end there.
  const std::size_t count = !stored.empty() && stored.size() < sent.size()
                                ? sent[stored.size() - 1] + 1
                                : prepared.size();
  std::vector<BatchResult> results(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (prepared[i].error) results[i].view = *prepared[i].error;
  }
  std::vector<ContactView*> views;
  for (std::size_t n = 0; n < stored.size(); ++n) {
    PreparedOp& p = prepared[sent[n]];
    BatchResult& r = results[sent[n]];
    store::ContactOpResult& s = stored[n];
    r.created = s.created;
    if (!s.contact.ok()) {
      // A bad body is reported before the contact's absence, as a single write reports it.
      const bool body_first = s.contact.error().code == ErrorCode::kNotFound && p.pending &&
                              !p.pending->check.errors.empty();
      r.view = body_first ? Error::Validation(p.pending->check.errors) : s.contact.error();
      continue;
    }
    std::optional<json::object>& known =
        s.created ? p.created_record : (p.pending ? p.pending->result_record : p.created_record);
    // Constructed, never assigned: assigning a record of another memory resource copies it.
    std::optional<json::object> record;
    if (known && (s.created || p.pending)) {
      if (take) {
        record.emplace(std::move(*known));
      } else {
        record.emplace(*known);
      }
    } else {
      auto parsed = ParseRecord(*s.contact);
      if (!parsed.ok()) return std::move(parsed).error();
      record.emplace(std::move(parsed).value());
    }
    r.view = ContactView{std::move(s.contact).value(), std::move(*record), {}};
    views.push_back(&r.view.value());
  }
  if (auto filled = FillAccess(who, std::move(views)); !filled) return std::move(filled).error();
  return results;
}

void ContactsService::WriteBatchAsync(const Principal& who, std::vector<BatchOp> ops, bool atomic,
                                      std::shared_ptr<const BatchAnswer> answer,
                                      BatchDone done) const {
  WriteOpsAsync(who, std::move(ops), atomic, atomic, std::move(answer),
                [done = std::move(done)](Result<std::vector<BatchResult>> results, bool) {
                  done(std::move(results));
                });
}

std::shared_ptr<std::vector<ContactsService::PreparedOp>> ContactsService::PrepareAll(
    const Principal& who, std::vector<BatchOp>& ops, bool stop_at_invalid) const {
  const std::int64_t now = clock_();
  auto prepared = std::make_shared<std::vector<PreparedOp>>();
  prepared->reserve(ops.size());
  for (BatchOp& op : ops) {
    prepared->push_back(Prepare(who, op, now));
    if (stop_at_invalid && prepared->back().error) break;
  }
  return prepared;
}

void ContactsService::WriteOpsAsync(const Principal& who, std::vector<BatchOp> ops, bool atomic,
                                    bool stop_at_invalid, std::shared_ptr<const BatchAnswer> answer,
                                    OpsDone done) const {
  auto prepared = PrepareAll(who, ops, stop_at_invalid);
  if (stop_at_invalid && !prepared->empty() && prepared->back().error) {
    // Nothing is written: the results end at the operation that failed.
    std::vector<BatchResult> results(prepared->size());
    results.back().view = *prepared->back().error;
    return done(std::move(results), true);
  }
  WritePrepared(who, std::move(prepared), atomic, std::move(answer), std::move(done));
}

void ContactsService::WritePrepared(const Principal& who,
                                    std::shared_ptr<std::vector<PreparedOp>> prepared, bool atomic,
                                    std::shared_ptr<const BatchAnswer> answer, OpsDone done) const {
  std::vector<store::ContactOp> store_ops;
  auto sent = std::make_shared<std::vector<std::size_t>>();
  store_ops.reserve(prepared->size());
  for (std::size_t i = 0; i < prepared->size(); ++i) {
    if ((*prepared)[i].error) continue;
    store_ops.push_back(std::move((*prepared)[i].op));
    sent->push_back(i);
  }
  if (store_ops.empty()) {
    auto merged = MergeResults(who, *prepared, *sent, {}, true);
    return done(std::move(merged), false);
  }
  std::shared_ptr<const store::AnswerMaker> maker;
  if (answer) {
    maker = std::make_shared<const store::AnswerMaker>(
        [this, who, prepared, sent,
         answer](const std::vector<store::ContactOpResult>& stored) -> Result<store::StoredAnswer> {
          auto views = MergeResults(who, *prepared, *sent, stored, false);
          if (!views.ok()) return std::move(views).error();
          auto made = (*answer)(*views);
          if (!made.ok()) return made;
          made->org_id = who.org_id;  // the org's key, also where its tenant is a catalogue
          made->created_at_ms = clock_();
          made->expires_at_ms = made->created_at_ms + answer_ttl_.count();
          return made;
        });
  }
  store_.WriteContactsAsync(
      TenantOf(who), std::move(store_ops), atomic, OriginOf(who), std::move(maker),
      [this, who, prepared, sent, atomic,
       done = std::move(done)](Result<std::vector<store::ContactOpResult>> stored) {
        if (!stored.ok()) return done(std::move(stored).error(), false);
        // An atomic write that failed ends at the operation that failed, and stored nothing.
        const bool rolled_back = atomic && !stored->empty() && !stored->back().contact.ok();
        done(MergeResults(who, *prepared, *sent, std::move(stored).value(), true), rolled_back);
      });
}

Result<std::vector<BatchResult>> ContactsService::WriteBatch(
    const Principal& who, std::vector<BatchOp> ops, bool atomic,
    std::shared_ptr<const BatchAnswer> answer) const {
  std::promise<Result<std::vector<BatchResult>>> results;
  WriteBatchAsync(
      who, std::move(ops), atomic, std::move(answer),
      [&results](Result<std::vector<BatchResult>> r) { results.set_value(std::move(r)); });
  return results.get_future().get();
}

ContactsService::CheckedBatch ContactsService::CheckValid(const Principal& who,
                                                          std::vector<BatchOp> ops) const {
  return CheckedBatch{PrepareAll(who, ops, false)};
}

void ContactsService::WriteValidAsync(const Principal& who, CheckedBatch batch,
                                      ValidDone done) const {
  WritePrepared(
      who, std::move(batch.prepared), true, nullptr,
      [done = std::move(done)](Result<std::vector<BatchResult>> results, bool rolled_back) {
        if (!results.ok()) return done(std::move(results).error());
        ValidWrite written;
        written.results = std::move(results).value();
        if (rolled_back) written.failed = written.results.size() - 1;
        done(std::move(written));
      });
}

Result<std::optional<store::StoredAnswer>> ContactsService::FindAnswer(const Principal& who,
                                                                       std::string_view key) const {
  return store_.FindAnswer(who.org_id, key, clock_());
}

}  // namespace contactsd::contacts
