// endpoint create|list|show|update|delete: configuring online serving
// (/api/v1/projects/{project}/endpoints) as a script or a person at a terminal drives it.
// Sending requests to an endpoint is predict.cc.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/command_groups.h"
#include "cli/table.h"

namespace easel::cli {
namespace {

struct EndpointFlags {
  CommonFlags common;
  ListFlags list;
  std::string project;
  std::string name;
  std::vector<std::string> models;  // one route each: "name" or "name@version"
  std::vector<double> weights;      // paired with `models` by position
  int64_t instances = -1;           // -1: not given
  int64_t max_batch_size = -1;
  int64_t max_queue_delay_us = -1;
  int64_t max_queue_size = -1;
  std::string device;
};

Result<std::string> EndpointsPath(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string project, ProjectPath(f.project));
  return project + "/endpoints";
}

Result<std::string> EndpointPath(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string endpoints, EndpointsPath(f));
  return endpoints + "/" + EncodeComponent(f.name);
}

bool IsVersionNumber(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A number in its shortest readable form (a weight of 1, not 1.0); other values as cells.
std::string NumberText(const Json& n) {
  if (!n.is_number()) return CellText(n);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", n.get<double>());
  return buf;
}

// One route per --model, weighted by the --weight at the same position; a route without one
// gets the server's default weight (1).
Result<Json> RoutesFromFlags(const EndpointFlags& f) {
  if (f.weights.size() > f.models.size()) {
    return UsageError(
        "more --weight than --model flags: a weight applies to the --model at the "
        "same position");
  }
  Json routes = Json::array();
  for (size_t i = 0; i < f.models.size(); ++i) {
    const std::string& ref = f.models[i];
    const size_t at = ref.find('@');
    const std::string model = ref.substr(0, at);
    const std::string version = at == std::string::npos ? "" : ref.substr(at + 1);
    if (model.empty() || (at != std::string::npos && version.empty())) {
      return UsageError(
          "--model takes MODEL or MODEL@VERSION (a number, latest or an alias), "
          "not '" +
          ref + "'");
    }
    Json route = {{"model", model}};
    if (!version.empty()) {
      route["version"] = IsVersionNumber(version) ? Json(std::stoll(version)) : Json(version);
    }
    if (i < f.weights.size()) route["weight"] = f.weights[i];
    routes.push_back(std::move(route));
  }
  return routes;
}

// The routes of `endpoint` (as the server shows it) with new weights, in the same order.
Result<Json> Reweighted(const Json& endpoint, const std::vector<double>& weights) {
  const Json& routes = Member(endpoint, "routes");
  if (!routes.is_array() || routes.size() != weights.size()) {
    return UsageError("the endpoint has " + std::to_string(routes.size()) +
                      " route(s): give one --weight for each, in the order `endpoint show` "
                      "lists them, or --model flags to replace the routes");
  }
  Json out = Json::array();
  for (size_t i = 0; i < routes.size(); ++i) {
    out.push_back({{"model", Member(routes[i], "model")},
                   {"version", Member(routes[i], "version")},
                   {"weight", weights[i]}});
  }
  return out;
}

// The setting flags that were given, as endpoint fields.
Json Settings(const EndpointFlags& f) {
  Json body = Json::object();
  if (f.instances >= 0) body["instances"] = f.instances;
  if (f.max_batch_size >= 0) body["max_batch_size"] = f.max_batch_size;
  if (f.max_queue_delay_us >= 0) body["max_queue_delay_us"] = f.max_queue_delay_us;
  if (f.max_queue_size >= 0) body["max_queue_size"] = f.max_queue_size;
  if (!f.device.empty()) body["device"] = f.device;
  return body;
}

// "iris-gbm v1 (w 1), iris-gbm v2 (w 3)"; `detail` adds each route's format and queue.
std::string RoutesText(const Json& endpoint, bool detail) {
  std::string out;
  for (const Json& r : Member(endpoint, "routes")) {
    const Json& version = Member(r, "version");
    std::string text = Field(r, "model") +
                       (version.is_string() ? "@" + CellText(version) : " v" + CellText(version)) +
                       " (w " + NumberText(Member(r, "weight"));
    if (detail) {
      if (std::string format = StringField(r, "format"); !format.empty()) text += ", " + format;
      const Json& pending = Member(r, "pending");
      if (pending.is_number() && pending.get<double>() > 0) {
        text += ", " + NumberText(pending) + " queued";
      }
    }
    out += (out.empty() ? "" : ", ") + text + ")";
  }
  return out.empty() ? "-" : out;
}

void PrintEndpoint(const Json& e) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Name", Field(e, "name")}, {"Id", Field(e, "id")}, {"State", Field(e, "state")}};
  if (const Json& error = Member(e, "error"); !error.is_null()) {
    fields.emplace_back("Error", error.is_object()
                                     ? Field(error, "code") + ": " + Field(error, "message")
                                     : CellText(error));
  }
  const Json& delay = Member(e, "max_queue_delay_us");
  fields.insert(fields.end(), {{"Routes", RoutesText(e, /*detail=*/true)},
                               {"Instances", Field(e, "instances")},
                               {"Max batch size", Field(e, "max_batch_size")},
                               {"Max queue delay", delay.is_null() ? "-" : CellText(delay) + " us"},
                               {"Max queue size", Field(e, "max_queue_size")},
                               {"Device", Field(e, "device")},
                               {"Created by", Field(e, "created_by")},
                               {"Created", Field(e, "created_at")},
                               {"Updated", Field(e, "updated_at")}});
  Print(RenderFields(fields));
}

