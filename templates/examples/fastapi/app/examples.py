"""Worked examples: the places where tracing needs a hand from you.

Inside one request everything nests by itself: the active span lives in a contextvar that follows
every `await`. You must intervene only where work leaves the request's flow:

* /orders            a yield-based dependency (unit of work) whose setup and commit get their own
                     spans, and a BackgroundTasks job that runs after the response, *linked* to the
                     request instead of parented by it;
* /reports/{id}      blocking work handed to a thread pool, with the context carried over;
* /inventory/{sku}   baggage set in a dependency and propagated to a downstream call.

The sample route GET /process/{item_id} in app/main.py stays minimal on purpose (two spans).
Each example is exercised by tests/test_worked_examples.py.
"""

import asyncio
import contextvars
import hashlib
import uuid
from typing import Annotated, AsyncIterator, Optional

from fastapi import APIRouter, BackgroundTasks, Depends, Header, HTTPException, Request
from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.trace import Link, SpanKind
from pydantic import BaseModel, Field

tracer = trace.get_tracer(__name__)
router = APIRouter(tags=["worked examples"])


# --- 1. A yield-based dependency: the unit of work ------------------------------------------------


class UnitOfWork:
    """Stands in for a database session / transaction."""

    def __init__(self) -> None:
        self.pending: list = []
        self.committed = False

    def add(self, item: dict) -> None:
        self.pending.append(item)

    async def commit(self) -> None:
        await asyncio.sleep(0.005)  # COMMIT round trip
        self.committed = True

    async def rollback(self) -> None:
        await asyncio.sleep(0.001)
        self.pending.clear()


async def unit_of_work() -> AsyncIterator[UnitOfWork]:
    """Opens its own spans around setup and teardown.

    Without them, acquiring the connection and committing would vanish into the server span. Each
    `with` block ends before the `yield`, or starts after it: never keep a span (or an attached
    context) open across the yield, the two halves of a dependency are not guaranteed to run in the
    same context.

    Used with `scope="function"`, so the teardown (the commit) runs right after the handler returns
    and *before* the response is sent: a failed commit still becomes an error response, and the
    commit span sits inside the server span. With the default scope ("request") the teardown runs
    after the response has been sent and the server span has ended.
    """
    with tracer.start_as_current_span("unit_of_work.begin"):
        uow = UnitOfWork()
        await asyncio.sleep(0.002)  # acquire a pooled connection, BEGIN
    try:
        yield uow
    except Exception:
        with tracer.start_as_current_span("unit_of_work.rollback"):
            await uow.rollback()
        raise
    with tracer.start_as_current_span("unit_of_work.commit") as span:
        span.set_attribute("unit_of_work.items", len(uow.pending))
        await uow.commit()


# --- 2. A BackgroundTasks job, linked to the request ----------------------------------------------


async def send_order_confirmation(order_id: str, request_span_context: trace.SpanContext) -> None:
    """Runs after the response was sent, i.e. after the server span has ended.

    The context here still belongs to the request: the current span is the ended server span (or,
    with recent opentelemetry-instrumentation-fastapi releases, a "BackgroundTask <function>" span
    the instrumentor opens under it). A plain start_as_current_span() would make this work a late
    child of a request that is already over. Instead start a new trace (empty parent context) and
    link it back to the request's span: backends show the link both ways. The new trace gets its
    own sampling decision.
    """
    with tracer.start_as_current_span(
        "send_order_confirmation",
        context=otel_context.Context(),  # a new root, not a child of the finished request
        kind=SpanKind.INTERNAL,
        links=[Link(request_span_context, attributes={"link.reason": "scheduled_by_request"})],
        attributes={"order.id": order_id},
    ):
        await asyncio.sleep(0.01)  # e.g. send an e-mail


class OrderIn(BaseModel):
    item_id: str = Field(min_length=1)
    quantity: int = 1


