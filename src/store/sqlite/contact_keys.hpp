// The unique keys a contact holds, kept in contact_keys under its primary key
// (org_id, key_name, key_value): a value another active contact holds cannot be inserted.
#pragma once

#include "common/result.hpp"
#include "store/store.hpp"

#include <string_view>
#include <vector>

namespace contactsd::store::sqlite {

class Connection;

// Makes the contact hold exactly `keys` (duplicates ignored): deletes the rows it no longer
// holds, then inserts the new ones. Errors: Conflict (store::KeyTakenError, naming the
// holder) for the first new key another contact holds; sqlite errors. Leaves partial changes on
// error. REQUIRES: inside a write transaction on `writer` (rolled back on error).
Status ReplaceContactKeys(Connection& writer, std::string_view org_id, std::string_view contact_id,
                          const std::vector<UniqueKey>& keys);

// Inserts the keys of a new contact; errors as ReplaceContactKeys.
Status InsertContactKeys(Connection& writer, std::string_view org_id, std::string_view contact_id,
                         const std::vector<UniqueKey>& keys);

}  // namespace contactsd::store::sqlite
