#!/usr/bin/python3
"""Mutation fuzzing of easel as an outside client.

Starts `easel serve` on loopback with a throwaway data dir, gives it a few small models,
endpoints and datasets, then sends damaged requests for a while: every answer must be a
success or a 4xx with the JSON error body, within 10 s, and the server must stay up; jobs
accepted from damaged specs must end without their worker dying. Under a sanitized build
(`--easel build-asan/easel`, as `scripts/sanitize.sh` runs it) any sanitizer report fails the
run too.

  tests/fuzz/fuzz.py [--easel PATH] [--seconds S] [--seed N] [TARGET ...]

Targets (default: all):
  http    KServe v2 infer requests over HTTP (JSON, the binary extension, compressed bodies),
          raw malformed HTTP, endpoint and model routes
  grpc    inference.GRPCInferenceService/ModelInfer with damaged messages, and ModelStatistics
          of any name and version (python3-grpcio)
  jobs    train, hpo, automl and batch_predict specs, and tabular imports
  images  encoded images to an image endpoint, image-folder archive imports, labeling
  annotations  object detection imports (COCO, Pascal VOC, YOLO) with damaged annotation
          files; each imported version must still be readable
  records text classification (CSV, JSON lines) and time series (CSV) imports with damaged
          records; each imported version must still be readable
  models  model imports (XGBoost JSON mutated in its structure, TorchScript, ONNX); a version
          an import registers is served and asked to predict

Exit status: 0 when everything answered as expected, 1 otherwise (each case printed).
Uses Debian's /usr/bin/python3, its standard library, and python3-grpcio for `grpc`.
"""
import argparse
import gzip
import http.client
import io
import itertools
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
import zlib

