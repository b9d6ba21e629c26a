// SqliteStore: the webhook dispatcher's reads and writes (store/webhook_store.hpp): stream
// leases, the contacts held back, a round's record (stream commits, parked deliveries' outcomes,
// health) in one Write(), claims, retention. Every write is one Write() on the single writer,
// so a stream commit's compare-and-move and a claim's read-then-lease are atomic; BEGIN
// IMMEDIATE also serializes other processes.
#include "store/sqlite/delivery_rows.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/webhook_sql.hpp"
#include "store/webhook_columns.hpp"

#include <limits>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

DueDelivery ReadDueDelivery(const Statement& row) {
  DueDelivery due;
  due.org_id = row.Text(0);
  due.endpoint_id = row.Text(1);
  due.ord = row.Int64(2);
  due.event_id = row.Text(3);
  due.attempts = static_cast<int>(row.Int64(4));
  due.contact_id = row.Text(5);
  return due;
}

std::string_view StateAfter(const AttemptResult& result) {
  return result.delivered            ? kDeliveryDelivered
         : result.next_attempt_at_ms ? kDeliveryPending
                                     : kDeliveryFailed;
}

// The stream's events past `from`: each takes an ord; an attempted one is logged, and one not
// delivered is parked (held ones due now, unattempted).
Result<bool> CommitStream(Connection& writer, const StreamCommit& commit, std::string_view owner,
                          std::int64_t now_ms) {
  auto advance = writer.Prepare(sql::kAdvanceStream);
  if (!advance) return std::move(advance).error();
  advance->Bind(1, commit.org_id).Bind(2, commit.endpoint_id);
  advance->Bind(3, commit.from.txid).Bind(4, commit.from.seq);
  advance->Bind(5, commit.to.txid).Bind(6, commit.to.seq);
  advance->Bind(7, static_cast<std::int64_t>(commit.events.size())).Bind(8, owner);
  auto moved = advance->Exec();
  if (!moved) return std::move(moved).error();
  if (*moved == 0) return false;
  if (commit.events.empty()) return true;
  auto next = NextOrd(writer, commit.org_id, commit.endpoint_id);
  if (!next) return std::move(next).error();
  std::int64_t ord = *next - static_cast<std::int64_t>(commit.events.size());
  for (const StreamedEvent& event : commit.events) {
    const std::int64_t this_ord = ord++;
    if (event.attempt) {
      const AttemptResult& result = *event.attempt;
      auto log = writer.Prepare(sql::kLogStreamAttempt);
      if (!log) return std::move(log).error();
      log->Bind(1, commit.org_id).Bind(2, commit.endpoint_id).Bind(3, this_ord);
      log->Bind(4, event.delivery.event_id).Bind(5, result.at_ms);
      log->Bind(6, std::int64_t{result.status}).Bind(7, result.error);
      log->Bind(8, result.latency_ms).Bind(9, result.next_attempt_at_ms);
      if (auto logged = log->Exec(); !logged) return std::move(logged).error();
      if (result.delivered) continue;
    }
    const bool held = !event.attempt;
    const std::string_view state = held ? kDeliveryPending : StateAfter(*event.attempt);
    const std::int64_t due = held ? now_ms : event.attempt->next_attempt_at_ms.value_or(0);
    if (auto parked = InsertDelivery(writer, commit.org_id, commit.endpoint_id, this_ord,
                                     event.delivery, state, held ? 0 : 1, due, now_ms);
        !parked) {
      return std::move(parked).error();
    }
  }
  return true;
}

Status RecordOutcome(Connection& writer, const DeliveryOutcome& outcome) {
  const AttemptResult& result = outcome.result;
  auto settle = writer.Prepare(sql::kSettleDelivery);
  if (!settle) return std::move(settle).error();
  settle->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  settle->Bind(4, StateAfter(result)).Bind(5, result.next_attempt_at_ms.value_or(0));
  auto settled = settle->Exec();
  if (!settled) return std::move(settled).error();
  if (*settled == 0) return {};  // deleted with its endpoint meanwhile
  auto log = writer.Prepare(sql::kLogAttempt);
  if (!log) return std::move(log).error();
  log->Bind(1, outcome.org_id).Bind(2, outcome.endpoint_id).Bind(3, outcome.ord);
  log->Bind(4, result.at_ms).Bind(5, std::int64_t{result.status}).Bind(6, result.error);
  log->Bind(7, result.latency_ms).Bind(8, result.next_attempt_at_ms);
  if (auto logged = log->Exec(); !logged) return std::move(logged).error();
  return {};
}

