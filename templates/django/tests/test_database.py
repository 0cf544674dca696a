"""Database work inside a request: POST /items/<item_id>/visits (app/views.py, record_visit).

The manual span around the work is a child of the server span, and each query below it is a CLIENT
span from the dbapi instrumentation wired in config/otel.py, with the statement but never the
parameters.
"""

import uuid

from opentelemetry.trace import SpanKind

# The stable database conventions (OTEL_SEMCONV_STABILITY_OPT_IN=database) rename these attributes.
SYSTEM_KEYS = ("db.system.name", "db.system")
STATEMENT_KEYS = ("db.query.text", "db.statement")


def first_attribute(span, keys):
    for key in keys:
        if key in span.attributes:
            return span.attributes[key]
    raise AssertionError(f"none of {keys} on span {span.name!r}: {dict(span.attributes)}")


def assert_child_of(child, parent):
    assert child.context.trace_id == parent.context.trace_id, f"{child.name} is in another trace"
    assert child.parent is not None and child.parent.span_id == parent.context.span_id, (
        f"{child.name} is not a child of {parent.name}"
    )


def new_item() -> str:
    """An item id no other test (or run through the other client) has used: each starts at zero."""
    return f"sku-{uuid.uuid4().hex[:12]}"


def test_queries_are_client_spans_under_the_manual_span(client, spans):
    item = new_item()
    response = client.post(f"/items/{item}/visits")
    assert response.status_code == 200
    assert response.json() == {"item_id": item, "visits": 1}

    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind == SpanKind.SERVER]
    assert server.name == "POST items/<str:item_id>/visits"
    (work,) = [s for s in finished if s.name == "record_item_visit"]
    assert work.kind == SpanKind.INTERNAL
    assert_child_of(work, server)
    assert work.attributes["item.id"] == item
    assert work.attributes["item.visits"] == 1

    queries = [s for s in finished if s.kind == SpanKind.CLIENT]
    assert [q.name for q in queries] == ["INSERT", "SELECT"]
    for query in queries:
        assert_child_of(query, work)
        assert first_attribute(query, SYSTEM_KEYS) == "sqlite"
        statement = first_attribute(query, STATEMENT_KEYS)
        assert "item_visit" in statement
        assert item not in statement  # parameters are never recorded
    assert len(finished) == 4, [s.name for s in finished]


def test_the_table_is_created_on_first_use_and_counts_visits(client, spans):
    item = new_item()
    assert client.post(f"/items/{item}/visits").json()["visits"] == 1
    assert client.post(f"/items/{item}/visits").json()["visits"] == 2
    # The schema comes from the connection's init_command, run on the driver connection: no span.
    statements = [first_attribute(s, STATEMENT_KEYS) for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert not [s for s in statements if "CREATE TABLE" in s]


def test_only_post_records_a_visit(client, spans):
    assert client.get(f"/items/{new_item()}/visits").status_code == 405
    assert not [s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