# Archives with repeated names are made on purpose.
warnings.filterwarnings("ignore", "Duplicate name")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "fuzz-admin-token-0123456789abcdef0123456789abcdef"
PROJECT = "/api/v1/projects/fz"
# Answers a damaged request may get; anything else (a 5xx above all) is a finding.
EXPECTED = {200, 201, 202, 204, 400, 404, 405, 409, 411, 413, 415, 422, 429, 503}
# A job that fails this way died instead of refusing its input.
DIED = re.compile(r"worker died|killed by signal|crashed", re.I)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`easel serve` in a temporary directory, and requests to it."""

    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="easel-fuzz.")
        self.reports = os.path.join(self.dir, "reports")
        os.makedirs(self.reports)
        self.port, self.grpc_port = free_port(), free_port()
        env = dict(os.environ, EASEL_ADMIN_TOKEN=TOKEN,
                   ASAN_OPTIONS="handle_segv=0:log_path=%s/asan" % self.reports,
                   UBSAN_OPTIONS="print_stacktrace=1:log_path=%s/ub" % self.reports,
                   LSAN_OPTIONS="suppressions=%s/tests/lsan-suppressions.txt" % ROOT)
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", os.path.join(self.dir, "data"),
             "--listen", "127.0.0.1:%d" % self.port,
             "--grpc-listen", "127.0.0.1:%d" % self.grpc_port, "--log-level", "warn"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                self.request("GET", "/v2/health/live")
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise SystemExit("easel serve did not start; see " + self.log.name)

    def alive(self):
        return self.process.poll() is None

    def request(self, method, path, body=None, headers=None, timeout=10):
        """(status, body bytes); `body` is bytes, or JSON to encode."""
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        all_headers = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def must(self, method, path, body=None, headers=None):
        status, answer = self.request(method, path, body, headers, timeout=60)
        if status >= 300:
            raise SystemExit("setup: %s %s -> %d %s" % (method, path, status, answer[:300]))
        return json.loads(answer) if answer else None

    def wait(self, job_id, limit_s=900):
        deadline = time.time() + limit_s
        while True:
            job = self.must("GET", PROJECT + "/jobs/" + job_id)
            if job["state"] in ("succeeded", "failed", "cancelled") or time.time() > deadline:
                return job
            time.sleep(0.3)

    def finish_jobs(self, job_ids, target, findings):
        """Cancels the jobs still running (a damaged spec may ask for a long run), waits for
        all, and reports those whose worker died."""
        for job_id in job_ids:
            self.request("POST", PROJECT + "/jobs/%s/cancel" % job_id, b"")
        for job_id in job_ids:
            job = self.wait(job_id, 120)
            if job["state"] not in ("succeeded", "failed", "cancelled"):
                findings.add(target, "job %s (%s) still %s 120 s after its cancel" % (
                    job_id, job["kind"], job["state"]))
            elif DIED.search(json.dumps(job.get("error"))):
                findings.add(target, "job %s (%s): %s" % (job_id, job["kind"], job.get("error")))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        time.sleep(1)  # workers write their reports as they exit
        # LeakSanitizer logs its suppression statistics too: only errors count.
        reports = []
        for name in sorted(os.listdir(self.reports)):
            with open(os.path.join(self.reports, name), errors="replace") as f:
                if re.search(r"ERROR: |runtime error", f.read()):
                    reports.append(name)
        return reports


class Findings:
    def __init__(self):
        self.items, self.counts = [], {}

    def answer(self, target, status, body, request=b"", allowed=EXPECTED, json_errors=True):
        self.counts[(target, status)] = self.counts.get((target, status), 0) + 1
        if status not in allowed or (json_errors and status >= 400 and
                                     not body.startswith(b'{"error"')):
            self.add(target, "answered %d: %r to %r" % (status, body[:200], request[:200]))

    def add(self, target, what):
        self.items.append((target, what))
        print("FINDING [%s] %s" % (target, what), flush=True)


def run_for(server, seconds, findings, target, step):
    """Calls `step()` for `seconds`. It sends requests, judges their answers, and returns the
    ids of the jobs they started (or None). A request without an answer is a finding, and a
    dead server ends the run; the jobs started are then cancelled and waited for."""
    accepted = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            accepted += step() or []
        except (OSError, http.client.HTTPException) as e:
            findings.add(target, "request: %r (server alive: %s)" % (e, server.alive()))
            if not server.alive():
                return
    server.finish_jobs(accepted, target, findings)


def damage(data, rng, edits=None):
    """`data` with a few bytes replaced, inserted or deleted."""
    out = bytearray(data)
    for _ in range(edits or rng.randint(1, 6)):
        at = rng.randrange(len(out) + 1)
        kind = rng.random()
        if kind < 0.4 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif kind < 0.7:
            out[at:at] = bytes([rng.randrange(256)]) * rng.randint(1, 3)
        else:
            del out[at:at + rng.randint(1, 5)]
    return bytes(out)


def any_value(rng, depth=0):
    """A JSON value of any type, nested a little."""
    pick = rng.random()
    if depth > 3 or pick < 0.4:
        return rng.choice([0, 1, -1, 3.5, 1e308, -1e308, 1e-320, 2**63, -2**63 - 1, 2**64,
                           10**30, 65504, 70000, 255, 256, -129])
    if pick < 0.55:
        return rng.choice(["", "x", "1.5", "nan", "inf", "\u00e9\u4e2d", "\x00", "a" * 1000])
    if pick < 0.65:
        return rng.choice([True, False, None])
    if pick < 0.85:
        return [any_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {rng.choice(["a", "b", "type", "name", ""]): any_value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def png(width, height, shade, channels=1):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\0" + bytes((x * (shade + 1) * 37 + y * 11 + c * 50) % 256
                                  for x in range(width) for c in range(channels))
                    for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if channels == 1 else 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) +
            chunk(b"IEND", b""))


IRIS_COLUMNS = ["a", "b", "c", "d"]
TABULAR_ENDPOINTS = ["ex", "el", "em"]


def setup_tabular(server, rng):
    """Three iris models (xgboost, linear, mlp), each behind an endpoint of its own."""
    server.must("POST", "/api/v1/projects", {"name": "fz"})
    server.must("POST", PROJECT + "/datasets", {"name": "iris", "type": "tabular"})
    lines = [",".join(IRIS_COLUMNS + ["label"])]
    for i in range(150):
        k = i % 3
        lines.append("%.2f,%.2f,%.2f,%.2f,c%d" % (5 + k + rng.random(), 3 + rng.random(),
                                                  1 + 2 * k + rng.random(), k + rng.random(), k))
    job = server.must("POST", PROJECT + "/datasets/iris/imports?file_name=iris.csv",
                      "\n".join(lines).encode(), {"Content-Type": "text/csv"})
    server.wait(job["job_id"])
    for endpoint, algorithm, params, batch in (("ex", "xgboost", {"n_estimators": 5}, 1),
                                               ("el", "linear", {}, 8),
                                               ("em", "mlp", {"epochs": 3}, 32)):
        job = server.must("POST", PROJECT + "/jobs", {"kind": "train", "spec": {
            "algorithm": algorithm, "dataset": {"name": "iris"}, "target": "label",
            "params": params, "model_name": "m" + endpoint}})
        if server.wait(job["id"])["state"] != "succeeded":
            raise SystemExit("setup: training %s failed" % algorithm)
        server.must("POST", PROJECT + "/endpoints", {
            "name": endpoint, "routes": [{"model": "m" + endpoint, "version": 1, "weight": 100}],
            "max_batch_size": batch, "max_queue_delay_us": 300 if batch > 1 else 0})


def iris_inputs(rng):
    rows = rng.choice([1, 1, 2, 5, 17, 64])
    return [{"name": c, "shape": [rows], "datatype": "FP32",
             "data": [round(rng.uniform(0, 8), 3) for _ in range(rows)]} for c in IRIS_COLUMNS]


def damage_tensor(tensor, rng):
    for _ in range(rng.randint(1, 3)):
        field = rng.choice(["name", "shape", "datatype", "data", "parameters", "extra", "drop"])
        if field == "name":
            tensor["name"] = rng.choice(["", "input", "rows", "x" * 500, 5, None])
        elif field == "shape":
            tensor["shape"] = rng.choice([[], [-1], [0], [0, 4], [1, -4], [2**40, 4],
                                          [2**62, 2**62], [1, 4, 1], "x", [1.5], [None], [1] * 40])
        elif field == "datatype":
            tensor["datatype"] = rng.choice(["BOOL", "UINT8", "UINT64", "INT8", "INT32", "INT64",
                                             "FP16", "FP32", "FP64", "BYTES", "BF16", "fp32", ""])
        elif field == "data":
            tensor["data"] = any_value(rng)
        elif field == "parameters":
            tensor["parameters"] = rng.choice([{"binary_data_size": rng.choice([-1, 2**40, "x"])},
                                               {"content_type": 5}, [], "x"])
        elif field == "extra":
            tensor[rng.choice(["contents", "raw"])] = any_value(rng)
        elif tensor:
            tensor.pop(rng.choice(list(tensor)))


def infer_json(rng):
    if rng.random() < 0.7:
        inputs = iris_inputs(rng)
    else:
        rows = rng.randint(1, 5)
        inputs = [{"name": "rows", "shape": [rows], "datatype": "BYTES",
                   "data": [json.dumps({c: rng.uniform(0, 8) for c in IRIS_COLUMNS})
                            for _ in range(rows)]}]
    if rng.random() < 0.7:
        damage_tensor(rng.choice(inputs), rng)
    body = {"inputs": inputs}
    if rng.random() < 0.3:
        body["outputs"] = [{"name": rng.choice(["probabilities", "label", "x"]), "parameters": {
            "classification": rng.choice([0, 1, 3, -1, 2**40, "x"])}}]
    if rng.random() < 0.1:
        body = rng.choice([[], "x", None, {"inputs": any_value(rng)}, {"inputs": []}])
    data = json.dumps(body).encode()
    return (damage(data, rng) if rng.random() < 0.25 else data), {}


def infer_binary(rng):
    inputs, payload = iris_inputs(rng), b""
    for tensor in inputs:
        if rng.random() < 0.8:
            raw = struct.pack("<%df" % len(tensor["data"]), *tensor.pop("data"))
            tensor["parameters"] = {"binary_data_size": len(raw)}
            payload += raw
    if rng.random() < 0.6:
        damage_tensor(rng.choice(inputs), rng)
    header = json.dumps({"inputs": inputs}).encode()
    if rng.random() < 0.3:
        payload = payload[:rng.randrange(len(payload) + 1)] + os.urandom(rng.choice([0, 1, 7]))
    length = rng.choice([len(header)] * 5 + [0, -1, len(header) + 1, 2**63, "x", " 12"])
    return header + payload, {"Content-Type": "application/octet-stream",
                              "Inference-Header-Content-Length": str(length)}


def infer_compressed(rng):
    data, headers = infer_json(rng) if rng.random() < 0.6 else infer_binary(rng)
    coding = rng.choice(["gzip", "deflate", "br", "x-garbage", "identity"])
    if coding == "gzip" and rng.random() < 0.8:
        data = gzip.compress(data)
    elif coding == "deflate" and rng.random() < 0.8:
        data = zlib.compress(data)
    headers["Content-Encoding"] = coding
    return data, headers


def raw_http(server, rng, findings):
    """A malformed request on a connection of its own: an HTTP answer or a closed connection."""
    endpoint = rng.choice(TABULAR_ENDPOINTS)
    lines = [rng.choice(["POST /v2/models/%s/infer HTTP/1.1" % endpoint, "GARBAGE",
                         "POST /v2/models/%s/infer HTTP/9.9" % endpoint,
                         "POST /v2/models/../../etc/infer HTTP/1.1",
                         "GET /" + "a" * 10000 + " HTTP/1.1"]),
             "Host: x", "Authorization: Bearer " + TOKEN]
    body = json.dumps({"inputs": iris_inputs(rng)}).encode()
    mode = rng.choice(["length", "short", "chunked", "bad chunk", "two lengths", "big header"])
    if mode in ("length", "big header"):
        lines.append("Content-Length: %d" % len(body))
        if mode == "big header":
            lines.append("X-Big: " + "b" * rng.choice([100, 10000, 100000]))
    elif mode == "short":
        lines.append("Content-Length: %d" % (len(body) + rng.randint(1, 50)))
    elif mode == "two lengths":
        lines += ["Content-Length: 5", "Content-Length: %d" % len(body)]
    else:
        lines.append("Transfer-Encoding: chunked")
        body = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if mode == "chunked" else
                rng.choice([b"zz\r\n", b"ffffffffffffffff\r\nab", b"5\r\nabc", b"-1\r\n\r\n"]))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except socket.timeout:
            findings.add("http", "no answer nor close within 10 s to %r" % lines[0][:80])
    if answer:
        # The HTTP library answers some of these itself, with statuses of its own and no JSON.
        findings.answer("http", int(answer.split(b" ", 2)[1]), b"", lines[0].encode(),
                        allowed=EXPECTED | {401, 414, 431, 501, 505}, json_errors=False)


def fuzz_http(server, rng, seconds, findings):
    def step():
        kind = rng.choice(["json", "json", "binary", "binary", "compressed", "raw", "routes"])
        endpoint = rng.choice(TABULAR_ENDPOINTS)
        if kind == "raw":
            raw_http(server, rng, findings)
            return
        if kind == "routes":
            method, path, body = rng.choice([
                ("GET", "/v2/models/%s/stats" % endpoint, None),
                ("GET", "/v2/models/%s/versions/%s" % (endpoint, rng.choice(["0", "x", "9" * 20])), None),
                ("GET", "/v2/models/%25%00/ready", None),
                ("PATCH", PROJECT + "/endpoints/" + endpoint, {"routes": [{
                    "model": "m" + rng.choice(TABULAR_ENDPOINTS), "version": rng.choice([1, 2, -1]),
                    "weight": rng.choice([1, 0, -5])}], "max_batch_size": rng.choice([1, 8, 0])}),
                ("POST", PROJECT + "/endpoints", {
                    "name": rng.choice(["n1", "", "x" * 300]), "routes": any_value(rng),
                    "instances": rng.choice([1, 0, 1000]), "device": rng.choice(["cpu", "cuda", 1])})])
            status, answer = server.request(method, path, body)
            findings.answer("http", status, answer, path.encode())
            return
        body, headers = {"json": infer_json, "binary": infer_binary,
                         "compressed": infer_compressed}[kind](rng)
        status, answer = server.request("POST", "/v2/models/%s/infer" % endpoint, body, headers)
        findings.answer("http", status, answer, body)
    run_for(server, seconds, findings, "http", step)


def fuzz_grpc(server, rng, seconds, findings):
    try:
        import grpc
    except ImportError:
        findings.add("grpc", "python3-grpcio is not installed (scripts/install-deps.sh)")
        return
    stubs = tempfile.mkdtemp(prefix="easel-fuzz-proto.")
    subprocess.run(["protoc", "-I" + os.path.join(ROOT, "proto"), "--python_out=" + stubs,
                    os.path.join(ROOT, "proto", "grpc_service.proto")], check=True)
    sys.path.insert(0, stubs)
    import grpc_service_pb2 as pb
    channel = grpc.insecure_channel("127.0.0.1:%d" % server.grpc_port)
    infer = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer",
                                request_serializer=lambda b: b, response_deserializer=lambda b: b)
    statistics = channel.unary_unary("/inference.GRPCInferenceService/ModelStatistics",
                                     request_serializer=lambda b: b,
                                     response_deserializer=lambda b: b)
    metadata = [("authorization", "Bearer " + TOKEN)]

    def call(method, data):
        """Sends one message; False once the server has died."""
        try:
            method(data, metadata=metadata, timeout=10)
            code = "OK"
        except grpc.RpcError as e:
            code = e.code().name
            # gRPC itself answers a message that does not parse with INTERNAL.
            parse_error = code == "INTERNAL" and "Unable to parse request" in (e.details() or "")
            if code in ("INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED", "UNAVAILABLE") and not parse_error:
                findings.add("grpc", "%s %s to %r" % (code, (e.details() or "")[:200], data[:200]))
        findings.counts[("grpc", code)] = findings.counts.get(("grpc", code), 0) + 1
        if not server.alive():
            findings.add("grpc", "the server died")
            return False
        return True

    deadline = time.time() + seconds
    while time.time() < deadline:
        if rng.random() < 0.05:  # statistics of any name and version, or none
            ask = pb.ModelStatisticsRequest(
                name=rng.choice(TABULAR_ENDPOINTS + ["", "nope", "x" * 300]),
                version=rng.choice(["", "1", "0", "-1", "99", "x", "18446744073709551616"]))
            if not call(statistics, ask.SerializeToString()):
                return
            continue
        request = pb.ModelInferRequest(model_name=rng.choice(TABULAR_ENDPOINTS))
        for tensor in iris_inputs(rng):
            proto = request.inputs.add(name=tensor["name"], datatype="FP32", shape=tensor["shape"])
            if rng.random() < 0.7:
                request.raw_input_contents.append(struct.pack("<%df" % len(tensor["data"]),
                                                              *tensor["data"]))
            else:
                proto.contents.fp32_contents.extend(tensor["data"])
        for _ in range(rng.randint(0, 3)):
            edit = rng.randrange(6)
            if edit == 0:
                rng.choice(request.inputs).datatype = rng.choice(["BYTES", "INT64", "FP16", "", "x"])
            elif edit == 1:
                tensor = rng.choice(request.inputs)
                del tensor.shape[:]
                tensor.shape.extend(rng.choice([[], [-1], [0], [2**40], [2**62, 2**62], [9] * 30]))
            elif edit == 2 and request.raw_input_contents:
                i = rng.randrange(len(request.raw_input_contents))
                request.raw_input_contents[i] = damage(request.raw_input_contents[i], rng)
            elif edit == 3:
                rng.choice(request.inputs).contents.int64_contents.extend([2**63 - 1, -1])
            elif edit == 4:
                request.outputs.add(name="probabilities").parameters[
                    "classification"].int64_param = rng.choice([0, 3, -1, 2**40])
            else:
                del request.inputs[rng.randrange(len(request.inputs))]
        data = request.SerializeToString()
        if rng.random() < 0.2:
            data = damage(data, rng)
        if not call(infer, data):
            return


JOB_SPECS = {
    "train": {"algorithm": "xgboost", "dataset": {"name": "iris"}, "target": "label",
              "params": {"n_estimators": 3}, "model_name": "fz-train"},
    "hpo": {"algorithm": "xgboost", "dataset": {"name": "iris"}, "target": "label",
            "search_space": {"max_depth": {"type": "int", "low": 1, "high": 4}},
            "max_trials": 2, "max_concurrent_trials": 1},
    "automl": {"dataset": {"name": "iris"}, "target": "label", "time_budget_s": 10,
               "algorithms": ["linear"]},
    "batch_predict": {"model": "mex@1", "dataset": {"name": "iris"}, "output_format": "csv"},
}


def damage_spec(value, rng):
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key, pick = rng.choice(list(value)), rng.random()
        if pick < 0.5:
            value[key] = damage_spec(value[key], rng)
        elif pick < 0.7:
            value[key] = any_value(rng)
        elif pick < 0.85:
            del value[key]
        else:
            value[rng.choice(["seed", "resources", "metric", "split", "stacking", "sampler",
                              "scheduler", "objective", "task", "keep_columns"])] = any_value(rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.7:
        i = rng.randrange(len(value))
        value[i] = damage_spec(value[i], rng)
        return value
    return any_value(rng)


def fuzz_jobs(server, rng, seconds, findings):
    def step():
        kind = rng.choice(list(JOB_SPECS) + ["import"])
        if kind == "import":
            cells = ["1.5", "", "nan", "x", "1e999", "-0", '"q,"', "\u00e9"]
            rows = [",".join(rng.choice(cells) for _ in range(5))
                    for _ in range(rng.randint(0, 30))]
            data = "\n".join(["a,b,c,d,label"] + rows).encode()
            if rng.random() < 0.3:
                data = damage(data, rng)
            name = "d%d" % rng.randrange(3)
            server.request("POST", PROJECT + "/datasets", {"name": name, "type": "tabular"})
            status, answer = server.request(
                "POST", PROJECT + "/datasets/%s/imports?file_name=%s" % (
                    name, rng.choice(["x.csv", "x.jsonl", "x.tsv", "x"])),
                data, {"Content-Type": "application/octet-stream"})
            request = data
        else:
            spec = json.loads(json.dumps(JOB_SPECS[kind]))
            for _ in range(rng.randint(0, 3)):
                spec = damage_spec(spec, rng)
            request = json.dumps({"kind": kind, "spec": spec}).encode()
            status, answer = server.request("POST", PROJECT + "/jobs", request)
        findings.answer("jobs", status, answer, request)
        if status == 202:
            reply = json.loads(answer)
            return [reply.get("job_id") or reply["id"]]
    run_for(server, seconds, findings, "jobs", step)


def damaged_image(rng):
    good = png(rng.choice([1, 8, 16, 40]), rng.choice([1, 8, 16, 40]), rng.randrange(3),
               rng.choice([1, 3]))
    return rng.choice([
        lambda: good,
        lambda: damage(good, rng),
        lambda: good[:rng.randrange(len(good))],
        lambda: good[:16] + struct.pack(">II", rng.choice([0, 65535, 100000, 2**31 - 1]),
                                        rng.choice([0, 1, 100000])) + good[24:],
        lambda: b"\xff\xd8\xff\xe0" + os.urandom(rng.randint(0, 300)),
        lambda: os.urandom(rng.randint(0, 200)),
        lambda: b"",
        lambda: b"GIF89a" + os.urandom(50),
        lambda: b"BM" + struct.pack("<IHHI", 100, 0, 0, 54) + os.urandom(60),
    ])()


def image_archive(rng, images, damaged):
    names = ["../x.png", "/abs.png", "c0/" + "n" * 300 + ".png", "c2/a\x01b.png", "c0/x.txt",
             "deep/" * 30 + "a.png"]
    buffer = io.BytesIO()
    if not damaged or rng.random() < 0.7:
        with zipfile.ZipFile(buffer, "w") as archive:
            for i in range(images):
                name = rng.choice(names) if damaged and rng.random() < 0.2 else "c%d/%d.png" % (i % 3, i)
                content = damaged_image(rng) if damaged and rng.random() < 0.3 else png(16, 16, i % 3)
                archive.writestr(name, content)
        data = buffer.getvalue()
        return (damage(data, rng) if damaged and rng.random() < 0.15 else data), "x.zip"
    with tarfile.open(fileobj=buffer, mode=rng.choice(["w", "w:gz", "w:bz2", "w:xz"])) as archive:
        for i in range(images):
            content = damaged_image(rng) if rng.random() < 0.3 else png(16, 16, i % 3)
            entry = tarfile.TarInfo("c%d/%d.png" % (i % 3, i))
            entry.size = len(content)
            if rng.random() < 0.1:
                entry.type, entry.size, content = tarfile.SYMTYPE, 0, b""
                entry.linkname = rng.choice(["/etc/passwd", "../../x"])
            archive.addfile(entry, io.BytesIO(content))
    return buffer.getvalue(), "x.tar"


def multipart(rng, data, file_name, fmt):
    boundary = "fuzz%d" % rng.getrandbits(40)
    body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n" % (boundary, file_name)).encode() +
            data + ("\r\n--%s\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\n%s\r\n"
                    "--%s--\r\n" % (boundary, fmt, boundary)).encode())
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def setup_images(server, rng):
    """An image classifier behind endpoint 'img', and a classification task on its dataset."""
    server.must("POST", PROJECT + "/datasets", {"name": "imgs", "type": "image_classification"})
    body, headers = multipart(rng, image_archive(rng, 60, False)[0], "imgs.zip", "image_folder")
    server.wait(server.must("POST", PROJECT + "/datasets/imgs/imports", body, headers)["job_id"])
    job = server.must("POST", PROJECT + "/jobs", {"kind": "train", "spec": {
        "algorithm": "image_classifier", "dataset": {"name": "imgs"}, "model_name": "mimg",
        "params": {"arch": "resnet18", "width": 0.25, "input_size": 32, "grayscale": True,
                   "epochs": 1, "batch_size": 16, "augment": False}}})
    if server.wait(job["id"])["state"] != "succeeded":
        raise SystemExit("setup: training the image classifier failed")
    server.must("POST", PROJECT + "/endpoints", {
        "name": "img", "routes": [{"model": "mimg", "version": 1, "weight": 100}],
        "max_batch_size": 4, "max_queue_delay_us": 500})
    server.must("POST", PROJECT + "/labeling-tasks", {
        "name": "task", "dataset": "imgs", "kind": "classification", "labels": ["c0", "c1", "c2"]})
    queue = server.must("GET", PROJECT + "/labeling-tasks/task/queue?limit=50")
    return [item["id"] for item in queue["items"]]


def labeling_request(rng, samples):
    task = PROJECT + "/labeling-tasks/task"
    return rng.choice([
        lambda: ("GET", task + "/queue?strategy=%s&limit=%s" % (
            rng.choice(["random", "uncertainty", "x"]), rng.choice(["5", "0", "101", "x"])), None),
        lambda: ("POST", task + "/commit", b""),
        lambda: ("POST", task + "/exports", {"format": rng.choice(["coco", "voc", "yolo", "csv", "x"])}),
        lambda: ("POST", task + "/prelabel", {"model": rng.choice(["mimg", "nope"]),
                                               "version": rng.choice([1, 2, "x"])}),
        lambda: ("POST", task + "/prelabels/accept", {"threshold": rng.choice([0.5, -1, 2, "x"])}),
        lambda: ("PUT", task + "/annotations/" + rng.choice(samples + ["nope", "..%2Fx"]), {
            "labels": rng.choice([["c0"], ["c0", "c1"], [], ["zz"], "c0", [5], None]),
            "status": rng.choice(["labeled", "reviewed", "rejected", "x", 3])}),
        lambda: ("PUT", task + "/annotations/" + rng.choice(samples), {"boxes": [
            {"label": "c0", "x": any_value(rng), "y": 1, "w": 2, "h": 2}]}),
    ])()


def fuzz_images(server, rng, seconds, findings):
    samples = setup_images(server, rng)

    def step():
        kind = rng.choice(["serve"] * 5 + ["import", "label", "label"])
        if kind == "serve":
            images = [damaged_image(rng) for _ in range(rng.randint(1, 4))]
            raw = b"".join(struct.pack("<I", len(i) if rng.random() < 0.9 else
                                       rng.choice([0, len(i) + 5, 2**32 - 1])) + i
                           for i in images)
            header = json.dumps({"inputs": [{
                "name": "image", "datatype": rng.choice(["BYTES"] * 9 + ["UINT8"]),
                "shape": [len(images)] if rng.random() < 0.9 else [len(images) + 1],
                "parameters": {"binary_data_size": len(raw)}}]}).encode()
            status, answer = server.request(
                "POST", "/v2/models/img/infer", header + raw,
                {"Inference-Header-Content-Length": str(len(header)),
                 "Content-Type": "application/octet-stream"})
            request = header
        elif kind == "import":
            data, file_name = image_archive(rng, rng.randint(0, 12), True)
            name = "i%d" % rng.randrange(3)
            server.request("POST", PROJECT + "/datasets",
                           {"name": name, "type": "image_classification"})
            body, headers = multipart(rng, data, file_name, rng.choice(["image_folder", "coco"]))
            status, answer = server.request("POST", PROJECT + "/datasets/%s/imports" % name,
                                            body, headers)
            request = file_name.encode()
        else:
            method, path, body = labeling_request(rng, samples)
            status, answer = server.request(method, path, body)
            request = path.encode()
        findings.answer("images", status, answer, request)
        if status == 202:
            return [json.loads(answer)["job_id"]]
    run_for(server, seconds, findings, "images", step)


def any_number(rng):
    """A box coordinate or an id: mostly plausible, sometimes not a number at all."""
    return rng.choice([lambda: rng.randint(0, 20), lambda: rng.uniform(-5, 25),
                       lambda: rng.choice([0.5, 1.0, 0.0]), lambda: any_value(rng)])()


def coco_annotations(rng, images):
    """A COCO instances document for `images` (names, sizes), damaged in its structure."""
    categories = [{"id": i + 1, "name": rng.choice(["car", "dog", "", "car", "\u00e9", "a" * 300])}
                  for i in range(rng.randint(0, 3))]
    doc = {
        "images": [{"id": i + 1, "file_name": rng.choice([name, "../" + name, "/" + name,
                                                          "x\\" + name, "nope.png", name, name]),
                    "width": w if rng.random() < 0.9 else any_value(rng),
                    "height": h if rng.random() < 0.9 else any_value(rng)}
                   for i, (name, w, h) in enumerate(images)],
        "annotations": [{"id": k, "image_id": rng.choice([rng.randint(0, len(images) + 1),
                                                          any_value(rng)]),
                         "category_id": rng.choice([rng.randint(0, 4), any_value(rng)]),
                         "bbox": rng.choice([[any_number(rng) for _ in range(4)],
                                             [any_number(rng) for _ in range(rng.randint(0, 6))],
                                             any_value(rng)]),
                         "iscrowd": rng.choice([0, 0, 0, 1, any_value(rng)])}
                        for k in range(rng.randint(0, 8))],
        "categories": categories,
    }
    for _ in range(rng.randint(0, 2)):  # a section of the wrong type, or a stray member
        doc[rng.choice(["images", "annotations", "categories", "info"])] = any_value(rng)
    data = json.dumps(doc).encode()
    return damage(data, rng) if rng.random() < 0.2 else data


def voc_annotation(rng, name, width, height):
    """A Pascal VOC <annotation> for one image, damaged in its structure or its bytes."""
    def field(tag, value):
        return "<%s>%s</%s>" % (tag, value, tag) if rng.random() < 0.93 else ""
    objects = "".join(
        "<object>%s%s<bndbox>%s%s%s%s</bndbox></object>" % (
            field("name", rng.choice(["car", "dog", "", "&amp;", "<![CDATA[x]]>"])),
            field("difficult", rng.choice(["0", "1", "x"])),
            field("xmin", any_number(rng)), field("ymin", any_number(rng)),
            field("xmax", any_number(rng)), field("ymax", any_number(rng)))
        for _ in range(rng.randint(0, 4)))
    xml = ("<?xml version=\"1.0\"?><annotation>%s<size>%s%s%s</size>%s</annotation>" % (
        field("filename", rng.choice([name, "../" + name, "/etc/passwd", "nope.png", name])),
        field("width", width if rng.random() < 0.9 else any_number(rng)),
        field("height", height if rng.random() < 0.9 else any_number(rng)),
        field("depth", rng.choice([1, 3, "x"])), objects)).encode()
    return rng.choice([lambda: xml, lambda: xml, lambda: damage(xml, rng),
                       lambda: xml[:rng.randrange(len(xml))],
                       lambda: b"<!DOCTYPE a [<!ENTITY e \"" + b"x" * 50 + b"\">]>" + xml,
                       lambda: b"<annotation>" * rng.randint(1, 3000)])()


def yolo_labels(rng, classes):
    """A YOLO label file: lines of class cx cy w h, some of them wrong."""
    def value():
        return rng.choice([str(round(rng.uniform(-0.2, 1.2), 3)), "0.5", "nan", "inf", "1e999",
                           "", "x", "-0"])
    lines = []
    for _ in range(rng.randint(0, 6)):
        count = rng.choice([5, 5, 5, 4, 6, 1])
        cls = rng.choice([str(rng.randint(0, classes)), "-1", "1.5", "99999999999999999999"])
        lines.append(" ".join([cls] + [value() for _ in range(count - 1)]))
    data = rng.choice(["\n", "\r\n", "\t\n"]).join(lines).encode()
    return damage(data, rng) if rng.random() < 0.2 else data


def detection_archive(rng, fmt):
    """A zip in `fmt`'s layout: a few images and their annotations, some damaged."""
    buffer = io.BytesIO()
    images = [("%d.png" % i, rng.choice([8, 16, 40]), rng.choice([8, 16, 40]))
              for i in range(rng.randint(0, 5))]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, w, h in images:
            content = damaged_image(rng) if rng.random() < 0.15 else png(w, h, 1)
            folder = {"coco": "images/", "voc": "JPEGImages/", "yolo": "images/train/"}[fmt]
            archive.writestr(folder + name, content)
        if fmt == "coco":
            archive.writestr(rng.choice(["annotations/instances.json", "a.json"]),
                             coco_annotations(rng, images))
        elif fmt == "voc":
            for name, w, h in images:
                archive.writestr("Annotations/" + name[:-4] + ".xml",
                                 voc_annotation(rng, name, w, h))
        else:
            classes = rng.randint(0, 3)
            names = ["c%d" % i for i in range(classes)]
            archive.writestr(rng.choice(["data.yaml", "classes.txt", "obj.names"]), rng.choice([
                lambda: ("names: [%s]\n" % ", ".join(names)).encode(),
                lambda: ("names:\n" + "".join("  %d: %s\n" % (i, n) for i, n in enumerate(names))
                         ).encode(),
                lambda: "\n".join(names).encode(),
                lambda: damage(("names: [%s]\n" % ", ".join(names)).encode(), rng),
                lambda: rng.choice([b"names: {a: [", b"names: 5", b"- - - :", b"\xff\xfe",
                                    b"names: &a [*a]", b"!!binary x"]),
            ])())
            for name, _, _ in images:
                if rng.random() < 0.9:
                    archive.writestr("labels/train/" + name[:-4] + ".txt", yolo_labels(rng, classes))
            if rng.random() < 0.2:
                archive.writestr("labels/train/orphan.txt", yolo_labels(rng, classes))
    data = buffer.getvalue()
    return damage(data, rng) if rng.random() < 0.05 else data


