#include "contacts/change_prior.hpp"

#include "model/json_text.hpp"

#include <boost/json/parse.hpp>

namespace contactsd::contacts {
namespace json = boost::json;

namespace {

constexpr std::string_view kAbsent = "$absent";
constexpr std::string_view kArchivedAt = "$archived_at";
constexpr std::string_view kArchivedBy = "$archived_by";

// Adds `key` to the prior if its value differs between the two records.
void Compare(std::string_view key, const json::object& before, const json::object& after,
             json::object& prior, json::array& absent) {
  const json::value* was = before.if_contains(key);
  const json::value* is = after.if_contains(key);
  if (was && is && *was == *is) return;
  if (!was && !is) return;
  if (was) {
    prior[key] = *was;
  } else {
    absent.emplace_back(key);
  }
}

std::string TextOf(json::object& prior, json::array& absent) {
  if (!absent.empty()) prior[kAbsent] = std::move(absent);
  return model::JsonText(prior);
}

}  // namespace

std::string PriorOf(const json::object& before, const json::object& after,
                    const json::object* keys) {
  json::object prior;
  json::array absent;
  if (keys) {
    for (const auto& [key, value] : *keys) Compare(key, before, after, prior, absent);
  } else {
    for (const auto& [key, value] : before) Compare(key, before, after, prior, absent);
    for (const auto& [key, value] : after) {
      if (!before.contains(key)) absent.emplace_back(key);
    }
  }
  return TextOf(prior, absent);
}

std::string ArchivePriorOf(const store::Contact& before) {
  json::object prior;
  if (before.archived_at_ms) {
    prior[kArchivedAt] = *before.archived_at_ms;
  } else {
    prior[kArchivedAt] = nullptr;
  }
  prior[kArchivedBy] = before.archived_by;
  return model::JsonText(prior);
}

Result<ContactBefore> BeforeOf(const json::object& after, const store::Contact& stored_after,
                               std::string_view prior_text) {
  ContactBefore before{after, stored_after.archived_at_ms, stored_after.archived_by};
  if (prior_text.empty()) return before;
  boost::system::error_code ec;
  json::value parsed = json::parse(prior_text, ec);
  if (ec || !parsed.is_object()) return Error::Internal("an event's prior is not an object");
  for (auto& [key, value] : parsed.get_object()) {
    if (key == kAbsent) {
      if (!value.is_array()) return Error::Internal("an event's $absent is not an array");
      for (const json::value& name : value.get_array()) {
        if (name.is_string()) before.record.erase(name.get_string());
      }
    } else if (key == kArchivedAt) {
      before.archived_at_ms = value.is_int64() ? std::optional(value.get_int64()) : std::nullopt;
    } else if (key == kArchivedBy) {
      before.archived_by = value.is_string() ? std::string(value.get_string()) : std::string();
    } else {
      before.record[key] = std::move(value);
    }
  }
  return before;
}

}  // namespace contactsd::contacts