@router.post("/orders", status_code=201)
async def create_order(
    order: OrderIn,
    background_tasks: BackgroundTasks,
    uow: Annotated[UnitOfWork, Depends(unit_of_work, scope="function")],
) -> dict:
    # Capture the request's span context now, while the server span is current; the background
    # task gets it as an argument.
    request_span_context = trace.get_current_span().get_span_context()
    with tracer.start_as_current_span("create_order") as span:
        span.set_attribute("order.item_id", order.item_id)
        span.set_attribute("order.quantity", order.quantity)
        if order.quantity < 1:
            # Raised into the dependency: it records a rollback span instead of a commit.
            raise HTTPException(status_code=422, detail="quantity must be at least 1")
        order_id = uuid.uuid4().hex[:12]
        uow.add({"order_id": order_id, "item_id": order.item_id, "quantity": order.quantity})
    background_tasks.add_task(send_order_confirmation, order_id, request_span_context)
    return {"order_id": order_id, "status": "accepted"}


# --- 3. Work handed to a thread pool ------------------------------------------------------------

REPORT_SECTIONS = 3


def render_section(report_id: str, section: int) -> str:
    """Blocking, CPU-bound work. Runs on a worker thread."""
    with tracer.start_as_current_span("render_section", attributes={"report.id": report_id, "report.section": section}):
        digest = hashlib.sha256(f"{report_id}:{section}".encode())
        for _ in range(2_000):
            digest = hashlib.sha256(digest.digest())
        return digest.hexdigest()


def checksum(sections: list) -> str:
    with tracer.start_as_current_span("checksum"):
        return hashlib.sha256("".join(sections).encode()).hexdigest()[:16]


@router.get("/reports/{report_id}")
async def build_report(report_id: str, request: Request) -> dict:
    pool = request.state.worker_pool  # created in app.main's lifespan
    loop = asyncio.get_running_loop()
    with tracer.start_as_current_span("build_report", attributes={"report.id": report_id}):
        # loop.run_in_executor() does NOT carry contextvars (and so the active span) into the
        # worker thread: without help, each render_section span would start a new, orphaned trace.
        # Run each call inside a copy of the current context. One copy per call: a Context can be
        # entered by only one thread at a time. (Equivalent, OpenTelemetry-only: capture
        # ctx = opentelemetry.context.get_current() here, and in the worker do
        # token = context.attach(ctx) ... finally: context.detach(token).)
        futures = [
            loop.run_in_executor(pool, contextvars.copy_context().run, render_section, report_id, section)
            for section in range(REPORT_SECTIONS)
        ]
        sections = await asyncio.gather(*futures)
        # asyncio.to_thread() copies the context for you (so does FastAPI's threadpool for plain
        # `def` endpoints and dependencies).
        digest = await asyncio.to_thread(checksum, sections)
    return {"report_id": report_id, "sections": len(sections), "checksum": digest}


# --- 4. Baggage set in a dependency, propagated downstream ----------------------------------------


async def tenant_baggage(x_tenant_id: Annotated[Optional[str], Header()] = None) -> AsyncIterator[str]:
    """Puts the caller's tenant in W3C baggage for the rest of the request.

    Baggage travels to every downstream service in the `baggage` header (and inbound baggage is
    already in the context: the middleware extracted it). Never put secrets or personal data in it.
    attach() and detach() pair up in the same dependency; with scope="function" both halves run in
    the request's own context.
    """
    tenant = x_tenant_id or baggage.get_baggage("tenant.id") or "anonymous"
    token = otel_context.attach(baggage.set_baggage("tenant.id", str(tenant)))
    try:
        yield str(tenant)
    finally:
        otel_context.detach(token)


@router.get("/inventory/{sku}")
async def check_inventory(sku: str, tenant: Annotated[str, Depends(tenant_baggage, scope="function")]) -> dict:
    # Baggage is not copied onto spans by itself; record it where you want to query by it.
    trace.get_current_span().set_attribute("tenant.id", tenant)
    # A CLIENT span for the outgoing call, then the headers an instrumented HTTP client would send.
    # No real network call here: with httpx you would pass `headers` to the request (or install
    # opentelemetry-instrumentation-httpx, which injects them for you).
    with tracer.start_as_current_span(
        "GET inventory-service",
        kind=SpanKind.CLIENT,
        attributes={"http.request.method": "GET", "server.address": "inventory-service", "sku": sku},
    ):
        headers: dict = {}
        propagate.inject(headers)  # traceparent (this CLIENT span) + baggage (tenant.id, ...)
    return {"sku": sku, "tenant": tenant, "in_stock": True, "downstream_headers": headers}
