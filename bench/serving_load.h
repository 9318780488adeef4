#pragma once
// Closed-loop load on a KServe v2 endpoint for bench/serving_bench.cc: N keep-alive
// connections, each sending one prepared request after another for a fixed time, over HTTP
// with a JSON body, HTTP with the binary tensor extension (a client thread per connection), or
// gRPC with raw_input_contents (one thread drives every connection). Failed requests never throw;
// they are counted and the first one kept, so the caller decides how loudly a failed run is
// reported.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"

namespace easel::bench {

// One input tensor of a request: shape [rows], its raw little-endian bytes (BYTES: a 4-byte
// length and the bytes, per element), and the same values as a JSON data array (null where
// only the binary forms can carry them, as for encoded images).
struct RowInput {
  std::string name;
  std::string datatype;
  int64_t rows = 1;
  std::string raw;
  Json json;
};
using RowRequest = std::vector<RowInput>;

// Requests of `rows` rows each, as many as `single` holds: request i is single-row requests
// i, i + 1, … (wrapping around) stacked along the batch dimension. A single-row input's json
// is its one value (or null); the stacked input's is the data array.
std::vector<RowRequest> Stack(const std::vector<RowRequest>& single, size_t rows);

// kHttpRows: HTTP JSON with one JSON object per row ({"column": value, ...}) in a BYTES input
// named "rows", as `easel predict` sends a CSV (tabular models only).
enum class Protocol { kHttpJson, kHttpBinary, kGrpc, kHttpRows };
const char* ProtocolName(Protocol p);

// A connection to one endpoint, used by one thread at a time.
class InferConnection {
 public:
  virtual ~InferConnection() = default;
  // Sends request `i` of the prepared set and waits for the answer: an empty string on
  // success, else a sentence saying what went wrong. With `probabilities`, the answer's
  // "probabilities" output is decoded into it.
  virtual std::string Infer(size_t i, std::vector<float>* probabilities) = 0;
  // The cheapest round trip the protocol has, on the same connection: GET /v2/health/live,
  // or the ServerLive RPC. What any request costs before the model is involved.
  virtual std::string Ping() = 0;
};

// Where the server listens and who the client is.
struct ServerTarget {
  int http_port = 0;
  int grpc_port = 0;
  std::string token;
};

// The requests of one endpoint in the encoding a protocol sends, built once and shared by
// every connection (read-only; it must outlive them).
class RequestSet {
 public:
  RequestSet(Protocol protocol, ServerTarget target, const std::string& endpoint,
             const std::vector<RowRequest>& rows);
  ~RequestSet();

  Protocol protocol() const { return protocol_; }
  size_t size() const { return size_; }
  // A new connection of its own (gRPC: a channel that shares no subchannel with others). May
  // be called from any thread.
  std::unique_ptr<InferConnection> Connect() const;

  struct Encoded;

 private:
  Protocol protocol_;
  ServerTarget target_;
  std::string path_;
  size_t size_ = 0;
  std::unique_ptr<Encoded> encoded_;
};

struct LoadResult {
  int64_t requests = 0;  // answered with success before the deadline
  int64_t errors = 0;
  std::string first_error;
  double seconds = 0;  // the timed window
  double p50_us = 0, p99_us = 0;
};

struct LoadOptions {
  const RequestSet* requests = nullptr;
  int concurrency = 1;
  double seconds = 3;
  // Called once per thread on its first (untimed) answer: the request index and its
  // probabilities; a non-empty answer is an error that fails the run.
  std::function<std::string(size_t, const std::vector<float>&)> check;
  // Called after every thread is connected and warmed up, right before the clock starts. What
  // it throws stops the run and is rethrown by RunLoad once the threads are joined.
  std::function<void()> before_start;
  bool ping = false;  // send Ping() instead of the requests
};

// Connections start at different requests of the set and walk through it in order.
LoadResult RunLoad(const LoadOptions& options);

}  // namespace easel::bench
