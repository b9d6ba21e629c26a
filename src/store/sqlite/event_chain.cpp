#include "store/sqlite/event_chain.hpp"

#include "store/event_records.hpp"
#include "store/sqlite/rows.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

namespace contactsd::store::sqlite::event_chain {
namespace {

// The heads of the contact's chains in the logs of one or two tenants (?2 is '' for one).
constexpr char kHeads[] =
    "SELECT org_id, last_event_seq FROM contacts "
    "WHERE org_id IN (?1, ?2) AND id = ?3 AND last_event_seq > 0 "
    "UNION ALL SELECT org_id, event_seq FROM unlocks "
    "WHERE org_id IN (?1, ?2) AND contact_id = ?3 AND event_seq > 0 "
    "UNION ALL SELECT org_id, seq FROM events "
    "WHERE org_id IN (?1, ?2) AND contact_id = ?3 AND type = 'contact.erased'";
constexpr char kLink[] = "SELECT prev_seq, type, org_id, contact_id FROM events WHERE seq = ?1";
// Erasure: every chain of the contact, from its row's head and its unlocks' (in any org; only
// if the contact is the tenant's: another tenant's id must erase nothing).
constexpr char kDeleteChains[] =
    "WITH RECURSIVE chain(seq) AS ("
    " SELECT last_event_seq FROM contacts WHERE org_id = ?1 AND id = ?2 AND last_event_seq > 0"
    " UNION ALL SELECT event_seq FROM unlocks WHERE contact_id = ?2 AND event_seq > 0"
    " AND EXISTS (SELECT 1 FROM contacts WHERE org_id = ?1 AND id = ?2)"
    " UNION ALL SELECT events.prev_seq FROM events JOIN chain ON events.seq = chain.seq"
    " WHERE events.prev_seq > 0) "
    "DELETE FROM events WHERE seq IN (SELECT seq FROM chain)";

struct Chain {
  std::string org_id;
  std::int64_t at;  // the next event to visit; 0 once the chain has ended
};

struct Link {
  std::int64_t prev;
  std::string type;
  std::string org_id;
  std::string contact_id;
};

Result<std::vector<Chain>> HeadsOf(Connection& reader, const std::vector<std::string>& tenants,
                                   std::string_view contact_id) {
  auto stmt = reader.Prepare(kHeads);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, tenants[0]).Bind(2, SecondTenant(tenants)).Bind(3, contact_id);
  return AllRows(*stmt, [](const Statement& row) {
    return Chain{std::string(row.Text(0)), row.Int64(1)};
  });
}

// The event at `seq`, or nothing when retention pruned it.
Result<std::optional<Link>> LinkAt(Connection& reader, std::int64_t seq) {
  auto stmt = reader.Prepare(kLink);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, seq);
  return FirstRow(*stmt, [](const Statement& row) {
    return Link{row.Int64(0), std::string(row.Text(1)), std::string(row.Text(2)),
                std::string(row.Text(3))};
  });
}

// Visits the events of `chains` newest first, down to (not including) `floor`, until `visit`
// returns false.
template <class Visit>
Status Walk(Connection& reader, std::vector<Chain>& chains, std::int64_t floor, Visit visit) {
  for (;;) {
    auto newest = std::max_element(chains.begin(), chains.end(),
                                   [](const Chain& a, const Chain& b) { return a.at < b.at; });
    if (newest == chains.end() || newest->at <= floor) return {};
    const std::int64_t seq = newest->at;
    auto link = LinkAt(reader, seq);
    if (!link) return std::move(link).error();
    if (!*link) {  // pruned: so is everything before it
      newest->at = 0;
      continue;
    }
    newest->at = (*link)->prev;
    if (!visit(seq, **link)) return {};
  }
}

}  // namespace

Result<std::vector<std::int64_t>> History(Connection& reader, const HistoryQuery& query) {
  if (auto ok = CheckEventQuery(query.tenants, query.limit); !ok) return std::move(ok).error();
  auto chains = HeadsOf(reader, query.tenants, query.contact_id);
  if (!chains) return std::move(chains).error();
  if (query.before_seq > 0) {
    // A page after the first: the chain that holds the cursor's event resumes right below it;
    // the others are walked from their heads past it.
    auto cursor = LinkAt(reader, query.before_seq);
    if (!cursor) return std::move(cursor).error();
    if (!*cursor) return std::vector<std::int64_t>{};  // pruned, and all before it
    for (Chain& chain : *chains) {
      if (chain.org_id == (*cursor)->org_id && (*cursor)->contact_id == query.contact_id) {
        chain.at = std::min(chain.at, (*cursor)->prev);
      }
    }
  }
  std::vector<std::int64_t> seqs;
  const auto wanted = static_cast<std::size_t>(query.limit);
  auto walked = Walk(reader, *chains, 0, [&](std::int64_t seq, const Link&) {
    if (query.before_seq == 0 || seq < query.before_seq) seqs.push_back(seq);
    return seqs.size() < wanted;
  });
  if (!walked) return std::move(walked).error();
  return seqs;
}

Result<std::optional<std::vector<std::int64_t>>> Feed(Connection& reader, const EventQuery& query,
                                                      int max_walk) {
  if (auto ok = CheckEventQuery(query.tenants, query.limit); !ok) return std::move(ok).error();
  auto chains = HeadsOf(reader, query.tenants, query.contact_id);
  if (!chains) return std::move(chains).error();
  // The chain runs newest first and the feed oldest first: every event after the cursor is
  // walked, and the oldest `limit` of them kept.
  std::vector<std::int64_t> seqs;
  int visited = 0;
  auto walked = Walk(reader, *chains, query.after.seq, [&](std::int64_t seq, const Link& link) {
    if (query.type.empty() || link.type == query.type) seqs.push_back(seq);
    return ++visited <= max_walk;
  });
  if (!walked) return std::move(walked).error();
  if (visited > max_walk) return std::optional<std::vector<std::int64_t>>{};
  std::reverse(seqs.begin(), seqs.end());
  if (seqs.size() > static_cast<std::size_t>(query.limit)) {
    seqs.resize(static_cast<std::size_t>(query.limit));
  }
  return std::optional<std::vector<std::int64_t>>(std::move(seqs));
}

Result<int> Erase(Connection& writer, std::string_view org_id, std::string_view contact_id) {
  auto stmt = writer.Prepare(kDeleteChains);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, contact_id);
  return stmt->Exec();
}

}  // namespace contactsd::store::sqlite::event_chain
