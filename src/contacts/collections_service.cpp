#include "contacts/collections_service.hpp"

#include "contacts/change_prior.hpp"
#include "contacts/origin.hpp"
#include "model/collection_entry.hpp"
#include "model/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>

namespace contactsd::contacts {
namespace {

// A decimal integer ("12", "-3"); one too large for 64 bits names no entry (NotFound, as the
// store answers for any other id it does not have).
Result<std::int64_t> ParseEntryId(std::string_view collection, std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (end == text.data() + text.size() && !text.empty()) {
    if (ec == std::errc()) return id;
    if (ec == std::errc::result_out_of_range) {
      return Error::NotFound("No entry " + std::string(text) + " in " + std::string(collection));
    }
  }
  return Error::BadRequest("The id must be an integer", "invalid_id");
}

}  // namespace

Status CollectionsService::CheckCollection(std::string_view collection) const {
  if (!model_.HasCollection(collection)) return Error::NotFound("Not found");
  return {};
}

Result<store::CollectionEntry> CollectionsService::Create(const Principal& who,
                                                          std::string_view collection,
                                                          const boost::json::object& body) const {
  if (auto st = CheckCollection(collection); !st) return std::move(st).error();
  auto name = model::CheckCollectionEntry(body);
  if (!name.ok()) return std::move(name).error();
  store::CollectionEntry entry{who.org_id, std::string(collection), 0, std::move(name).value(),
                               clock_()};
  return store_.CreateCollectionEntry(entry, kMaxEntries);
}

Result<std::vector<store::CollectionEntry>> CollectionsService::List(
    const Principal& who, std::string_view collection) const {
  if (auto st = CheckCollection(collection); !st) return std::move(st).error();
  return store_.ListCollectionEntries(who.org_id, collection);
}

Result<store::CollectionEntry> CollectionsService::Get(const Principal& who,
                                                       std::string_view collection,
                                                       std::string_view id_text) const {
  if (auto st = CheckCollection(collection); !st) return std::move(st).error();
  auto id = ParseEntryId(collection, id_text);
  if (!id.ok()) return std::move(id).error();
  // At most kMaxEntries, and read whole by every write's check anyway: no lookup of its own.
  auto entries = List(who, collection);
  if (!entries.ok()) return std::move(entries).error();
  for (store::CollectionEntry& entry : *entries) {
    if (entry.id == *id) return std::move(entry);
  }
  return Error::NotFound("No entry " + std::string(id_text) + " in " + std::string(collection));
}

Status CollectionsService::Delete(const Principal& who, std::string_view collection,
                                  std::string_view id_text) const {
  if (auto st = CheckCollection(collection); !st) return std::move(st).error();
  auto id = ParseEntryId(collection, id_text);
  if (!id.ok()) return std::move(id).error();
  std::vector<std::string> fields;
  for (const model::FieldSpec* f : model_.FieldsReferencing(collection)) fields.push_back(f->name);
  auto rewrite = [&](const store::Contact& current) -> Result<store::DocChange> {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(current.doc, ec);
    if (ec || !doc.is_object()) {
      return Error::Internal("stored contact " + current.id + " is not an object");
    }
    const boost::json::object before = doc.get_object();
    model::RemoveReference(model_, collection, *id, doc.get_object());
    return store::DocChange{boost::json::serialize(doc), PriorOf(before, doc.get_object())};
  };
  auto removed = store_.DeleteCollectionEntry(who.org_id, collection, *id, fields, clock_(),
                                              rewrite, OriginOf(who));
  if (!removed.ok()) return std::move(removed).error();
  return {};
}

}  // namespace contactsd::contacts
