// A contact model: the contract of one deployment (fields, rules, request and response
// shapes), loaded from a model file and checked as a whole before the server starts.
// Immutable after loading; safe to share between threads.
#pragma once

#include "common/result.hpp"
#include "model/field_spec.hpp"
#include "model/value_check.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactsd::model {

// How a write request carries its fields.
enum class Envelope {
  kFlat,    // {"first_name": "Ada", ...}
  kFields,  // {"fields": {"first_name": "Ada", ...}}
};

// Where a response property comes from.
enum class PropertySource {
  kField,  // a stored field, maybe under another name ({"name": "phone", "field": "phone_number"})
  kJoin,   // stored strings joined by one space; null when all are empty
  kId,
  kVersion,
  kCreatedAt,
  kUpdatedAt,
  kArchivedAt,    // null, or when it was archived
  kArchivedFlag,  // false, or when it was archived
  kArchivedBy,    // who archived it (null when active)
  kAccess,        // unlocks: what the calling org may see of the contact, and what it paid
};

struct ResponseProperty {
  std::string name;
  PropertySource source = PropertySource::kField;
  const FieldSpec* field = nullptr;     // kField
  std::vector<const FieldSpec*> parts;  // kJoin
  bool optional = false;                // shown only when the request asks for it (?properties=)
  bool omit_when_null = false;          // left out of the answer rather than shown as null
  bool flatten = false;  // custom fields: each key shown at the top level, not nested
};

// A write rule turns one write-only input into stored fields.
struct SplitNameRule {
  const FieldSpec* from = nullptr;   // e.g. full_name (write-only)
  const FieldSpec* first = nullptr;  // gets the first word
  const FieldSpec* last = nullptr;   // gets the rest, or null
};

// Rules over the whole record, checked after a merge (in the write transaction).
// A subdivision field must be a valid ISO 3166-2 code of the record's country when that
// country is one of `countries` (any non-empty string otherwise).
struct SubdivisionRule {
  const FieldSpec* field = nullptr;
  const FieldSpec* country = nullptr;
  std::vector<std::string> countries;
};
// At least one of `fields` must be a non-empty string.
struct OneOfRequiredRule {
  std::vector<const FieldSpec*> fields;
};

// A query parameter of the list endpoint that filters on a stored field: equality for a
// scalar field, membership for an array field.
struct ListFilter {
  std::string param;
  const FieldSpec* field = nullptr;
};

// What happens to keys of the custom-fields object that the tenant has not defined.
enum class UnknownCustomKeys { kReject, kDrop };

// Whose contacts a request sees.
enum class Tenancy {
  kOrg,        // each org its own contacts (the default)
  kCatalogue,  // one catalogue shared by every org
};

// What archiving is: DELETE keeps the contact visible (restore exists), hides it, or is not
// served at all.
enum class Archiving { kVisible, kHidden, kNone };

// Paid access to a contact's gated fields: an org sees them once it has unlocked the contact
// (spending the contact's cost from its credits, once), or always when its plan is one of
// `full_access_plans`.
struct UnlockPolicy {
  const FieldSpec* cost_field = nullptr;  // an integer field, minimum >= 0, with a default
  std::vector<std::string> full_access_plans;
};