Status WriteHealth(Connection& writer, const EndpointHealth& health, std::int64_t now_ms) {
  auto write = writer.Prepare(sql::kWriteHealth);
  if (!write) return std::move(write).error();
  write->Bind(1, health.org_id).Bind(2, health.endpoint_id).Bind(3, health.last_success_at_ms);
  write->Bind(4, health.failing_since_ms).Bind(5, std::int64_t{health.failures});
  write->Bind(6, health.probe_after_ms);
  if (auto written = write->Exec(); !written) return std::move(written).error();
  if (!health.recovered) return {};
  auto due = writer.Prepare(sql::kParkedDueNow);
  if (!due) return std::move(due).error();
  due->Bind(1, health.org_id).Bind(2, health.endpoint_id).Bind(3, now_ms);
  if (auto made = due->Exec(); !made) return std::move(made).error();
  return {};
}

}  // namespace

Status SqliteStore::LeaseWebhookStreams(std::string_view owner, std::int64_t now_ms,
                                        std::int64_t lease_until_ms) {
  return RunWrite([&](Connection& writer) -> Status {
    auto lease = writer.Prepare(sql::kLeaseStreams);
    if (!lease) return std::move(lease).error();
    lease->Bind(1, owner).Bind(2, now_ms).Bind(3, lease_until_ms);
    if (auto leased = lease->Exec(); !leased) return std::move(leased).error();
    return {};
  });
}

Status SqliteStore::ReleaseWebhookStreams(std::string_view owner) {
  return RunWrite([&](Connection& writer) -> Status {
    auto release = writer.Prepare(sql::kReleaseStreams);
    if (!release) return std::move(release).error();
    release->Bind(1, owner);
    if (auto released = release->Exec(); !released) return std::move(released).error();
    return {};
  });
}

Result<std::vector<std::string>> SqliteStore::HeldContacts(std::string_view org_id,
                                                           std::string_view endpoint_id) {
  auto reader = readers_.Acquire();
  if (!reader) return std::move(reader).error();
  auto stmt = (*reader)->Prepare(sql::kHeldContacts);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, endpoint_id);
  return AllRows(*stmt, [](const Statement& row) { return std::string(row.Text(0)); });
}

Result<std::vector<bool>> SqliteStore::RecordDispatch(const DispatchRecord& record) {
  return Write([&](Connection& writer) -> Result<std::vector<bool>> {
    std::vector<bool> applied;
    applied.reserve(record.streams.size());
    for (const StreamCommit& commit : record.streams) {
      auto done = CommitStream(writer, commit, record.owner, record.now_ms);
      if (!done) return std::move(done).error();
      applied.push_back(*done);
    }
    for (const DeliveryOutcome& outcome : record.outcomes) {
      if (auto recorded = RecordOutcome(writer, outcome); !recorded) {
        return std::move(recorded).error();
      }
    }
    for (const EndpointHealth& health : record.health) {
      if (auto written = WriteHealth(writer, health, record.now_ms); !written) {
        return std::move(written).error();
      }
    }
    return applied;
  });
}

