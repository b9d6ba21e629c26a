#include "api/request.hpp"

namespace contactsd::api {
namespace {

const std::string* Find(const std::vector<NameValue>& items, std::string_view name) {
  for (const auto& [n, v] : items) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

const std::string* Request::Header(std::string_view name) const { return Find(headers, name); }

const std::string* Request::Query(std::string_view name) const { return Find(query, name); }

std::string_view TrimOws(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

std::string_view Request::Param(std::string_view name) const {
  const std::string* v = Find(path_params, name);
  return v ? std::string_view(*v) : std::string_view();
}

}  // namespace contactsd::api
