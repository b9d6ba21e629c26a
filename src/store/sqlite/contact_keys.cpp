#include "store/sqlite/contact_keys.hpp"

#include "store/sqlite/connection.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

#include <algorithm>
#include <string>

namespace contactsd::store::sqlite {
namespace {

bool Contains(const std::vector<UniqueKey>& keys, const UniqueKey& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

Result<std::vector<UniqueKey>> HeldKeys(Connection& writer, std::string_view org_id,
                                        std::string_view contact_id) {
  auto stmt = writer.Prepare(sql::kListContactKeys);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, contact_id);
  std::vector<UniqueKey> held;
  for (;;) {
    auto row = stmt->Next();
    if (!row) return std::move(row).error();
    if (!*row) break;
    held.push_back({std::string(stmt->Text(0)), std::string(stmt->Text(1))});
  }
  return held;
}

Status DeleteKey(Connection& writer, std::string_view org_id, std::string_view contact_id,
                 const UniqueKey& key) {
  auto stmt = writer.Prepare(sql::kDeleteContactKey);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, key.name).Bind(3, key.value).Bind(4, contact_id);
  if (auto done = stmt->Exec(); !done) return std::move(done).error();
  return {};
}

Status InsertKey(Connection& writer, std::string_view org_id, std::string_view contact_id,
                 const UniqueKey& key) {
  auto stmt = writer.Prepare(sql::kInsertContactKey);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, key.name).Bind(3, key.value).Bind(4, contact_id);
  auto inserted = stmt->Exec();
  if (!inserted) return std::move(inserted).error();
  // ON CONFLICT DO NOTHING: no row means the (org, name, value) is held by another contact.
  if (*inserted == 0) {
    auto holder = writer.Prepare(sql::kFindKeyHolder);
    if (!holder) return std::move(holder).error();
    holder->Bind(1, org_id).Bind(2, key.name).Bind(3, key.value);
    auto id = FirstRow(*holder, [](const Statement& row) { return std::string(row.Text(0)); });
    if (!id) return std::move(id).error();
    return KeyTakenError(key.name, id->value_or(""));
  }
  return {};
}

}  // namespace

Status ReplaceContactKeys(Connection& writer, std::string_view org_id, std::string_view contact_id,
                          const std::vector<UniqueKey>& keys) {
  auto held = HeldKeys(writer, org_id, contact_id);
  if (!held) return std::move(held).error();
  // A contact holds a handful of keys: linear scans beat building sets.
  for (const UniqueKey& key : *held) {
    if (Contains(keys, key)) continue;
    if (auto deleted = DeleteKey(writer, org_id, contact_id, key); !deleted) return deleted;
  }
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (Contains(*held, *it) || std::find(keys.begin(), it, *it) != it) continue;
    if (auto inserted = InsertKey(writer, org_id, contact_id, *it); !inserted) return inserted;
  }
  return {};
}

Status InsertContactKeys(Connection& writer, std::string_view org_id, std::string_view contact_id,
                         const std::vector<UniqueKey>& keys) {
  for (auto it = keys.begin(); it != keys.end(); ++it) {
    if (std::find(keys.begin(), it, *it) != it) continue;  // a duplicate in the list itself
    if (auto inserted = InsertKey(writer, org_id, contact_id, *it); !inserted) return inserted;
  }
  return {};
}

}  // namespace contactsd::store::sqlite
