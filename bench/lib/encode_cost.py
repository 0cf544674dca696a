"""Run inside a variant directory with the generated service's venv: how long the OTLP exporter's
serialisation of one full export batch of real spans takes (this is Python work done by the export
thread while holding the GIL). Prints JSON. Never exports anything (os._exit at the end).
"""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from real_spans import real_spans  # noqa: E402  (builds the app's providers first)

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 512
spans = real_spans(batch)
timings = []
size = 0
for _ in range(9):
    t0 = time.perf_counter()
    size = len(encode_spans(spans).SerializeToString())
    timings.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"spans": len(spans), "ms": statistics.median(timings), "bytes": size}))
sys.stdout.flush()
os._exit(0)
