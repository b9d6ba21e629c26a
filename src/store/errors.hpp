// Errors that both backends return with the same words, so a client cannot tell them apart.
#pragma once

#include "common/error.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <string>

namespace contactsd::store {

// CreateOrg with the catalogue's tenant id.
inline Error ReservedOrgIdError() {
  return Error::BadRequest(
      "The organization id '" + std::string(kCatalogueTenantId) + "' is reserved", "reserved_id");
}

// UnlockContact when the org's balance is below the cost.
inline Error NotEnoughCreditsError(std::int64_t cost, std::int64_t balance) {
  return Error::PaymentRequired("Not enough credits: unlocking this contact costs " +
                                std::to_string(cost) + ", the balance is " +
                                std::to_string(balance));
}

}  // namespace contactsd::store
