#include "model/projection.hpp"

#include "common/time.hpp"

#include <boost/json/value.hpp>

namespace contactsd::model {

boost::json::object Project(const Model& model, const RecordMeta& meta,
                            const boost::json::object& record) {
  boost::json::object out;
  out.reserve(model.response().size());
  for (const auto& p : model.response()) {
    boost::json::value& v = out[p.name];
    switch (p.source) {
      case PropertySource::kField: {
        const boost::json::value* stored = record.if_contains(p.name);
        v = stored ? *stored : p.field->default_value;
        break;
      }
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
    }
  }
  return out;
}

}  // namespace contactsd::model
