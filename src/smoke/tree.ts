/** Renders received spans as trace trees with a waterfall: what a person would look for in Jaeger. */
import pc from 'picocolors';
import { terminalText } from '../core/escape.js';
import type { ReceivedSpan } from '../receiver/model.js';

interface Node {
  span: ReceivedSpan;
  children: Node[];
}

const BAR_WIDTH = 24;

function durationMs(span: ReceivedSpan): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)}ms` : `${ms.toFixed(1)}ms`;
}

/** Groups spans by trace and links children to parents; spans whose parent was not received are roots. */
export function buildTrees(spans: ReceivedSpan[]): Map<string, Node[]> {
  const byTrace = new Map<string, Node[]>();
  const nodes = new Map<string, Node>();
  for (const span of spans) nodes.set(`${span.traceId}/${span.spanId}`, { span, children: [] });
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(`${node.span.traceId}/${node.span.parentSpanId}`) : undefined;
    if (parent) parent.children.push(node);
    else {
      const roots = byTrace.get(node.span.traceId) ?? [];
      roots.push(node);
      byTrace.set(node.span.traceId, roots);
    }
  }
  const byStart = (a: Node, b: Node) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : 1);
  const sortDeep = (list: Node[]) => {
    list.sort(byStart);
    for (const n of list) sortDeep(n.children);
  };
  for (const roots of byTrace.values()) sortDeep(roots);
  return byTrace;
}

export function renderTraceTree(spans: ReceivedSpan[], options: { color?: boolean } = {}): string {
  const color = options.color ?? false;
  const dim = color ? pc.dim : (s: string) => s;
  const cyan = color ? pc.cyan : (s: string) => s;
  const lines: string[] = [];
  for (const [traceId, roots] of buildTrees(spans)) {
    const all: ReceivedSpan[] = [];
    const collect = (n: Node) => {
      all.push(n.span);
      n.children.forEach(collect);
    };
    roots.forEach(collect);
    const start = all.reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), all[0]!.startTimeUnixNano);
    const end = all.reduce((m, s) => (s.endTimeUnixNano > m ? s.endTimeUnixNano : m), all[0]!.endTimeUnixNano);
    const total = Number(end - start) || 1;

    const rows: { label: string; kind: string; duration: string; bar: string }[] = [];
    const walk = (node: Node, prefix: string, isLast: boolean, isRoot: boolean) => {
      const s = node.span;
      const offset = Math.floor((Number(s.startTimeUnixNano - start) / total) * BAR_WIDTH);
      const width = Math.max(1, Math.round((Number(s.endTimeUnixNano - s.startTimeUnixNano) / total) * BAR_WIDTH));
      // A root with a parent id continues a trace started elsewhere (an inbound traceparent).
      const remote = isRoot && s.parentSpanId ? ` (remote parent ${s.parentSpanId})` : '';
      rows.push({
        // Span names come from the service: escaped, so that they cannot drive the terminal.
        label: `${isRoot ? '' : `${prefix}${isLast ? '└─ ' : '├─ '}`}${terminalText(s.name)}${terminalText(remote)}`,
        kind: s.kind,
        duration: formatMs(durationMs(s)),
        bar:
          ' '.repeat(Math.min(offset, BAR_WIDTH - 1)) +
          '█'.repeat(Math.min(width, BAR_WIDTH - Math.min(offset, BAR_WIDTH - 1))),
      });
      const childPrefix = isRoot ? '' : `${prefix}${isLast ? '   ' : '│  '}`;
      node.children.forEach((c, i) => walk(c, childPrefix, i === node.children.length - 1, false));
    };
    roots.forEach((r) => walk(r, '', true, true));
    const labelWidth = Math.max(...rows.map((r) => r.label.length));
    lines.push(dim(`trace ${traceId}`));
    for (const r of rows) {
      lines.push(`  ${r.label.padEnd(labelWidth)}  ${r.kind.padEnd(8)} ${r.duration.padStart(8)}  ${cyan(r.bar)}`);
    }
  }
  return lines.join('\n');
}
