// A read of many contacts in one snapshot (an export): the pages of a list by id, every one as
// the database was when the scan began, however long the reading takes. A write committed
// meanwhile is in none of them; one committed before is in all it belongs to.
#pragma once

#include "common/result.hpp"

#include <vector>

namespace contactsd::store {

struct Contact;

class ContactScan {
 public:
  virtual ~ContactScan() = default;
  // The next page (at most the query's limit, by id); empty at the end.
  virtual Result<std::vector<Contact>> Next() = 0;
};

}  // namespace contactsd::store
