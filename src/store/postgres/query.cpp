#include "store/postgres/query.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace contactsd::store::postgres {

Query& Query::Text(std::string_view text) {
  params_.push_back({Param::Kind::kText, text, 0});
  return *this;
}

Query& Query::TextOrNull(std::string_view text) {
  if (text.empty()) {
    params_.push_back({});
    return *this;
  }
  return Text(text);
}

Query& Query::Int8(std::int64_t value) {
  params_.push_back({Param::Kind::kInt8, {}, value});
  return *this;
}

Query& Query::Int8(std::optional<std::int64_t> value) {
  if (!value) {
    params_.push_back({});
    return *this;
  }
  return Int8(*value);
}

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::size() const { return PQntuples(result_.get()); }

std::int64_t Rows::affected() const {
  const char* text = PQcmdTuples(result_.get());
  std::int64_t value = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), value);
  return value;
}

bool Rows::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Rows::Text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t Rows::Int8(int row, int column) const {
  // Results come in text format: a bigint is its decimal digits.
  const std::string_view text = Text(row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<std::int64_t> Rows::OptionalInt8(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int8(row, column);
}

}  // namespace contactsd::store::postgres
