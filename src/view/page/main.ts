/// <reference lib="dom" />
/**
 * The live view's page: the trace list with its filters and the per-route metrics, refreshed on each update
 * event from the server, and a trace's own page at #/trace/<id>. Every value from the telemetry is rendered
 * as text by preact; nothing here ever sets HTML.
 */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  fetchOverview,
  fetchTraces,
  type Filters,
  formatMs,
  type Hint,
  hintText,
  NO_FILTERS,
  type Overview,
  type RouteStat,
  type TraceSummary,
} from './api.js';
import { HintLine, TracePage } from './trace.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** A counter that moves on each update event, so views refetch; and whether the stream is connected. */
function useUpdates(): { tick: number; live: boolean } {
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const events = new EventSource('/events');
    events.addEventListener('update', () => setTick((t) => t + 1));
    events.onopen = () => setLive(true);
    events.onerror = () => setLive(false);
    return () => events.close();
  }, []);
  return { tick, live };
}

function FilterBar({ f, set, overview }: { f: Filters; set: (f: Filters) => void; overview?: Overview }) {
  const field = (key: keyof Filters) => (e: Event) => set({ ...f, [key]: (e.target as HTMLInputElement).value });
  return html`<div class="filters">
    <select data-testid="filter-service" value=${f.service} onChange=${field('service')}>
      <option value="">all services</option>
      ${overview?.facets.services.map((s) => html`<option value=${s}>${s}</option>`)}
    </select>
    <select data-testid="filter-route" value=${f.route} onChange=${field('route')}>
      <option value="">all routes</option>
      ${overview?.facets.routes.map((r) => html`<option value=${r}>${r}</option>`)}
    </select>
    <input data-testid="filter-status" placeholder="status (500, 4xx)" size="12" value=${f.status} onInput=${field('status')} />
    <label><input type="checkbox" data-testid="filter-errors" checked=${f.errors}
      onChange=${(e: Event) => set({ ...f, errors: (e.target as HTMLInputElement).checked })} /> errors only</label>
    <input data-testid="filter-min" placeholder="min ms" size="7" value=${f.minMs} onInput=${field('minMs')} />
    <input data-testid="filter-trace" placeholder="trace id" size="20" value=${f.traceId} onInput=${field('traceId')} />
  </div>`;
}

function RouteTable({ routes }: { routes: RouteStat[] }) {
  if (routes.length === 0) return null;
  const s = (v?: number) => (v === undefined ? '' : formatMs(v * 1000));
  return html`<details class="routes" open>
    <summary>Routes (http.server.request.duration)</summary>
    <table data-testid="routes">
      <tr><th>service</th><th>route</th><th>req/s</th><th>requests</th><th>p50</th><th>p95</th><th>p99</th></tr>
      ${routes.map(
        (
          r,
        ) => html`<tr><td>${r.service}</td><td>${r.route || '(no route)'}</td><td class="rate">${r.rate === undefined ? '—' : r.rate.toFixed(2)}</td>
          <td>${r.count}</td><td>${s(r.p50)}</td><td>${s(r.p95)}</td><td>${s(r.p99)}</td></tr>`,
      )}
    </table>
  </details>`;
}

function TraceList({ traces, open }: { traces: TraceSummary[]; open: (id: string) => void }) {
  return html`<table class="traces" data-testid="traces">
    <tr><th>time</th><th>service</th><th>name</th><th>route</th><th>status</th><th>duration</th><th>spans</th><th>logs</th></tr>
    ${traces.map(
      (t) => html`<tr key=${t.traceId} class=${t.error ? 'trace-row error' : 'trace-row'} data-testid="trace-row"
        data-trace-id=${t.traceId} onClick=${() => open(t.traceId)}>
        <td>${new Date(t.startMs).toLocaleTimeString()}</td><td>${t.service}</td>
        <td class="name">${
          t.hints.length > 0 &&
          html`<span class="hint-marker" data-testid="hint-marker"
          title=${t.hints.map(hintText).join('\n')}>⚑ ${t.hints.length}</span> `
        }${t.name}</td>
        <td>${t.route}</td><td>${t.httpStatus || (t.error ? 'error' : '')}</td><td>${formatMs(t.durationMs)}</td>
        <td>${t.spanCount}${t.errorCount ? ` (${t.errorCount} err)` : ''}</td><td>${t.logCount || ''}</td>
      </tr>`,
    )}
  </table>`;
}

/** Hints that concern a whole service (its log records), not one trace. */
function ServiceHints({ hints }: { hints: Hint[] }) {
  if (hints.length === 0) return null;
  return html`<div class="service-hints" data-testid="service-hints">
    ${hints.map((h) => html`<${HintLine} hint=${h} />`)}
  </div>`;
}

function ListPage({ tick }: { tick: number }) {
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const [list, setList] = useState<{ traces: TraceSummary[]; matched: number }>({ traces: [], matched: 0 });
  const [overview, setOverview] = useState<Overview | undefined>();
  useEffect(() => {
    fetchTraces(f).then(setList, () => {});
  }, [f, tick]);
  useEffect(() => {
    fetchOverview().then(setOverview, () => {});
  }, [tick]);
  return html`<div>
    <${RouteTable} routes=${overview?.routes ?? []} />
    <${ServiceHints} hints=${overview?.hints ?? []} />
    <${FilterBar} f=${f} set=${setF} overview=${overview} />
    <div class="muted" data-testid="matched">${list.matched} traces match</div>
    ${
      list.traces.length === 0
        ? html`<div class="empty">No traces yet: send the service a request.</div>`
        : html`<${TraceList} traces=${list.traces} open=${(id: string) => (location.hash = `#/trace/${id}`)} />`
    }
  </div>`;
}

function StatsLine({ live, tick }: { live: boolean; tick: number }) {
  const [o, setO] = useState<Overview | undefined>();
  useEffect(() => {
    fetchOverview().then(setO, () => {});
  }, [tick]);
  const st = o?.stats;
  return html`<div class="stats" data-testid="stats">
    <span class=${live ? 'dot live' : 'dot'}></span>${live ? 'live' : 'reconnecting'}
    ${st && html` · ${st.traces} traces · ${st.spans} / ${st.caps.maxSpans} spans · ${st.logs} logs`}
    ${st && st.dropped.spans + st.dropped.logs > 0 && html` · <b data-testid="dropped">dropped ${st.dropped.spans} spans, ${st.dropped.logs} logs (oldest first)</b>`}
  </div>`;
}

function App() {
  const hash = useHash();
  const { tick, live } = useUpdates();
  const traceId = /^#\/trace\/([0-9a-f]+)$/.exec(hash)?.[1];
  return html`<header><a href="#/" class="title">create-traced-service view</a><${StatsLine} live=${live} tick=${tick} /></header>
    <main>${traceId ? html`<${TracePage} key=${traceId} traceId=${traceId} tick=${tick} onBack=${() => (location.hash = '#/')} />` : html`<${ListPage} tick=${tick} />`}</main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
