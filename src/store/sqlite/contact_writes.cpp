#include "store/sqlite/contact_writes.hpp"

#include "store/sqlite/change_log.hpp"
#include "store/sqlite/contact_keys.hpp"
#include "store/sqlite/entry_references.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

#include <string>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

// The id of the tenant's active contact holding `key` (archived contacts hold none), if any.
Result<std::optional<std::string>> HolderOf(Connection& writer, std::string_view org_id,
                                            const UniqueKey& key) {
  auto stmt = writer.Prepare(sql::kFindKeyHolder);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, key.name).Bind(3, key.value);
  return FirstRow(*stmt, [](const Statement& row) { return std::string(row.Text(0)); });
}

// Runs `sql` once per term, bound as (org, term, contact).
Status ForEachTerm(Connection& writer, const char* sql, std::string_view org_id,
                   std::string_view contact_id, const std::vector<std::string>& terms) {
  for (const std::string& term : terms) {
    auto stmt = writer.Prepare(sql);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, org_id).Bind(2, term).Bind(3, contact_id);
    if (auto done = stmt->Exec(); !done) return std::move(done).error();
  }
  return {};
}

// Writes are serialized: a definition found here is the definition when the write commits.
Status CheckCustomFields(Connection& writer, std::string_view org_id,
                         const std::vector<CustomField>& checked) {
  std::vector<CustomField> stored;
  for (const CustomField& field : checked) {
    auto stmt = writer.Prepare(sql::kGetCustomField);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, org_id).Bind(2, field.name);
    auto found = FirstRow(*stmt, ReadCustomField);
    if (!found) return std::move(found).error();
    if (*found) stored.push_back(std::move(**found));
  }
  return CheckCustomFieldsUnchanged(checked, stored);
}

}  // namespace

Status ChangeSearchTerms(Connection& writer, std::string_view org_id, std::string_view contact_id,
                         const std::vector<std::string>& removed,
                         const std::vector<std::string>& added) {
  if (auto gone = ForEachTerm(writer, sql::kDeleteTerm, org_id, contact_id, removed); !gone) {
    return gone;
  }
  return ForEachTerm(writer, sql::kInsertTerm, org_id, contact_id, added);
}

Result<Contact> LoadContact(Connection& connection, std::string_view org_id, std::string_view id) {
  auto stmt = connection.Prepare(sql::kGetContact);
  if (!stmt) return std::move(stmt).error();
  stmt->Bind(1, org_id).Bind(2, id);
  auto contact = FirstRow(*stmt, ReadContact);
  if (!contact) return std::move(contact).error();
  if (!*contact) return Error::NotFound("Contact not found");
  return std::move(**contact);
}

Result<Contact> CreateStoredContact(Connection& writer, const NewContact& created,
                                    const ChangeOrigin& origin) {
  const Contact& contact = created.contact;
  // Writes are serialized: no delete can come between this check and the commit.
  if (auto exist = CheckReferences(writer, contact.org_id, created.references); !exist) {
    return std::move(exist).error();
  }
  if (auto same = CheckCustomFields(writer, contact.org_id, created.custom_fields); !same) {
    return std::move(same).error();
  }
  // Archived contacts hold no keys.
  if (!contact.archived_at_ms) {
    if (auto held = InsertContactKeys(writer, contact.org_id, contact.id, created.keys); !held) {
      return std::move(held).error();
    }
  }
  if (auto found = ChangeSearchTerms(writer, contact.org_id, contact.id, {}, created.terms);
      !found) {
    return std::move(found).error();
  }
  auto inserted = change_log::InsertContact(writer, contact, origin);
  if (!inserted) return std::move(inserted).error();
  if (!*inserted) return Error::Conflict("Contact already exists", "duplicate");
  Contact stored = contact;
  stored.version = 1;
  return stored;
}

Result<Contact> UpdateStoredContact(Connection& writer, std::string_view org_id,
                                    std::string_view id, const Mutation& mutate,
                                    const ChangeOrigin& origin) {
  auto current = LoadContact(writer, org_id, id);
  if (!current) return std::move(current).error();
  auto write = mutate(*current);
  if (!write) return std::move(write).error();  // returned as is, and rolled back
  if (!write->changed) return current;
  if (auto exist = CheckReferences(writer, org_id, write->references); !exist) {
    return std::move(exist).error();
  }
  if (auto same = CheckCustomFields(writer, org_id, write->custom_fields); !same) {
    return std::move(same).error();
  }
  // Archived contacts hold no keys, so archiving frees them and restoring takes them back.
  static const std::vector<UniqueKey> kNoKeys;
  const auto& keys = write->archived_at_ms ? kNoKeys : write->unique_keys;
  if (write->archived_at_ms || !write->keys_unchanged) {
    if (auto held = ReplaceContactKeys(writer, org_id, id, keys); !held) {
      return std::move(held).error();
    }
  }
  if (auto found = ChangeSearchTerms(writer, org_id, id, write->terms_removed, write->terms_added);
      !found) {
    return std::move(found).error();
  }
  if (auto stored = change_log::UpdateContact(writer, *current, std::move(*write), origin);
      !stored) {
    return std::move(stored).error();
  }
  return current;
}

ContactOpResult RunContactOp(Connection& writer, std::string_view org_id, const ContactOp& op,
                             const ChangeOrigin& origin) {
  using Kind = ContactOp::Kind;
  if (op.kind == Kind::kCreate) return {CreateStoredContact(writer, op.create, origin), true};
  std::string id = op.id;
  if (id.empty()) {
    // Writes are serialized: the holder found here is the holder when the write commits.
    auto holder = HolderOf(writer, org_id, op.key);
    if (!holder) return {std::move(holder).error()};
    if (!*holder) {
      if (op.kind == Kind::kUpdate) return {Error::NotFound("Contact not found")};
      if (op.create_error) return {*op.create_error};
      return {CreateStoredContact(writer, op.create, origin), true};
    }
    id = std::move(**holder);
  }
  return {UpdateStoredContact(writer, org_id, id, op.mutate, origin)};
}

}  // namespace contactsd::store::sqlite
