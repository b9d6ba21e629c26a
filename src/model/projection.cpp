#include "model/projection.hpp"

#include "common/time.hpp"

#include <boost/json/value.hpp>

#include <algorithm>

namespace contactsd::model {

namespace {

boost::json::value Joined(const ResponseProperty& p, const boost::json::object& record) {
  std::string joined;
  for (const FieldSpec* part : p.parts) {
    const boost::json::value* v = record.if_contains(part->name);
    if (!v || !v->is_string() || v->get_string().empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += v->get_string();
  }
  if (joined.empty()) return nullptr;
  return boost::json::string(joined);
}

}  // namespace

boost::json::object Project(const Model& model, const RecordMeta& meta,
                            const boost::json::object& record,
                            std::span<const std::string> requested) {
  boost::json::object out;
  out.reserve(model.response().size());
  for (const auto& p : model.response()) {
    if (p.optional && std::find(requested.begin(), requested.end(), p.name) == requested.end()) {
      continue;
    }
    boost::json::value v;
    switch (p.source) {
      case PropertySource::kField: {
        const boost::json::value* stored = record.if_contains(p.field->name);
        v = stored ? *stored : p.field->default_value;
        break;
      }
      case PropertySource::kJoin:
        v = Joined(p, record);
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
