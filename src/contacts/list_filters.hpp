// A list query's filter parameters as the store compares them: each value read as its field
// stores it. Pure: no I/O.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"
#include "store/store.hpp"

#include <optional>
#include <string_view>

namespace contactsd::contacts {

// The store filter for one list parameter of the model: its value checked and normalized as
// the field stores it (an email lower-cased, a phone in E.164, a UUID lower-cased, a date
// checked; for an array field, as one of its items), then compared as that JSON value is.
// Nothing when the field could not hold the value (an empty tag, a malformed email): then no
// contact matches. A value of the wrong type (not a boolean, a number, an integer or a UUID
// where the field holds one) is a 400 naming the parameter.
Result<std::optional<store::DocFilter>> ListFilterFor(const model::Model& model,
                                                      std::string_view param,
                                                      std::string_view value);

}  // namespace contactsd::contacts
