// Per-tenant collections of a model ("lists", "labels"): named entries with integer ids that
// contacts refer to. Creating, listing and deleting them; a delete takes the id out of every
// contact that held it, in the same transaction.
// Thread-safe: holds only references to immutable or thread-safe things.
#pragma once

#include "common/principal.hpp"
#include "common/result.hpp"
#include "contacts/contacts_service.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace contactsd::contacts {

class CollectionsService {
 public:
  CollectionsService(const model::Model& model, store::Store& store, Clock clock)
      : model_(model), store_(store), clock_(std::move(clock)) {}

  // Entries per tenant and collection. Every write that references a collection checks its
  // ids against it, so their number is bounded like the custom fields'.
  static constexpr std::size_t kMaxEntries = 1000;

  // `collection` is one of the model's collections (NotFound otherwise), in every method.
  // Create: `body` is {"name": "..."}. Errors: Validation (model::CheckCollectionEntry);
  // Conflict "limit_reached" past kMaxEntries.
  Result<store::CollectionEntry> Create(const Principal& who, std::string_view collection,
                                        const boost::json::object& body) const;
  // In id order.
  Result<std::vector<store::CollectionEntry>> List(const Principal& who,
                                                   std::string_view collection) const;
  // Get and Delete read `id` alike. Errors: BadRequest "invalid_id" when `id` is not a decimal
  // integer; NotFound when the tenant has no such entry (another tenant's ids included).
  Result<store::CollectionEntry> Get(const Principal& who, std::string_view collection,
                                     std::string_view id) const;
  Status Delete(const Principal& who, std::string_view collection, std::string_view id) const;

 private:
  Status CheckCollection(std::string_view collection) const;

  const model::Model& model_;
  store::Store& store_;
  Clock clock_;
};

}  // namespace contactsd::contacts
