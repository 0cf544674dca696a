/**
 * telemetry-contract.json: read (validated; a bad file is a one-line usage error), written (stable,
 * reviewable JSON: sorted keys lists, two-space indent), and the routes it asks the smoke test to send.
 * The schema is described in docs/telemetry-contract.md.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { SPAN_KINDS } from '../receiver/model.js';
import { check } from './check.js';
import { compareContract, idFindings, routeLabel, type TelemetryContract } from './contract.js';
import type { SmokeCheck, SmokeContract } from './types.js';
import { readTextIfExistsSync } from '../core/read-file.js';

export const CONTRACT_FILE = 'telemetry-contract.json';

const keys = z.array(z.string());
const span = z.object({ name: z.string(), kind: z.enum(SPAN_KINDS as [string, ...string[]]), attributes: keys });
const route = z.object({
  method: z.string().regex(/^[A-Z]+$/, 'an HTTP method in capitals'),
  path: z.string().startsWith('/', 'a path starting with /'),
  status: z.number().int().min(100).max(599),
  server: span.optional(),
  children: z.array(span).optional(),
});
const schema = z.object({
  version: z.literal(1),
  routes: z.array(route),
  resource: keys.default([]),
  metrics: z.array(z.object({ name: z.string(), unit: z.string(), attributes: keys })).optional(),
  logs: z.object({ traceContext: z.boolean() }).optional(),
});

export function contractPath(projectDir: string): string {
  return path.join(projectDir, CONTRACT_FILE);
}

/** The recorded contract, or undefined when the project has none. */
export function readContract(projectDir: string): TelemetryContract | undefined {
  const file = contractPath(projectDir);
  // A regular file inside the project only (never a FIFO or a link out of it), bounded like every read.
  const text = readTextIfExistsSync(file, { label: CONTRACT_FILE, within: projectDir });
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${CONTRACT_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${CONTRACT_FILE}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data as TelemetryContract;
}

/** Written whole or not at all: a temp file beside it, then a rename. */
export function writeContract(projectDir: string, contract: TelemetryContract): void {
  const file = contractPath(projectDir);
  const temp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temp, `${JSON.stringify(contract, null, 2)}\n`);
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * What recording needs of the run: a server span for every route, as listed, and no id in a span name.
 * The run's other checks do not block it: accepting a renamed span is what --update is for, even where a
 * built-in check still expects the old name.
 */
function recordingProblems(previous: TelemetryContract | undefined, shape: TelemetryContract): string[] {
  const problems: string[] = [];
  for (const route of shape.routes) {
    if (!route.server) problems.push(`${routeLabel(route)}: no server span arrived (answered ${route.status})`);
    problems.push(...idFindings(route).map((p) => `${routeLabel(route)}: ${p}`));
    const listed = previous?.routes.find((r) => r.method === route.method && r.path === route.path);
    if (listed && !listed.server && listed.status !== route.status)
      problems.push(`${routeLabel(route)} answered ${route.status}, listed with ${listed.status}`);
  }
  return problems;
}

function record(projectDir: string, previous: TelemetryContract | undefined, shape: TelemetryContract): SmokeCheck {
  const problems = recordingProblems(previous, shape);
  if (problems.length > 0)
    return check('telemetry contract recorded', false, `${CONTRACT_FILE} not written: ${problems.join('; ')}`);
  writeContract(projectDir, shape);
  const changes = previous ? compareContract(previous, shape).filter((c) => !c.ok) : [];
  const accepted = changes.map((c) => `${c.name.replace(/^contract: /, '')}: ${c.detail}`);
  return check(
    'telemetry contract recorded',
    true,
    `${CONTRACT_FILE}: ${shape.routes.length} route(s), ${shape.metrics?.length ?? 0} metric(s)` +
      (accepted.length > 0 ? `; accepted: ${accepted.join(' | ')}` : previous ? '; unchanged' : ''),
  );
}

/**
 * The contract's part in `smoke`: with `record` (--record, --update) the run's shape is written; without,
 * the run is checked against the file when there is one. Reads the file now, so a bad one stops before
 * anything starts.
 */
export function contractFor(projectDir: string, mode: 'check' | 'record'): SmokeContract | undefined {
  const recorded = readContract(projectDir);
  if (mode === 'check' && !recorded) return undefined;
  return {
    routes: (recorded?.routes ?? []).map(({ method, path: p, status }) => ({ method, path: p, status })),
    judge: (shape) => (mode === 'record' ? [record(projectDir, recorded, shape)] : compareContract(recorded!, shape)),
  };
}