def fuzz_imports(server, rng, seconds, findings, target, datasets, upload):
    """Imports into `datasets` (name: type) of what `upload(rng, type)` makes: (query string,
    body, headers, what to print for a finding). Every import that succeeds must leave a
    version whose metadata and samples can be read."""
    for name, dataset_type in datasets.items():
        server.must("POST", PROJECT + "/datasets", {"name": name, "type": dataset_type})

    def step():
        name = rng.choice(list(datasets))
        query, body, headers, request = upload(rng, datasets[name])
        status, answer = server.request(
            "POST", PROJECT + "/datasets/%s/imports%s" % (name, query), body, headers)
        findings.answer(target, status, answer, request)
        if status != 202:
            return
        job_id = json.loads(answer)["job_id"]
        if server.wait(job_id, 120)["state"] == "succeeded":
            base = PROJECT + "/datasets/%s/versions/latest" % name
            for path in (base, base + "/samples?limit=20"):
                status, answer = server.request("GET", path)
                findings.answer(target, status, answer, path.encode(), allowed={200})
        return [job_id]
    run_for(server, seconds, findings, target, step)


def fuzz_annotations(server, rng, seconds, findings):
    """Object detection imports in COCO, VOC and YOLO layouts with damaged annotation files."""
    def upload(rng, dataset_type):
        fmt = rng.choice(["coco", "voc", "yolo"])
        body, headers = multipart(rng, detection_archive(rng, fmt), "x.zip",
                                  rng.choice([fmt] * 9 + [""]))
        return "", body, headers, fmt.encode()
    fuzz_imports(server, rng, seconds, findings, "annotations",
                 {"det%d" % i: "object_detection" for i in range(3)}, upload)


