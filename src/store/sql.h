#pragma once
// The metadata store's SQL seam. Everything above this header speaks easel types; SOCI and its
// exceptions live only in sql_soci.cc.
//
// SQL text uses `?` placeholders and portable types (TEXT, BIGINT, DOUBLE PRECISION); times are
// BIGINT milliseconds since the epoch, booleans BIGINT 0/1. The same statements run on SQLite
// (embedded default, WAL, synchronous=FULL) and PostgreSQL.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace easel::store {

using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlParams = std::vector<SqlValue>;

// Binds an optional as NULL when empty.
template <typename T>
SqlValue Nullable(const std::optional<T>& v) {
  if (!v) return std::monostate{};
  if constexpr (std::is_integral_v<T>) {
    return static_cast<int64_t>(*v);
  } else {
    return *v;
  }
}

// One result row. Accessors convert between the representations the two engines return
// (SQLite may hand back integers as text for computed columns); NULL reads as 0 / "".
class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;
  double Double(size_t i) const;
  std::string Str(size_t i) const;
  std::optional<int64_t> OptInt(size_t i) const;
  std::optional<std::string> OptStr(size_t i) const;

 private:
  std::vector<SqlValue> values_;
};

enum class Dialect { kSqlite, kPostgres };

// A connection, inside a transaction or not. Not thread-safe; owned by one caller at a time.
// Errors: a uniqueness or foreign-key violation → ALREADY_EXISTS / FAILED_PRECONDITION, a busy or
// lost database → UNAVAILABLE, anything else → INTERNAL (the SQL is logged, never returned).
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Dialect dialect() const = 0;
  // Runs a statement; returns the number of rows it changed.
  virtual Result<int64_t> Exec(std::string_view sql, const SqlParams& params = {}) = 0;
  virtual Result<std::vector<Row>> Query(std::string_view sql, const SqlParams& params = {}) = 0;
  // First row, or nullopt.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const SqlParams& params = {});
};

// A pool of connections to one database. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;

  // `url`: "sqlite:PATH", "sqlite::memory:" or a libpq URL "postgresql://user@host:port/db".
  // Applies every pending migration before returning.
  static Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size = 4);

  virtual Dialect dialect() const = 0;

  // Runs `fn` in a transaction (on SQLite an immediate one, so writers never deadlock):
  // commits when it returns OK, rolls back otherwise and returns its error. Transient
  // conflicts (busy, serialization failure) are retried a few times.
  virtual Status Transaction(const std::function<Status(SqlSession&)>& fn) = 0;

  // Runs `fn` with a connection in auto-commit mode (each statement commits on its own).
  virtual Status WithSession(const std::function<Status(SqlSession&)>& fn) = 0;

  // Single auto-commit statements.
  Result<int64_t> Exec(std::string_view sql, const SqlParams& params = {});
  Result<std::vector<Row>> Query(std::string_view sql, const SqlParams& params = {});
  Result<std::optional<Row>> QueryOne(std::string_view sql, const SqlParams& params = {});

  // Cheap round trip; UNAVAILABLE when the database cannot be reached (/readyz).
  virtual Status Ping() = 0;
};

}  // namespace easel::store
