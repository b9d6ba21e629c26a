#include "model/projection.hpp"

#include "common/time.hpp"

#include <boost/json/value.hpp>

#include <algorithm>

namespace contactsd::model {

std::int64_t UnlockCostOf(const Model& model, const boost::json::object& record) {
  if (!model.unlocks()) return 0;
  // A record written before the model had its cost field costs the field's default (which
  // the parser requires to be an integer).
  const FieldSpec& field = *model.unlocks()->cost_field;
  const boost::json::value* cost = record.if_contains(field.name);
  return cost && cost->is_int64() ? cost->get_int64() : field.default_value.get_int64();
}

namespace {

boost::json::value Joined(const ResponseProperty& p, const boost::json::object& record,
                          bool sees_gated) {
  std::string joined;
  for (const FieldSpec* part : p.parts) {
    if (part->gated && !sees_gated) continue;
    const boost::json::value* v = record.if_contains(part->name);
    if (!v || !v->is_string() || v->get_string().empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += v->get_string();
  }
  if (joined.empty()) return nullptr;
  return boost::json::string(joined);
}

boost::json::object AccessObject(const Model& model, const boost::json::object& record,
                                 const AccessState* access) {
  static const AccessState kLocked;
  const AccessState& a = access ? *access : kLocked;
  boost::json::object out;
  out["is_unlocked"] = a.full_access || a.unlocked;
  out["is_unlocking"] = false;  // unlocking is synchronous: done or not, never in progress
  out["unlocked_at"] = a.unlocked_at_ms ? boost::json::value(FormatTimestamp(*a.unlocked_at_ms))
                                        : boost::json::value(nullptr);
  out["credits_spent"] = a.credits_spent;
  out["unlock_cost"] = UnlockCostOf(model, record);
  return out;
}

}  // namespace

boost::json::object Project(const Model& model, const RecordMeta& meta,
                            const boost::json::object& record,
                            std::span<const std::string> requested, const AccessState* access) {
  const bool sees_gated = access && (access->full_access || access->unlocked);
  boost::json::object out;
  out.reserve(model.response().size());
  for (const auto& p : model.response()) {
    if (p.optional && std::find(requested.begin(), requested.end(), p.name) == requested.end()) {
      continue;
    }
    boost::json::value v;
    switch (p.source) {
      case PropertySource::kField: {
        if (p.field->gated && !sees_gated) break;  // null
        const boost::json::value* stored = record.if_contains(p.field->name);
        v = stored ? *stored : p.field->default_value;
        break;
      }
      case PropertySource::kJoin:
        v = Joined(p, record, sees_gated);
        break;
      case PropertySource::kAccess:
        v = AccessObject(model, record, access);
        break;
      case PropertySource::kId:
        v = meta.id;
        break;
      case PropertySource::kVersion:
        v = meta.version;
        break;
      case PropertySource::kCreatedAt:
        v = FormatTimestamp(meta.created_at_ms);
        break;
      case PropertySource::kUpdatedAt:
        v = FormatTimestamp(meta.updated_at_ms);
        break;
      case PropertySource::kArchivedAt:
        if (meta.archived_at_ms) v = FormatTimestamp(*meta.archived_at_ms);
        break;
      case PropertySource::kArchivedFlag:
        v = meta.archived_at_ms ? boost::json::value(FormatTimestamp(*meta.archived_at_ms))
                                : boost::json::value(false);
        break;
      case PropertySource::kArchivedBy:
        if (meta.archived_at_ms) v = meta.archived_by;
        break;
    }
    if (p.flatten) {
      if (v.is_object()) {
        for (auto& [key, value] : v.get_object()) {
          if (!out.contains(key)) out[key] = std::move(value);
        }
      }
      continue;
    }
    if (v.is_null() && p.omit_when_null) continue;
    out[p.name] = std::move(v);
  }
  return out;
}

}  // namespace contactsd::model
