#include "store/webhook_columns.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace contactsd::store {

std::string EventTypesColumn(const std::vector<std::string>& types) {
  return boost::json::serialize(boost::json::array(types.begin(), types.end()));
}

std::vector<std::string> EventTypesOfColumn(std::string_view column) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(column, ec);
  std::vector<std::string> types;
  if (ec || !parsed.is_array()) return types;
  for (const auto& item : parsed.get_array()) {
    if (item.is_string()) types.emplace_back(item.get_string());
  }
  return types;
}

}  // namespace contactsd::store
