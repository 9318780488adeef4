// The one file that talks to SOCI. SOCI exceptions stop here and become Status.

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/json.h"
#include "common/log.h"
#include "store/schema.h"
#include "store/sql.h"

namespace easel::store {
namespace {

// `?` → `:pN` outside quoted strings (SOCI's portable placeholder syntax).
std::string TranslatePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  bool in_quote = false;
  int n = 0;
  for (char c : sql) {
    if (c == '\'') in_quote = !in_quote;
    if (c == '?' && !in_quote) {
      out += ":p" + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

Status ErrorFromSoci(const soci::soci_error& e, std::string_view sql) {
  std::string what = e.what();
  bool retryable = what.find("database is locked") != std::string::npos ||
                   what.find("database table is locked") != std::string::npos;
  if (auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    std::string state = pg->sqlstate();
    if (state == "40001" || state == "40P01") retryable = true;
    if (state == "23505") return AlreadyExists("already exists");
    if (state == "23503") return FailedPrecondition("a referenced resource does not exist");
  }
  if (retryable) {
    return Status(StatusCode::kAborted, "the database is busy, try again",
                  Json{{"retryable", true}});
  }
  if (what.find("UNIQUE constraint failed") != std::string::npos) {
    return AlreadyExists("already exists");
  }
  if (what.find("FOREIGN KEY constraint failed") != std::string::npos) {
    return FailedPrecondition("a referenced resource does not exist");
  }
  if (e.get_error_category() == soci::soci_error::connection_error) {
    return Unavailable("the metadata database is unreachable");
  }
  EASEL_LOG_ERROR("SQL failed: {} (statement: {})", what, sql);
  return Internal("metadata store error");
}

bool IsRetryable(const Status& s) {
  return s.code() == StatusCode::kAborted && s.details().is_object() &&
         s.details().value("retryable", false);
}

class SociSession final : public SqlSession {
 public:
  SociSession(soci::session& s, Dialect d) : sql_(s), dialect_(d) {}
  Dialect dialect() const override { return dialect_; }

  Result<int64_t> Exec(std::string_view sql, const SqlParams& params) override {
    try {
      Binder b(params);
      soci::statement st(sql_);
      b.BindTo(st);
      st.alloc();
      st.prepare(TranslatePlaceholders(sql));
      st.define_and_bind();
      st.execute(true);
      return static_cast<int64_t>(st.get_affected_rows());
    } catch (const soci::soci_error& e) {
      return ErrorFromSoci(e, sql);
    } catch (const std::exception& e) {
      EASEL_LOG_ERROR("SQL failed: {} (statement: {})", e.what(), sql);
      return Internal("metadata store error");
    }
  }

  Result<std::vector<Row>> Query(std::string_view sql, const SqlParams& params) override {
    try {
      Binder b(params);
      soci::row r;
      soci::statement st(sql_);
      st.exchange(soci::into(r));
      b.BindTo(st);
      st.alloc();
      st.prepare(TranslatePlaceholders(sql));
      st.define_and_bind();
      std::vector<Row> rows;
      for (bool got = st.execute(true); got; got = st.fetch()) rows.push_back(Convert(r));
      return rows;
    } catch (const soci::soci_error& e) {
      return ErrorFromSoci(e, sql);
    } catch (const std::exception& e) {
      EASEL_LOG_ERROR("SQL failed: {} (statement: {})", e.what(), sql);
      return Internal("metadata store error");
    }
  }

 private:
  // Owns the storage SOCI binds by reference for the statement's lifetime.
  struct Binder {
    explicit Binder(const SqlParams& params) {
      ints.reserve(params.size());
      doubles.reserve(params.size());
      strings.reserve(params.size());
      inds.reserve(params.size());
      for (const SqlValue& v : params) {
        inds.push_back(soci::i_ok);
        if (auto* i = std::get_if<int64_t>(&v)) {
          ints.push_back(*i);
          kinds.push_back('i');
        } else if (auto* d = std::get_if<double>(&v)) {
          doubles.push_back(*d);
          kinds.push_back('d');
        } else if (auto* s = std::get_if<std::string>(&v)) {
          strings.push_back(*s);
          kinds.push_back('s');
        } else {
          strings.emplace_back();
          inds.back() = soci::i_null;
          kinds.push_back('s');
        }
      }
    }
    void BindTo(soci::statement& st) {
      size_t ii = 0, di = 0, si = 0;
      for (size_t k = 0; k < kinds.size(); ++k) {
        switch (kinds[k]) {
          case 'i':
            st.exchange(soci::use(ints[ii++], inds[k]));
            break;
          case 'd':
            st.exchange(soci::use(doubles[di++], inds[k]));
            break;
          default:
            st.exchange(soci::use(strings[si++], inds[k]));
            break;
        }
      }
    }
    std::vector<long long> ints;
    std::vector<double> doubles;
    std::vector<std::string> strings;
    std::vector<soci::indicator> inds;
    std::vector<char> kinds;
  };

  static Row Convert(const soci::row& r) {
    std::vector<SqlValue> values;
    values.reserve(r.size());
    for (size_t i = 0; i < r.size(); ++i) {
      if (r.get_indicator(i) == soci::i_null) {
        values.emplace_back(std::monostate{});
        continue;
      }
      switch (r.get_properties(i).get_data_type()) {
        case soci::dt_integer:
          values.emplace_back(int64_t{r.get<int>(i)});
          break;
        case soci::dt_long_long:
          values.emplace_back(int64_t{r.get<long long>(i)});
          break;
        case soci::dt_unsigned_long_long:
          values.emplace_back(static_cast<int64_t>(r.get<unsigned long long>(i)));
          break;
        case soci::dt_double:
          values.emplace_back(r.get<double>(i));
          break;
        case soci::dt_string:
          values.emplace_back(r.get<std::string>(i));
          break;
        default:
          values.emplace_back(std::monostate{});
          break;
      }
    }
    return Row(std::move(values));
  }

  soci::session& sql_;
  Dialect dialect_;
};

class SociDatabase final : public Database {
 public:
  SociDatabase(Dialect dialect, std::string backend, std::string connect, int pool_size)
      : dialect_(dialect), backend_(std::move(backend)), connect_(std::move(connect)) {
    for (int i = 0; i < pool_size; ++i) free_.push_back(std::make_unique<soci::session>());
  }

  Dialect dialect() const override { return dialect_; }

  Status Transaction(const std::function<Status(SqlSession&)>& fn) override {
    Status last;
    for (int attempt = 0; attempt < 8; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5 << attempt));
      last = WithSession([&](SqlSession& s) -> Status {
        EASEL_RETURN_IF_ERROR(s.Exec(dialect_ == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"));
        Status st = fn(s);
        if (st.ok()) st = s.Exec("COMMIT").status();
        if (!st.ok()) s.Exec("ROLLBACK").status().IgnoreError();
        return st;
      });
      if (!IsRetryable(last)) return last;
    }
    return last;
  }

  Status WithSession(const std::function<Status(SqlSession&)>& fn) override {
    std::unique_ptr<soci::session> conn;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !free_.empty(); });
      conn = std::move(free_.front());
      free_.pop_front();
    }
    Status st = Connect(*conn);
    if (st.ok()) {
      SociSession session(*conn, dialect_);
      st = fn(session);
    }
    if (st.code() == StatusCode::kUnavailable) {
      // Drop a broken connection; the next lease opens a fresh one.
      conn = std::make_unique<soci::session>();
    }
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(conn));
    }
    cv_.notify_one();
    return st;
  }

  Status Ping() override {
    return WithSession([](SqlSession& s) { return s.Query("SELECT 1").status(); });
  }

 private:
  Status Connect(soci::session& s) {
    if (s.get_backend() != nullptr) return OkStatus();
    try {
      s.open(backend_, connect_);
      if (dialect_ == Dialect::kSqlite) {
        s << "PRAGMA journal_mode=WAL";
        s << "PRAGMA synchronous=FULL";
        s << "PRAGMA foreign_keys=ON";
      }
      return OkStatus();
    } catch (const soci::soci_error& e) {
      EASEL_LOG_ERROR("cannot connect to the metadata database: {}", e.what());
      try {
        s.close();
      } catch (...) {
      }
      return Unavailable("the metadata database is unreachable");
    }
  }

  Dialect dialect_;
  std::string backend_;
  std::string connect_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<soci::session>> free_;
};

