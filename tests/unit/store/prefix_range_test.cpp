// PrefixEnd: the end of a prefix's range in a sorted index, itself valid UTF-8.
#include "store/prefix_range.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd::store {
namespace {

TEST(PrefixEnd, TheFirstStringAfterEveryOneWithThePrefix) {
  EXPECT_EQ(PrefixEnd("ada"), "adb");
  EXPECT_EQ(PrefixEnd("a\x7F"), "a\xC2\x80");            // U+007F -> U+0080
  EXPECT_EQ(PrefixEnd("\xC3\xBF"), "\xC4\x80");          // ÿ -> Ā
  EXPECT_EQ(PrefixEnd("\xED\x9F\xBF"), "\xEE\x80\x80");  // U+D7FF -> U+E000
  EXPECT_EQ(PrefixEnd("a\xF4\x8F\xBF\xBF"), "b");        // U+10FFFF: the one before
  EXPECT_EQ(PrefixEnd("\xF4\x8F\xBF\xBF"), "");
  EXPECT_EQ(PrefixEnd(""), "");
  // Every string that starts with the prefix sorts inside [prefix, end).
  for (std::string prefix : {"ab", "\xC3\xBF", "z\xF4\x8F\xBF\xBF"}) {
    const std::string end = PrefixEnd(prefix);
    for (std::string tail : {"", "a", "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBFzz"}) {
      EXPECT_LT(prefix + tail, end) << prefix << tail;
      EXPECT_GE(prefix + tail, prefix);
    }
  }
}

}  // namespace
}  // namespace contactsd::store
