// The custom-field definitions a write's values were checked against, share-locked and read
// again in the write's transaction (ContactWrite::custom_fields), as one query that joins a
// caller's batch. A change or a delete of a definition locks its row, so it waits for the write
// to commit (and then finds its value), or the write waits for it and finds the definition
// changed: either way no value the definition does not allow is left stored.
//
// Not thread-safe (a value owned by one call).
#pragma once

#include "store/postgres/connection.hpp"
#include "store/postgres/query.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store::postgres {

class CustomFieldLock {
 public:
  // REQUIRES: `org_id` outlives this object.
  CustomFieldLock(std::string_view org_id, const std::vector<CustomField>& checked);
  CustomFieldLock(const CustomFieldLock&) = delete;
  CustomFieldLock& operator=(const CustomFieldLock&) = delete;

  bool empty() const { return !query_; }
  // Appends the query (none when empty()). REQUIRES: this object outlives the Run that sends
  // `batch`.
  void AppendTo(std::vector<Query>& batch);
  // The definitions found, read from the results of the batch AppendTo joined.
  std::vector<CustomField> Found(const std::vector<Rows>& results) const;

 private:
  std::string names_;  // the names as a text[] literal; the query points into it
  std::optional<Query> query_;
  std::size_t at_ = 0;  // where the query is in the batch
};

// Share-locks, in one query, the definitions an atomic batch of creates' custom values were
// checked against: the results of the batch ending at the first create one of whose
// definitions changed since (empty when none did; then they stay locked until the transaction
// ends).
Result<std::vector<ContactOpResult>> LockDefinitionsOfCreates(Connection& connection,
                                                              std::string_view org_id,
                                                              const std::vector<ContactOp>& ops);

}  // namespace contactsd::store::postgres
