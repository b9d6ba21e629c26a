// Which ids of a write's references exist in the tenant's collections, as queries that join a
// caller's batch (so a check costs no round trip of its own where the batch can carry it).
//
// Not thread-safe (a value owned by one call).
#pragma once

#include "store/postgres/query.hpp"
#include "store/store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store::postgres {

class ReferenceLookup {
 public:
  enum class Mode {
    kRead,  // a plain read
    kLock,  // FOR SHARE: inside a transaction, the entries found stay until it ends
  };

  // REQUIRES: `org_id` and `references` outlive this object.
  ReferenceLookup(std::string_view org_id, const std::vector<Reference>& references, Mode mode);
  ReferenceLookup(const ReferenceLookup&) = delete;
  ReferenceLookup& operator=(const ReferenceLookup&) = delete;

  bool empty() const { return queries_.empty(); }
  // Appends one query per reference that has ids. REQUIRES: this object outlives the Run that
  // sends `batch`.
  void AppendTo(std::vector<Query>& batch);
  // The references with only their ids that do not exist (none: empty), read from the results
  // of the batch AppendTo joined.
  std::vector<Reference> Missing(const std::vector<Rows>& results) const;

 private:
  const std::vector<Reference>& references_;
  std::vector<std::string> arrays_;  // one '{1,2}' per reference; the queries point into them
  std::vector<Query> queries_;
  std::vector<std::size_t> reference_of_;  // the reference each query checks
  std::size_t first_ = 0;                  // where the queries start in the batch
};

}  // namespace contactsd::store::postgres
