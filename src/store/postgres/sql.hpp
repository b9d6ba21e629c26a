// The PostgreSQL backend's statements, as a catalogue of named constants. Each is prepared
// (PQprepare-style, by its name) once per connection, the first time that connection runs it,
// and executed with PQexecPrepared-style calls after that. The schema lives in migrations.cpp.
//
// Parameters are sent in binary with explicit types, so no statement depends on the server
// guessing them: the `params` string has one letter per $n, 't' = text, 'i' = int8 (bigint).
#pragma once

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {

enum class Sql {
  kBegin,
  kCommit,
  kRollback,
  kSavepointOp,
  kRollbackToOp,
  kReleaseOp,
  kInsertOrg,
  kGetOrg,
  kInsertApiKey,
  kListApiKeys,
  kRevokeApiKey,
  kGetApiKeyById,
  kFindActiveApiKeyByHash,
  kTouchApiKeys,
  kInsertContact,
  kGetContact,
  kLockContact,
  kListContacts,
  kListActiveContacts,
  kListContactsFiltered,
  kListContactsByUpdate,
  kListLatestChanges,
  kUpdateContact,
  kUpdateContactAtVersion,
  kLockContactLog,
  kInsertContactKey,
  kListContactKeys,
  kFindKeyHolder,
  kGetContactByKey,
  kDeleteContactKey,
  kInsertUnlock,
  kGetUnlock,
  kListUnlocks,
  kDebitCredits,
  kInsertCustomField,
  kListCustomFields,
  kLockCustomFields,
  kUpdateCustomField,
  kCountContactsHoldingValues,
  kLockLogsOfContactsWithValue,
  kDeleteCustomField,
  kLockContactsWithValue,
  kInsertSettingIfAbsent,
  kGetSetting,
  kLockContactsHolding,
  kLockLogsOfContactsHolding,
  kDeleteContactKeysOf,
  kInsertTerm,
  kInsertTerms,
  kInsertContactKeys,
  kInsertContacts,
  kDeleteTerm,
  kListBySearch,
  kEraseContact,
  kDeleteOrg,
  kInsertAnswer,
  kGetAnswer,
  kPruneAnswers,
  kLockOrg,
  kInsertEvent,  // the change log's statements from here on (event_sql.cpp)
  kListEvents,
  kListHistory,
  kFindEvent,
  kFindEventOfAny,
  kEventsWatermark,
  kEventLogState,
  kOldestEvents,
  kPruneEvents,
  kPrunedBefore,
  kEventHorizon,
  kCountWebhooks,  // the webhooks' statements from here on (webhook_sql.cpp)
  kInsertWebhook,
  kListWebhooks,
  kGetWebhook,
  kLockWebhook,
  kUpdateWebhook,
  kDeleteWebhook,
  kDeleteWebhookDeliveries,
  kDeleteWebhookAttempts,
  kListEveryWebhook,
  kLeaseStreams,
  kReleaseStreams,
  kHeldContacts,
  kCommitStream,
  kEnqueueDelivery,
  kDueDeliveries,
  kLeaseDelivery,
  kSettleDelivery,
  kLogAttempt,
  kWriteHealth,
  kParkedDueNow,
  kListDeliveryAttempts,
  kRetryDelivery,
  kProbeNow,
  kMoveWebhookToHead,
  kFailingWebhooks,
  kDisableWebhook,
  kPruneDeliveries,
  kCountCollectionEntries,  // the collections' statements from here on (collection_sql.cpp)
  kBumpCollectionCounter,
  kInsertCollectionEntry,
  kListCollectionEntries,
  kFindCollectionIds,
  kLockCollectionIds,
  kLockCollectionEntry,
  kDeleteCollectionEntry,
  kCount,  // not a statement
};

struct StatementDef {
  Sql id;              // its index in the catalogue (checked at compile time)
  const char* name;    // the prepared statement's name on the server
  const char* sql;     //
  const char* params;  // one letter per parameter: 't' text, 'i' int8
  // True when running it may make a change durable (an INSERT/UPDATE/DELETE outside an explicit
  // transaction, or COMMIT): after a connection is lost mid-way, such an operation is never
  // retried, since it may have been applied.
  bool may_commit;
};

// Whether `defs` lists the Sql values from `first` on, each at its own place and named: each
// part of the catalogue checks itself with it at compile time (Def reads a part by index).
template <std::size_t N>
constexpr bool ListsInEnumOrder(const std::array<StatementDef, N>& defs, Sql first) {
  for (std::size_t i = 0; i < N; ++i) {
    if (defs[i].id != static_cast<Sql>(static_cast<std::size_t>(first) + i) ||
        defs[i].name == nullptr) {
      return false;
    }
  }
  return true;
}

// REQUIRES: sql != Sql::kCount.
const StatementDef& Def(Sql sql);
// The change log's part (kInsertEvent to kCountWebhooks; event_sql.cpp), which Def reads.
const StatementDef& EventDef(Sql sql);
// The webhook statements' part (kCountWebhooks to kCountCollectionEntries; webhook_sql.cpp),
// which Def reads.
const StatementDef& WebhookDef(Sql sql);
// The collections' part (kCountCollectionEntries on; collection_sql.cpp), which Def reads.
const StatementDef& CollectionDef(Sql sql);

}  // namespace contactsd::store::postgres
