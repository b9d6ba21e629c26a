#include "store/sqlite/statement.hpp"

#include "store/sqlite/errors.hpp"

#include <sqlite3.h>

#include <string>

namespace contactsd::store::sqlite {

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_), bind_rc_(other.bind_rc_), has_row_(other.has_row_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  // Finish the statement rather than abandoning it mid-result (see the WAL pitfall in
  // ARCHITECTURE.md). Only reached early when a caller stops reading on an error.
  while (has_row_ && sqlite3_step(stmt_) == SQLITE_ROW) {
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // A non-null pointer even for "", so an empty string binds as '' rather than NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  NoteBind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::optional<std::int64_t> value) {
  NoteBind(value ? sqlite3_bind_int64(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
  return *this;
}

Statement& Statement::BindTextOrNull(int index, std::string_view text) {
  if (text.empty()) {
    NoteBind(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  return Bind(index, text);
}

Error Statement::StepError(int rc) const {
  const char* sql = sqlite3_sql(stmt_);
  return SqliteError(sqlite3_db_handle(stmt_), rc, sql != nullptr ? sql : "statement");
}

Result<bool> Statement::Next() {
  if (bind_rc_ != SQLITE_OK) return StepError(bind_rc_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    has_row_ = true;
    return true;
  }
  has_row_ = false;
  if (rc == SQLITE_DONE) return false;
  return StepError(rc);
}

Result<int> Statement::Exec() {
  for (;;) {
    auto row = Next();
    if (!row) return std::move(row).error();
    if (!*row) break;
  }
  return sqlite3_changes(sqlite3_db_handle(stmt_));
}

std::string_view Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::OptionalInt64(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

}  // namespace contactsd::store::sqlite
