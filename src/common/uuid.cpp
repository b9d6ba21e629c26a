#include "common/uuid.hpp"

#include "common/crypto.hpp"

#include <array>
#include <cstring>
#include <mutex>
#include <utility>

namespace contactsd {

namespace {

// RFC 9562 method 1: the 12 bits after the version hold a counter, so ids made in the same
// millisecond by this process still sort in the order they were made. The counter starts
// at a random value below 2048 each millisecond; if it ever runs out, the timestamp moves
// one millisecond ahead (the clock catches up in a millisecond).
struct Monotonic {
  std::mutex mutex;
  std::uint64_t last_ms = 0;
  std::uint16_t counter = 0;

  std::pair<std::uint64_t, std::uint16_t> Next(std::uint64_t ms, std::uint16_t seed) {
    std::lock_guard lock(mutex);
    if (ms > last_ms) {
      last_ms = ms;
      counter = seed & 0x7ff;
    } else if (++counter > 0xfff) {
      ++last_ms;
      counter = seed & 0x7ff;
    }
    return {last_ms, counter};
  }
};

// 16 random bytes for an id, from a per-thread pool filled from the CSPRNG 4 KiB at a time:
// one RAND_bytes call (and its lock) per 256 ids instead of one per id, which a batch of 1,000
// creates felt (2.5% of its time).
std::array<unsigned char, 16> RandomIdBytes() {
  constexpr std::size_t kPoolBytes = 4096;
  thread_local std::string pool;
  thread_local std::size_t used = 0;
  if (pool.empty() || used + 16 > kPoolBytes) {
    pool = RandomBytes(kPoolBytes);
    used = 0;
  }
  std::array<unsigned char, 16> out;
  std::memcpy(out.data(), pool.data() + used, out.size());
  std::memset(pool.data() + used, 0, out.size());  // handed out once, then gone
  used += out.size();
  return out;
}

}  // namespace

std::string NewUuidV7(std::int64_t unix_ms) {
  static Monotonic monotonic;
  std::array<unsigned char, 16> b = RandomIdBytes();
  auto seed = static_cast<std::uint16_t>(b[6] << 8 | b[7]);
  auto [ms, counter] = monotonic.Next(static_cast<std::uint64_t>(unix_ms), seed);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>((ms >> (8 * (5 - i))) & 0xff);
  b[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7, then the counter
  b[7] = static_cast<unsigned char>(counter & 0xff);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    unsigned char c = b[i];
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string ToLowerUuid(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace contactsd
