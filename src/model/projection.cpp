#include "model/projection.hpp"

#include "common/time.hpp"
#include "model/json_text.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <string>

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

// Writes one response object, key by key.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void Close() { out_ += '}'; }

  // Starts the member `name`; its value is appended next.
  std::string& Key(std::string_view name) {
    if (!empty_) out_ += ',';
    empty_ = false;
    AppendJsonString(out_, name);
    out_ += ':';
    return out_;
  }

 private:
  std::string& out_;
  bool empty_ = true;
};

// A timestamp as a JSON string (its characters never need escaping).
void AppendTimestampString(std::string& out, std::int64_t unix_ms) {
  out += '"';
  AppendTimestamp(out, unix_ms);
  out += '"';
}

// The parts of a join that show: non-empty strings the caller may see.
template <class Visit>
void ForEachJoinedPart(const ResponseProperty& p, const boost::json::object& record,
                       bool sees_gated, Visit visit) {
  for (const FieldSpec* part : p.parts) {
    if (part->gated && !sees_gated) continue;
    const boost::json::value* v = record.if_contains(part->name);
    if (v && v->is_string() && !v->get_string().empty()) visit(std::string_view(v->get_string()));
  }
}

// The joined text as a JSON string: the parts separated by spaces.
void AppendJoined(std::string& out, const ResponseProperty& p, const boost::json::object& record,
                  bool sees_gated) {
  out += '"';
  bool first = true;
  ForEachJoinedPart(p, record, sees_gated, [&](std::string_view part) {
    if (!first) out += ' ';
    first = false;
    AppendJsonEscaped(out, part);
  });
  out += '"';
}

void AppendAccess(std::string& out, const Model& model, const boost::json::object& record,
                  const AccessState* access) {
  static const AccessState kLocked;
  const AccessState& a = access ? *access : kLocked;
  out += (a.full_access || a.unlocked) ? R"({"is_unlocked":true)" : R"({"is_unlocked":false)";
  // Unlocking is synchronous: done or not, never in progress.
  out += R"(,"is_unlocking":false,"unlocked_at":)";
  if (a.unlocked_at_ms) {
    AppendTimestampString(out, *a.unlocked_at_ms);
  } else {
    out += "null";
  }
  out += R"(,"credits_spent":)";
  out += std::to_string(a.credits_spent);
  out += R"(,"unlock_cost":)";
  out += std::to_string(UnlockCostOf(model, record));
  out += '}';
}

}  // namespace

void AppendProjection(std::string& out, const Model& model, const RecordMeta& meta,
                      const boost::json::object& record, std::span<const std::string> requested,
                      const AccessState* access) {
  const bool sees_gated = access && (access->full_access || access->unlocked);
  ObjectWriter object(out);
  for (const ResponseProperty& p : model.response()) {
    if (p.optional && std::find(requested.begin(), requested.end(), p.name) == requested.end()) {
      continue;
    }
    switch (p.source) {
      case PropertySource::kField: {
        const boost::json::value* stored = nullptr;
        if (!p.field->gated || sees_gated) {
          stored = record.if_contains(p.field->name);
          if (!stored) stored = &p.field->default_value;
        }
        if (p.flatten) {
          if (!stored || !stored->is_object()) break;
          for (const auto& [key, value] : stored->get_object()) {
            // A flattened key gives way to the model's own property of that name, wherever
            // it stands and whether or not it is shown (definitions cannot take such names).
            if (model.IsResponsePropertyName(key)) continue;
            AppendJsonText(object.Key(key), value);
          }
          break;
        }
        if ((!stored || stored->is_null()) && p.omit_when_null) break;
        if (stored) {
          AppendJsonText(object.Key(p.name), *stored);
        } else {
          object.Key(p.name) += "null";  // gated, and not to be seen
        }
        break;
      }
      case PropertySource::kJoin: {
        bool any = false;
        ForEachJoinedPart(p, record, sees_gated, [&any](std::string_view) { any = true; });
        if (any) {
          AppendJoined(object.Key(p.name), p, record, sees_gated);
        } else if (!p.omit_when_null) {
          object.Key(p.name) += "null";
        }
        break;
      }
      case PropertySource::kAccess:
        AppendAccess(object.Key(p.name), model, record, access);
        break;
      case PropertySource::kId:
        AppendJsonString(object.Key(p.name), meta.id);
        break;
      case PropertySource::kVersion:
        object.Key(p.name) += std::to_string(meta.version);
        break;
      case PropertySource::kCreatedAt:
        AppendTimestampString(object.Key(p.name), meta.created_at_ms);
        break;
      case PropertySource::kUpdatedAt:
        AppendTimestampString(object.Key(p.name), meta.updated_at_ms);
        break;
      case PropertySource::kArchivedAt:
      case PropertySource::kArchivedBy:
        if (!meta.archived_at_ms) {
          if (!p.omit_when_null) object.Key(p.name) += "null";
        } else if (p.source == PropertySource::kArchivedAt) {
          AppendTimestampString(object.Key(p.name), *meta.archived_at_ms);
        } else {
          AppendJsonString(object.Key(p.name), meta.archived_by);
        }
        break;
      case PropertySource::kArchivedFlag:
        if (meta.archived_at_ms) {
          AppendTimestampString(object.Key(p.name), *meta.archived_at_ms);
        } else {
          object.Key(p.name) += "false";
        }
        break;
    }
  }
  object.Close();
}

}  // namespace contactsd::model
