// PostgresStore: a custom field's definition changed or deleted.
//
// A delete takes the value out of every contact that holds one, in the transaction that
// deletes the definition: the contacts' log locks first (before the delete gives the
// transaction its id, as every write of a contact's event does: lock_contact_log), then the
// definition and its event, then the contacts a page at a time, each locked, rewritten and
// recorded as any update.
#include "store/event_records.hpp"
#include "store/postgres/array_text.hpp"
#include "store/postgres/change_log.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/rows.hpp"
#include "store/rewrite_paging.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace contactsd::store::postgres {
namespace {

Query PageWithValue(std::string_view org_id, std::string_view after_id, std::string_view container,
                    std::string_view name) {
  Query page(Sql::kLockContactsWithValue);
  page.Text(org_id).Text(after_id).Text(container).Text(name).Int8(std::int64_t{kRewritePage});
  return page;
}

}  // namespace

Result<int> PostgresStore::UpdateCustomField(const CustomField& field, std::string_view container,
                                             const std::vector<std::string>& removed,
                                             std::string_view definition_json, std::int64_t now_ms,
                                             const ChangeOrigin& origin) {
  // Any early return leaves the transaction open; the pool rolls it back.
  return WithConnection([&](Connection& connection) -> Result<int> {
    ArrayText values;
    for (const std::string& v : removed) values.Add(v);
    const std::string values_text = values.Take();
    Query update(Sql::kUpdateCustomField);
    update.Text(field.org_id).Text(field.name).Text(field.options_json).Text(definition_json);
    update.Int8(now_ms).Text(origin.actor_type).Text(origin.actor_id).Text(origin.request_id);
    // The definition's row first: a write checked against the old options holds it share-locked
    // until it commits (CustomFieldLock), so the count below, taken once the row is ours, sees
    // the value that write stored; a write checked later waits for this one and sees the change.
    std::vector<Query> batch = {Query(Sql::kBegin), std::move(update)};
    if (!removed.empty()) {
      batch.push_back(Query(Sql::kCountContactsHoldingValues)
                          .Text(field.org_id)
                          .Text(container)
                          .Text(field.name)
                          .Text(values_text));
    }
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    if ((*results)[1].affected() == 0) {
      return Error::NotFound("No custom field named '" + field.name + "'");
    }
    if (!removed.empty()) {
      const Rows& count = results->back();
      const std::int64_t holding = count.size() == 1 ? count.Int8(0, 0) : 0;
      if (holding > 0) {
        if (auto undone = connection.Run(Query(Sql::kRollback)); !undone) {
          return std::move(undone).error();
        }
        return static_cast<int>(holding);
      }
    }
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return 0;
  });
}

Result<int> PostgresStore::DeleteCustomField(std::string_view org_id, std::string_view name,
                                             std::string_view container,
                                             std::string_view definition_json, std::int64_t now_ms,
                                             const DocRewrite& rewrite,
                                             const ChangeOrigin& origin) {
  // Any early return leaves the transaction open; the pool rolls it back.
  return WithConnection([&](Connection& connection) -> Result<int> {
    std::vector<Query> batch = {
        Query(Sql::kBegin),
        Query(Sql::kLockLogsOfContactsWithValue).Text(org_id).Text(container).Text(name),
        Query(Sql::kDeleteCustomField)
            .Text(org_id)
            .Text(name)
            .Text(definition_json)
            .Int8(now_ms)
            .Text(origin.actor_type)
            .Text(origin.actor_id)
            .Text(origin.request_id),
        PageWithValue(org_id, "", container, name)};
    auto results = connection.Run(batch);
    if (!results) return std::move(results).error();
    if ((*results)[2].affected() == 0) {
      return Error::NotFound("No custom field named '" + std::string(name) + "'");
    }
    int rewritten = 0;
    // Each round trip writes one page and reads the next, after its last contact.
    for (;;) {
      std::vector<Contact> contacts = AllRows(results->back(), ReadContact);
      if (contacts.empty()) break;
      std::vector<DocChange> changes;  // reserved: the queries below keep views of them
      changes.reserve(contacts.size());
      std::vector<Query> next;
      next.reserve(contacts.size() + 1);
      for (const Contact& contact : contacts) {
        auto change = rewrite(contact);
        if (!change) return std::move(change).error();
        changes.push_back(std::move(*change));
        next.push_back(RewriteUpdate(contact, changes.back(), now_ms, origin));
      }
      rewritten += static_cast<int>(contacts.size());
      next.push_back(PageWithValue(org_id, contacts.back().id, container, name));
      auto written = connection.Run(next);
      if (!written) return std::move(written).error();
      results = std::move(written);
    }
    if (auto committed = connection.Run(Query(Sql::kCommit)); !committed) {
      return std::move(committed).error();
    }
    return rewritten;
  });
}

}  // namespace contactsd::store::postgres
