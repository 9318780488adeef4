#include "store/sql.h"

#include <cstdlib>

namespace easel::store {

bool Row::IsNull(size_t i) const {
  return i >= values_.size() || std::holds_alternative<std::monostate>(values_[i]);
}

int64_t Row::Int(size_t i) const {
  if (i >= values_.size()) return 0;
  const SqlValue& v = values_[i];
  if (auto* x = std::get_if<int64_t>(&v)) return *x;
  if (auto* x = std::get_if<double>(&v)) return static_cast<int64_t>(*x);
  if (auto* x = std::get_if<std::string>(&v)) return std::strtoll(x->c_str(), nullptr, 10);
  return 0;
}

double Row::Double(size_t i) const {
  if (i >= values_.size()) return 0;
  const SqlValue& v = values_[i];
  if (auto* x = std::get_if<double>(&v)) return *x;
  if (auto* x = std::get_if<int64_t>(&v)) return static_cast<double>(*x);
  if (auto* x = std::get_if<std::string>(&v)) return std::strtod(x->c_str(), nullptr);
  return 0;
}

std::string Row::Str(size_t i) const {
  if (i >= values_.size()) return {};
  const SqlValue& v = values_[i];
  if (auto* x = std::get_if<std::string>(&v)) return *x;
  if (auto* x = std::get_if<int64_t>(&v)) return std::to_string(*x);
  if (auto* x = std::get_if<double>(&v)) return std::to_string(*x);
  return {};
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::string> Row::OptStr(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Str(i);
}

Result<std::optional<Row>> SqlSession::QueryOne(std::string_view sql, const SqlParams& params) {
  EASEL_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Result<int64_t> Database::Exec(std::string_view sql, const SqlParams& params) {
  int64_t changed = 0;
  EASEL_RETURN_IF_ERROR(WithSession([&](SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(changed, s.Exec(sql, params));
    return OkStatus();
  }));
  return changed;
}

Result<std::vector<Row>> Database::Query(std::string_view sql, const SqlParams& params) {
  std::vector<Row> rows;
  EASEL_RETURN_IF_ERROR(WithSession([&](SqlSession& s) -> Status {
    EASEL_ASSIGN_OR_RETURN(rows, s.Query(sql, params));
    return OkStatus();
  }));
  return rows;
}

Result<std::optional<Row>> Database::QueryOne(std::string_view sql, const SqlParams& params) {
  EASEL_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

}  // namespace easel::store
