#include "api/conditional.hpp"

#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

namespace contactsd::api {
namespace {

struct EntityTag {
  bool weak = false;
  std::string_view opaque;  // between the quotes
};

// One element of an entity-tag list (RFC 9110 §8.8.3): [W/] DQUOTE *etagc DQUOTE, with OWS and
// commas around. Reads the tags of `list` in order into `tags`; false when the list is malformed
// (the tags read before the fault are kept).
bool ParseTags(std::string_view list, std::vector<EntityTag>& tags) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t' || list[i] == ',')) ++i;
  };
  for (skip(); i < list.size(); skip()) {
    EntityTag tag;
    if (list.compare(i, 2, "W/") == 0) {
      tag.weak = true;
      i += 2;
    }
    if (i >= list.size() || list[i] != '"') return false;
    const std::size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    tag.opaque = list.substr(i + 1, close - i - 1);
    for (char c : tag.opaque) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u == 0x7f) return false;  // etagc: no controls, no spaces
    }
    tags.push_back(tag);
    i = close + 1;
    if (i < list.size() && list[i] != ',' && list[i] != ' ' && list[i] != '\t') return false;
  }
  return true;
}

// The version an opaque tag names: canonical decimal text ("0", "17"), nothing else.
std::optional<std::int64_t> VersionOf(std::string_view opaque) {
  if (opaque.empty() || (opaque.size() > 1 && opaque.front() == '0')) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(opaque.data(), opaque.data() + opaque.size(), v);
  if (ec != std::errc() || end != opaque.data() + opaque.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

contacts::VersionCondition ConditionsOf(const Request& request) {
  contacts::VersionCondition condition;
  std::vector<EntityTag> tags;
  for (const auto& [name, value] : request.headers) {
    const bool if_match = name == "if-match";
    if (!if_match && name != "if-none-match") continue;
    if (TrimOws(value) == "*") {
      if (!if_match) condition.none_match_any = true;
      continue;  // If-Match: * holds for any contact that exists
    }
    tags.clear();
    const bool well_formed = ParseTags(value, tags);
    if (if_match) {
      if (!condition.match) condition.match.emplace();
      if (!well_formed) continue;  // a malformed list adds no version: it matches nothing
      for (const EntityTag& tag : tags) {
        auto version = VersionOf(tag.opaque);
        if (version && !tag.weak) condition.match->push_back(*version);
      }
    } else {
      for (const EntityTag& tag : tags) {
        if (auto version = VersionOf(tag.opaque)) condition.none_match.push_back(*version);
      }
    }
  }
  return condition;
}

std::string ETagOf(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

}  // namespace contactsd::api
