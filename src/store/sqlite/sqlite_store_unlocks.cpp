// SqliteStore: unlocks. An unlock is one Write(): the single writer (BEGIN IMMEDIATE, which
// also serializes other processes on the file) makes "read the unlock, debit, record" atomic,
// so concurrent unlocks of one contact spend once.
#include "store/errors.hpp"
#include "store/event_records.hpp"
#include "store/sqlite/answers.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace contactsd::store::sqlite {
namespace {

Result<std::optional<Unlock>> FindUnlock(Connection& connection, std::string_view org_id,
                                         std::string_view contact_id) {
  auto stmt = connection.Prepare(sql::kGetUnlock);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, contact_id);
  return FirstRow(*stmt, ReadUnlock);
}

// Why the debit changed nothing: no such org, or too few credits.
Error DebitRefused(Connection& writer, std::string_view org_id, std::int64_t cost) {
  auto stmt = writer.Prepare(sql::kGetOrg);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id);
  auto org = FirstRow(*stmt, ReadOrg);
  if (!org) return std::move(org).error();
  if (!*org) return Error::NotFound("Organization not found");
  return NotEnoughCreditsError(cost, (*org)->credits);
}

}  // namespace

Result<Unlock> SqliteStore::UnlockContact(std::string_view org_id, const Contact& contact,
                                          std::int64_t cost, std::int64_t now_ms,
                                          const ChangeOrigin& origin,
                                          const UnlockAnswerMaker* answer) {
  if (cost < 0) return Error::Internal("store: a negative unlock cost");
  const std::string_view contact_id = contact.id;
  return Write([&](Connection& writer) -> Result<Unlock> {
    auto existing = FindUnlock(writer, org_id, contact_id);
    if (!existing) return std::move(existing).error();
    if (*existing) return std::move(**existing);  // unlocked before: nothing to pay
    auto debit = writer.Prepare(sql::kDebitCredits);
    if (!debit) return std::move(debit).error();
    debit->Bind(1, org_id).Bind(2, cost);
    auto debited = debit->Exec();
    if (!debited) return std::move(debited).error();
    if (*debited != 1) return DebitRefused(writer, org_id, cost);
    Unlock unlock{std::string(org_id), std::string(contact_id), cost, now_ms};
    auto logged = change_log::AppendEvent(writer, UnlockEvent(org_id, contact, unlock, origin));
    if (!logged) return std::move(logged).error();
    auto insert = writer.Prepare(sql::kInsertUnlock);
    if (!insert) return std::move(insert).error();
    insert->Bind(1, unlock.org_id).Bind(2, unlock.contact_id);
    insert->Bind(3, unlock.credits_spent).Bind(4, unlock.unlocked_at_ms).Bind(5, *logged);
    if (auto inserted = insert->Exec(); !inserted) return std::move(inserted).error();
    if (answer) {
      auto made = (*answer)(unlock);
      if (!made) return std::move(made).error();
      if (auto stored = InsertAnswer(writer, *made); !stored) return std::move(stored).error();
    }
    return unlock;
  });
}

Result<std::vector<Unlock>> SqliteStore::ListUnlocks(std::string_view org_id,
                                                     const std::vector<std::string>& contact_ids) {
  if (contact_ids.size() > kMaxUnlockLookup) {
    return Error::Internal("store: more than " + std::to_string(kMaxUnlockLookup) +
                           " contact ids in one unlock lookup");
  }
  if (contact_ids.empty()) return std::vector<Unlock>{};
  boost::json::array ids(contact_ids.begin(), contact_ids.end());
  const std::string ids_json = boost::json::serialize(ids);  // must outlive the statement
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kListUnlocks);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, ids_json);
  return AllRows(*stmt, ReadUnlock, contact_ids.size());
}

}  // namespace contactsd::store::sqlite
