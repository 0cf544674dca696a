"""Run inside a variant directory with the generated service's venv: how long the OTLP exporter's
serialisation of one full export batch of real spans takes (this is Python work done by the export
thread while holding the GIL). Prints JSON. Never exports anything (os._exit at the end).
"""

import json
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.getcwd())  # the variant directory holds the app package
warnings.simplefilter("ignore")

# Nothing must be exported: a huge batch and delay keep the batch processor idle.
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "600000"
os.environ["OTEL_BSP_MAX_QUEUE_SIZE"] = "100000"
os.environ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "100000"

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from app import telemetry  # noqa: E402

memory = InMemorySpanExporter()
telemetry.provider.add_span_processor(SimpleSpanProcessor(memory))

from fastapi.testclient import TestClient  # noqa: E402

from app.main import app  # noqa: E402

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 512
client = TestClient(app)  # no `with`: no lifespan, so nothing flushes at exit
for i in range((batch + 1) // 2):
    client.get(f"/bench/{i}")
spans = list(memory.get_finished_spans())[:batch]
timings = []
size = 0
for _ in range(9):
    t0 = time.perf_counter()
    size = len(encode_spans(spans).SerializeToString())
    timings.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"spans": len(spans), "ms": statistics.median(timings), "bytes": size}))
sys.stdout.flush()
os._exit(0)