// postgresql://user:password@host:port/dbname?key=value → libpq's "key=value" form, which SOCI
// passes through unchanged. Values are quoted so spaces and quotes survive.
Result<std::string> PostgresConnectString(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  auto quote = [](std::string v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string dbname;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    dbname = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string out;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string::npos) {
      out += " password=" + quote(userinfo.substr(colon + 1));
      userinfo = userinfo.substr(0, colon);
    }
    if (!userinfo.empty()) out += " user=" + quote(userinfo);
  }
  std::string host = rest, port;
  if (auto colon = rest.rfind(':');
      colon != std::string::npos && rest.find(']') == std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (!host.empty()) out += " host=" + quote(host);
  if (!port.empty()) out += " port=" + quote(port);
  if (!dbname.empty()) out += " dbname=" + quote(dbname);
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string kv = query.substr(start, amp - start);
    if (auto eq = kv.find('='); eq != std::string::npos && eq > 0) {
      out += " " + kv.substr(0, eq) + "=" + quote(kv.substr(eq + 1));
    } else if (!kv.empty()) {
      return InvalidArgument("malformed option in the database URL");
    }
    start = amp + 1;
  }
  if (out.empty()) return InvalidArgument("the database URL names no server");
  return out.substr(1);
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const std::string& url, int pool_size) {
  std::unique_ptr<Database> db;
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    if (path.empty()) return InvalidArgument("sqlite URL needs a path: sqlite:PATH");
    // A private in-memory database exists per connection: use exactly one.
    if (path == ":memory:") pool_size = 1;
    db = std::make_unique<SociDatabase>(Dialect::kSqlite, "sqlite3", "db=" + path + " timeout=30",
                                        pool_size);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    EASEL_ASSIGN_OR_RETURN(std::string connect, PostgresConnectString(url));
    db = std::make_unique<SociDatabase>(Dialect::kPostgres, "postgresql", connect, pool_size);
  } else {
    return InvalidArgument("database URL must start with sqlite: or postgresql://");
  }
  EASEL_RETURN_IF_ERROR(Migrate(*db));
  return db;
}

}  // namespace easel::store
