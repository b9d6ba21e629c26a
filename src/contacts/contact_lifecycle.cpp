// ContactsService: the operations on a contact's life beyond its fields: archive, restore,
// unlock and erase.
#include "common/uuid.hpp"
#include "contacts/change_prior.hpp"
#include "contacts/contact_checks.hpp"
#include "contacts/contacts_service.hpp"
#include "contacts/origin.hpp"
#include "model/record.hpp"

#include <algorithm>

namespace contactsd::contacts {
store::Mutation ContactsService::ArchiveMutation(const Principal& who,
                                                 const VersionCondition& condition,
                                                 std::int64_t now_ms) const {
  return [this, by = who.subject, condition,
          now_ms](const store::Contact& current) -> Result<store::ContactWrite> {
    store::ContactWrite write;
    // Already gone for the client: no version of it to match.
    if (current.archived_at_ms && model_.archived_hidden()) return NotFound();
    if (auto fresh = CheckVersion(condition, current); !fresh) {
      return std::move(fresh).error();
    }
    if (current.archived_at_ms) {
      write.changed = false;
      return write;
    }
    write.doc = current.doc;
    write.updated_at_ms = std::max(now_ms, current.updated_at_ms);
    write.archived_at_ms = write.updated_at_ms;
    write.archived_by = by;
    write.prior = ArchivePriorOf(current);
    return write;
  };
}

store::Mutation ContactsService::RestoreMutation(const VersionCondition& condition,
                                                 std::int64_t now_ms) const {
  return [this, condition, now_ms](const store::Contact& current) -> Result<store::ContactWrite> {
    if (auto fresh = CheckVersion(condition, current); !fresh) {
      return std::move(fresh).error();
    }
    store::ContactWrite write;
    if (!current.archived_at_ms) {
      write.changed = false;
      return write;
    }
    auto record = ParseRecord(current);
    if (!record.ok()) return std::move(record).error();
    write.doc = current.doc;
    write.unique_keys = KeysOf(*record);  // taken back; a clash is the store's 409
    write.updated_at_ms = std::max(now_ms, current.updated_at_ms);
    write.prior = ArchivePriorOf(current);
    return write;
  };
}

Result<ContactView> ContactsService::Archive(const Principal& who, std::string_view id,
                                             const VersionCondition& condition) const {
  if (!model_.archiving_enabled()) return NotFound();
  if (auto allowed = MayWrite(who); !allowed) return std::move(allowed).error();
  if (auto st = CheckId(id); !st) return std::move(st).error();
  auto stored = store_.UpdateContact(TenantOf(who), ToLowerUuid(id),
                                     ArchiveMutation(who, condition, clock_()), OriginOf(who));
  if (!stored.ok()) return std::move(stored).error();
  return ViewWithAccess(who, std::move(stored).value());
}

Result<ContactView> ContactsService::Restore(const Principal& who, std::string_view id,
                                             const VersionCondition& condition) const {
  if (!model_.archiving_enabled()) return NotFound();
  if (auto allowed = MayWrite(who); !allowed) return std::move(allowed).error();
  if (auto st = CheckId(id); !st) return std::move(st).error();
  auto stored = store_.UpdateContact(TenantOf(who), ToLowerUuid(id),
                                     RestoreMutation(condition, clock_()), OriginOf(who));
  if (!stored.ok()) return std::move(stored).error();
  return ViewWithAccess(who, std::move(stored).value());
}

Status ContactsService::Erase(const Principal& who, std::string_view id) const {
  if (auto allowed = MayWrite(who); !allowed) return allowed;
  if (auto st = CheckId(id); !st) return st;
  // The terms it is found by, made from the stored contact in the erasure's transaction.
  auto terms_of = [this](const store::Contact& stored) {
    auto record = ParseRecord(stored);
    return record.ok() ? model::SearchTerms(model_, *record) : std::vector<std::string>{};
  };
  return store_.EraseContact(TenantOf(who), ToLowerUuid(id), clock_(), OriginOf(who), terms_of);
}

Result<ContactView> ContactsService::Unlock(const Principal& who, std::string_view id,
                                            std::shared_ptr<const BatchAnswer> answer) const {
  if (!model_.unlocks()) return NotFound();
  auto view = Get(who, id);  // the id's checks and the 404, with the org's access
  if (!view.ok()) return view;
  if (view->access.full_access || view->access.unlocked) return view;  // nothing to pay for
  // The cost is read outside the store's transaction: it is create_only, so it cannot change.
  const std::int64_t cost = model::UnlockCostOf(model_, view->record);
  auto unlocked = [](ContactView v, const store::Unlock& unlock) {
    v.access.unlocked = true;
    v.access.unlocked_at_ms = unlock.unlocked_at_ms;
    v.access.credits_spent = unlock.credits_spent;
    return v;
  };
  store::UnlockAnswerMaker maker = [&](const store::Unlock& unlock) -> Result<store::StoredAnswer> {
    std::vector<BatchResult> results(1);
    results.front().view = unlocked(*view, unlock);
    auto made = (*answer)(results);
    if (!made.ok()) return made;
    made->org_id = who.org_id;
    made->created_at_ms = clock_();
    made->expires_at_ms = made->created_at_ms + answer_ttl_.count();
    return made;
  };
  auto unlock = store_.UnlockContact(who.org_id, view->stored, cost, clock_(), OriginOf(who),
                                     answer ? &maker : nullptr);
  if (!unlock.ok()) return std::move(unlock).error();
  return unlocked(std::move(view).value(), *unlock);
}

}  // namespace contactsd::contacts
