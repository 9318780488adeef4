// gc: server maintenance (admins only).

#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/duration.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct GcFlags {
  CommonFlags common;
  std::string orphan_grace;
};

Status CollectGarbage(const GcFlags& f) {
  Json body = Json::object();
  if (f.orphan_grace == "0") {
    body["orphan_grace_s"] = 0;
  } else if (!f.orphan_grace.empty()) {
    Result<int64_t> seconds = ParseDurationSeconds(f.orphan_grace);
    if (!seconds.ok()) return UsageError("--orphan-grace: " + seconds.status().message());
    body["orphan_grace_s"] = *seconds;
  }
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json report, client->Post("/api/v1/admin/gc", body));
  if (f.common.json) {
    PrintJson(report);
    return OkStatus();
  }
  Print(RenderFields({{"Blobs deleted", Field(report, "blobs_deleted")},
                      {"Orphans deleted", Field(report, "orphans_deleted")},
                      {"Bytes freed", Field(report, "bytes_deleted")},
                      {"Refcounts fixed", Field(report, "refcounts_fixed")},
                      {"Missing files", Field(report, "missing_files")}}));
  return OkStatus();
}

}  // namespace

void AddAdminCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<GcFlags>();
  CLI::App* gc = AddCommand(&app, "gc", "Delete unreferenced blobs from the server's storage", f,
                            exit_code, CollectGarbage);
  gc->add_option("--orphan-grace", f->orphan_grace,
                 "Keep unreferenced uploads younger than this (default: the server's, 1h)");
}

}  // namespace easel::cli
