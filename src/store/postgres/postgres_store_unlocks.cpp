// PostgresStore: unlocks. One transaction, no lock taken up front:
//   1. BEGIN + INSERT the unlock ON CONFLICT DO NOTHING RETURNING (one round trip). A racing
//      unlock of the same contact by the same org, from any process, waits here for the first
//      to commit (then inserts nothing) or roll back (then inserts).
//   2. Nothing inserted: the unlock exists; read it (a new statement sees the winner's
//      committed row) and commit, spending nothing.
//   3. Inserted: UPDATE the org's credits WHERE credits >= cost. Concurrent debits of one org
//      queue on its row and each re-checks the balance the previous one left. A row back:
//      COMMIT. None: ROLLBACK (the unlock goes too) and answer 402 or 404.
// Any early return leaves the transaction open; the pool rolls it back.
#include "store/errors.hpp"
#include "store/event_records.hpp"
#include "store/postgres/change_log.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <string>
#include <utility>

namespace contactsd::store::postgres {

Result<Unlock> PostgresStore::UnlockContact(std::string_view org_id, const Contact& contact,
                                            std::int64_t cost, std::int64_t now_ms,
                                            const ChangeOrigin& origin,
                                            const UnlockAnswerMaker* answer) {
  if (cost < 0) return Error::Internal("store: a negative unlock cost");
  const std::string_view contact_id = contact.id;
  return WithConnection([&](Connection& connection) -> Result<Unlock> {
    const std::array<Query, 2> insert = {
        Query(Sql::kBegin),
        Query(Sql::kInsertUnlock).Text(org_id).Text(contact_id).Int8(cost).Int8(now_ms)};
    auto inserted = connection.Run(insert);
    if (!inserted) return std::move(inserted).error();
    if ((*inserted)[1].empty()) {
      const std::array<Query, 2> read = {Query(Sql::kGetUnlock).Text(org_id).Text(contact_id),
                                         Query(Sql::kCommit)};
      auto existing = connection.Run(read);
      if (!existing) return std::move(existing).error();
      if ((*existing)[0].empty()) {
        return Error::Internal("postgres: an unlock that blocked the insert is not there");
      }
      return ReadUnlock((*existing)[0], 0);
    }
    Unlock unlock = ReadUnlock((*inserted)[1], 0);
    auto debited = connection.Run(Query(Sql::kDebitCredits).Text(org_id).Int8(cost));
    if (!debited) return std::move(debited).error();
    if (debited->empty()) {
      auto rolled_back = connection.Run(Query(Sql::kRollback));
      if (!rolled_back) return std::move(rolled_back).error();
      auto org = connection.Run(Query(Sql::kGetOrg).Text(org_id));
      if (!org) return std::move(org).error();
      if (org->empty()) return Error::NotFound("Organization not found");
      return NotEnoughCreditsError(cost, ReadOrg(*org, 0).credits);
    }
    const Event event = UnlockEvent(org_id, contact, unlock, origin);
    if (!answer) {
      const std::array<Query, 2> log = {EventInsert(event), Query(Sql::kCommit)};
      if (auto committed = connection.Run(log); !committed) return std::move(committed).error();
      return unlock;
    }
    // The answer in the same commit; a live one under its key already stops the unlock.
    auto made = (*answer)(unlock);
    if (!made) return std::move(made).error();
    const std::array<Query, 2> log = {EventInsert(event), AnswerInsert(*made)};
    auto logged = connection.Run(log);
    if (!logged) return std::move(logged).error();
    if ((*logged)[1].affected() == 0) return AnswerKeyInUse();
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return unlock;
  });
}

Result<std::vector<Unlock>> PostgresStore::ListUnlocks(
    std::string_view org_id, const std::vector<std::string>& contact_ids) {
  if (contact_ids.size() > kMaxUnlockLookup) {
    return Error::Internal("store: more than " + std::to_string(kMaxUnlockLookup) +
                           " contact ids in one unlock lookup");
  }
  if (contact_ids.empty()) return std::vector<Unlock>{};
  const std::string ids_json =
      boost::json::serialize(boost::json::array(contact_ids.begin(), contact_ids.end()));
  return WithConnection([&](Connection& connection) -> Result<std::vector<Unlock>> {
    auto rows = connection.Run(Query(Sql::kListUnlocks).Text(org_id).Text(ids_json));
    if (!rows) return std::move(rows).error();
    return AllRows(*rows, ReadUnlock);
  });
}

}  // namespace contactsd::store::postgres