def record_upload(rng, dataset_type):
    """(bytes, file name) for a text classification or time series dataset: CSV or JSON lines
    with damaged values, quoting, headers and structure."""
    cells = ["1.5", "", "nan", "NA", "x", "1e999", "-0", '"q,"', '"a ""b"" c"', "\u00e9\u4e2d",
             "2024-01-01", "2024-02-30T25:00:00", "1700000000", "-1", "a" * 2000, '"\n"']
    if dataset_type == "text_classification" and rng.random() < 0.5:
        lines = []
        for _ in range(rng.randint(0, 20)):
            record = {"text": rng.choice([any_value(rng), "a good day", "\u00e9" * 50, ""]),
                      "label": rng.choice(["pos", "neg", None, any_value(rng)])}
            for _ in range(rng.randint(0, 2)):
                record[rng.choice(["text", "label", "x", ""])] = any_value(rng)
            if rng.random() < 0.2:
                del record[rng.choice(["text", "label"])]
            lines.append(json.dumps(record) if rng.random() < 0.9 else json.dumps(any_value(rng)))
        data = "\n".join(lines).encode()
        return (damage(data, rng) if rng.random() < 0.2 else data), rng.choice(
            ["x.jsonl", "x.ndjson"])
    header = {"text_classification": ["text", "label"],
              "time_series": ["timestamp", "value", "series_id", "temp"]}[dataset_type]
    if rng.random() < 0.2:
        header = rng.sample(header, rng.randint(0, len(header))) + rng.choice([[], ["x"], [""]])
    rows = [",".join(rng.choice(cells) if rng.random() < 0.4 else
                     {"text": "some words", "label": rng.choice(["pos", "neg"]),
                      "timestamp": "2024-01-%02d" % rng.randint(1, 28), "value": "3.5",
                      "series_id": rng.choice(["a", "b"]), "temp": "20"}.get(column, "1")
                     for column in header)
            for _ in range(rng.randint(0, 30))]
    data = rng.choice(["\n", "\r\n"]).join([rng.choice([",", ";", "\t", "|"]).join(header)
                                            if rng.random() < 0.1 else ",".join(header)] + rows)
    data = data.encode()
    return (damage(data, rng) if rng.random() < 0.2 else data), rng.choice(["x.csv", "x.tsv"])


