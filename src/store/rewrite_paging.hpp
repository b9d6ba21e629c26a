// What both backends' rewrites share: deleting a collection entry or a custom field rewrites
// every contact that holds it, a page at a time.
#pragma once

namespace contactsd::store {

// Contacts rewritten per page: bounds the memory a delete holds, whatever the tenant's size.
inline constexpr int kRewritePage = 500;

}  // namespace contactsd::store
