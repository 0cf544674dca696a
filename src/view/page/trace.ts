/// <reference lib="dom" />
/**
 * One trace: the waterfall in tree order, each span's details, its log records and doctor's hints under it,
 * jumping between errors.
 */
import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type Attrs,
  fetchTrace,
  formatMs,
  type Hint,
  type Log,
  nanosToMs,
  type Span,
  text,
  type TraceSummary,
} from './api.js';

export interface Row {
  span: Span;
  depth: number;
  logs: Log[];
}

/** Spans in tree order (children by start time under their parent; a span whose parent is missing is a root). */
export function waterfallRows(spans: Span[], logs: Log[]): { rows: Row[]; strayLogs: Log[] } {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1);
  const logsBySpan = new Map<string, Log[]>();
  const strayLogs: Log[] = [];
  for (const l of logs) {
    if (l.spanId && ids.has(l.spanId)) {
      const list = logsBySpan.get(l.spanId) ?? [];
      list.push(l);
      logsBySpan.set(l.spanId, list);
    } else strayLogs.push(l);
  }
  const rows: Row[] = [];
  // An explicit stack: a deep trace must not overflow the call stack.
  const stack = roots.sort(byStart).map((span) => ({ span, depth: 0 }));
  stack.reverse();
  while (stack.length > 0) {
    const { span, depth } = stack.pop() as { span: Span; depth: number };
    rows.push({ span, depth, logs: logsBySpan.get(span.spanId) ?? [] });
    const kids = (children.get(span.spanId) ?? []).sort(byStart);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i] as Span, depth: depth + 1 });
  }
  return { rows, strayLogs };
}

const NO_ROWS: Row[] = [];

const isError = (s: Span) =>
  s.status.code === 'ERROR' ||
  (s.kind === 'SERVER' && Number(s.attributes['http.response.status_code'] ?? s.attributes['http.status_code']) >= 500);

function AttrTable({ title, attrs }: { title: string; attrs: Attrs }) {
  const entries = Object.entries(attrs);
  if (entries.length === 0) return null;
  return html`<div class="detail-block">
    <h4>${title}</h4>
    <table class="attrs">
      ${entries.map(([k, v]) => html`<tr><th>${k}</th><td>${text(v)}</td></tr>`)}
    </table>
  </div>`;
}

function SpanDetails({ span }: { span: Span }) {
  return html`<div class="span-details" data-testid="span-details">
    <div class="detail-line">
      <span>span ${span.spanId}</span><span>kind ${span.kind}</span>
      <span>status ${span.status.code}${span.status.message ? `: ${span.status.message}` : ''}</span>
      <span>scope ${span.scope.name} ${span.scope.version}</span>
    </div>
    <${AttrTable} title="Attributes" attrs=${span.attributes} />
    ${
      span.events.length > 0 &&
      html`<div class="detail-block"><h4>Events</h4>
        ${span.events.map(
          (e) => html`<div class="event"><b>${e.name}</b> <${AttrTable} title="" attrs=${e.attributes} /></div>`,
        )}</div>`
    }
    ${
      span.links.length > 0 &&
      html`<div class="detail-block"><h4>Links</h4>
        ${span.links.map((l) => html`<div class="link">trace ${l.traceId} span ${l.spanId}</div>`)}</div>`
    }
    <${AttrTable} title="Resource" attrs=${span.resource} />
  </div>`;
}

function LogLine({ log, depth }: { log: Log; depth: number }) {
  return html`<div class="log-row" data-testid="log-row" style=${{ paddingLeft: `${depth * 14 + 22}px` }}>
    <span class=${`sev sev-${Math.floor((log.severityNumber - 1) / 4)}`}>${log.severityText || String(log.severityNumber)}</span>
    <span class="log-body">${text(log.body)}</span>
  </div>`;
}

/** What doctor would say, and what to change, in one line (text only, like every value here). */
export function HintLine({ hint, depth }: { hint: Hint; depth?: number }) {
  const indent = depth === undefined ? {} : { paddingLeft: `${depth * 14 + 22}px` };
  return html`<div class="hint" data-testid="hint" style=${indent}>
    <span class="hint-marker">⚑</span> ${hint.message}. <b>Fix:</b> ${hint.fix}
  </div>`;
}