def fuzz_records(server, rng, seconds, findings):
    """Text classification and time series imports (CSV, JSON lines) with damaged records."""
    def upload(rng, dataset_type):
        data, file_name = record_upload(rng, dataset_type)
        return ("?file_name=" + file_name, data, {"Content-Type": "application/octet-stream"},
                data)
    datasets = {"t%d" % i: "text_classification" for i in range(2)}
    datasets.update({"s%d" % i: "time_series" for i in range(2)})
    fuzz_imports(server, rng, seconds, findings, "records", datasets, upload)


def mutate_json(value, rng):
    """`value` (parsed JSON) with one member or element replaced, removed, or its number moved;
    the numbers of node arrays (children, split features) are what a model loader must check."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        pick = rng.random()
        if pick < 0.15:
            del value[key]
        elif pick < 0.3:
            value[key] = any_value(rng)
        else:
            value[key] = mutate_json(value[key], rng)
        return value
    if isinstance(value, list) and value and rng.random() < 0.85:
        at = rng.randrange(len(value))
        pick = rng.random()
        if pick < 0.1:
            del value[at:]
        elif pick < 0.2:
            value.append(value[at])
        else:
            value[at] = mutate_json(value[at], rng)
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return rng.choice([value + 1, value - 1, -1, 0, value * 1000, 2**31, -2**31, 1e30,
                           float(value) + 0.5])
    if isinstance(value, str) and rng.random() < 0.5:
        return rng.choice(["", "0", "-1", "1e9", value + "x", "multi:softmax", "reg:squarederror",
                           "binary:logistic", "gblinear", "dart"])
    return any_value(rng)


def multipart_fields(rng, data, file_name, fields):
    """A multipart body: the file, then text fields."""
    boundary = "fuzz%d" % rng.getrandbits(40)
    parts = [("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
              "Content-Type: application/octet-stream\r\n\r\n" % (boundary, file_name)).encode() +
             data + b"\r\n"]
    for name, value in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
            boundary, name, value)).encode())
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def model_upload(rng, booster):
    """(format, bytes) of a damaged model file: mostly an XGBoost JSON booster mutated in its
    structure, else bytes that only look like TorchScript or ONNX."""
    fmt = rng.choice(["xgboost_json"] * 6 + ["torchscript", "onnx"])
    if fmt == "xgboost_json":
        doc = json.loads(booster)
        for _ in range(rng.randint(0, 4)):
            doc = mutate_json(doc, rng)
        data = json.dumps(doc).encode()
        return fmt, (damage(data, rng) if rng.random() < 0.1 else data)
    if fmt == "torchscript":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in rng.sample(["archive/data.pkl", "archive/constants.pkl", "archive/version",
                                    "archive/code/__torch__.py", "archive/data/0"],
                                   rng.randint(0, 5)):
                archive.writestr(name, rng.choice([b"3", b"\x80\x02}q\x00.", os.urandom(40), b""]))
        return fmt, rng.choice([buffer.getvalue(), damage(buffer.getvalue(), rng),
                                os.urandom(rng.randint(0, 200))])
    # ONNX is a protobuf ModelProto: field tags and lengths, here mostly wrong.
    return fmt, rng.choice([b"\x08\x07\x12\x04easel:" + os.urandom(rng.randint(0, 100)),
                            os.urandom(rng.randint(0, 300)), b""])


def fuzz_models(server, rng, seconds, findings):
    """Model imports of damaged files; a version an import registers is put behind an endpoint
    and asked to predict, which must answer as any endpoint does."""
    status, booster = server.request("GET", PROJECT + "/models/mex/versions/1/files/booster.json")
    if status != 200:
        raise SystemExit("setup: cannot read the xgboost model's booster.json: %d" % status)
    endpoints = itertools.count()

    def step():
        fmt, data = model_upload(rng, booster)
        fields = {"format": rng.choice([fmt] * 9 + ["x"])}
        if rng.random() < 0.5:
            fields["task"] = rng.choice(["multiclass", "binary", "regression", "other", "x"])
        if rng.random() < 0.15:
            fields["signature"] = json.dumps(any_value(rng))
        model = "imp%d" % rng.randrange(3)
        body, headers = multipart_fields(rng, data, "model.bin", fields)
        status, answer = server.request("POST", PROJECT + "/models/%s/versions" % model,
                                        body, headers, timeout=60)
        findings.answer("models", status, answer, fmt.encode() + b" " + data[:150])
        if status not in (200, 201):
            return
        version = json.loads(answer).get("version", 1)
        endpoint = "ei%d" % next(endpoints)
        status, answer = server.request("POST", PROJECT + "/endpoints", {
            "name": endpoint, "routes": [{"model": model, "version": version, "weight": 100}]})
        # 412: a version no serving backend takes (an objective easel does not serve, a
        # TorchScript input without its dimensions).
        findings.answer("models", status, answer, b"endpoint for " + data[:150],
                        allowed=EXPECTED | {412})
        if status not in (200, 201):
            return
        status, answer = server.request("GET", "/v2/models/" + endpoint)
        findings.answer("models", status, answer, b"metadata of " + data[:150])
        if status != 200:
            return
        specs = json.loads(answer)["inputs"]
        for _ in range(5):
            rows = rng.choice([1, 2, 7])
            inputs = []
            for spec in specs:
                shape = [rows if d == -1 else d for d in spec["shape"]]
                size = 1
                for d in shape:
                    size *= max(d, 0)
                values = [rng.choice([rng.uniform(0, 8), None, 1e30, -1e30, 0.0])
                          for _ in range(min(size, 4096))]
                if spec["datatype"] == "BYTES":
                    values = [json.dumps({c: v for c, v in zip(IRIS_COLUMNS, values)})] * rows
                inputs.append({"name": spec["name"], "datatype": spec["datatype"],
                               "shape": shape, "data": values})
            request = json.dumps({"inputs": inputs}).encode()
            status, answer = server.request("POST", "/v2/models/%s/infer" % endpoint, request)
            findings.answer("models", status, answer, request)
        server.request("DELETE", PROJECT + "/endpoints/" + endpoint)
    run_for(server, seconds, findings, "models", step)


TARGETS = {"http": fuzz_http, "grpc": fuzz_grpc, "jobs": fuzz_jobs, "images": fuzz_images,
           "annotations": fuzz_annotations, "records": fuzz_records,
           "models": fuzz_models}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--easel", default=os.path.join(ROOT, "build", "easel"))
    parser.add_argument("--seconds", type=float, default=60, help="per target")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(TARGETS))
    args = parser.parse_args()
    for target in args.targets:
        if target not in TARGETS:
            parser.error("unknown target '%s'; targets: %s" % (target, ", ".join(TARGETS)))
    args.targets = args.targets or list(TARGETS)
    rng = random.Random(args.seed)
    print("seed %d" % args.seed, flush=True)
    server = Server(args.easel)
    findings = Findings()
    try:
        setup_tabular(server, rng)
        for target in args.targets:
            TARGETS[target](server, rng, args.seconds, findings)
            print("%s: %s" % (target, ", ".join("%s %d" % (status, n) for (t, status), n in
                                                sorted(findings.counts.items(), key=str)
                                                if t == target)), flush=True)
    finally:
        alive = server.alive()
        reports = server.stop()
    if not alive:
        findings.add("server", "exited during the run; see " + server.log.name)
    for report in reports:
        findings.add("sanitizer", os.path.join(server.reports, report))
    if findings.items:
        print("%d finding(s); the server's files are in %s" % (len(findings.items), server.dir))
        return 1
    shutil.rmtree(server.dir, ignore_errors=True)
    print("no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
