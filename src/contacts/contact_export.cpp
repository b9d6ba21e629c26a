// ContactsService: exports. The contacts a list's filters select, read page by page in one
// snapshot of the store (store::ContactScan), each as a view for the caller, for an answer or
// a file that is written as it is read.
#include "contacts/contact_checks.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/list_filters.hpp"
#include "model/record.hpp"

#include <utility>

namespace contactsd::contacts {
namespace {

// An export whose filters no contact can match (a value its field could not hold).
class NothingScan final : public store::ContactScan {
 public:
  Result<std::vector<store::Contact>> Next() override { return std::vector<store::Contact>{}; }
};

constexpr int kExportPage = 500;

}  // namespace

Result<std::unique_ptr<store::ContactScan>> ContactsService::OpenExport(
    const Principal& who, const std::vector<std::pair<std::string, std::string>>& filters,
    std::optional<std::int64_t> updated_since_ms) const {
  store::ListQuery query;
  query.org_id = TenantOf(who);
  query.limit = kExportPage;
  query.updated_since_ms = updated_since_ms;
  bool matches_nothing = false;
  for (const auto& [param, value] : filters) {
    const model::FieldSpec* field = model_.FindField(param);
    if (field && field->unique) {
      // Compared as stored, as the list compares it; read here from the document.
      auto key = model::UniqueKeyOf(model_, *field, value);
      if (key) {
        query.filters.push_back({field->name, std::move(*key)});
      } else {
        matches_nothing = true;
      }
      continue;
    }
    auto filter = ListFilterFor(model_, param, value);
    if (!filter.ok()) return std::move(filter).error();
    if (*filter) {
      query.filters.push_back(std::move(**filter));
    } else {
      matches_nothing = true;
    }
  }
  if (query.filters.size() > store::kMaxListFilters) {
    return Error::BadRequest(
        "At most " + std::to_string(store::kMaxListFilters) + " filters at once", "invalid_query");
  }
  if (matches_nothing) return std::unique_ptr<store::ContactScan>(new NothingScan());
  return store_.ScanContacts(query);
}

Result<std::vector<ContactView>> ContactsService::ExportPage(const Principal& who,
                                                             store::ContactScan& scan) const {
  auto rows = scan.Next();
  if (!rows.ok()) return std::move(rows).error();
  std::vector<ContactView> views;
  views.reserve(rows->size());
  for (store::Contact& row : *rows) {
    auto record = ParseRecord(row);
    if (!record.ok()) return std::move(record).error();
    views.push_back(ContactView{std::move(row), std::move(record).value(), {}});
  }
  std::vector<ContactView*> pointers;
  pointers.reserve(views.size());
  for (ContactView& v : views) pointers.push_back(&v);
  if (auto filled = FillAccess(who, std::move(pointers)); !filled) return std::move(filled).error();
  return views;
}

Status ContactsService::CheckUniqueField(std::string_view name) const {
  auto named = UniqueFieldNamed(name);
  if (!named.ok()) return std::move(named).error();
  return {};
}

}  // namespace contactsd::contacts