function Waterfall({ rows, t0, total, hints }: { rows: Row[]; t0: number; total: number; hints: Hint[] }) {
  const [open, setOpen] = useState<string | undefined>(undefined);
  const hintsOf = (spanId: string) => hints.filter((h) => h.spanId === spanId);
  return html`<div class="waterfall" data-testid="waterfall">
    ${rows.map(({ span, depth, logs }) => {
      const start = nanosToMs(span.startTimeUnixNano) - t0;
      const dur = Math.max(0, nanosToMs(span.endTimeUnixNano) - nanosToMs(span.startTimeUnixNano));
      const left = total > 0 ? (start / total) * 100 : 0;
      const width = total > 0 ? Math.max(0.3, (dur / total) * 100) : 100;
      const err = isError(span);
      return html`<div key=${span.spanId} id=${`span-${span.spanId}`} class=${err ? 'span error' : 'span'}>
        <div class="span-row" data-testid="span-row" data-error=${err ? '1' : '0'}
          onClick=${() => setOpen(open === span.spanId ? undefined : span.spanId)}>
          <div class="span-name" style=${{ paddingLeft: `${depth * 14}px` }}>
            <span class="svc">${text(span.resource['service.name'])}</span> <span class="name">${span.name}</span>
            ${hintsOf(span.spanId).length > 0 && html` <span class="hint-marker">⚑</span>`}
          </div>
          <div class="bar-track"><div class="bar" style=${{ left: `${left}%`, width: `${width}%` }}></div></div>
          <div class="dur">${formatMs(dur)}</div>
        </div>
        ${hintsOf(span.spanId).map((h) => html`<${HintLine} hint=${h} depth=${depth} />`)}
        ${logs.map((l) => html`<${LogLine} log=${l} depth=${depth} />`)}
        ${open === span.spanId && html`<${SpanDetails} span=${span} />`}
      </div>`;
    })}
  </div>`;
}

/** Span rows in the first frame: more than a tall screen shows. */
const FIRST_ROWS = 120;

/**
 * The rows to draw now: a large trace's first screenful at once, every row once that frame was painted, so that
 * opening a 2,000-span trace does not wait for 2,000 rows of DOM and layout. Once a trace was drawn whole, its
 * refetches (late spans) draw whole at once rather than shrinking back to a screenful.
 */
function useFirstRowsFirst<T>(rows: T[], traceId: string): T[] {
  const [completeFor, setCompleteFor] = useState<string | undefined>();
  const whole = completeFor === traceId || rows.length <= FIRST_ROWS;
  useEffect(() => {
    if (whole) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A task queued from the frame callback runs after that frame is painted.
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setCompleteFor(traceId), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [whole, traceId]);
  return whole ? rows : rows.slice(0, FIRST_ROWS);
}

/** `tick` moves on each update event: spans of the trace that arrive late (another service, a slow batch) join it. */
export function TracePage({ traceId, tick, onBack }: { traceId: string; tick: number; onBack: () => void }) {
  const [data, setData] = useState<{ summary: TraceSummary; spans: Span[]; logs: Log[] } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [errorAt, setErrorAt] = useState(-1);
  useEffect(() => {
    fetchTrace(traceId).then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e: Error) => setError(e.message),
    );
  }, [traceId, tick]);
  const shape = useMemo(() => (data ? waterfallRows(data.spans, data.logs) : undefined), [data]);
  const drawnRows = useFirstRowsFirst(shape?.rows ?? NO_ROWS, traceId);
  if (error)
    return html`<div class="empty"><button onClick=${onBack}>← Traces</button> This trace is not held (any more):
      it was dropped to stay within the caps, or never arrived (${error})</div>`;
  if (!data || !shape) return html`<div class="empty">Loading…</div>`;
  const t0 = Math.min(...data.spans.map((s) => nanosToMs(s.startTimeUnixNano)));
  const errors = shape.rows.filter((r) => isError(r.span));
  const jump = (step: number) => {
    if (errors.length === 0) return;
    const next = (errorAt + step + errors.length) % errors.length;
    setErrorAt(next);
    document.getElementById(`span-${errors[next]?.span.spanId}`)?.scrollIntoView({ block: 'center' });
  };
  const s = data.summary;
  return html`<div class="trace-page" data-testid="trace-page">
    <div class="trace-head">
      <button onClick=${onBack}>← Traces</button>
      <h2>${s.name}</h2>
      <span class="muted">${s.service} · ${s.spanCount} spans · ${formatMs(s.durationMs)} · trace ${s.traceId}</span>
      ${
        errors.length > 0 &&
        html`<span class="error-nav">${errors.length} error${errors.length > 1 ? 's' : ''}
          <button onClick=${() => jump(-1)} data-testid="prev-error">↑</button>
          <button onClick=${() => jump(1)} data-testid="next-error">↓</button></span>`
      }
    </div>
    <${Waterfall} rows=${drawnRows} t0=${t0} total=${s.durationMs} hints=${s.hints} />
    ${
      shape.strayLogs.length > 0 &&
      html`<div class="detail-block"><h4>Log records of this trace outside its spans</h4>
        ${shape.strayLogs.map((l) => html`<${LogLine} log=${l} depth=${0} />`)}</div>`
    }
  </div>`;
}
