"""Request handlers. Each request already has a SERVER span, opened by the OpenTelemetry middleware
that config.otel.instrument() put at the front of settings.MIDDLEWARE; a span started here is its
child, because the middleware made the server span the current one for the whole request.
"""

import logging
import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST
from opentelemetry import trace
from opentelemetry.trace import SpanKind

tracer = trace.get_tracer(__name__)
log = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """Liveness probe. Excluded from tracing by config.otel.EXCLUDED_URLS, so it never produces a span."""
    return JsonResponse({"status": "ok"})


@require_GET
def process_item(request, item_id: str):
    # 3. A manual child span for the business logic, nested under the server span. Exactly two spans
    #    per request: the server span and this one.
    with tracer.start_as_current_span(
        "process_item_logic",
        kind=SpanKind.INTERNAL,
        attributes={"item.id": item_id},
    ) as span:
        time.sleep(0.05)
        span.set_attribute("processing.status", "completed")
        # A log record inside the span carries its trace and span ids (exported over OTLP, and shown as
        # trace_id=... span_id=... on the console), so the trace can be found from the log and back.
        log.info("processed item %s", item_id)
    return JsonResponse({"item_id": item_id, "status": "processed"})


@require_POST
def record_visit(request, item_id: str):
    """Database work inside a request: a manual span around it, one CLIENT span per query below it.

    The table is created by the connection's init_command (config/settings.py), so the sample needs
    no migrations. A real project uses models and `manage.py migrate`; ORM queries go through the same
    instrumented connection and produce the same CLIENT spans.
    """
    with tracer.start_as_current_span(
        "record_item_visit",
        kind=SpanKind.INTERNAL,
        attributes={"item.id": item_id},
    ) as span:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO item_visit (item_id, visits) VALUES (%s, 1) "
                "ON CONFLICT (item_id) DO UPDATE SET visits = visits + 1",
                [item_id],
            )
            cursor.execute("SELECT visits FROM item_visit WHERE item_id = %s", [item_id])
            (visits,) = cursor.fetchone()
        span.set_attribute("item.visits", visits)
    return JsonResponse({"item_id": item_id, "visits": visits})
