// SqliteStore: a custom field's definition changed or deleted. Each is one Write() on the
// writer; a delete takes the field's value out of every contact that holds one in the same
// transaction, each change recorded as any update's.
#include "store/event_records.hpp"
#include "store/rewrite_paging.hpp"
#include "store/sqlite/change_log.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

// The JSON path of a custom value: names are [a-z][a-z0-9_]* (model/custom_field.cpp), so
// they need no quoting in a path.
std::string ValuePath(std::string_view container, std::string_view name) {
  return "$." + std::string(container) + "." + std::string(name);
}

std::string JsonStrings(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[(c >> 4) & 0xF];
        out += kHex[c & 0xF];
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "]";
}

}  // namespace

Result<int> SqliteStore::UpdateCustomField(const CustomField& field, std::string_view container,
                                           const std::vector<std::string>& removed,
                                           std::string_view definition_json, std::int64_t now_ms,
                                           const ChangeOrigin& origin) {
  return Write([&](Connection& writer) -> Result<int> {
    if (!removed.empty()) {
      // Bound without a copy: the texts must outlive the statement's steps.
      const std::string path = ValuePath(container, field.name);
      const std::string values = JsonStrings(removed);
      auto count = writer.Prepare(sql::kCountContactsHoldingValues);
      if (!count) return std::move(count).error();
      count->Bind(1, field.org_id).Bind(2, path).Bind(3, values);
      auto holding = FirstRow(*count, [](const Statement& row) { return row.Int64(0); });
      if (!holding) return std::move(holding).error();
      if (holding->value_or(0) > 0) return static_cast<int>(**holding);
    }
    auto update = writer.Prepare(sql::kUpdateCustomFieldOptions);
    if (!update) return std::move(update).error();
    update->Bind(1, field.org_id).Bind(2, field.name).Bind(3, field.options_json);
    auto changed = update->Exec();
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return Error::NotFound("No custom field named '" + field.name + "'");
    auto logged = change_log::AppendEvent(
        writer, CustomFieldEvent("custom_field.updated", field, definition_json, now_ms, origin));
    if (!logged) return std::move(logged).error();
    return 0;
  });
}

Result<int> SqliteStore::DeleteCustomField(std::string_view org_id, std::string_view name,
                                           std::string_view container,
                                           std::string_view definition_json, std::int64_t now_ms,
                                           const DocRewrite& rewrite, const ChangeOrigin& origin) {
  return Write([&](Connection& writer) -> Result<int> {
    auto remove = writer.Prepare(sql::kDeleteCustomField);
    if (!remove) return std::move(remove).error();
    remove->Bind(1, org_id).Bind(2, name);
    auto deleted = remove->Exec();
    if (!deleted) return std::move(deleted).error();
    if (*deleted == 0) return Error::NotFound("No custom field named '" + std::string(name) + "'");
    CustomField field{std::string(org_id), std::string(name), "", "[]", 0};
    auto logged = change_log::AppendEvent(
        writer, CustomFieldEvent("custom_field.deleted", field, definition_json, now_ms, origin));
    if (!logged) return std::move(logged).error();
    const std::string path = ValuePath(container, name);
    int rewritten = 0;
    std::string after;  // every id sorts after "": the first page
    for (;;) {
      auto stmt = writer.Prepare(sql::kListContactsWithPath);
      if (!stmt) return std::move(stmt).error();
      stmt->Bind(1, org_id).Bind(2, after).Bind(3, path).Bind(4, std::int64_t{kRewritePage});
      auto page = AllRows(*stmt, ReadContact, kRewritePage);
      if (!page) return std::move(page).error();
      if (page->empty()) break;
      after = page->back().id;
      for (Contact& contact : *page) {
        if (auto written = change_log::RewriteContact(writer, contact, rewrite, now_ms, origin);
            !written) {
          return std::move(written).error();
        }
        ++rewritten;
      }
    }
    return rewritten;
  });
}

}  // namespace contactsd::store::sqlite
