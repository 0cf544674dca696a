"""Real spans of the generated FastAPI app, for the bench's exporter measurements: importing this module
(inside a variant directory, with the generated service's venv) builds the app's providers with a batch
processor that never exports (closed port, huge batch and delay) and records every span in memory;
real_spans(n) requests the bench route until n spans exist and returns them.
"""

import os
import sys
import warnings

sys.path.insert(0, os.getcwd())  # the variant directory holds the app package
warnings.simplefilter("ignore")

# Nothing must be exported: a huge batch and delay keep the batch processor idle.
os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "600000"
os.environ["OTEL_BSP_MAX_QUEUE_SIZE"] = "100000"
os.environ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "100000"

from fastapi.testclient import TestClient  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from app import telemetry  # noqa: E402

_memory = InMemorySpanExporter()
telemetry.provider.add_span_processor(SimpleSpanProcessor(_memory))


def real_spans(n: int) -> list:
    """n ended spans of the bench route (server span + manual child per request), as the app made them."""
    from app.main import app

    client = TestClient(app)  # no `with`: no lifespan, so nothing flushes at exit
    for i in range((n + 1) // 2):
        client.get(f"/bench/{i}")
    return list(_memory.get_finished_spans())[:n]
