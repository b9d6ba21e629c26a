// The bodies of the contact writes, run on the writer inside a write's transaction: a create,
// an update, and one operation of a batch. Each checks references and unique keys and stores
// the contact through the change log (so its event is recorded with it). An error leaves
// partial changes behind: the caller's savepoint rolls them back.
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store::sqlite {

// The tenant's contact with this id. Errors: NotFound.
Result<Contact> LoadContact(Connection& connection, std::string_view org_id, std::string_view id);

// Inserts the contact with its keys and search terms (CreateContact's transaction). Errors:
// MissingReferencesError, CustomFieldChangedError, Conflict "duplicate" (a key taken, or the
// id).
Result<Contact> CreateStoredContact(Connection& writer, const NewContact& created,
                                    const ChangeOrigin& origin);

// Removes `removed` from the contact's search terms, then adds `added`.
Status ChangeSearchTerms(Connection& writer, std::string_view org_id, std::string_view contact_id,
                         const std::vector<std::string>& removed,
                         const std::vector<std::string>& added);

// Loads, mutates, checks and writes (UpdateContact's transaction). Errors: NotFound, the
// mutation's, MissingReferencesError, CustomFieldChangedError, Conflict "duplicate".
Result<Contact> UpdateStoredContact(Connection& writer, std::string_view org_id,
                                    std::string_view id, const Mutation& mutate,
                                    const ChangeOrigin& origin);

// One operation of a batch (Store::WriteContacts), in the tenant `org_id`.
ContactOpResult RunContactOp(Connection& writer, std::string_view org_id, const ContactOp& op,
                             const ChangeOrigin& origin);

}  // namespace contactsd::store::sqlite
