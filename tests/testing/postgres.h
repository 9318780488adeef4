#pragma once
// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary directory, listening
// on a free loopback port, started once per test binary and stopped at exit. Each caller of
// FreshDatabaseUrl() gets its own empty database.
//
// Set EASEL_TEST_POSTGRES_URL to a server URL (with a database the user may CREATE DATABASE
// from) to use an existing server instead.

#include <string>

#include "common/status.h"

namespace easel::testing {

// A URL "postgresql://..." to a new empty database, or UNAVAILABLE with the reason PostgreSQL
// could not be started (tests print it when they skip).
Result<std::string> FreshPostgresUrl();

// Parametrization helper: "sqlite" → a SQLite file under `dir`, "postgresql" → a fresh database.
Result<std::string> DatabaseUrlFor(const std::string& engine, const std::string& dir);

}  // namespace easel::testing
