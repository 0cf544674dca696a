/**
 * Where a traced Node request's CPU goes: V8's sampling profiler (`node --cpu-prof`) on the service under
 * the closed-loop load, each sample charged to the innermost npm package on its stack (what that package
 * asked Node to do counts as its cost), then folded into the roles of the OpenTelemetry code. The same is
 * done for the untraced app, so the difference per role is what tracing adds.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { WORK } from './paths.mjs';

export const PROFILE_INTERVAL_US = 250;

/** Packages → role, first match wins; packages not listed are the app's framework and its dependencies. */
const ROLES = [
  [/^@opentelemetry\/instrumentation-http$/, 'HTTP instrumentation (server span, its attributes)'],
  [/^(@opentelemetry\/instrumentation-(express|fastify)|@fastify\/otel)$/, 'framework instrumentation (route)'],
  [/^(@opentelemetry\/instrumentation|require-in-the-middle|import-in-the-middle|shimmer)$/, 'patching hooks'],
  [
    /^@opentelemetry\/(api|core|resources|sdk-trace|sdk-trace-base|sdk-trace-node|sdk-node|context-async-hooks|semantic-conventions)$/,
    'SDK: span objects, ids, sampler, context, batch queue',
  ],
  [/^(@opentelemetry\/otlp-transformer|protobufjs|@protobufjs\/.+)$/, 'export: OTLP encoding'],
  [/^(@grpc\/.+|@opentelemetry\/(otlp-.+|exporter-.+))$/, 'export: sending (gRPC / HTTP client)'],
  [/^@opentelemetry\//, 'other OpenTelemetry (instrumentations of the zero-code path)'],
];
export const NOT_TRACING = ['framework and app', 'Node core (http, streams, timers)', 'V8 native and GC'];

function packageOf(url) {
  const i = url.lastIndexOf('/node_modules/');
  if (i < 0) return undefined;
  const parts = url.slice(i + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function roleOf(pkg) {
  for (const [re, role] of ROLES) if (re.test(pkg)) return role;
  return 'framework and app';
}

/** Flags that make the service write one .cpuprofile into a fresh directory when it exits. */
export function profileFlags(label) {
  const dir = path.join(WORK, 'logs', 'node-profiles', `${label}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, flags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] };
}

/** Now on the clock of V8's profile timestamps (monotonic, µs), to pick the samples of the measured load. */
export const profileClockUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Time per role (µs of samples) in the profiles the service wrote, idle left out; only samples within
 * `window` ({ fromUs, toUs } on profileClockUs) when given, so start-up and warm-up do not count.
 */
export function classifyProfiles(dir, window = undefined) {
  const totals = {};
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const roleCache = new Map();
    const role = (id) => {
      if (roleCache.has(id)) return roleCache.get(id);
      const leaf = byId.get(id).callFrame.functionName;
      let r;
      if (leaf === '(idle)') r = null;
      else if (leaf === '(garbage collector)' || leaf === '(program)') r = 'V8 native and GC';
      else {
        for (let at = id; at !== undefined && !r; at = parent.get(at)) {
          const pkg = packageOf(byId.get(at).callFrame.url ?? '');
          if (pkg) r = roleOf(pkg);
        }
        r ??= byId.get(id).callFrame.url?.includes('/dist/')
          ? 'framework and app'
          : 'Node core (http, streams, timers)';
      }
      roleCache.set(id, r);
      return r;
    };
    let at = prof.startTime;
    prof.samples.forEach((id, i) => {
      at += prof.timeDeltas[i] ?? 0;
      if (window && (at < window.fromUs || at > window.toUs)) return;
      const r = role(id);
      if (r) totals[r] = (totals[r] ?? 0) + (prof.timeDeltas[i] ?? 0);
    });
  }
  return totals;
}

/** µs per request per role: each role's share of the sampled busy time times the measured CPU per request. */
export function perRequest(totals, cpuMsPerReq) {
  const busy = Object.values(totals).reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    Object.entries(totals)
      .sort((a, b) => b[1] - a[1])
      .map(([role, t]) => [role, busy > 0 ? (t / busy) * cpuMsPerReq * 1000 : null]),
  );
}
