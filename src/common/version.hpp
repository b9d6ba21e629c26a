// The version contactsd reports (--version, the webhook requests' User-Agent). Its one home:
// CMakeLists.txt reads it from here for the project and the Debian package (keep "X.Y.Z").
#pragma once

namespace contactsd {

inline constexpr char kVersion[] = "0.1.0";

}  // namespace contactsd
