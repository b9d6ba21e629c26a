#include "model/projection.hpp"

#include "common/time.hpp"
#include "model/json_text.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <string>
#include <vector>

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

// Writes one response object, key by key. With `track_keys` it remembers the keys written,
// for a flattened property that must not repeat one (only those need the list).
class ObjectWriter {
 public:
  ObjectWriter(std::string& out, bool track_keys) : out_(out), track_keys_(track_keys) {
    out_ += '{';
  }
  void Close() { out_ += '}'; }

  // Starts the member `name`; its value is appended next.
  std::string& Key(std::string_view name) {
    if (!empty_) out_ += ',';
    empty_ = false;
    if (track_keys_) written_.push_back(name);
    AppendJsonString(out_, name);
    out_ += ':';
    return out_;
  }
  // REQUIRES: track_keys.
  bool Has(std::string_view name) const {
    return std::find(written_.begin(), written_.end(), name) != written_.end();
  }

 private:
  std::string& out_;
  const bool track_keys_;
  bool empty_ = true;
  // A response has a few dozen keys at most: a linear scan beats hashing them.
  std::vector<std::string_view> written_;
};

void AppendTimestamp(std::string& out, std::int64_t unix_ms) {
  AppendJsonString(out, FormatTimestamp(unix_ms));
}

// The non-empty parts of a join, separated by spaces; empty when none is.
std::string Joined(const ResponseProperty& p, const boost::json::object& record, bool sees_gated) {
  std::string joined;
  for (const FieldSpec* part : p.parts) {
    if (part->gated && !sees_gated) continue;
    const boost::json::value* v = record.if_contains(part->name);
    if (!v || !v->is_string() || v->get_string().empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += v->get_string();
  }
  return joined;
}

void AppendAccess(std::string& out, const Model& model, const boost::json::object& record,
                  const AccessState* access) {
  static const AccessState kLocked;
  const AccessState& a = access ? *access : kLocked;
  out += (a.full_access || a.unlocked) ? R"({"is_unlocked":true)" : R"({"is_unlocked":false)";
  // Unlocking is synchronous: done or not, never in progress.
  out += R"(,"is_unlocking":false,"unlocked_at":)";
  if (a.unlocked_at_ms) {
    AppendTimestamp(out, *a.unlocked_at_ms);
  } else {
    out += "null";
  }
  out += R"(,"credits_spent":)";
  out += std::to_string(a.credits_spent);
  out += R"(,"unlock_cost":)";
  out += std::to_string(UnlockCostOf(model, record));
  out += '}';
}

// Whether a non-flattened property after `index` may write `key`: a flattened key gives way
// to the model's own properties, wherever they stand.
bool NamedLater(const Model& model, std::size_t index, std::string_view key) {
  const auto& response = model.response();
  return std::any_of(response.begin() + static_cast<std::ptrdiff_t>(index) + 1, response.end(),
                     [&](const ResponseProperty& p) { return !p.flatten && p.name == key; });
}

}  // namespace

void AppendProjection(std::string& out, const Model& model, const RecordMeta& meta,
                      const boost::json::object& record, std::span<const std::string> requested,
                      const AccessState* access) {
  const bool sees_gated = access && (access->full_access || access->unlocked);
  const auto& response = model.response();
  ObjectWriter object(out, std::any_of(response.begin(), response.end(),
                                       [](const ResponseProperty& p) { return p.flatten; }));
  for (std::size_t i = 0; i < response.size(); ++i) {
    const ResponseProperty& p = response[i];
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
            if (object.Has(key) || NamedLater(model, i, key)) continue;
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
        std::string joined = Joined(p, record, sees_gated);
        if (!joined.empty()) {
          AppendJsonString(object.Key(p.name), joined);
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
        AppendTimestamp(object.Key(p.name), meta.created_at_ms);
        break;
      case PropertySource::kUpdatedAt:
        AppendTimestamp(object.Key(p.name), meta.updated_at_ms);
        break;
      case PropertySource::kArchivedAt:
      case PropertySource::kArchivedBy:
        if (!meta.archived_at_ms) {
          if (!p.omit_when_null) object.Key(p.name) += "null";
        } else if (p.source == PropertySource::kArchivedAt) {
          AppendTimestamp(object.Key(p.name), *meta.archived_at_ms);
        } else {
          AppendJsonString(object.Key(p.name), meta.archived_by);
        }
        break;
      case PropertySource::kArchivedFlag:
        if (meta.archived_at_ms) {
          AppendTimestamp(object.Key(p.name), *meta.archived_at_ms);
        } else {
          object.Key(p.name) += "false";
        }
        break;
    }
  }
  object.Close();
}

}  // namespace contactsd::model