Result<std::vector<DueDelivery>> SqliteStore::ClaimDeliveries(std::string_view owner,
                                                              std::int64_t now_ms,
                                                              std::int64_t lease_until_ms,
                                                              int limit,
                                                              const DeliveryFilter& take) {
  // Looked for on a reader first: the dispatcher asks every round, and almost always finds none
  // (a write transaction, taken from the API's writer, for nothing).
  {
    auto reader = readers_.Acquire();
    if (!reader) return std::move(reader).error();
    auto any = (*reader)->Prepare(sql::kDueDeliveries);
    if (!any) return std::move(any).error();
    any->Bind(1, now_ms).Bind(2, std::int64_t{1}).Bind(3, owner);
    auto found = FirstRow(*any, ReadDueDelivery);
    if (!found) return std::move(found).error();
    if (!*found) return std::vector<DueDelivery>{};
  }
  return Write([&](Connection& writer) -> Result<std::vector<DueDelivery>> {
    auto due = writer.Prepare(sql::kDueDeliveries);
    if (!due) return std::move(due).error();
    // More candidates than the limit: those of an endpoint at its budget are passed over.
    due->Bind(1, now_ms).Bind(2, std::int64_t{limit} * 4).Bind(3, owner);
    auto candidates = AllRows(*due, ReadDueDelivery);
    if (!candidates) return std::move(candidates).error();
    std::vector<DueDelivery> taken;
    for (DueDelivery& candidate : *candidates) {
      if (static_cast<int>(taken.size()) == limit) break;
      if (!take(candidate)) continue;
      auto lease = writer.Prepare(sql::kLeaseDelivery);
      if (!lease) return std::move(lease).error();
      lease->Bind(1, candidate.org_id).Bind(2, candidate.endpoint_id).Bind(3, candidate.ord);
      lease->Bind(4, lease_until_ms);
      if (auto leased = lease->Exec(); !leased) return std::move(leased).error();
      auto payload = writer.Prepare(sql::kDeliveryPayload);
      if (!payload) return std::move(payload).error();
      payload->Bind(1, candidate.org_id).Bind(2, candidate.endpoint_id).Bind(3, candidate.ord);
      auto text = FirstRow(*payload, [](const Statement& row) { return std::string(row.Text(0)); });
      if (!text) return std::move(text).error();
      candidate.payload = text->value_or("");
      taken.push_back(std::move(candidate));
    }
    return taken;
  });
}

Result<int> SqliteStore::PruneDeliveries(std::int64_t cutoff_ms, int max_rows) {
  return Write([&](Connection& writer) -> Result<int> {
    auto settled = writer.Prepare(sql::kSettledBefore);
    if (!settled) return std::move(settled).error();
    settled->Bind(1, cutoff_ms).Bind(2, std::int64_t{max_rows});
    struct Key {
      std::string org_id, endpoint_id;
      std::int64_t ord;
    };
    auto keys = AllRows(*settled, [](const Statement& row) {
      return Key{std::string(row.Text(0)), std::string(row.Text(1)), row.Int64(2)};
    });
    if (!keys) return std::move(keys).error();
    for (const Key& key : *keys) {
      for (const char* sql : {sql::kDeleteDeliveryAttempts, sql::kDeleteDelivery}) {
        auto stmt = writer.Prepare(sql);
        if (!stmt) return std::move(stmt).error();
        stmt->Bind(1, key.org_id).Bind(2, key.endpoint_id).Bind(3, key.ord);
        if (auto done = stmt->Exec(); !done) return std::move(done).error();
      }
    }
    int deleted = static_cast<int>(keys->size());
    auto every = writer.Prepare(sql::kEveryWebhook);
    if (!every) return std::move(every).error();
    auto endpoints = AllRows(*every, [](const Statement& row) {
      return std::pair<std::string, std::string>(row.Text(0), row.Text(1));
    });
    if (!endpoints) return std::move(endpoints).error();
    for (const auto& [org_id, endpoint_id] : *endpoints) {
      if (deleted >= max_rows) break;
      auto first = writer.Prepare(sql::kFirstAttemptSince);
      if (!first) return std::move(first).error();
      first->Bind(1, org_id).Bind(2, endpoint_id).Bind(3, cutoff_ms);
      auto since = FirstRow(*first, [](const Statement& row) { return row.Int64(0); });
      if (!since) return std::move(since).error();
      auto old = writer.Prepare(sql::kDeleteStreamAttempts);
      if (!old) return std::move(old).error();
      old->Bind(1, org_id).Bind(2, endpoint_id);
      old->Bind(3, since->value_or(std::numeric_limits<std::int64_t>::max()));
      old->Bind(4, std::int64_t{max_rows - deleted});
      auto rows = old->Exec();
      if (!rows) return std::move(rows).error();
      deleted += static_cast<int>(*rows);
    }
    return deleted;
  });
}

}  // namespace contactsd::store::sqlite
