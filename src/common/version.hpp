// The version contactsd reports (--version, the webhook requests' User-Agent).
#pragma once

namespace contactsd {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace contactsd
