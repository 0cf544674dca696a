"""The worked examples in app/examples.py: each span nests (or links) where it should."""

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from opentelemetry import baggage, propagate, trace
from opentelemetry.trace import SpanKind

tracer = trace.get_tracer(__name__)


def by_name(finished, name):
    matches = [s for s in finished if s.name == name]
    assert len(matches) == 1, f"expected one {name!r} span, got {[s.name for s in finished]}"
    return matches[0]


def server_span(finished):
    (span,) = [s for s in finished if s.kind == SpanKind.SERVER]
    return span


def assert_child_of(child, parent):
    assert child.context.trace_id == parent.context.trace_id, f"{child.name} is in another trace"
    assert child.parent is not None and child.parent.span_id == parent.context.span_id, (
        f"{child.name} is not a child of {parent.name}"
    )


# --- Unit of work (yield dependency) ---------------------------------------------------------


def test_unit_of_work_spans_nest_under_the_request(client, spans):
    response = client.post("/orders", json={"item_id": "sku-1", "quantity": 2})
    assert response.status_code == 201

    finished = spans.get_finished_spans()
    server = server_span(finished)
    assert server.name == "POST /orders"
    begin = by_name(finished, "unit_of_work.begin")
    handler = by_name(finished, "create_order")
    commit = by_name(finished, "unit_of_work.commit")
    for span in (begin, handler, commit):
        assert_child_of(span, server)
    assert begin.end_time <= handler.start_time  # setup before the handler
    assert handler.end_time <= commit.start_time  # commit after it
    # scope="function": the commit runs before the response is sent, inside the server span.
    assert commit.end_time <= server.end_time
    assert commit.attributes["unit_of_work.items"] == 1
    assert not [s for s in finished if s.name == "unit_of_work.rollback"]


def test_unit_of_work_rolls_back_when_the_handler_fails(client, spans):
    response = client.post("/orders", json={"item_id": "sku-1", "quantity": 0})
    assert response.status_code == 422

    finished = spans.get_finished_spans()
    server = server_span(finished)
    assert_child_of(by_name(finished, "unit_of_work.rollback"), server)
    assert not [s for s in finished if s.name == "unit_of_work.commit"]
    assert not [s for s in finished if s.name == "send_order_confirmation"]


# --- BackgroundTasks ---------------------------------------------------------------------------


def test_background_task_gets_its_own_trace_linked_to_the_request(client, spans):
    response = client.post("/orders", json={"item_id": "sku-2"})
    assert response.status_code == 201

    finished = spans.get_finished_spans()
    server = server_span(finished)
    job = by_name(finished, "send_order_confirmation")

    # It ran after the response: the server span had already ended.
    assert job.start_time >= server.end_time
    # A new root in a new trace, not a late child of the finished request...
    assert job.parent is None
    assert job.context.trace_id != server.context.trace_id
    # ...linked back to the request's server span.
    assert len(job.links) == 1
    link = job.links[0]
    assert link.context.trace_id == server.context.trace_id
    assert link.context.span_id == server.context.span_id
    assert job.attributes["order.id"] == response.json()["order_id"]

    # Recent opentelemetry-instrumentation-fastapi releases also wrap every background task in a
    # "BackgroundTask <function>" span of their own, a child of the server span.
    wrappers = [s for s in finished if s.name == "BackgroundTask send_order_confirmation"]
    for wrapper in wrappers:
        assert_child_of(wrapper, server)


# --- Thread pool -------------------------------------------------------------------------------


def test_thread_pool_work_keeps_the_request_context(client, spans):
    response = client.get("/reports/q3")
    assert response.status_code == 200
    assert response.json()["sections"] == 3

    finished = spans.get_finished_spans()
    server = server_span(finished)
    report = by_name(finished, "build_report")
    assert_child_of(report, server)
    sections = [s for s in finished if s.name == "render_section"]
    assert sorted(s.attributes["report.section"] for s in sections) == [0, 1, 2]
    for span in sections:
        assert_child_of(span, report)
    assert_child_of(by_name(finished, "checksum"), report)


@pytest.mark.skipif(
    bool(getattr(sys.flags, "thread_inherit_context", 0)),
    reason="threads inherit the caller's context on this interpreter",
)
def test_run_in_executor_alone_loses_the_context_and_to_thread_keeps_it():
    """Why /reports wraps its calls in contextvars.copy_context().run."""

    def current_span_context():
        return trace.get_current_span().get_span_context()

    async def main():
        with tracer.start_as_current_span("parent") as parent:
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor(max_workers=1) as pool:
                bare = await loop.run_in_executor(pool, current_span_context)
            copied = await asyncio.to_thread(current_span_context)
            return parent.get_span_context(), bare, copied

    parent, bare, copied = asyncio.run(main())
    assert not bare.is_valid  # the worker thread saw no active span at all
    assert copied.span_id == parent.span_id


# --- Baggage -----------------------------------------------------------------------------------


def test_baggage_set_in_a_dependency_reaches_the_downstream_headers(client, spans, caplog):
    caplog.set_level(logging.ERROR, logger="opentelemetry")
    response = client.get(
        "/inventory/sku-9",
        headers={"x-tenant-id": "acme", "baggage": "region=eu-west"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == "acme"
    headers = body["downstream_headers"]
    assert set(headers) >= {"traceparent", "baggage"}

    # What a downstream service would extract from those headers:
    downstream = propagate.extract(headers)
    assert baggage.get_all(downstream) == {"region": "eu-west", "tenant.id": "acme"}

    finished = spans.get_finished_spans()
    server = server_span(finished)
    outgoing = by_name(finished, "GET inventory-service")
    assert outgoing.kind == SpanKind.CLIENT
    assert_child_of(outgoing, server)
    # The propagated traceparent points at the CLIENT span, in the request's trace.
    remote_parent = trace.get_current_span(downstream).get_span_context()
    assert remote_parent.trace_id == server.context.trace_id
    assert remote_parent.span_id == outgoing.context.span_id
    assert server.attributes["tenant.id"] == "acme"
    # attach/detach paired up: no "Failed to detach context" errors.
    assert not [r for r in caplog.records if "detach" in r.getMessage().lower()]


def test_baggage_does_not_leak_into_the_next_request(client, spans):
    client.get("/inventory/sku-1", headers={"x-tenant-id": "first"})
    body = client.get("/inventory/sku-1").json()
    assert body["tenant"] == "anonymous"
    assert baggage.get_all(propagate.extract(body["downstream_headers"])) == {"tenant.id": "anonymous"}
