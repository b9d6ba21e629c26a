// The id an event of the change log goes by in the feed and in webhooks ("evt_" and its seq),
// and back. Test deliveries have ids of their own ("evt_test_..."), of no seq.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace contactsd::contacts {

inline std::string EventIdOf(std::int64_t seq) { return "evt_" + std::to_string(seq); }

inline std::optional<std::int64_t> SeqOfEventId(std::string_view id) {
  constexpr std::string_view kPrefix = "evt_";
  if (!id.starts_with(kPrefix)) return std::nullopt;
  id.remove_prefix(kPrefix.size());
  // One spelling per event: "evt_01" would name evt_1 and yet be echoed back as another id.
  if (id.empty() || id.front() == '0') return std::nullopt;
  std::int64_t seq = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), seq);
  if (ec != std::errc{} || end != id.data() + id.size() || seq <= 0) return std::nullopt;
  return seq;
}

}  // namespace contactsd::contacts
