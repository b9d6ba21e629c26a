// What both backends store the same way for webhooks: the event types of an endpoint as one
// JSON array column, and the names of a delivery's states.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::store {

std::string EventTypesColumn(const std::vector<std::string>& types);
// The types of a column EventTypesColumn wrote; [] for anything else (never expected).
std::vector<std::string> EventTypesOfColumn(std::string_view column);

inline constexpr char kDeliveryPending[] = "pending";
inline constexpr char kDeliveryDelivered[] = "delivered";
inline constexpr char kDeliveryFailed[] = "failed";

}  // namespace contactsd::store
