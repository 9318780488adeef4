#pragma once
// The metadata schema as an ordered list of migrations. Each migration runs once, in its own
// transaction, and is recorded in schema_migrations; concurrent servers on PostgreSQL serialize
// on an advisory lock. Never edit a released migration: append a new one.

#include <string>
#include <vector>

#include "store/sql.h"

namespace easel::store {

struct Migration {
  int version;
  std::string name;
  std::vector<std::string> statements;
};

const std::vector<Migration>& Migrations();

// Applies every migration newer than the database's version.
Status Migrate(Database& db);

// Columns that hold blob digests, as "table.column". Garbage collection counts references
// through these, so a module that stores a digest must list its column here.
const std::vector<std::pair<std::string, std::string>>& BlobReferenceColumns();

}  // namespace easel::store
