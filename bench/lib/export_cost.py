"""Run inside a variant directory with the generated service's venv, with the bench's OTLP receiver up:
the CPU time (every thread of this process, grpcio's included) one export of a full batch of real spans
costs per span, through the OTLP gRPC exporter and through the OTLP/HTTP protobuf exporter, the rounds
interleaved; and the encoding alone (the protobuf message both build). Prints JSON.

usage: export_cost.py <grpc endpoint> <http endpoint> [batch] [rounds]
"""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from real_spans import real_spans  # noqa: E402  (builds the app's providers first)

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter  # noqa: E402
from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: E402

grpc_endpoint, http_endpoint = sys.argv[1], sys.argv[2]
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 512
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 15
spans = real_spans(batch)
exporters = {
    "grpc": GrpcExporter(endpoint=grpc_endpoint, insecure=True),
    "http/protobuf": HttpExporter(endpoint=http_endpoint.rstrip("/") + "/v1/traces"),
}
steps = {"encode": lambda: encode_spans(spans).SerializeToString()}
for name, exporter in exporters.items():
    steps[name] = lambda e=exporter: e.export(spans)
cpu = {name: [] for name in steps}
wall = {name: [] for name in steps}
for name, step in steps.items():  # one untimed round: connections, first-call caches
    step()
names = list(steps)
for r in range(rounds):
    for name in names[r % len(names) :] + names[: r % len(names)]:
        c0, w0 = time.process_time(), time.perf_counter()
        result = steps[name]()
        c1, w1 = time.process_time(), time.perf_counter()
        if name != "encode" and result is not SpanExportResult.SUCCESS:
            raise SystemExit(f"{name} export failed: {result}")
        cpu[name].append((c1 - c0) * 1e6 / len(spans))
        wall[name].append((w1 - w0) * 1e6 / len(spans))
out = {
    "spans": len(spans),
    "rounds": rounds,
    "bytes": len(encode_spans(spans).SerializeToString()),
    "cpuUsPerSpan": {name: statistics.median(v) for name, v in cpu.items()},
    "cpuUsPerSpanAll": cpu,
    "wallUsPerSpan": {name: statistics.median(v) for name, v in wall.items()},
}
for exporter in exporters.values():
    exporter.shutdown()
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
