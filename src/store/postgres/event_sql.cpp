// The change log's statements of the PostgreSQL catalogue (sql.hpp's Sql from kInsertEvent to
// kCountWebhooks): appending an event that changes no contact, reading the feed and a contact's
// history, the watermark a waiting reader polls, retention, and the state /metrics reads. The
// writes that append a contact's event with it are sql.cpp's (the event in the same statement).
#include "store/postgres/sql.hpp"
#include "store/postgres/sql_columns.hpp"

#include <array>
#include <cstddef>

namespace contactsd::store::postgres {
namespace {

// One tenant's events after ($3, $4) in log order, of transactions older than every running
// one (docs/events.md), with the filters type ($5) and contact ($6), '' for none.
#define CONTACTSD_TENANT_EVENTS(tenant)                                                         \
  "(SELECT " CONTACTSD_EVENT_COLUMNS " FROM events WHERE org_id = " tenant                      \
  " AND (txid, seq) > ($3::text::xid8, $4) AND txid < pg_snapshot_xmin(pg_current_snapshot()) " \
  "AND ($5 = '' OR type = $5) AND ($6 = '' OR contact_id = $6) ORDER BY txid, seq LIMIT $7)"
#define CONTACTSD_TENANT_HISTORY(tenant)                                   \
  "(SELECT " CONTACTSD_EVENT_COLUMNS " FROM events WHERE org_id = " tenant \
  " AND contact_id = $3 AND ($4 = 0 OR seq < $4) ORDER BY seq DESC LIMIT $5)"

constexpr std::size_t kFirstEventSql = static_cast<std::size_t>(Sql::kInsertEvent);

// Indexed by Sql less kFirstEventSql: the static_assert below checks that each entry sits at its
// index.
constexpr std::array<StatementDef, static_cast<std::size_t>(Sql::kCountWebhooks) - kFirstEventSql>
    kEventSql = {{
        // The change log. An event of a write that changes no contact (an unlock, a custom field).
        {Sql::kInsertEvent, "insert_event",
         "INSERT INTO events (" CONTACTSD_EVENT_INSERT_COLUMNS
         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
         "ttitttti"
         "ttiiit",
         true},
        // One or two tenants ($2 is '' for one): each read from its own index range, merged.
        {Sql::kListEvents, "list_events",
         "SELECT * FROM (" CONTACTSD_TENANT_EVENTS("$1") " UNION ALL " CONTACTSD_TENANT_EVENTS(
             "$2") ") AS e ORDER BY txid, seq LIMIT $7",
         "tttitti", false},
        {Sql::kListHistory, "list_history",
         "SELECT * FROM (" CONTACTSD_TENANT_HISTORY("$1") " UNION ALL " CONTACTSD_TENANT_HISTORY(
             "$2") ") AS e ORDER BY seq DESC LIMIT $5",
         "tttii", false},
        // One event of a contact (events_by_contact).
        {Sql::kFindEvent, "find_event",
         "SELECT " CONTACTSD_EVENT_COLUMNS " FROM events WHERE org_id IN ($1, $2) "
         "AND contact_id = $3 AND seq = $4",
         "ttti", false},
        // ($3 unused: the parameters are find_event's.)
        {Sql::kFindEventOfAny, "find_event_of_any",
         "SELECT " CONTACTSD_EVENT_COLUMNS " FROM events WHERE org_id IN ($1, $2) AND seq = $4 "
         "AND $3 = ''",
         "ttti", false},
        // The last seq any process took, and the oldest transaction still running: a reader may
        // find new events when either moves.
        {Sql::kEventsWatermark, "events_watermark",
         "SELECT last_value::text || ':' || pg_snapshot_xmin(pg_current_snapshot())::text "
         "FROM events_seq_seq",
         "", false},
        // For /metrics (Store::ReadEventLogState): the log's newest and oldest events
        // (events_by_seq,
        // one entry each), the parked webhook deliveries (webhook_deliveries_due, partial: as many
        // entries as are pending), and the log's size on disk, indexes included (on Citus, the
        // coordinator's table: citus_total_relation_size would count the shards).
        {Sql::kEventLogState, "event_log_state",
         "SELECT n.seq, n.occurred_at, o.seq, o.occurred_at, p.pending, p.oldest, "
         "pg_total_relation_size('events') "
         "FROM (SELECT count(*) AS pending, min(created_at) AS oldest FROM webhook_deliveries "
         "WHERE state = 'pending') p "
         "LEFT JOIN LATERAL (SELECT seq, occurred_at FROM events ORDER BY seq DESC LIMIT 1) n ON "
         "true "
         "LEFT JOIN LATERAL (SELECT seq, occurred_at FROM events ORDER BY seq LIMIT 1) o ON true",
         "", false},
        // Retention: the log's oldest events, then those of them through seq $1 that are older than
        // $2 deleted, each tenant's highest deleted seq raised, in one statement; it answers how
        // many it deleted. An event committed meanwhile with a seq below $1 is recent: it stays.
        {Sql::kOldestEvents, "oldest_events",
         "SELECT seq, occurred_at FROM events ORDER BY seq LIMIT $1", "i", false},
        {Sql::kPruneEvents, "prune_events",
         "WITH gone AS (DELETE FROM events WHERE seq <= $1 AND occurred_at < $2 "
         "RETURNING org_id, seq, occurred_at), "
         "raised AS (INSERT INTO event_horizons (org_id, pruned_seq, pruned_before) "
         "SELECT org_id, max(seq), max(occurred_at) + 1 FROM gone GROUP BY org_id "
         "ON CONFLICT (org_id) DO UPDATE SET "
         "pruned_seq = greatest(event_horizons.pruned_seq, excluded.pruned_seq), "
         "pruned_before = greatest(event_horizons.pruned_before, excluded.pruned_before)) "
         "SELECT count(*) FROM gone",
         "ii", true},
        {Sql::kPrunedBefore, "pruned_before",
         "SELECT pruned_before FROM event_horizons WHERE org_id = $1", "t", false},
        {Sql::kEventHorizon, "event_horizon",
         "SELECT coalesce(max(pruned_seq), 0) FROM event_horizons WHERE org_id IN ($1, $2)", "tt",
         false},
    }};

static_assert(ListsInEnumOrder(kEventSql, Sql::kInsertEvent),
              "kEventSql must list the change log's Sql in order");

#undef CONTACTSD_TENANT_EVENTS
#undef CONTACTSD_TENANT_HISTORY

}  // namespace

const StatementDef& EventDef(Sql sql) {
  return kEventSql[static_cast<std::size_t>(sql) - kFirstEventSql];
}

}  // namespace contactsd::store::postgres