Status Output(const EndpointFlags& f, const Json& endpoint) {
  if (f.common.json) {
    PrintJson(endpoint);
  } else {
    PrintEndpoint(endpoint);
  }
  return OkStatus();
}

Status Create(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, EndpointsPath(f));
  Json body = Settings(f);
  body["name"] = f.name;
  EASEL_ASSIGN_OR_RETURN(body["routes"], RoutesFromFlags(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json endpoint, client->Post(path, body));
  return Output(f, endpoint);
}

Status Update(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, EndpointPath(f));
  Json body = Settings(f);
  if (body.empty() && f.models.empty() && f.weights.empty()) {
    return UsageError(
        "nothing to change: give --model, --weight or a setting such as "
        "--max-batch-size");
  }
  if (!f.models.empty()) {
    EASEL_ASSIGN_OR_RETURN(body["routes"], RoutesFromFlags(f));
  }
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  if (f.models.empty() && !f.weights.empty()) {
    EASEL_ASSIGN_OR_RETURN(Json current, client->Get(path));
    EASEL_ASSIGN_OR_RETURN(body["routes"], Reweighted(current, f.weights));
  }
  EASEL_ASSIGN_OR_RETURN(Json endpoint, client->Patch(path, body));
  return Output(f, endpoint);
}

Status List(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, EndpointsPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json page, ListAll(*client, path, {}, f.list));
  if (f.common.json) {
    PrintJson(page);
    return OkStatus();
  }
  Table table({{"name"}, {"state"}, {"routes", 70}, {"batch"}, {"instances"}});
  for (const Json& e : Member(page, "items")) {
    table.AddRow({Field(e, "name"), Field(e, "state"), RoutesText(e, /*detail=*/false),
                  Field(e, "max_batch_size"), Field(e, "instances")});
  }
  Print(table.Render());
  return OkStatus();
}

Status Show(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, EndpointPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_ASSIGN_OR_RETURN(Json endpoint, client->Get(path));
  return Output(f, endpoint);
}

Status Delete(const EndpointFlags& f) {
  EASEL_ASSIGN_OR_RETURN(std::string path, EndpointPath(f));
  EASEL_ASSIGN_OR_RETURN(auto client, Connect(f.common));
  EASEL_RETURN_IF_ERROR(client->Delete(path));
  Print("Deleted endpoint " + f.name + "\n");
  return OkStatus();
}

CLI::App* ForOneEndpoint(CLI::App* cmd, EndpointFlags& f) {
  cmd->add_option("name", f.name, "Endpoint name")->required();
  AddProjectFlag(cmd, f.project);
  return cmd;
}

void AddRouteAndSettingFlags(CLI::App* cmd, EndpointFlags& f, bool create) {
  // The server's defaults, worth saying only where they apply.
  auto with_default = [create](std::string help, const char* value) {
    return create ? help + " (default " + value + ")" : help;
  };
  CLI::Option* model =
      cmd->add_option("-m,--model", f.models,
                      create ? "MODEL or MODEL@VERSION to serve (repeat to split traffic)"
                             : "MODEL or MODEL@VERSION; the --model flags replace all routes")
          ->expected(1)
          ->allow_extra_args(false)  // one value per flag: NAME may follow it
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  if (create) model->required();
  cmd->add_option("-w,--weight", f.weights,
                  create ? "Traffic weight of the --model at the same position (default 1)"
                         : "Weights by position: of the --model flags, else of the current "
                           "routes")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::PositiveNumber);
  cmd->add_option("--instances", f.instances, with_default("Model instances per route", "1"))
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-batch-size", f.max_batch_size, with_default("Rows per model call", "32"))
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-queue-delay-us", f.max_queue_delay_us,
                  with_default("Longest wait for a batch to fill, in microseconds", "0"))
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-queue-size", f.max_queue_size,
                  with_default("Requests waiting per route before the server answers 429", "1024"))
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", f.device, with_default("cpu or cuda", "cpu"))
      ->check(CLI::IsMember({"cpu", "cuda"}));
}

}  // namespace

void AddEndpointCommands(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<EndpointFlags>();

  CLI::App* group =
      app.add_subcommand("endpoint", "Online serving: endpoints that route requests to models");
  group->alias("endpoints");
  group->require_subcommand(1);

  CLI::App* create = ForOneEndpoint(
      AddCommand(group, "create", "Serve model versions under a name (answers once loaded)", f,
                 exit_code, Create),
      *f);
  AddRouteAndSettingFlags(create, *f, /*create=*/true);

  CLI::App* list = AddCommand(group, "list", "List a project's endpoints", f, exit_code, List);
  list->alias("ls");
  AddProjectFlag(list, f->project);
  AddListFlags(list, f->list);

  ForOneEndpoint(AddCommand(group, "show", "Show an endpoint's routes, settings and state", f,
                            exit_code, Show),
                 *f)
      ->alias("get");

  CLI::App* update = ForOneEndpoint(
      AddCommand(group, "update", "Change routes or settings without dropping requests", f,
                 exit_code, Update),
      *f);
  AddRouteAndSettingFlags(update, *f, /*create=*/false);

  ForOneEndpoint(AddCommand(group, "delete", "Stop serving and remove an endpoint", f, exit_code,
                            Delete, /*json_output=*/false),
                 *f);
}

}  // namespace easel::cli