class Model {
 public:
  // Parses and checks a model file. Errors: BadRequest whose message names the bad key,
  // e.g. "fields.email.type: unknown type 'mail'".
  static Result<Model> Parse(std::string_view json_text);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::string& base_path() const { return base_path_; }
  Envelope envelope() const { return envelope_; }
  bool custom_fields_enabled() const { return custom_fields_enabled_; }
  UnknownCustomKeys unknown_custom_keys() const { return unknown_custom_keys_; }
  // true: requests carry custom values as top-level keys beside the model's fields (stored in
  // the custom_fields field all the same); false: inside that field's object.
  bool custom_fields_flat() const { return custom_fields_flat_; }
  // The message of every 401 (the same for every cause).
  const std::string& unauthorized_message() const { return unauthorized_message_; }
  // The schemes a 401 challenges with (WWW-Authenticate), e.g. {"Bearer"}.
  const std::vector<std::string>& auth_schemes() const { return auth_schemes_; }
  // The type of a custom field defined without one (nullopt: the type is required).
  std::optional<FieldType> custom_default_type() const { return custom_default_type_; }
  // true: an archived contact is gone for clients (404; DELETE answers 204), though kept.
  bool archived_hidden() const { return archiving_ == Archiving::kHidden; }
  // false: no DELETE and no restore (the model has no archiving).
  bool archiving_enabled() const { return archiving_ != Archiving::kNone; }
  Tenancy tenancy() const { return tenancy_; }
  // Whether an org on `plan` may create and change contacts: every plan unless the model
  // lists the plans that may ("write_plans").
  bool PlanMayWrite(std::string_view plan) const;
  const std::vector<std::string>& write_plans() const { return write_plans_; }
  // Paid access to gated fields, or nullptr when every field is shown to every reader.
  const UnlockPolicy* unlocks() const { return unlocks_ ? &*unlocks_ : nullptr; }
  // Whether an org on `plan` sees gated fields without unlocking. REQUIRES: unlocks().
  bool PlanHasFullAccess(std::string_view plan) const;
  const std::vector<SplitNameRule>& split_name_rules() const { return split_name_rules_; }
  const std::vector<ListFilter>& list_filters() const { return list_filters_; }
  // The fields ?q= searches by prefix ("search" in the model file): names and emails.
  const std::vector<const FieldSpec*>& search_fields() const { return search_fields_; }
  // The per-tenant collections of named entries with integer ids ("lists", "labels"), each
  // served at {base}/<name>, in model-file order.
  const std::vector<std::string>& collections() const { return collections_; }
  bool HasCollection(std::string_view name) const;
  // The fields whose values are ids of `collection`'s entries.
  std::vector<const FieldSpec*> FieldsReferencing(std::string_view collection) const;
  const std::vector<SubdivisionRule>& subdivision_rules() const { return subdivision_rules_; }
  const std::vector<OneOfRequiredRule>& one_of_required_rules() const { return one_of_rules_; }
  // true when a write has rules beyond its fields' own (required fields, record rules).
  bool has_record_rules() const { return has_record_rules_; }
  // true: PUT replaces the whole record (fields not sent are cleared).
  bool replace_enabled() const { return replace_enabled_; }
  // true: the API serves the change log ({base}/events and {base}/contacts/{id}/history).
  // Every write is recorded either way.
  bool change_log() const { return change_log_; }
  const TypeContext& type_context() const { return type_context_; }
  // A create and an update this model accepts, as fields (without the envelope), for people
  // and the OpenAPI document ("examples" in the model file, checked when it loads); empty when
  // the file gives none.
  const boost::json::object& example_create() const { return example_create_; }
  const boost::json::object& example_update() const { return example_update_; }

  // Every field, in model-file order. Pointers into it stay valid for the model's life.
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* FindField(std::string_view name) const;
  // System-managed names (id, version, timestamps): never accepted in a request body.
  bool IsSystemName(std::string_view name) const;
  // True when a response property other than the flattened custom fields shows under `name`
  // (a flat custom value of that name would be hidden behind it).
  bool IsResponsePropertyName(std::string_view name) const;
  // The properties of a response, in order.
  const std::vector<ResponseProperty>& response() const { return response_; }
  // The names of the optional response properties (shown when a request asks for them).
  const std::vector<std::string>& optional_properties() const { return optional_properties_; }
  // The field of type custom_fields, or nullptr.
  const FieldSpec* custom_fields_field() const { return custom_fields_field_; }

 private:
  Model() = default;
  friend class ModelParser;

  std::string name_;
  std::string description_;
  std::string base_path_;
  Envelope envelope_ = Envelope::kFlat;
  bool custom_fields_enabled_ = false;
  UnknownCustomKeys unknown_custom_keys_ = UnknownCustomKeys::kReject;
  bool custom_fields_flat_ = false;
  std::string unauthorized_message_ = "Missing or invalid credentials";
  std::vector<std::string> auth_schemes_ = {"Bearer"};
  std::optional<FieldType> custom_default_type_;
  Archiving archiving_ = Archiving::kVisible;
  Tenancy tenancy_ = Tenancy::kOrg;
  std::vector<std::string> write_plans_;
  std::optional<UnlockPolicy> unlocks_;
  std::vector<SplitNameRule> split_name_rules_;
  std::vector<ListFilter> list_filters_;
  std::vector<const FieldSpec*> search_fields_;
  std::vector<std::string> collections_;
  std::vector<SubdivisionRule> subdivision_rules_;
  std::vector<OneOfRequiredRule> one_of_rules_;
  bool has_record_rules_ = false;
  bool replace_enabled_ = false;
  bool change_log_ = false;
  TypeContext type_context_;
  boost::json::object example_create_;
  boost::json::object example_update_;
  std::vector<FieldSpec> fields_;
  std::vector<std::string> system_names_;
  std::vector<ResponseProperty> response_;
  std::vector<std::string> optional_properties_;
  const FieldSpec* custom_fields_field_ = nullptr;
};

}  // namespace contactsd::model
