#pragma once
// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary directory, listening
// on a free loopback port, started once per test binary and stopped at exit. Each caller of
// FreshDatabaseUrl() gets its own empty database.
//
// Under ctest a fixture (pg_fixture.cc) starts one cluster for the whole run and names it in
// EASEL_TEST_POSTGRES_SERVER_FILE; tests then create their databases there instead of paying
// for a cluster each. Set EASEL_TEST_POSTGRES_URL to a database URL to use it as is.

#include <string>

#include "common/status.h"

namespace easel::testing {

// A URL "postgresql://..." to a new empty database, or UNAVAILABLE with the reason PostgreSQL
// could not be started (tests print it when they skip).
Result<std::string> FreshPostgresUrl();

// Starts a cluster under `dir` that outlives this process and writes its server URL (database
// "postgres") to `dir`/url. Stop it with StopClusterIn(dir).
Status StartClusterIn(const std::string& dir);
Status StopClusterIn(const std::string& dir);

// Parametrization helper: "sqlite" → a SQLite file under `dir`, "postgresql" → a fresh database.
Result<std::string> DatabaseUrlFor(const std::string& engine, const std::string& dir);

}  // namespace easel::testing
